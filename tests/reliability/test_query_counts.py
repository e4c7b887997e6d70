"""Hot paths: query counts constant in data size; cached reads touch no database.

The mobile app's hottest calls (mobile-api §11) are measured with 2 and then 25
ledger entries, inbox rows and news items for the same client: the number of SQL
queries must not change. `/news` and `/catalog/live` served a second time come
from the cache without a single query.
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from cashback.services import ledger_entry_append, wallet_get_or_create, wallet_lock
from news.models import NewsItem
from notifications.models import Notification

AUTHENTICATED = [
    "/api/v1/auth/me",
    "/api/v1/cashback/user/{id}",
    "/api/v1/notifications/clients?limit=1",
    "/api/v1/notifications/clients?limit=50",
]
PUBLIC_CACHED = ["/api/v1/news", "/api/v1/catalog/live"]


def _grow(user, n: int) -> None:
    for _ in range(n):
        with transaction.atomic():
            wallet = wallet_lock(client=user)
            ledger_entry_append(
                wallet=wallet, kind="accrual", amount=1000, source="ORDER"
            )
    Notification.objects.bulk_create(
        Notification(client=user, title="t", description="d", notification_type="x")
        for _ in range(n)
    )
    NewsItem.objects.bulk_create(NewsItem(title=f"n{i}") for i in range(n))


def _queries(client, path: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        status = client.get(path).status_code
    return status, len(ctx.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("template", AUTHENTICATED)
def test_query_count_is_constant_in_data_size(auth_client, user, template):
    wallet_get_or_create(client=user)
    path = template.format(id=user.pk)
    auth_client.get(path)  # first call only: card check, throttled iiko sync queued
    _grow(user, 2)
    status_small, small = _queries(auth_client, path)
    _grow(user, 23)
    status_large, large = _queries(auth_client, path)
    assert status_small == status_large == 200
    assert large == small


@pytest.mark.django_db
@pytest.mark.parametrize("path", PUBLIC_CACHED)
def test_cached_public_reads_touch_no_database(api_client, path):
    NewsItem.objects.create(title="Yangi menyu")
    first_status, _ = _queries(api_client, path)
    second_status, second = _queries(api_client, path)
    assert first_status == second_status == 200
    assert second == 0


@pytest.mark.django_db
def test_registering_a_known_device_again_is_one_update(auth_client, user):
    body = {"deviceType": "android", "deviceToken": None, "language": "uz"}
    path = "/api/v1/notifications/register-token"
    assert auth_client.post(path, body, format="json").status_code == 204
    body["language"] = "ru"
    with CaptureQueriesContext(connection) as ctx:
        assert auth_client.post(path, body, format="json").status_code == 204
    statements = [q["sql"].split()[0] for q in ctx.captured_queries]
    assert statements == ["SELECT", "UPDATE"]  # the token check, the touch
    device = user.devices.get()
    assert device.language == "ru"
