"""Staff sign-in, password, staff management and waiters (`staff-api.md` §3-4)."""

from __future__ import annotations

import datetime as dt

import bcrypt
import pytest
import time_machine
from rest_framework.test import APIClient

from accounts.models import AuditEntry, AuthLog, Client, Staff
from accounts.services.staff import staff_create
from tests.accounts.helpers import assert_error, request_otp, verify_otp
from tests.conftest import bearer

pytestmark = pytest.mark.django_db

STAFF_KEYS = {
    "id",
    "name",
    "phone",
    "role",
    "branch_id",
    "branch",
    "referral_code",
    "clients_count",
    "is_active",
    "last_login_at",
    "created_at",
    "updated_at",
}
T0 = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)


def _login(phone, password):
    return APIClient().post(
        "/api/v1/auth/staff/login", {"phone": phone, "password": password}
    )


def test_staff_login_normalises_phone(manager):
    response = _login("998 90 000 00 01", "manager-pass")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"staff", "tokens"}
    assert set(body["staff"]) == STAFF_KEYS
    assert body["staff"]["role"] == "MANAGER"
    assert body["staff"]["referral_code"] is None
    assert body["tokens"]["token_type"] == "bearer"
    manager.refresh_from_db()
    assert manager.last_login_at is not None
    assert AuthLog.objects.get(action="LOGIN").actor_id == manager.pk


def test_waiter_login_has_clients(waiter, user):
    user.waiter = waiter
    user.save()
    body = _login(waiter.phone, "waiter-pass").json()
    assert body["staff"]["referral_code"] == "K7P2QX"
    assert body["staff"]["branch"] == "Geofizika"
    assert [c["id"] for c in body["clients"]] == [user.pk]


@pytest.mark.parametrize(
    ("_case", "phone", "password", "reason"),
    [
        ("unknown", "+998909999999", "whatever1", "unknown_phone"),
        ("wrong", "+998900000001", "nope-nope", "wrong_password"),
    ],
)
def test_staff_login_failures(manager, _case, phone, password, reason):
    assert_error(_login(phone, password), 401, "invalid_credentials")
    assert AuthLog.objects.get(action="FAILED_LOGIN").meta == {"reason": reason}


def test_login_refused_for_inactive_deleted_and_passwordless(manager):
    passwordless = staff_create(phone="+998900000009", name="P", role="waiter")
    assert_error(_login(passwordless.phone, "anything1"), 401, "invalid_credentials")
    Staff.objects.filter(pk=manager.pk).update(is_active=False)
    assert_error(_login(manager.phone, "manager-pass"), 401, "invalid_credentials")
    Staff.objects.filter(pk=manager.pk).update(is_active=True, deleted_at=T0)
    assert_error(_login(manager.phone, "manager-pass"), 401, "invalid_credentials")


def test_login_validation(manager):
    response = APIClient().post("/api/v1/auth/staff/login", {"phone": "x"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "password"]


def test_login_throttle_checked_before_password(manager, settings):
    with time_machine.travel(T0, tick=False):
        for _ in range(5):
            _login(manager.phone, "bad-password")
        response = _login(manager.phone, "manager-pass")
        assert_error(response, 429, "rate_limited")
        assert response["Retry-After"] == str(15 * 60)
    with time_machine.travel(T0 + dt.timedelta(minutes=15, seconds=1), tick=False):
        assert _login(manager.phone, "manager-pass").status_code == 200
    assert AuthLog.objects.get(action="RATE_LIMITED").meta["scope"] == "staff_login"


def test_bcrypt_hash_of_the_original_is_upgraded(manager):
    hashed = bcrypt.hashpw(b"legacy-pass", bcrypt.gensalt(rounds=4)).decode()
    Staff.objects.filter(pk=manager.pk).update(password="bcrypt$" + hashed)
    assert _login(manager.phone, "legacy-pass").status_code == 200
    manager.refresh_from_db()
    assert not manager.password.startswith("bcrypt$")
    assert _login(manager.phone, "legacy-pass").status_code == 200


def test_change_password(manager_client, manager):
    response = manager_client.post(
        "/api/v1/auth/staff/change-password",
        {
            "current_password": "manager-pass",
            "old_password": "x",
            "new_password": "n3w-pass",
        },
    )
    assert response.json() == {"status": "ok"}
    assert _login(manager.phone, "n3w-pass").status_code == 200
    entry = AuditEntry.objects.get(action="password_change")
    assert entry.changes == {"after": {"password": "changed"}}


def test_change_password_errors(waiter_client, waiter, auth_client):
    assert_error(
        waiter_client.post(
            "/api/v1/auth/staff/change-password",
            {"old_password": "wrong", "new_password": "n3w-pass"},
        ),
        400,
        "old_password_incorrect",
    )
    short = waiter_client.post(
        "/api/v1/auth/staff/change-password",
        {"old_password": "waiter-pass", "new_password": "123"},
    )
    assert short.status_code == 422
    assert_error(
        auth_client.post("/api/v1/auth/staff/change-password", {}),
        403,
        "permission_denied",
    )
    assert _login(waiter.phone, "waiter-pass").status_code == 200


def test_staff_list_plain_array_newest_first(manager_client, manager, waiter):
    body = manager_client.get("/api/v1/auth/staff").json()
    assert [s["id"] for s in body] == [waiter.pk, manager.pk]
    assert (
        manager_client.get("/api/v1/auth/staff?role=WAITER").json()[0]["id"]
        == waiter.pk
    )
    assert [
        s["id"] for s in manager_client.get("/api/v1/auth/staff?search=k7p2").json()
    ] == [waiter.pk]


@pytest.mark.parametrize(
    ("client_fixture", "status", "code"),
    [
        ("waiter_client", 403, "managers_only"),
        ("auth_client", 403, "permission_denied"),
        ("api_client", 401, "not_authenticated"),
    ],
)
def test_staff_routes_role_matrix(request, client_fixture, status, code, waiter):
    client = request.getfixturevalue(client_fixture)
    for method, url in [
        ("get", "/api/v1/auth/staff"),
        ("post", "/api/v1/auth/staff"),
        ("patch", f"/api/v1/auth/staff/{waiter.pk}"),
        ("delete", f"/api/v1/auth/staff/{waiter.pk}"),
        ("post", f"/api/v1/auth/staff/{waiter.pk}/referral/regenerate"),
        ("get", "/api/v1/waiters"),
        ("get", f"/api/v1/waiters/{waiter.pk}"),
        ("get", "/api/v1/users/1"),
        ("get", "/api/v1/logs/auth"),
    ]:
        assert_error(getattr(client, method)(url, {}), status, code)
    assert not AuditEntry.objects.exists()


def test_create_staff_from_admin_panel(manager_client):
    response = manager_client.post(
        "/api/v1/auth/staff",
        {
            "name": "Dilnoza",
            "phone": "90 111 22 33",
            "role": "Waiter",
            "branch": "gijduvon",
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["phone"] == "+998901112233"
    assert (body["role"], body["branch_id"], body["branch"]) == (
        "WAITER",
        157757,
        "G'ijduvon",
    )
    assert len(body["referral_code"]) == 6
    staff = Staff.objects.get(pk=body["id"])
    assert not staff.has_usable_password()
    assert AuditEntry.objects.get(action="create").entity_id == str(staff.pk)


def test_create_staff_conflicts(manager_client, waiter):
    assert_error(
        manager_client.post("/api/v1/auth/staff", {"name": "X", "phone": waiter.phone}),
        409,
        "staff_phone_exists",
    )
    assert_error(
        manager_client.post(
            "/api/v1/auth/staff",
            {"name": "X", "phone": "+998901112299", "referral_code": "k7p2qx"},
        ),
        409,
        "referral_code_taken",
    )
    bad = manager_client.post(
        "/api/v1/auth/staff", {"name": "X", "phone": "+998901112299", "branch": "Moon"}
    )
    assert bad.status_code == 422
    assert Staff.objects.count() == 2


def test_patch_staff_and_self_protection(manager_client, manager, waiter):
    response = manager_client.patch(
        f"/api/v1/auth/staff/{waiter.pk}",
        {"name": "Dilya", "password": "", "referral_code": "", "is_active": False},
    )
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["is_active"]) == ("Dilya", False)
    assert response.json()["referral_code"] == "K7P2QX"
    entry = AuditEntry.objects.get(action="update")
    assert entry.changes["after"] == {"name": "Dilya", "is_active": False}
    # deactivated waiter: tokens refused
    assert_error(
        bearer(APIClient(), waiter).get("/api/v1/auth/me"), 401, "account_inactive"
    )
    for body in ({"is_active": False}, {"role": "waiter"}):
        assert_error(
            manager_client.patch(f"/api/v1/auth/staff/{manager.pk}", body),
            409,
            "cannot_delete_self",
        )
    assert_error(
        manager_client.delete(f"/api/v1/auth/staff/{manager.pk}"),
        409,
        "cannot_delete_self",
    )
    assert_error(
        manager_client.patch("/api/v1/auth/staff/99999", {}), 404, "staff_not_found"
    )


def test_demoting_a_manager_gives_a_code(manager_client):
    other = staff_create(phone="+998900000077", name="M2", password="secret-1")
    body = manager_client.patch(
        f"/api/v1/auth/staff/{other.pk}", {"role": "waiter"}
    ).json()
    assert body["role"] == "WAITER"
    assert len(body["referral_code"]) == 6


def test_delete_staff_keeps_clients_and_retires_code(manager_client, waiter, user):
    user.waiter = waiter
    user.save()
    assert manager_client.delete(f"/api/v1/auth/staff/{waiter.pk}").status_code == 204
    assert Client.objects.get(pk=user.pk).waiter_id == waiter.pk
    assert manager_client.get("/api/v1/auth/staff").json()[0]["id"] != waiter.pk
    assert_error(
        bearer(APIClient(), waiter).get("/api/v1/auth/me"), 401, "staff_not_found"
    )
    # the code stops working for registration
    api = APIClient()
    request_otp(api, "+998901110000", "register")
    assert_error(
        verify_otp(
            api, phone="+998901110000", purpose="register", referral_code="K7P2QX"
        ),
        404,
        "invalid_referral_code",
    )
    # the phone is free again
    assert (
        manager_client.post(
            "/api/v1/auth/staff", {"name": "New", "phone": waiter.phone}
        ).status_code
        == 201
    )


def test_regenerate_referral(manager_client, manager, waiter):
    body = manager_client.post(
        f"/api/v1/auth/staff/{waiter.pk}/referral/regenerate"
    ).json()
    assert body["referral_code"] != "K7P2QX"
    assert len(body["referral_code"]) == 6
    assert_error(
        manager_client.post(f"/api/v1/auth/staff/{manager.pk}/referral/regenerate"),
        404,
        "waiter_not_found",
    )


def test_waiters_crud(manager_client, waiter, user, django_assert_num_queries):
    user.waiter = waiter
    user.save()
    created = manager_client.post(
        "/api/v1/waiters",
        {
            "name": "Aziz",
            "phone": "+998901119999",
            "password": "waiter-pass",
            "branch_id": 139350,
            "referral_code": "aziz4821",
            "role": "manager",
        },
    )
    assert created.status_code == 201
    assert (created.json()["role"], created.json()["referral_code"]) == (
        "WAITER",
        "aziz4821",
    )
    with django_assert_num_queries(3):
        listing = manager_client.get("/api/v1/waiters?size=1&page=2").json()
    assert listing["pagination"] == {"page": 2, "size": 1, "total": 2}
    assert listing["items"][0]["id"] == waiter.pk
    assert listing["items"][0]["clients_count"] == 1
    assert "last_login_at" in listing["items"][0]
    assert manager_client.get(f"/api/v1/waiters/{waiter.pk}").json()["id"] == waiter.pk
    put = manager_client.put(
        f"/api/v1/waiters/{waiter.pk}", {"referral_code": "", "branch_id": None}
    )
    assert (put.json()["referral_code"], put.json()["branch_id"]) == ("K7P2QX", None)
    assert_error(
        manager_client.put(f"/api/v1/waiters/{waiter.pk}", {"x": 1}),
        400,
        "no_fields_provided",
    )
    assert manager_client.delete(f"/api/v1/waiters/{waiter.pk}").status_code == 204
    assert_error(
        manager_client.get(f"/api/v1/waiters/{waiter.pk}"), 404, "waiter_not_found"
    )


def test_waiters_require_password(manager_client):
    response = manager_client.post(
        "/api/v1/waiters", {"name": "A", "phone": "+998901119999"}
    )
    assert response.status_code == 422
    assert not Staff.objects.filter(phone="+998901119999").exists()


def test_waiter_list_query_count_is_constant(manager_client, django_assert_num_queries):
    for n in range(5):
        staff_create(phone=f"+99890555000{n}", name=f"W{n}", role="waiter")
    with django_assert_num_queries(3):
        assert len(manager_client.get("/api/v1/waiters").json()["items"]) == 5


def test_created_staff_with_password_can_sign_in_and_phone_conflict_on_patch(
    manager_client, waiter
):
    created = manager_client.post(
        "/api/v1/auth/staff",
        {
            "name": "Kamola",
            "phone": "+998901230000",
            "role": "MANAGER",
            "password": "kamola-1",
        },
    ).json()
    assert created["referral_code"] is None
    assert _login("+998901230000", "kamola-1").status_code == 200
    assert_error(
        manager_client.patch(
            f"/api/v1/auth/staff/{created['id']}", {"phone": waiter.phone}
        ),
        409,
        "staff_phone_exists",
    )
    assert Staff.objects.get(pk=created["id"]).phone == "+998901230000"
    patched = manager_client.patch(
        f"/api/v1/auth/staff/{created['id']}", {"password": "kamola-2"}
    )
    assert patched.status_code == 200
    assert _login("+998901230000", "kamola-2").status_code == 200
    entry = AuditEntry.objects.filter(action="update").get()
    assert entry.changes["after"] == {"password": "changed"}
