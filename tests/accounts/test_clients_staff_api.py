"""Clients as staff see them (`staff-api.md` §5) and the logs (§13)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import AuditEntry, AuthLog, Client, ValidationLogEntry
from accounts.services.staff import staff_create
from cashback.models import IikoJob, LedgerEntry, Wallet
from cashback.services import card_create, wallet_get_or_create
from tests.accounts.helpers import assert_error, request_otp
from tests.conftest import bearer

pytestmark = pytest.mark.django_db

LIST_KEYS = {
    "id",
    "name",
    "first_name",
    "last_name",
    "surname",
    "middleName",
    "phone",
    "waiter_id",
    "date_of_birth",
    "profile_photo_url",
    "cashback_balance",
    "level",
    "giftget",
    "is_active",
    "cards",
    "created_at",
    "updated_at",
}
DETAIL_EXTRA = {
    "email",
    "gender",
    "is_deleted",
    "waiter",
    "loyalty",
    "transactions",
    "files",
}


def _clients(n, waiter=None, prefix="+99893000"):
    made = []
    for i in range(n):
        c = Client.objects.create(
            phone=f"{prefix}{i:04d}", name=f"Guest {i}", waiter=waiter
        )
        wallet_get_or_create(client=c)
        card_create(client=c)
        made.append(c)
    return made


def test_manager_lists_all_non_deleted_newest_first(
    manager_client, waiter, django_assert_num_queries
):
    mine = _clients(2, waiter)
    others = _clients(2, prefix="+99894000")
    Client.objects.filter(pk=others[0].pk).update(
        is_deleted=True, phone="+999111111111"
    )
    Client.objects.filter(pk=others[1].pk).update(is_active=False)
    with django_assert_num_queries(4):
        body = manager_client.get("/api/v1/users?page_size=100").json()
    assert body["pagination"] == {"page": 1, "size": 100, "total": 3}
    assert [c["id"] for c in body["items"]] == [others[1].pk, mine[1].pk, mine[0].pk]
    assert set(body["items"][0]) == LIST_KEYS
    assert body["items"][0]["is_active"] is False
    assert (body["items"][1]["first_name"], body["items"][1]["last_name"]) == (
        "Guest",
        "1",
    )
    _clients(6, prefix="+99895000")
    with django_assert_num_queries(4):
        assert manager_client.get("/api/v1/users").json()["pagination"]["total"] == 9


def test_list_filters(manager_client, waiter):
    a, b = _clients(2, waiter)
    Wallet.objects.filter(client=a).update(level="GOLD")
    assert [
        c["id"]
        for c in manager_client.get("/api/v1/users?loyalty=gold").json()["items"]
    ] == [a.pk]
    assert [
        c["id"]
        for c in manager_client.get("/api/v1/users?search=930000001").json()["items"]
    ] == [b.pk]
    assert [
        c["id"]
        for c in manager_client.get("/api/v1/users?search=guest 0").json()["items"]
    ] == [a.pk]
    assert (
        manager_client.get(f"/api/v1/users?waiter={waiter.pk}").json()["pagination"][
            "total"
        ]
        == 2
    )


def test_waiter_sees_only_own_clients(waiter_client, waiter):
    mine = _clients(1, waiter)
    _clients(1, prefix="+99894000")
    body = waiter_client.get(f"/api/v1/users?waiter={waiter.pk}").json()
    assert [c["id"] for c in body["items"]] == [mine[0].pk]
    assert waiter_client.get("/api/v1/users").json()["pagination"]["total"] == 1
    other = staff_create(phone="+998900000055", name="W2", role="waiter")
    assert_error(
        waiter_client.get(f"/api/v1/users?waiter={other.pk}"), 403, "forbidden"
    )


def test_users_list_role_matrix(api_client, auth_client):
    assert_error(api_client.get("/api/v1/users"), 401, "not_authenticated")
    assert_error(auth_client.get("/api/v1/users"), 403, "permission_denied")


def test_user_detail(manager_client, waiter):
    client = _clients(1, waiter)[0]
    body = manager_client.get(f"/api/v1/users/{client.pk}").json()
    assert set(body) == LIST_KEYS | DETAIL_EXTRA
    assert body["waiter"]["id"] == waiter.pk
    assert body["loyalty"]["level"] == "SILVER"
    assert body["transactions"] == []
    assert body["files"] == []


def test_user_detail_missing_or_deleted(manager_client, waiter_client, user):
    assert_error(manager_client.get("/api/v1/users/999999"), 404, "user_not_found")
    Client.objects.filter(pk=user.pk).update(is_deleted=True, phone="+999000000001")
    assert_error(manager_client.get(f"/api/v1/users/{user.pk}"), 404, "user_not_found")
    assert_error(waiter_client.get(f"/api/v1/users/{user.pk}"), 403, "managers_only")


def test_patch_user_from_admin_panel(manager_client, manager, waiter, user):
    # when
    response = manager_client.patch(
        f"/api/v1/users/{user.pk}",
        {
            "first_name": "Aziz",
            "last_name": "",
            "middleName": "Bek",
            "dob": "01.02.1990",
            "waiter_id": waiter.pk,
            "giftget": True,
        },
    )
    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["surname"], body["middleName"]) == ("Aziz", None, "Bek")
    assert body["date_of_birth"] == "01.02.1990"
    assert (body["waiter_id"], body["giftget"]) == (waiter.pk, True)
    assert not LedgerEntry.objects.exists()
    entry = AuditEntry.objects.get(entity="user")
    assert entry.changes["after"]["giftget"] is True
    assert entry.changes["before"]["surname"] == "Valiyev"
    assert entry.staff_id == manager.pk
    assert IikoJob.objects.filter(client=user, operation="flush_profile").exists()


def test_patch_user_errors(manager_client, user):
    assert_error(
        manager_client.patch(f"/api/v1/users/{user.pk}", {"waiter_id": 99999}),
        404,
        "waiter_not_found",
    )
    assert_error(
        manager_client.patch(f"/api/v1/users/{user.pk}", {"dob": "x"}),
        422,
        "invalid_date",
    )
    assert (
        manager_client.patch(
            f"/api/v1/users/{user.pk}", {"giftget": "maybe"}
        ).status_code
        == 422
    )
    assert_error(
        manager_client.patch("/api/v1/users/999999", {}), 404, "user_not_found"
    )
    assert not AuditEntry.objects.exists()


def test_status_deactivate_and_reactivate(
    manager_client, user, auth_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = manager_client.post(
            f"/api/v1/users/{user.pk}/status", {"is_active": False}
        )
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert len(callbacks) == 1  # sockets_close
    assert_error(auth_client.get("/api/v1/auth/me"), 401, "account_inactive")
    assert_error(request_otp(APIClient()), 403, "account_inactive")
    assert manager_client.post(
        f"/api/v1/users/{user.pk}/status", {"is_active": True}
    ).json()["is_active"]
    assert auth_client.get("/api/v1/auth/me").status_code == 200
    assert AuditEntry.objects.filter(action="status").count() == 2
    assert (
        manager_client.post(
            f"/api/v1/users/{user.pk}/status", {"is_active": "no"}
        ).status_code
        == 422
    )


def test_manager_deletes_a_client(manager_client, user, auth_client):
    assert manager_client.delete(f"/api/v1/users/{user.pk}").status_code == 204
    assert Client.objects.get(pk=user.pk).is_deleted
    assert_error(auth_client.get("/api/v1/auth/me"), 401, "user_not_found")
    assert_error(
        manager_client.delete(f"/api/v1/users/{user.pk}"), 404, "user_not_found"
    )
    assert AuditEntry.objects.get(action="delete").entity == "user"


def test_auth_and_otp_logs(manager_client, user, manager):
    request_otp(APIClient())
    body = manager_client.get("/api/v1/logs/auth").json()
    assert body["pagination"]["total"] == 1
    item = body["items"][0]
    assert item["event"] == "otp_request"
    assert item["meta"] == item["metadata"]
    assert item["user"] == {
        "id": user.pk,
        "type": "user",
        "name": "Ali Valiyev",
        "phone": user.phone,
        "role": None,
    }
    assert (
        manager_client.get("/api/v1/admin/auth-logs?size=5").json()["pagination"][
            "size"
        ]
        == 5
    )
    assert manager_client.get("/api/v1/logs/otp").json()["pagination"]["total"] == 1
    assert (
        manager_client.get(f"/api/v1/logs/otp?user_id={user.pk}").json()["pagination"][
            "total"
        ]
        == 1
    )
    assert (
        manager_client.get(f"/api/v1/logs/otp?user_id={manager.pk + 1000}").json()[
            "items"
        ]
        == []
    )
    assert manager_client.get("/api/v1/logs/auth?action=LOGIN").json()["items"] == []


def test_auth_log_query_count(manager_client, manager, django_assert_num_queries):
    from accounts.services.logs import auth_log_write

    for _ in range(4):
        auth_log_write(action="LOGIN", actor=manager, phone=manager.phone)
    # auth, count, page, one query per actor type on the page
    with django_assert_num_queries(4):
        assert len(manager_client.get("/api/v1/logs/auth").json()["items"]) == 4


def test_validation_and_audit_logs(manager_client, manager):
    manager_client.post(
        "/api/v1/waiters", {"name": "A", "phone": "+998901119999", "password": "zQ#x"}
    )
    body = manager_client.get("/api/v1/logs/validation").json()
    assert body["total"] == 1
    row = body["data"][0]
    assert row["errors"][0]["loc"] == ["body", "password"]
    assert row["status"] == 422
    assert "zQ#x" not in str(row)
    assert ValidationLogEntry.objects.count() == 1
    manager_client.post("/api/v1/auth/staff", {"name": "B", "phone": "+998901118888"})
    audit = manager_client.get("/api/v1/logs/audit?entity=staff").json()
    assert audit["total"] == 1
    assert audit["data"][0]["actor"] == {
        "id": manager.pk,
        "name": "Manager",
        "role": "MANAGER",
    }
    assert audit["data"][0]["action"] == "create"


def test_otp_log_after_deletion_keeps_old_phone(manager_client, user):
    request_otp(APIClient())
    bearer(APIClient(), user).delete("/api/v1/users/me")
    assert AuthLog.objects.count() == 1
    assert (
        manager_client.get(f"/api/v1/logs/otp?user_id={user.pk}").json()["pagination"][
            "total"
        ]
        == 1
    )


def test_staff_list_and_log_lists_query_counts(
    manager_client, manager, django_assert_num_queries
):
    from accounts.services.logs import audit_record

    for n in range(3):
        staff_create(phone=f"+99890666000{n}", name=f"W{n}", role="waiter")
        audit_record(staff=manager, action="update", entity="user", entity_id=n)
        ValidationLogEntry.objects.create(method="POST", path="/x", errors=[])
    with django_assert_num_queries(2):
        assert len(manager_client.get("/api/v1/auth/staff").json()) == 4
    with django_assert_num_queries(3):
        assert manager_client.get("/api/v1/logs/audit").json()["total"] == 3
    with django_assert_num_queries(3):
        assert manager_client.get("/api/v1/logs/validation").json()["total"] == 3
    with django_assert_num_queries(3):
        assert manager_client.get("/api/v1/logs/otp").json()["items"] == []


def _credit(client, amount):
    from django.db import transaction

    from cashback.services import ledger_entry_append, wallet_lock

    with transaction.atomic():
        wallet = wallet_lock(client=client)
        ledger_entry_append(wallet=wallet, kind="manual_credit", amount=amount)


def test_waiter_sees_real_balances_and_me_limits_transactions(
    waiter_client, waiter, manager_client
):
    client = _clients(1, waiter)[0]
    _credit(client, 15000)
    _credit(client, 12000)
    item = waiter_client.get("/api/v1/users").json()["items"][0]
    assert item["cashback_balance"] == 27000
    detail = manager_client.get(f"/api/v1/users/{client.pk}").json()
    assert [t["amount"] for t in detail["transactions"]] == [12000, 15000]
    me = bearer(APIClient(), client).get("/api/v1/auth/me?cashback_limit=1").json()
    assert me["profile"]["cashback_balance"] == 27000
    assert me["cashback"]["balance"] == 27000
    assert [t["amount"] for t in me["cashback"]["transactions"]] == [12000]
