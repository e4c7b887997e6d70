"""`POST /admin/sync/users/{id}` and `POST /admin/sync/users` (staff-api §14)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import AuditEntry
from cashback.models import IikoJob, IikoJobStatus
from cashback.services import iiko_job_enqueue
from tests.conftest import bearer
from tests.iiko.conftest import CREATE, INFO, customer_json, make_client

pytestmark = pytest.mark.django_db
ONE = "/api/v1/admin/sync/users/{}"
ALL = "/api/v1/admin/sync/users"


def _failure(client_id, error, phone=None, customer=None, wallet=None):
    return {
        "success": False,
        "updated": False,
        "changed_fields": [],
        "warnings": [],
        "error": error,
        "operations": [],
        "user_id": client_id,
        "phone": phone,
        "iiko_customer_id": customer,
        "iiko_wallet_id": wallet,
    }


def test_manager_syncs_a_client_now(iiko, manager_client, manager):
    # given
    client = make_client()
    iiko.expect_request(INFO).respond_with_json(
        customer_json(walletBalances=[{"id": "w1", "type": 1, "balance": 0}])
    )
    # when
    response = manager_client.post(ONE.format(client.pk))
    # then
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "updated": True,
        "changed_fields": [
            "iiko_customer_id",
            "iiko_wallet_id",
            "name",
            "surname",
            "date_of_birth",
            "gender",
            "email",
        ],
        "warnings": [],
        "error": None,
        "operations": [
            {"operation": "lookup", "status": "ok"},
            {"operation": "link", "status": "ok"},
        ],
        "user_id": client.pk,
        "phone": client.phone,
        "iiko_customer_id": "cust-1",
        "iiko_wallet_id": "w1",
    }
    assert IikoJob.objects.get().status == IikoJobStatus.SUCCESS
    audit = AuditEntry.objects.get()
    assert (audit.staff_id, audit.action, audit.entity, audit.entity_id) == (
        manager.pk,
        "sync",
        "user",
        str(client.pk),
    )


def test_on_demand_sync_takes_over_the_pending_job(iiko, manager_client):
    client = make_client(name="Ali")
    queued = iiko_job_enqueue(client=client, operation="sync_user")
    iiko.expect_request(INFO).respond_with_json(customer_json(cards=[]))
    manager_client.post(ONE.format(client.pk))
    assert list(IikoJob.objects.values_list("pk", "status")) == [(queued.pk, "success")]


def test_referring_waiter_may_sync(iiko, waiter_client, waiter):
    client = make_client(waiter=waiter)
    iiko.expect_request(INFO).respond_with_json(customer_json(cards=[]))
    response = waiter_client.post(ONE.format(client.pk))
    assert response.status_code == 200
    assert response.json()["success"] is True


def test_other_waiters_client_looks_not_found(iiko, waiter_client):
    client = make_client()
    response = waiter_client.post(ONE.format(client.pk))
    assert response.status_code == 200
    assert response.json() == _failure(client.pk, "User not found or deleted")
    assert iiko.log == []
    assert not IikoJob.objects.exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("_case", ["unknown", "deleted"])
def test_unknown_or_deleted_client(iiko, manager_client, _case):
    client_id = 999999
    if _case == "deleted":
        client_id = make_client(phone="+999111222333", is_deleted=True).pk
    response = manager_client.post(ONE.format(client_id))
    assert response.status_code == 200
    assert response.json() == _failure(client_id, "User not found or deleted")
    assert iiko.log == []


def test_not_configured(manager_client):
    client = make_client()
    response = manager_client.post(ONE.format(client.pk))
    assert response.status_code == 200
    assert response.json() == _failure(
        client.pk, "iiko integration is not configured", phone=client.phone
    )
    assert not IikoJob.objects.exists()


def test_iiko_not_answering(raw_iiko, manager_client):
    raw_iiko("stall")
    client = make_client()
    response = manager_client.post(ONE.format(client.pk))
    body = response.json()
    assert (response.status_code, body["success"], body["error"]) == (
        200,
        False,
        "iiko did not answer in time",
    )
    assert not AuditEntry.objects.exists()


def test_iiko_message_is_shown(iiko, manager_client):
    client = make_client()
    iiko.expect_request(INFO).respond_with_json({}, status=404)
    iiko.expect_request(CREATE).respond_with_json(
        {"errorDescription": "Phone is invalid"}, status=400
    )
    body = manager_client.post(ONE.format(client.pk)).json()
    assert (body["success"], body["error"]) == (False, "Phone is invalid")
    assert IikoJob.objects.get().status == "failed"


def test_manager_queues_every_active_client(manager_client, manager):
    # given
    a = make_client(phone="+998901000001")
    b = make_client(phone="+998901000002")
    make_client(phone="+998901000003", is_active=False)
    make_client(phone="+999000000003", is_deleted=True)
    existing = iiko_job_enqueue(
        client=a, operation="sync_user", payload={"allow_create": False}
    )
    # when
    response = manager_client.post(ALL)
    # then
    assert (response.status_code, response.json()) == (
        200,
        {"status": "queued", "queued": 2},
    )
    jobs = IikoJob.objects.filter(status="pending", operation="sync_user")
    assert sorted(jobs.values_list("client_id", flat=True)) == sorted([a.pk, b.pk])
    assert jobs.get(client=a).pk == existing.pk
    assert AuditEntry.objects.get().action == "sync"


@pytest.mark.parametrize(
    ("who", "url", "status", "code"),
    [
        ("anonymous", ONE, 401, "not_authenticated"),
        ("client", ONE, 403, "permission_denied"),
        ("anonymous", ALL, 401, "not_authenticated"),
        ("client", ALL, 403, "permission_denied"),
        ("waiter", ALL, 403, "managers_only"),
    ],
)
def test_role_matrix(iiko, who, url, status, code, user, waiter):
    api = APIClient()
    if who == "client":
        bearer(api, user)
    elif who == "waiter":
        bearer(api, waiter)
    response = api.post(url.format(user.pk))
    assert response.status_code == status
    assert response.json()["code"] == code
    assert iiko.log == []
    assert not IikoJob.objects.exists()


@pytest.mark.parametrize("_case", ["deactivated", "deleted"])
def test_deactivated_or_deleted_staff_refused(iiko, manager, user, _case):
    api = bearer(APIClient(), manager)
    if _case == "deactivated":
        manager.is_active = False
        manager.save(update_fields=["is_active"])
    else:
        from django.utils import timezone

        manager.deleted_at = timezone.now()
        manager.save(update_fields=["deleted_at"])
    assert api.post(ONE.format(user.pk)).status_code == 401
    assert api.post(ALL).status_code == 401
    assert not IikoJob.objects.exists()


def test_trailing_slash_and_non_digit_ids(iiko, manager_client):
    client = make_client()
    iiko.expect_request(INFO).respond_with_json(customer_json(cards=[]))
    assert manager_client.post(ONE.format(client.pk) + "/").status_code == 200
    assert manager_client.post(ONE.format("abc")).status_code == 404
