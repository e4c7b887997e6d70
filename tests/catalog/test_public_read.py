"""Lenient authentication of the public reads: only a STAFF token is checked.

A public read differs only for managers, so a token whose payload does not
claim the STAFF actor type is neither verified nor loaded: the caller gets the
public view, which a valid client token, a bad token and no token all get.
"""

from __future__ import annotations

import datetime as dt

import jwt
import pytest
from django.conf import settings
from django.utils import timezone
from model_bakery import baker

from accounts.tokens import AccessToken
from news.models import NewsItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def news(db):
    baker.make(NewsItem, title="ended", ends_at=timezone.now() - dt.timedelta(days=1))
    baker.make(NewsItem, title="live")


def _titles(response) -> list[str]:
    assert response.status_code == 200
    return sorted(row["title"] for row in response.json())


def _token(claims: dict, *, key: str | None = None) -> str:
    """An access token with `claims`, signed with our key unless `key` is given."""
    exp = timezone.now() + dt.timedelta(minutes=5)
    signing_key = key or settings.JWT_SECRET_KEY
    return jwt.encode({**claims, "exp": exp}, signing_key, algorithm="HS256")


@pytest.mark.parametrize(
    ("_case", "claims"),
    [
        ("client claim, a manager's id", {"sub": "{pk}", "actor_type": "CLIENT"}),
        ("legacy client type claim", {"sub": "{pk}", "type": "CLIENT"}),
        ("no actor type", {"sub": "{pk}"}),
        ("unknown actor type", {"sub": "{pk}", "actor_type": "ADMIN"}),
    ],
)
def test_a_non_staff_claim_gets_the_public_view_unchecked(
    api_client, manager, news, django_assert_num_queries, _case, claims
):
    # given: a signed payload naming the manager, under a claim that is not STAFF
    token = _token({k: v.format(pk=manager.pk) for k, v in claims.items()})
    api_client.get("/api/v1/news")  # cached
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    # when / then: no verification, no load, no privilege
    with django_assert_num_queries(0):
        assert _titles(api_client.get("/api/v1/news")) == ["live"]


def test_a_deactivated_clients_token_still_reads_the_public_view(
    auth_client, user, news, django_assert_num_queries
):
    user.is_active = False
    user.save(update_fields=["is_active"])
    auth_client.get("/api/v1/news")
    with django_assert_num_queries(0):
        assert _titles(auth_client.get("/api/v1/news")) == ["live"]


def test_a_forged_staff_claim_is_verified_and_refused(api_client, manager, news):
    token = _token(
        {"sub": str(manager.pk), "actor_type": "STAFF"},
        key="a-key-that-is-not-this-servers-access-key",
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert _titles(api_client.get("/api/v1/news")) == ["live"]


def test_a_legacy_staff_type_claim_is_still_a_manager(api_client, manager, news):
    # given: a real token of the original's later version (`type`, no `actor_type`)
    token = AccessToken()
    token["sub"] = str(manager.pk)
    token["type"] = "STAFF"
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    # when / then
    assert _titles(api_client.get("/api/v1/news")) == ["ended", "live"]


def test_a_deactivated_managers_token_gets_the_public_view(
    manager_client, manager, news
):
    manager.is_active = False
    manager.save(update_fields=["is_active"])
    assert _titles(manager_client.get("/api/v1/news")) == ["live"]


@pytest.mark.parametrize("header", ["Bearer a.b", "Bearer a.%%%.c", "Bearer x.WzFd.y"])
def test_an_unreadable_token_is_anonymous(api_client, news, header):
    api_client.credentials(HTTP_AUTHORIZATION=header)
    assert _titles(api_client.get("/api/v1/news")) == ["live"]
