"""The role matrix of every identity route: who gets 401, who gets 403, nothing done."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import AuditEntry, Client, Staff
from tests.accounts.helpers import assert_error
from tests.conftest import bearer

pytestmark = pytest.mark.django_db

MANAGER_ROUTES = [
    ("get", "/api/v1/auth/staff"),
    ("post", "/api/v1/auth/staff"),
    ("patch", "/api/v1/auth/staff/{staff}"),
    ("delete", "/api/v1/auth/staff/{staff}"),
    ("post", "/api/v1/auth/staff/{staff}/referral/regenerate"),
    ("get", "/api/v1/waiters"),
    ("post", "/api/v1/waiters"),
    ("get", "/api/v1/waiters/{staff}"),
    ("put", "/api/v1/waiters/{staff}"),
    ("patch", "/api/v1/waiters/{staff}"),
    ("delete", "/api/v1/waiters/{staff}"),
    ("get", "/api/v1/users/{user}"),
    ("patch", "/api/v1/users/{user}"),
    ("delete", "/api/v1/users/{user}"),
    ("post", "/api/v1/users/{user}/status"),
    ("get", "/api/v1/logs/auth"),
    ("get", "/api/v1/admin/auth-logs"),
    ("get", "/api/v1/logs/otp"),
    ("get", "/api/v1/logs/validation"),
    ("get", "/api/v1/logs/audit"),
]
STAFF_ROUTES = [
    ("get", "/api/v1/users"),
    ("post", "/api/v1/auth/staff/change-password"),
]
CLIENT_ROUTES = [
    ("put", "/api/v1/users/me"),
    ("delete", "/api/v1/users/me"),
    ("delete", "/api/v1/user/delete"),
    ("delete", "/api/v1/files/profile-photo"),
]


@pytest.fixture
def other_client(db):
    return Client.objects.create(phone="+998907770000", name="Other")


def _call(api, method, url, waiter, other_client):
    url = url.format(staff=waiter.pk, user=other_client.pk)
    return getattr(api, method)(url, {"is_active": False, "name": "X"})


def _nothing_happened(waiter, other_client):
    assert not AuditEntry.objects.exists()
    assert Staff.objects.get(pk=waiter.pk).deleted_at is None
    other = Client.objects.get(pk=other_client.pk)
    assert (other.is_deleted, other.is_active, other.name) == (False, True, "Other")


@pytest.mark.parametrize(
    ("method", "url"), MANAGER_ROUTES + STAFF_ROUTES + CLIENT_ROUTES
)
def test_anonymous_gets_401(method, url, waiter, other_client):
    response = _call(APIClient(), method, url, waiter, other_client)
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Bearer"
    _nothing_happened(waiter, other_client)


@pytest.mark.parametrize(("method", "url"), MANAGER_ROUTES + STAFF_ROUTES)
def test_client_token_on_staff_routes_is_403(
    method, url, auth_client, waiter, other_client
):
    assert_error(
        _call(auth_client, method, url, waiter, other_client), 403, "permission_denied"
    )
    _nothing_happened(waiter, other_client)


@pytest.mark.parametrize(("method", "url"), MANAGER_ROUTES)
def test_waiter_on_manager_routes_is_403(
    method, url, waiter_client, waiter, other_client
):
    assert_error(
        _call(waiter_client, method, url, waiter, other_client), 403, "managers_only"
    )
    _nothing_happened(waiter, other_client)


@pytest.mark.parametrize(("method", "url"), CLIENT_ROUTES)
def test_staff_token_on_client_routes_is_403(
    method, url, manager_client, waiter, other_client
):
    assert_error(
        _call(manager_client, method, url, waiter, other_client),
        403,
        "permission_denied",
    )
    _nothing_happened(waiter, other_client)


@pytest.mark.parametrize(
    ("_case", "change", "code"),
    [
        ("deleted", {"is_deleted": True, "phone": "+999123456789"}, "user_not_found"),
        ("deactivated", {"is_active": False}, "account_inactive"),
    ],
)
@pytest.mark.parametrize(
    ("method", "url"), [*CLIENT_ROUTES, ("get", "/api/v1/auth/me")]
)
def test_gone_client_tokens_are_401(
    method, url, user, waiter, other_client, _case, change, code
):
    api = bearer(APIClient(), user)
    Client.objects.filter(pk=user.pk).update(**change)
    response = _call(api, method, url, waiter, other_client)
    assert_error(response, 401, code)
    assert Client.objects.get(pk=user.pk).name == "Ali"


@pytest.mark.parametrize(
    ("_case", "change", "code"),
    [
        ("deleted", {"deleted_at": "2026-01-01T00:00:00Z"}, "staff_not_found"),
        ("deactivated", {"is_active": False}, "account_inactive"),
    ],
)
def test_gone_staff_tokens_are_401(manager, waiter, other_client, _case, change, code):
    api = bearer(APIClient(), manager)
    Staff.objects.filter(pk=manager.pk).update(**change)
    assert_error(api.get("/api/v1/auth/staff"), 401, code)
    assert_error(api.get("/api/v1/auth/me"), 401, code)


def test_django_admin_log_pages_are_read_only(manager, client):
    client.force_login(manager)
    for model in ("authlog", "auditentry", "validationlogentry"):
        assert client.get(f"/admin/accounts/{model}/").status_code == 200
        assert client.get(f"/admin/accounts/{model}/add/").status_code == 403
    assert (
        client.get("/admin/accounts/authlog/?q=%2B998&action__exact=LOGIN").status_code
        == 200
    )


def test_waiters_cannot_open_django_admin(waiter, client):
    client.force_login(waiter)
    assert client.get("/admin/accounts/authlog/").status_code == 302
