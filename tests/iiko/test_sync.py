"""What each job sends to iiko and writes locally (domain-rules §13.4, §13.5, §11, §6.8)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db.models import Sum

from accounts.models import Client
from cashback.iiko import IikoClient
from cashback.models import (
    Card,
    EntryKind,
    IikoJob,
    IikoJobOperation,
    IikoJobStatus,
    LedgerEntry,
    PendingEcho,
    Wallet,
)
from cashback.services import card_create, iiko_job_enqueue
from cashback.services.iiko_sync import (
    client_mark_deleted,
    client_profile_flush,
    client_sync,
    ledger_entry_topup,
)
from tests.iiko.conftest import (
    CARD_ADD,
    CREATE,
    INFO,
    ORG,
    TOPUP,
    credit,
    customer_json,
    make_client,
    paths,
    received,
)

pytestmark = pytest.mark.django_db


def _balance(client: Client) -> int:
    return Wallet.objects.get(client=client).balance


def test_found_customer_is_linked_and_balance_reconciled_never_overwritten(iiko):
    # given: local 20,000 (a ledger entry); iiko says 12,000 in the type-1 wallet
    client = make_client(name="Ali", surname=None, email=None)
    credit(client, 20000)
    other = make_client(phone="+998907770000", iiko_wallet_id="w-main")
    iiko.expect_request(INFO).respond_with_json(customer_json(name="Aliyor"))
    # when
    client, report = client_sync(client=client, iiko=IikoClient())
    # then
    client.refresh_from_db()
    other.refresh_from_db()
    assert (client.iiko_customer_id, client.iiko_wallet_id) == ("cust-1", "w-main")
    assert other.iiko_wallet_id is None
    entry = LedgerEntry.objects.filter(client=client).order_by("id").last()
    assert (entry.kind, entry.amount, entry.balance_before, entry.balance_after) == (
        EntryKind.RECONCILIATION,
        -8000,
        20000,
        12000,
    )
    assert entry.points_earned == 0
    assert _balance(client) == 12000
    assert (
        LedgerEntry.objects.filter(client=client).aggregate(s=Sum("amount"))["s"]
        == 12000
    )
    assert client.name == "Ali"  # filled only where empty
    assert (client.surname, client.email, client.gender) == (
        "Valiyev",
        "ali@example.uz",
        "male",
    )
    assert client.date_of_birth == dt.date(1995, 3, 15)
    assert "cashback_balance" in report.changed_fields
    assert {"operation": "reconcile", "status": "ok"} in report.operations


def test_equal_balance_writes_no_entry(iiko):
    client = make_client()
    credit(client, 12000)
    iiko.expect_request(INFO).respond_with_json(customer_json())
    client_sync(client=client, iiko=IikoClient())
    assert LedgerEntry.objects.filter(client=client).count() == 1


def test_unmirrored_manual_credit_is_not_wiped_by_a_sync(iiko):
    # given: a manual credit of 5,000 whose top-up has not reached iiko yet
    client = make_client()
    credit(client, 12000)
    entry = credit(client, 5000)
    iiko_job_enqueue(client=client, operation="wallet_topup", ledger_entry=entry)
    iiko.expect_request(INFO).respond_with_json(customer_json())
    # when
    client_sync(client=client, iiko=IikoClient())
    # then
    assert _balance(client) == 17000
    assert not LedgerEntry.objects.filter(
        client=client, kind=EntryKind.RECONCILIATION
    ).exists()


def test_cards_imported_and_local_cards_bound(iiko):
    # given
    client = make_client()
    local = card_create(client=client)
    iiko.expect_request(INFO).respond_with_json(
        customer_json(
            cards=[
                {"id": "k-7", "cardNumber": "8600 0000 0000 0007", "cardTrack": "t7"}
            ]
        )
    )
    iiko.expect_request(CARD_ADD).respond_with_json({"id": "k-local"})
    # when
    _, report = client_sync(client=client, iiko=IikoClient())
    # then
    imported = Card.objects.get(card_number="8600000000000007")
    assert (imported.client_id, imported.card_track, imported.iiko_card_id) == (
        client.pk,
        "t7",
        "k-7",
    )
    local.refresh_from_db()
    assert local.iiko_card_id == "k-local"
    assert received(iiko, CARD_ADD) == [
        {
            "organizationId": ORG,
            "customerId": "cust-1",
            "cardTrack": local.card_track,
            "cardNumber": local.card_number,
        }
    ]
    assert "cards" in report.changed_fields


def test_missing_customer_is_created_with_the_app_comment(iiko):
    # given
    client = make_client(
        name="Ali", surname="Valiyev", middle_name="Karim", gender="male"
    )
    iiko.expect_request(INFO).respond_with_json(
        {"errorDescription": "not found"}, status=400
    )
    iiko.expect_request(CREATE).respond_with_json({"id": "cust-new"})
    # when
    client_sync(client=client, iiko=IikoClient())
    # then
    client.refresh_from_db()
    assert client.iiko_customer_id == "cust-new"
    assert received(iiko, CREATE) == [
        {
            "organizationId": ORG,
            "phone": client.phone,
            "name": "Ali",
            "fullName": "Ali Karim Valiyev",
            "surname": "Valiyev",
            "middleName": "Karim",
            "sex": 1,
            "comment": "CASHBACK MOBILE APP CLIENT",
        }
    ]
    assert not LedgerEntry.objects.filter(client=client).exists()


def test_deleted_customer_in_iiko_is_not_linked(iiko):
    client = make_client()
    iiko.expect_request(INFO).respond_with_json(customer_json(isDeleted=True))
    iiko.expect_request(CREATE).respond_with_json({"id": "cust-2"})
    client_sync(client=client, iiko=IikoClient())
    client.refresh_from_db()
    assert (client.iiko_customer_id, client.iiko_wallet_id) == ("cust-2", None)


def test_creation_not_allowed_leaves_the_client_unlinked(iiko):
    client = make_client()
    iiko.expect_request(INFO).respond_with_json({}, status=404)
    _, report = client_sync(client=client, iiko=IikoClient(), allow_create=False)
    assert CREATE not in paths(iiko)
    assert report.warnings == ["customer not found in iiko"]


def test_sync_sends_pending_profile_changes_and_closes_their_job(iiko):
    # given
    client = make_client(name="Ali", email="new@example.uz")
    job = iiko_job_enqueue(
        client=client, operation="flush_profile", payload={"email": "x"}
    )
    iiko.expect_request(INFO).respond_with_json(customer_json(walletBalances=[]))
    iiko.expect_request(CREATE).respond_with_json({"id": "cust-1"})
    # when
    client_sync(client=client, iiko=IikoClient())
    # then
    assert received(iiko, CREATE) == [
        {
            "organizationId": ORG,
            "id": "cust-1",
            "phone": client.phone,
            "email": "new@example.uz",
        }
    ]
    job.refresh_from_db()
    assert job.status == IikoJobStatus.SUCCESS


def test_flush_profile_sends_the_changed_fields_with_the_id(iiko):
    client = make_client(name="Ali", surname="Valiyev", iiko_customer_id="cust-1")
    iiko.expect_request(CREATE).respond_with_json({"id": "cust-1"})
    client_profile_flush(
        client=client, iiko=IikoClient(), payload={"fields": ["surname"]}
    )
    assert received(iiko, CREATE) == [
        {
            "organizationId": ORG,
            "id": "cust-1",
            "phone": client.phone,
            "fullName": "Ali Valiyev",
            "surname": "Valiyev",
        }
    ]


def test_mark_deleted_sends_pseudo_phone_flag_name_and_released_phone(iiko):
    # given: the accounts service rotated the phone and recorded the job
    client = make_client(
        phone="+999123456789", name="Ali", is_deleted=True, iiko_customer_id="cust-1"
    )
    iiko.expect_request(CREATE).respond_with_json({"id": "cust-1"})
    # when
    client_mark_deleted(
        client=client, iiko=IikoClient(), payload={"released_phone": "+998901112233"}
    )
    # then
    assert received(iiko, CREATE) == [
        {
            "organizationId": ORG,
            "id": "cust-1",
            "phone": "+999123456789",
            "name": "Ali",
            "comment": "+998901112233",
            "isDeleted": True,
        }
    ]


def test_mark_deleted_finds_an_unlinked_customer_by_the_released_phone(iiko):
    client = make_client(phone="+999123456789", is_deleted=True)
    iiko.expect_request(INFO).respond_with_json({"id": "cust-5"})
    iiko.expect_request(CREATE).respond_with_json({"id": "cust-5"})
    client_mark_deleted(
        client=client, iiko=IikoClient(), payload={"released_phone": "+998901112233"}
    )
    assert received(iiko, INFO)[0]["phone"] == "+998901112233"
    assert received(iiko, CREATE)[0]["id"] == "cust-5"


def test_wallet_topup_mirrors_the_credit_and_records_the_echo(iiko):
    # given
    client = make_client(iiko_customer_id="cust-1", iiko_wallet_id="w-main")
    entry = credit(client, 15000)
    job = iiko_job_enqueue(client=client, operation="wallet_topup", ledger_entry=entry)
    iiko.expect_request(TOPUP).respond_with_json({})
    moment = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
    # when
    with time_machine.travel(moment, tick=False):
        ledger_entry_topup(job=job, iiko=IikoClient())
        ledger_entry_topup(job=job, iiko=IikoClient())  # a retry sends nothing twice
    # then
    assert received(iiko, TOPUP) == [
        {
            "organizationId": ORG,
            "customerId": "cust-1",
            "walletId": "w-main",
            "sum": 15000,
            "comment": f"Sardoba manual credit, ledger entry #{entry.pk}",
        }
    ]
    echo = PendingEcho.objects.get()
    assert (echo.client_id, echo.amount, echo.ledger_entry_id) == (
        client.pk,
        15000,
        entry.pk,
    )
    assert echo.expires_at == moment + dt.timedelta(hours=24)


def test_wallet_topup_syncs_an_unlinked_client_first(iiko):
    client = make_client()
    entry = credit(client, 15000)
    job = iiko_job_enqueue(client=client, operation="wallet_topup", ledger_entry=entry)
    iiko.expect_request(INFO).respond_with_json(customer_json(cards=[]))
    iiko.expect_request(TOPUP).respond_with_json({})
    ledger_entry_topup(job=job, iiko=IikoClient())
    assert paths(iiko)[-2:] == [INFO, TOPUP]
    assert received(iiko, TOPUP)[0]["walletId"] == "w-main"
    assert _balance(client) == 27000  # iiko's 12,000 + the unmirrored 15,000
    assert IikoJob.objects.filter(operation=IikoJobOperation.WALLET_TOPUP).count() == 1
