"""Flows that cross the accounts, cashback and iiko areas, end to end.

A dead iiko never slows or fails the app: sign-in only records a job; the
worker later delivers deletions and manual credits with the spec's payloads.
"""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import Client
from cashback.models import IikoJob, IikoJobOperation, IikoJobStatus
from tests.conftest import bearer
from tests.iiko.conftest import CREATE, INFO, ORG, TOPUP, _configure

pytestmark = pytest.mark.django_db


@pytest.fixture
def static_code(settings):
    settings.OTP_STATIC_CODE = "1234"
    settings.SMS_DRY_RUN = True


def test_login_records_a_sync_job_and_never_calls_a_hanging_iiko(
    api_client, user, static_code, settings, httpserver
):
    # given: iiko configured at a stub that would answer nothing useful
    _configure(settings, httpserver.url_for("/").rstrip("/"))
    phone = {"phone": user.phone, "purpose": "login"}
    # when
    assert api_client.post("/api/v1/auth/client/request-otp", phone).status_code == 204
    response = api_client.post(
        "/api/v1/auth/client/verify-otp", {**phone, "code": "1234"}
    )
    # then: signed in, a sync_user job waits, and iiko heard nothing
    assert response.status_code == 200
    assert set(response.json()["tokens"]) == {
        "access_token",
        "refresh_token",
        "token_type",
    }
    job = IikoJob.objects.get(client=user)
    assert (job.operation, job.status) == (
        IikoJobOperation.SYNC_USER,
        IikoJobStatus.PENDING,
    )
    assert httpserver.log == []


def test_account_deletion_reaches_iiko_with_pseudo_phone_and_released_phone(
    settings, httpserver
):
    # given: a client linked to an iiko customer deletes the account
    client = Client.objects.create(
        phone="+998901234567", name="Ali", iiko_customer_id="cust-1"
    )
    api = bearer(
        __import__("rest_framework.test", fromlist=["APIClient"]).APIClient(), client
    )
    assert api.delete("/api/v1/users/me").status_code == 204
    client.refresh_from_db()
    _configure(settings, httpserver.url_for("/").rstrip("/"))
    httpserver.expect_request("/api/1/access_token").respond_with_json(
        {"token": "t", "expiresIn": 3600}
    )
    httpserver.expect_request(CREATE).respond_with_json({"id": "cust-1"})
    # when
    call_command("iiko_worker", "--once", stdout=StringIO())
    # then
    bodies = [json.loads(r.get_data()) for r, _ in httpserver.log if r.path == CREATE]
    assert len(bodies) == 1
    body = bodies[0]
    assert body["organizationId"] == ORG
    assert body["id"] == "cust-1"
    assert body["phone"] == client.phone
    assert client.phone.startswith("+999")
    assert body["isDeleted"] is True
    assert body["comment"] == "+998901234567"
    assert IikoJob.objects.get(operation="mark_deleted").status == IikoJobStatus.SUCCESS


def test_manual_credit_is_mirrored_to_the_iiko_wallet(
    manager_client, settings, httpserver
):
    # given: a client already linked to an iiko customer and wallet
    client = Client.objects.create(
        phone="+998901234568",
        name="Vali",
        iiko_customer_id="cust-2",
        iiko_wallet_id="w-2",
    )
    response = manager_client.post(
        "/api/v1/cashback/add",
        {"user_id": client.pk, "amount": 5000, "source": "MANUAL", "branch_id": 139235},
    )
    assert response.status_code == 200, response.content
    _configure(settings, httpserver.url_for("/").rstrip("/"))
    httpserver.expect_request("/api/1/access_token").respond_with_json(
        {"token": "t", "expiresIn": 3600}
    )
    httpserver.expect_request(INFO).respond_with_json(
        {
            "id": "cust-2",
            "walletBalances": [{"id": "w-2", "type": 1, "balance": 0}],
            "cards": [],
        }
    )
    httpserver.expect_request(CREATE).respond_with_json({"id": "cust-2"})
    httpserver.expect_request(TOPUP).respond_with_json({})
    # when
    call_command("iiko_worker", "--once", "--batch", "5", stdout=StringIO())
    # then
    topups = [json.loads(r.get_data()) for r, _ in httpserver.log if r.path == TOPUP]
    assert len(topups) == 1
    assert topups[0]["customerId"] == "cust-2"
    assert topups[0]["walletId"] == "w-2"
    assert topups[0]["sum"] == 5000
