"""Token rules of `mobile-api.md` §3.2 through a protected probe route."""

from __future__ import annotations

import datetime as dt

import jwt
import pytest
import time_machine
from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.tokens import AccessToken, token_pair_issue
from sardoba.api.permissions import IsClient, IsManager

pytestmark = pytest.mark.django_db


class _ClientOnly(APIView):
    permission_classes = [IsClient]

    def get(self, request):
        return Response({"id": request.user.pk})


class _ManagerOnly(APIView):
    permission_classes = [IsManager]

    def get(self, request):
        return Response({"id": request.user.pk})


urlpatterns = [
    path("api/v1/_client", _ClientOnly.as_view()),
    path("api/v1/_manager", _ManagerOnly.as_view()),
]


@pytest.fixture(autouse=True)
def _urls(settings):
    settings.ROOT_URLCONF = __name__


def _get(api_client, url, header=None):
    if header is not None:
        api_client.credentials(HTTP_AUTHORIZATION=header)
    return api_client.get(url)


def _assert_401(response, code):
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json()["code"] == code


def test_client_token_passes(api_client, user):
    access = token_pair_issue(actor=user).access_token
    response = _get(api_client, "/api/v1/_client", f"bearer {access}")
    assert response.json() == {"id": user.pk}


def test_claims_follow_the_spec(user, manager):
    pair = token_pair_issue(actor=manager)
    access = jwt.decode(pair.access_token, options={"verify_signature": False})
    refresh = jwt.decode(pair.refresh_token, options={"verify_signature": False})
    assert {k: access[k] for k in ("sub", "type", "actor_type", "role")} == {
        "sub": str(manager.pk),
        "type": "STAFF",
        "actor_type": "STAFF",
        "role": "MANAGER",
    }
    assert "scope" not in access
    assert refresh["scope"] == "refresh"
    assert access["exp"] - access["iat"] == 30 * 60
    assert refresh["exp"] - refresh["iat"] == 14 * 86400


@pytest.mark.parametrize(
    ("_case", "header", "code"),
    [
        ("no header", None, "not_authenticated"),
        ("other scheme", "Basic abc", "not_authenticated"),
        ("garbage", "Bearer not.a.token", "invalid_token"),
    ],
)
def test_missing_or_bad_tokens(api_client, _case, header, code):
    _assert_401(_get(api_client, "/api/v1/_client", header), code)


def test_refresh_token_is_not_an_access_token(api_client, user):
    refresh = token_pair_issue(actor=user).refresh_token
    _assert_401(
        _get(api_client, "/api/v1/_client", f"Bearer {refresh}"), "invalid_token"
    )


def test_expired_token(api_client, user):
    with time_machine.travel(dt.datetime(2025, 1, 1, tzinfo=dt.UTC), tick=False):
        access = token_pair_issue(actor=user).access_token
    _assert_401(
        _get(api_client, "/api/v1/_client", f"Bearer {access}"), "invalid_token"
    )


def test_token_signed_with_another_key(api_client, user, settings):
    forged = jwt.encode(
        {"sub": str(user.pk), "actor_type": "CLIENT", "exp": 9999999999}, "x" * 32
    )
    _assert_401(
        _get(api_client, "/api/v1/_client", f"Bearer {forged}"), "invalid_token"
    )


def test_unknown_actor_type(api_client, user):
    token = AccessToken()
    token["sub"] = str(user.pk)
    token["actor_type"] = "ROBOT"
    _assert_401(
        _get(api_client, "/api/v1/_client", f"Bearer {token}"),
        "invalid_token_actor_type",
    )


def test_type_claim_is_the_fallback_actor_type(api_client, user):
    token = AccessToken()
    token["sub"] = str(user.pk)
    token["type"] = "CLIENT"
    assert _get(api_client, "/api/v1/_client", f"Bearer {token}").status_code == 200


def test_deleted_and_deactivated_clients(api_client, user):
    access = token_pair_issue(actor=user).access_token
    user.is_active = False
    user.save(update_fields=["is_active"])
    _assert_401(
        _get(api_client, "/api/v1/_client", f"Bearer {access}"), "account_inactive"
    )
    user.is_deleted = True
    user.save(update_fields=["is_deleted"])
    _assert_401(
        _get(api_client, "/api/v1/_client", f"Bearer {access}"), "user_not_found"
    )


def test_staff_token_on_client_route_is_403(api_client, manager):
    access = token_pair_issue(actor=manager).access_token
    response = _get(api_client, "/api/v1/_client", f"Bearer {access}")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_waiter_on_manager_route_is_managers_only(api_client, waiter):
    access = token_pair_issue(actor=waiter).access_token
    response = _get(api_client, "/api/v1/_manager", f"Bearer {access}")
    assert response.status_code == 403
    assert response.json()["code"] == "managers_only"


def test_role_is_read_from_the_database(api_client, waiter):
    access = token_pair_issue(actor=waiter).access_token  # role claim says WAITER
    waiter.role = "MANAGER"
    waiter.save(update_fields=["role"])
    assert _get(api_client, "/api/v1/_manager", f"Bearer {access}").status_code == 200


def test_deleted_staff(api_client, manager):
    from django.utils import timezone

    access = token_pair_issue(actor=manager).access_token
    manager.deleted_at = timezone.now()
    manager.save(update_fields=["deleted_at"])
    _assert_401(
        _get(api_client, "/api/v1/_manager", f"Bearer {access}"), "staff_not_found"
    )


def test_mock_user_claim_is_refused(api_client, user):
    token = AccessToken()
    token["sub"] = str(user.pk)
    token["actor_type"] = "CLIENT"
    token["mock_user"] = True
    _assert_401(_get(api_client, "/api/v1/_client", f"Bearer {token}"), "invalid_token")


@pytest.fixture
def decodes(monkeypatch):
    """How many times a token's signature is checked (simplejwt's backend decode)."""
    from rest_framework_simplejwt.backends import TokenBackend

    calls = []
    real = TokenBackend.decode

    def counted(self, token, verify=True):
        calls.append(token)
        return real(self, token, verify)

    monkeypatch.setattr(TokenBackend, "decode", counted)
    return calls


def test_a_process_checks_a_tokens_signature_once(api_client, user, decodes):
    access = token_pair_issue(actor=user).access_token
    for _ in range(3):
        assert (
            _get(api_client, "/api/v1/_client", f"Bearer {access}").status_code == 200
        )
    assert len(decodes) == 1


def test_a_verified_token_still_expires(api_client, user, decodes):
    start = dt.datetime.now(dt.UTC)
    with time_machine.travel(start, tick=False):
        access = token_pair_issue(actor=user).access_token
        assert (
            _get(api_client, "/api/v1/_client", f"Bearer {access}").status_code == 200
        )
    expired = start + dt.timedelta(minutes=31)  # ACCESS_TOKEN_EXPIRE_MINUTES=30
    with time_machine.travel(expired, tick=False):
        _assert_401(
            _get(api_client, "/api/v1/_client", f"Bearer {access}"), "invalid_token"
        )
    with time_machine.travel(start - dt.timedelta(minutes=5), tick=False):
        # Issued "in the future": the whole check decides, as on the first use.
        _assert_401(
            _get(api_client, "/api/v1/_client", f"Bearer {access}"), "invalid_token"
        )


def test_a_verified_token_is_refused_once_the_key_changes(api_client, user, settings):
    access = token_pair_issue(actor=user).access_token
    assert _get(api_client, "/api/v1/_client", f"Bearer {access}").status_code == 200
    settings.JWT_SECRET_KEY = "another-access-key-0123456789abcdef"
    _assert_401(
        _get(api_client, "/api/v1/_client", f"Bearer {access}"), "invalid_token"
    )
