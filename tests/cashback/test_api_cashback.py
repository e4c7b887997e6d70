"""`/cashback/add`, `/cashback/use`, `/cashback/user/{id}`, `GET /cashback`."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import AuditEntry
from cashback.models import IikoJob, LedgerEntry, Wallet
from notifications.models import Notification
from tests.cashback.factories import credit, iiko_event, make_client
from tests.conftest import bearer

pytestmark = pytest.mark.django_db

ADD = "/api/v1/cashback/add"
USE = "/api/v1/cashback/use"


def test_manual_credit(manager_client, manager, user):
    # when
    response = manager_client.post(
        ADD,
        {
            "user_id": user.pk,
            "amount": "15000",
            "source": "qr",
            "branch_id": 139235,
            "description": "Birthday gift",
        },
        format="json",
    )
    # then
    assert response.status_code == 200
    entry = LedgerEntry.objects.get()
    body = response.json()
    assert body == {
        "id": entry.pk,
        "user_id": user.pk,
        "amount": 15000,
        "balance_before": 0,
        "balance_after": 15000,
        "created_at": body["created_at"],
        "branch_id": 139235,
        "branch": "Geofizika",
        "source": "QR",
        "kind": "manual_credit",
        "description": "Birthday gift",
        "staff_id": manager.pk,
        "staff": {"id": manager.pk, "name": "Manager"},
    }
    assert body["created_at"].endswith("+05:00")
    assert "Idempotent-Replayed" not in response
    wallet = Wallet.objects.get(client=user)
    assert (wallet.balance, wallet.points) == (15000, 7500)
    assert Notification.objects.get(client=user).notification_type == "cashback_accrual"
    assert IikoJob.objects.get(ledger_entry=entry).operation == "wallet_topup"
    audit = AuditEntry.objects.get()
    assert (audit.staff, audit.action, audit.entity_id) == (
        manager,
        "cashback.add",
        str(entry.pk),
    )


def test_default_source_and_description(manager_client, user):
    response = manager_client.post(
        ADD, {"user_id": user.pk, "amount": 100}, format="json"
    )
    assert (response.json()["source"], response.json()["description"]) == (
        "MANUAL",
        "Manual credit",
    )


@pytest.mark.parametrize("where", ["header", "body"])
def test_idempotent_replay(manager_client, user, where):
    body = {"user_id": user.pk, "amount": 5000, "branch_id": 139350}
    headers = {}
    if where == "header":
        headers = {"HTTP_IDEMPOTENCY_KEY": "k-1"}
    else:
        body["idempotency_key"] = "k-1"
    first = manager_client.post(ADD, body, format="json", **headers)
    again = manager_client.post(ADD, body, format="json", **headers)
    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Wallet.objects.get(client=user).balance == 5000
    assert LedgerEntry.objects.count() == 1
    assert AuditEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("_case", "change"),
    [
        ("amount", {"amount": 5001}),
        ("source", {"source": "QR"}),
        ("branch", {"branch_id": 139235}),
        ("client", {"user_id": None}),
    ],
)
def test_reused_key_with_other_values_is_409(manager_client, user, _case, change):
    other = make_client()
    body = {
        "user_id": user.pk,
        "amount": 5000,
        "branch_id": 139350,
        "idempotency_key": "k",
    }
    manager_client.post(ADD, body, format="json")
    changed = {**body, **change}
    if changed["user_id"] is None:
        changed["user_id"] = other.pk
    response = manager_client.post(ADD, changed, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"
    assert LedgerEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("_case", "body"),
    [
        ("zero", {"amount": 0}),
        ("negative", {"amount": -5}),
        ("fraction", {"amount": 15.5}),
        ("absurd", {"amount": 10**13}),
        ("text", {"amount": "lots"}),
        ("missing amount", {}),
        ("bad source", {"amount": 5, "source": "VISIT"}),
        ("unknown branch", {"amount": 5, "branch_id": 1}),
        ("long description", {"amount": 5, "description": "x" * 256}),
        ("long key", {"amount": 5, "idempotency_key": "k" * 256}),
    ],
)
def test_invalid_credit_is_422(manager_client, user, _case, body):
    response = manager_client.post(ADD, {"user_id": user.pk, **body}, format="json")
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert not LedgerEntry.objects.exists()


def test_credit_for_unknown_deleted_or_inactive_client(manager_client):
    deleted = make_client(is_deleted=True)
    inactive = make_client(is_active=False)
    for client_id, status, code in [
        (999999, 404, "user_not_found"),
        (deleted.pk, 404, "user_not_found"),
        (inactive.pk, 409, "account_inactive"),
    ]:
        response = manager_client.post(
            ADD, {"user_id": client_id, "amount": 5}, format="json"
        )
        assert (response.status_code, response.json()["code"]) == (status, code)
    assert not LedgerEntry.objects.exists()
    assert not IikoJob.objects.exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("_case", "balance", "amount", "status", "code"),
    [
        ("I below minimum payment", 60000, 40000, 400, "cashback_min_payment"),
        ("I more than the balance", 60000, 70000, 400, "insufficient_cashback_balance"),
        ("I allowed", 60000, 50000, 200, None),
        ("I small balance", 45000, 50000, 400, "cashback_min_balance"),
    ],
)
def test_cashback_use_example_i(
    manager_client, user, _case, balance, amount, status, code
):
    credit(user, balance)
    response = manager_client.post(
        USE, {"user_id": user.pk, "amount": amount}, format="json"
    )
    assert response.status_code == status
    if code:
        assert response.json()["code"] == code
    else:
        assert response.json() == {
            "can_use_cashback": True,
            "balance": balance,
            "message": {
                "uz": "Keshbek bilan to'lovga ruxsat beriladi.",
                "ru": "Оплата кешбэком возможна.",
                "en": "Cashback payment is available.",
            },
        }
    assert LedgerEntry.objects.count() == 1  # a check records nothing


def test_cashback_use_unknown_client(manager_client):
    response = manager_client.post(
        USE, {"user_id": 424242, "amount": 10}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (404, "user_not_found")


def test_client_reads_own_cashback_newest_first(auth_client, user, manager):
    credit(user, 12000, staff=manager)
    iiko_event(user, "Accrual", id="x", sum=15000)
    response = auth_client.get(f"/api/v1/cashback/user/{user.pk}")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"loyalty", "transactions"}
    assert body["loyalty"]["points_total"] == 13500
    assert body["loyalty"]["level"] == "GOLD"
    assert body["loyalty"]["cashback_balance"] == 27000
    assert [t["amount"] for t in body["transactions"]] == [15000, 12000]
    assert body["transactions"][1]["staff"] == {"id": manager.pk, "name": "Manager"}


def test_client_without_a_wallet_reads_empty(auth_client, user):
    body = auth_client.get(f"/api/v1/cashback/user/{user.pk}/").json()
    assert body["transactions"] == []
    assert (body["loyalty"]["level"], body["loyalty"]["cashback_balance"]) == (
        "SILVER",
        0,
    )


def test_cashback_user_scoping(api_client, user, waiter, manager):
    # given
    referred = make_client(waiter=waiter)
    deleted = make_client(is_deleted=True)
    stranger = make_client()
    cases = [
        (user, user.pk, 200),
        (user, stranger.pk, 404),
        (waiter, referred.pk, 200),
        (waiter, user.pk, 404),
        (manager, stranger.pk, 200),
        (manager, deleted.pk, 200),
        (manager, 987654, 404),
    ]
    for actor, client_id, status in cases:
        response = bearer(APIClient(), actor).get(f"/api/v1/cashback/user/{client_id}")
        assert response.status_code == status, (actor, client_id)
        if status == 404:
            assert response.json()["code"] == "user_not_found"
    assert api_client.get(f"/api/v1/cashback/user/{user.pk}").status_code == 401


def test_cashback_user_query_count_is_constant(
    auth_client, user, django_assert_num_queries
):
    for amount in range(1, 4):
        credit(user, amount * 1000)
    # auth: the client with its wallet joined (1) + ledger with staff (1); the
    # client's own read reuses the token's client and wallet
    with django_assert_num_queries(2):
        auth_client.get(f"/api/v1/cashback/user/{user.pk}")
    for amount in range(1, 20):
        credit(user, amount)
    with django_assert_num_queries(2):
        auth_client.get(f"/api/v1/cashback/user/{user.pk}")


def test_cashback_list_filters_and_envelope(manager_client, manager, user):
    other = make_client(name="Zarina", phone="+998935550000", is_deleted=True)
    credit(user, 1000, staff=manager, branch_id=139235)
    credit(user, 2000, source="QR")
    iiko_event(user, "Accrual", id="ev", sum=50)
    Wallet.objects.filter(client=other)  # deleted clients' entries stay listed
    credit(make_client(), 7)
    response = manager_client.get("/api/v1/cashback")
    body = response.json()
    assert body["pagination"] == {"page": 1, "size": 10, "total": 4}
    assert body["items"][0]["user"]["phone"].startswith("+998")
    assert [i["amount"] for i in body["items"]] == [7, 50, 2000, 1000]
    assert body["items"][1]["user"] == {
        "id": user.pk,
        "name": "Ali",
        "phone": user.phone,
    }

    def amounts(query):
        return [
            i["amount"]
            for i in manager_client.get("/api/v1/cashback?" + query).json()["items"]
        ]

    assert amounts("branch=139235") == [1000]
    assert amounts(f"user_id={user.pk}") == [50, 2000, 1000]
    assert amounts("source=qr") == [2000]
    assert amounts("kind=ACCRUAL") == [50]
    assert amounts("search=valiy") == [50, 2000, 1000]
    assert amounts("search=234567") == [50, 2000, 1000]
    assert amounts("page=2&page_size=3") == [1000]


def test_cashback_list_bad_filter_is_422(manager_client):
    response = manager_client.get("/api/v1/cashback?branch=abc")
    assert response.status_code == 422


def test_cashback_list_query_count_is_constant(
    manager_client, manager, django_assert_num_queries
):
    clients = [make_client() for _ in range(3)]
    for c in clients:
        credit(c, 100, staff=manager)
    with django_assert_num_queries(3):  # auth, count, page with client and staff
        manager_client.get("/api/v1/cashback")
    for c in [make_client() for _ in range(8)]:
        credit(c, 100, staff=manager)
    with django_assert_num_queries(3):
        manager_client.get("/api/v1/cashback")


MANAGER_ROUTES = [
    ("post", ADD),
    ("post", USE),
    ("get", "/api/v1/cashback"),
    ("get", "/api/v1/cashback/loyalty-analytics"),
    ("get", "/api/v1/cashback/waiter-stats"),
    ("get", "/api/v1/cashback/top-users"),
    ("get", "/api/v1/stats/waiters"),
    ("get", "/api/v1/stats/users/top"),
    ("get", "/api/v1/dashboard/metrics"),
    ("get", "/api/v1/dashboard/activity"),
    ("get", "/api/v1/reports/users/export"),
    ("get", "/api/v1/reports/cashback/export"),
]


@pytest.mark.parametrize(("method", "path"), MANAGER_ROUTES)
def test_manager_routes_role_matrix(
    api_client, auth_client, waiter_client, user, method, path
):
    body = {"user_id": user.pk, "amount": 60000}
    anonymous = getattr(api_client, method)(path, body, format="json")
    assert (anonymous.status_code, anonymous.json()["code"]) == (
        401,
        "not_authenticated",
    )
    as_client = getattr(auth_client, method)(path, body, format="json")
    assert (as_client.status_code, as_client.json()["code"]) == (
        403,
        "permission_denied",
    )
    as_waiter = getattr(waiter_client, method)(path, body, format="json")
    assert (as_waiter.status_code, as_waiter.json()["code"]) == (403, "managers_only")
    assert not LedgerEntry.objects.exists()


@pytest.mark.parametrize(("method", "path"), MANAGER_ROUTES)
def test_manager_routes_refuse_deactivated_and_deleted_managers(
    manager, user, method, path
):
    from django.utils import timezone

    client = bearer(APIClient(), manager)
    manager.is_active = False
    manager.save(update_fields=["is_active"])
    refused = getattr(client, method)(
        path, {"user_id": user.pk, "amount": 1}, format="json"
    )
    assert refused.status_code == 401
    manager.is_active = True
    manager.deleted_at = timezone.now()
    manager.save(update_fields=["is_active", "deleted_at"])
    refused = getattr(client, method)(
        path, {"user_id": user.pk, "amount": 1}, format="json"
    )
    assert refused.status_code == 401
    assert not LedgerEntry.objects.exists()


def test_deactivated_client_token_cannot_read_cashback(user):
    client = bearer(APIClient(), user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert client.get(f"/api/v1/cashback/user/{user.pk}").status_code == 401


def test_too_long_idempotency_header_is_422(manager_client, user):
    response = manager_client.post(
        ADD,
        {"user_id": user.pk, "amount": 5},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k" * 256,
    )
    assert response.status_code == 422
    assert not LedgerEntry.objects.exists()


def test_waiter_cannot_read_a_deleted_referred_client(waiter_client, waiter):
    gone = make_client(waiter=waiter, is_deleted=True)
    response = waiter_client.get(f"/api/v1/cashback/user/{gone.pk}")
    assert (response.status_code, response.json()["code"]) == (404, "user_not_found")


def test_credit_and_accrual_reach_the_auth_me_cashback_block(user, manager):
    from cashback.selectors import client_cashback_block
    from cashback.services import card_create

    # given: a manager's credit and an iiko accrual
    card = card_create(client=user)
    credit(user, 12000, staff=manager, branch_id=139235)
    iiko_event(user, "Accrual", id="me-1", sum=15000, orderId="o1")
    # when
    block = client_cashback_block(client=user)
    # then: the shape the app reads (mobile-api M3)
    assert block["balance"] == 27000
    assert block["currency"] == "UZS"
    assert [t["kind"] for t in block["transactions"]] == ["accrual", "manual_credit"]
    assert block["transactions"][0]["source"] == "ORDER"
    assert block["cards"][-1]["card_number"] == card.card_number
    assert block["loyalty"]["level"] == "GOLD"
    assert block["loyalty"]["next_level_progress"] == 11
    assert "points_balance" not in block["loyalty"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/cashback/user/1/reset-level",
        "/api/v1/cashback/user/1/reset-wallet",
        "/api/v1/cashback/user/abc",
    ],
)
def test_paths_the_admin_panel_never_calls_are_404(manager_client, user, path):
    response = manager_client.post(path, {}, format="json")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert not LedgerEntry.objects.exists()


def test_wrong_method_is_405(manager_client):
    response = manager_client.get(ADD)
    assert (response.status_code, response.json()["code"]) == (
        405,
        "method_not_allowed",
    )


def test_refused_and_replayed_credits_ring_no_one(
    manager_client, user, django_capture_on_commit_callbacks
):
    from notifications.models import Notification as Inbox

    body = {"user_id": user.pk, "amount": 10, "idempotency_key": "ring"}
    with django_capture_on_commit_callbacks(execute=False) as first:
        manager_client.post(ADD, body, format="json")
    with django_capture_on_commit_callbacks(execute=False) as later:
        manager_client.post(ADD, body, format="json")  # replay
        manager_client.post(ADD, {**body, "amount": 11}, format="json")  # 409
    assert len(first) == 1
    assert later == []
    assert Inbox.objects.count() == 1
