"""Client inbox (M9, M10) and device registration (M11) through the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Client
from notifications.models import DeviceRegistration, Notification
from notifications.services import client_language, inbox_notification_create
from tests.conftest import bearer
from tests.notifications.factories import make_client

pytestmark = pytest.mark.django_db

INBOX = "/api/v1/notifications/clients"
REGISTER = "/api/v1/notifications/register-token"


def _notify(client, title="t", **extra):
    values = {
        "client": client,
        "title": title,
        "description": f"{title} text",
        "notification_type": "cashback_accrual",
        "payload": {"type": "cashback_accrual", "amount": "15000"},
        "language": "ru",
    }
    values.update(extra)
    return inbox_notification_create(**values)


# M9 ---------------------------------------------------------------------------


def test_inbox_lists_newest_first_with_exact_items(auth_client, user):
    # given one delivered, one undelivered row and someone else's
    old = _notify(user, "old")
    Notification.objects.filter(pk=old.pk).update(
        is_sent=True,
        sent_at=timezone.now(),
        created_at=timezone.now() - dt.timedelta(minutes=5),
    )
    new = _notify(user, "new")
    _notify(make_client(), "foreign")
    # when
    response = auth_client.get(INBOX)
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["unread_count"] == 2
    assert [item["id"] for item in body["items"]] == [new.pk, old.pk]
    item = body["items"][0]
    new.refresh_from_db()
    assert item == {
        "id": new.pk,
        "title": "new",
        "description": "new text",
        "type": "cashback_accrual",
        "payload": {"type": "cashback_accrual", "amount": "15000"},
        "language": "ru",
        "is_read": False,
        "is_sent": False,
        "sent_at": item["created_at"],  # never null: created_at until delivered
        "created_at": item["created_at"],
    }
    assert item["created_at"].endswith("+05:00")
    assert body["items"][1]["is_sent"] is True
    assert body["items"][1]["sent_at"] != body["items"][1]["created_at"]


@pytest.mark.parametrize(
    ("_case", "query", "expected"),
    [
        ("missing", "", 50),
        ("one", "?limit=1", 1),
        ("zero clamps up", "?limit=0", 1),
        ("negative clamps up", "?limit=-5", 1),
        ("too big clamps down", "?limit=500", 200),
        ("garbage", "?limit=abc", 50),
    ],
)
def test_inbox_limit_is_clamped(auth_client, user, _case, query, expected):
    Notification.objects.bulk_create(
        Notification(client=user, title=f"n{i}", description="d") for i in range(205)
    )
    body = auth_client.get(INBOX + query).json()
    assert len(body["items"]) == expected
    assert body["unread_count"] == 205


def test_unread_count_counts_beyond_the_limit_and_skips_read(auth_client, user):
    for index in range(3):
        _notify(user, f"n{index}")
    Notification.objects.filter(title="n0").update(is_read=True)
    body = auth_client.get(INBOX + "?limit=1").json()
    assert body["unread_count"] == 2
    assert len(body["items"]) == 1


def test_inbox_query_count_is_constant(auth_client, user, django_assert_num_queries):
    for rows in (1, 30):
        Notification.objects.bulk_create(
            Notification(client=user, title="n", description="d") for _ in range(rows)
        )
        # auth (client row), the items with the unread count
        with django_assert_num_queries(2):
            assert auth_client.get(INBOX).status_code == 200


def test_inbox_trailing_slash_is_served(auth_client, user):
    _notify(user)
    response = auth_client.get(INBOX + "/")
    assert response.status_code == 200
    assert response.json()["unread_count"] == 1


@pytest.mark.parametrize(
    ("_case", "method", "url"),
    [
        ("list", "get", INBOX),
        ("read", "post", INBOX + "/1/read"),
        ("register", "post", REGISTER),
    ],
)
def test_client_routes_refuse_anonymous_and_staff(
    api_client, manager, _case, method, url
):
    anonymous = getattr(api_client, method)(url)
    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "not_authenticated"
    staff = getattr(bearer(APIClient(), manager), method)(url)
    assert staff.status_code == 403
    assert staff.json()["code"] == "permission_denied"


@pytest.mark.parametrize(
    ("_case", "change", "code"),
    [
        ("deleted", {"is_deleted": True}, "user_not_found"),
        ("deactivated", {"is_active": False}, "account_inactive"),
    ],
)
def test_inbox_refuses_deleted_and_deactivated_clients(
    auth_client, user, _case, change, code
):
    Client.objects.filter(pk=user.pk).update(**change)
    response = auth_client.get(INBOX)
    assert response.status_code == 401
    assert response.json()["code"] == code


# M10 --------------------------------------------------------------------------


def test_mark_read_is_idempotent(auth_client, user):
    row = _notify(user)
    for _ in range(2):
        response = auth_client.post(f"{INBOX}/{row.pk}/read")
        assert response.status_code == 204
        assert response.content == b""
    row.refresh_from_db()
    assert row.is_read is True
    assert row.is_sent is False  # read and delivered are independent


@pytest.mark.parametrize("_case", ["someone else's", "missing"])
def test_mark_read_of_a_foreign_or_missing_row_is_404(auth_client, user, _case):
    foreign = _notify(make_client())
    pk = foreign.pk if _case == "someone else's" else foreign.pk + 1000
    response = auth_client.post(f"{INBOX}/{pk}/read")
    assert response.status_code == 404
    assert response.json() == {
        "detail": {
            "uz": "Bildirishnoma topilmadi.",
            "ru": "Уведомление не найдено.",
            "en": "Notification not found",
        },
        "code": "notification_not_found",
    }
    foreign.refresh_from_db()
    assert foreign.is_read is False


def test_non_digit_ids_are_not_routed(auth_client):
    assert auth_client.post(f"{INBOX}/abc/read").status_code == 404


# M11 --------------------------------------------------------------------------


def test_register_with_null_token_creates_then_updates_the_same_row(auth_client, user):
    # given
    body = {
        "deviceType": "android",
        "deviceToken": None,
        "language": "uz",
        "usesWebSocket": True,
    }
    # when
    first = auth_client.post(REGISTER, body)
    second = auth_client.post(REGISTER, {**body, "language": "ru"})
    # then
    assert (first.status_code, second.status_code) == (204, 204)
    assert first.content == b""
    device = DeviceRegistration.objects.get(client=user)
    assert (device.device_type, device.device_token) == ("android", None)
    assert (device.language, device.uses_websocket) == ("ru", True)


def test_register_accepts_snake_case_keys(auth_client, user):
    response = auth_client.post(
        REGISTER,
        {
            "device_type": "ios",
            "device_token": "tok-1",
            "language": "uz",
            "uses_websocket": True,
        },
    )
    assert response.status_code == 204
    device = DeviceRegistration.objects.get(client=user)
    assert (device.device_type, device.device_token, device.language) == (
        "ios",
        "tok-1",
        "uz",
    )
    assert device.uses_websocket is True


def test_register_with_a_token_moves_it_to_the_caller(auth_client, user):
    other = make_client()
    DeviceRegistration.objects.create(
        client=other, device_type="ios", device_token="shared", language="ru"
    )
    response = auth_client.post(
        REGISTER, {"deviceType": "ios", "deviceToken": "shared", "language": "uz"}
    )
    assert response.status_code == 204
    device = DeviceRegistration.objects.get(device_token="shared")
    assert (device.client_id, device.language) == (user.pk, "uz")
    assert not DeviceRegistration.objects.filter(client=other).exists()


@pytest.mark.parametrize(
    ("_case", "language"), [("missing", None), ("english", "en"), ("number", 5)]
)
def test_register_stores_ru_for_a_missing_or_unknown_language(
    auth_client, user, _case, language
):
    body = {"deviceType": "android", "deviceToken": None}
    if language is not None:
        body["language"] = language
    assert auth_client.post(REGISTER, body).status_code == 204
    assert DeviceRegistration.objects.get(client=user).language == "ru"


@pytest.mark.parametrize(
    ("_case", "body"),
    [
        ("bad type", {"deviceType": "windows", "language": "uz"}),
        ("missing type", {"language": "uz"}),
    ],
)
def test_register_rejects_a_bad_device_type(auth_client, user, _case, body):
    response = auth_client.post(REGISTER, body)
    assert response.status_code == 422
    error = response.json()
    assert error["code"] == "validation_error"
    assert error["detail"][0]["loc"] == ["body", "deviceType"]
    assert not DeviceRegistration.objects.exists()


def test_latest_registration_decides_the_language(auth_client, user):
    auth_client.post(REGISTER, {"deviceType": "ios", "language": "ru"})
    auth_client.post(REGISTER, {"deviceType": "android", "language": "uz"})
    assert client_language(client_id=user.pk) == "uz"
    auth_client.post(REGISTER, {"deviceType": "ios", "language": "ru"})
    assert client_language(client_id=user.pk) == "ru"
