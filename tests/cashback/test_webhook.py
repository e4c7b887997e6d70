"""`POST /iiko/webhook` end to end: the worked examples of `domain-rules.md` §6.10."""

from __future__ import annotations

import logging

import pytest

from cashback.models import IikoJob, LedgerEntry, PendingEcho, Wallet
from cashback.services import pending_echo_record
from notifications.models import Notification
from tests.cashback.factories import credit, make_client

pytestmark = pytest.mark.django_db

URL = "/api/v1/iiko/webhook"


def post(api, **body):
    return api.post(URL, body, format="json")


def wallet_of(client):
    return Wallet.objects.get(client=client)


def ledger(client):
    return list(
        LedgerEntry.objects.filter(client=client)
        .order_by("id")
        .values_list("kind", "amount", "balance_after")
    )


def test_example_a_two_accruals_and_a_level_change(iiko_client, user):
    # when
    r1 = post(
        iiko_client, id="e1", transactionType="Accrual", sum=12000, phone=user.phone
    )
    r2 = post(
        iiko_client,
        id="e2",
        transactionType="Accrual",
        sum=15000,
        customerId="nope",
        phone="90 123 45 67",
        orderId="o-1",
    )
    # then
    entry = LedgerEntry.objects.get(iiko_event_key="e2")
    assert r1.status_code == 200
    assert r2.json() == {
        "status": "processed",
        "transaction_id": str(entry.pk),
        "transactionType": "Accrual",
        "amount": "15000",
    }
    wallet = wallet_of(user)
    assert (wallet.balance, wallet.points, wallet.level) == (27000, 13500, "GOLD")
    assert (entry.source, entry.kind, entry.points_earned) == ("ORDER", "accrual", 7500)
    assert LedgerEntry.objects.get(iiko_event_key="e1").source == "MANUAL"
    assert Notification.objects.filter(client=user).count() == 2


def test_example_b_divisor_of_the_level_before(iiko_client, user):
    post(iiko_client, id="b0", transactionType="Accrual", sum=18000, phone=user.phone)
    post(iiko_client, id="b1", transactionType="Accrual", sum=4000, phone=user.phone)
    assert (wallet_of(user).points, wallet_of(user).level) == (11000, "GOLD")
    post(iiko_client, id="b2", transactionType="Accrual", sum=3000, phone=user.phone)
    assert wallet_of(user).points == 12000


def test_example_c_several_levels_at_once(iiko_client, user):
    post(iiko_client, id="c", transactionType="Accrual", sum=250000, phone=user.phone)
    wallet = wallet_of(user)
    assert (wallet.points, wallet.level) == (125000, "VIP")


def test_example_d_rounding_keeps_the_received_sum(iiko_client, user):
    post(iiko_client, id="d", transactionType="Accrual", sum=15.5, phone=user.phone)
    entry = LedgerEntry.objects.get(iiko_event_key="d")
    assert (entry.amount, entry.iiko_sum, entry.points_earned) == (16, "15.5", 8)


def test_example_e_debit_larger_than_the_local_copy_sets_the_gift(iiko_client, user):
    # given
    credit(user, 20000)
    Notification.objects.all().delete()
    # when
    response = post(
        iiko_client,
        id="pay",
        transactionType="PayFromWallet",
        sum=35000,
        balance=0,
        phone=user.phone,
    )
    # then
    assert response.json()["amount"] == "-35000"
    assert ledger(user)[1:] == [
        ("reconciliation", 15000, 35000),
        ("payment", -35000, 0),
    ]
    wallet = wallet_of(user)
    assert (wallet.balance, wallet.giftget, wallet.points) == (0, True, 10000)
    notification = Notification.objects.get(client=user)
    assert notification.notification_type == "cashback_spent"
    assert notification.description == "-35000 сум списано с кешбека"


def test_example_f_credit_with_a_lower_iiko_balance(iiko_client, user):
    post(iiko_client, id="f0", transactionType="Accrual", sum=10000, phone=user.phone)
    post(
        iiko_client,
        id="f1",
        transactionType="Accrual",
        sum=5000,
        balance=12000,
        phone=user.phone,
    )
    assert ledger(user)[1:] == [
        ("accrual", 5000, 15000),
        ("reconciliation", -3000, 12000),
    ]
    assert wallet_of(user).points == 5000 + 2500


def test_example_g_manual_credit_mirrored_is_not_counted_twice(
    iiko_client, user, manager
):
    # given: local 10,000, a manager adds 5,000, iiko accepts the top-up
    post(iiko_client, id="g0", transactionType="Accrual", sum=10000, phone=user.phone)
    entry = credit(user, 5000, staff=manager)
    job = IikoJob.objects.get(ledger_entry=entry)
    assert (job.operation, job.status) == ("wallet_topup", "pending")
    pending_echo_record(client=user, amount=5000, ledger_entry=entry)
    notifications = Notification.objects.count()
    # when: iiko reports the top-up back
    response = post(
        iiko_client,
        id="g1",
        transactionType="RefillWallet",
        sum=5000,
        balance=15000,
        walletId="w-unknown",
        phone=user.phone,
    )
    # then
    assert response.json() == {
        "status": "ignored",
        "transactionType": "RefillWallet",
        "reason": "echo of a manual credit",
    }
    assert wallet_of(user).balance == 15000
    assert len(ledger(user)) == 2
    assert Notification.objects.count() == notifications
    assert PendingEcho.objects.get().consumed_at is not None
    # and a redelivery of the echo is not applied either
    again = post(
        iiko_client,
        id="g1",
        transactionType="RefillWallet",
        sum=5000,
        balance=15000,
        phone=user.phone,
    )
    assert again.json() == response.json()
    assert len(ledger(user)) == 2


def test_example_g2_sync_before_the_webhook(iiko_client, user):
    from django.db import transaction

    from cashback.services import reconciliation_append, wallet_lock

    post(iiko_client, id="x0", transactionType="Accrual", sum=10000, phone=user.phone)
    with transaction.atomic():
        reconciliation_append(wallet=wallet_lock(client=user), target_balance=15000)
    post(
        iiko_client,
        id="x1",
        transactionType="Accrual",
        sum=5000,
        balance=15000,
        phone=user.phone,
    )
    assert ledger(user) == [
        ("accrual", 10000, 10000),
        ("reconciliation", 5000, 15000),
        ("accrual", 5000, 20000),
        ("reconciliation", -5000, 15000),
    ]
    assert wallet_of(user).points == 7500


def test_example_h_duplicate_delivery_returns_the_first_response(iiko_client, user):
    first = post(
        iiko_client, id="h", transactionType="Accrual", sum=12000, phone=user.phone
    )
    again = post(
        iiko_client, id="h", transactionType="Accrual", sum=99999, phone=user.phone
    )
    assert again.status_code == 200
    assert again.json() == first.json()
    wallet = wallet_of(user)
    assert (wallet.balance, wallet.points) == (12000, 6000)
    assert LedgerEntry.objects.count() == 1


def test_example_j_gift_flag_edge_cases(iiko_client, user, manager):
    credit(user, 35000, staff=manager)
    assert wallet_of(user).giftget is False
    post(
        iiko_client, id="j1", transactionType="Correction", sum=-35000, phone=user.phone
    )
    assert wallet_of(user).giftget is True
    Wallet.objects.filter(client=user).update(giftget=False)  # a manager clears it
    credit(user, 35000, staff=manager)
    post(
        iiko_client,
        id="j2",
        transactionType="PayFromWallet",
        sum=35000,
        phone=user.phone,
    )
    assert wallet_of(user).giftget is False


def test_key_from_uoc_id_and_type(iiko_client, user):
    body = {
        "uocId": "u-1",
        "transactionType": "Accrual",
        "sum": 100,
        "phone": user.phone,
    }
    post(iiko_client, **body)
    post(iiko_client, **body)
    assert LedgerEntry.objects.get().iiko_event_key == "u-1:Accrual"


def test_event_without_any_key_is_applied_each_time(iiko_client, user, caplog):
    with caplog.at_level(logging.WARNING):
        post(iiko_client, transactionType="Accrual", sum=100, phone=user.phone)
        post(iiko_client, transactionType="Accrual", sum=100, phone=user.phone)
    assert wallet_of(user).balance == 200
    assert "without de-duplication" in caplog.text


def test_debit_without_balance_catches_up_and_queues_a_sync(iiko_client, user):
    credit(user, 1000)
    post(
        iiko_client, id="p", transactionType="PayFromWallet", sum=3000, phone=user.phone
    )
    assert ledger(user)[1:] == [("reconciliation", 2000, 3000), ("payment", -3000, 0)]
    assert IikoJob.objects.filter(client=user, operation="sync_user").exists()


@pytest.mark.parametrize(
    ("_case", "fields"),
    [
        ("no sum, balance differs", {"balance": 700}),
        ("zero sum, balance differs", {"sum": 0, "balance": 700}),
    ],
)
def test_missing_sum_reconciles_alone(iiko_client, user, _case, fields):
    response = post(
        iiko_client, id="k", transactionType="Accrual", phone=user.phone, **fields
    )
    entry = LedgerEntry.objects.get()
    assert response.json() == {
        "status": "processed",
        "transaction_id": str(entry.pk),
        "transactionType": "Accrual",
        "amount": "700",
    }
    assert (entry.kind, wallet_of(user).balance) == ("reconciliation", 700)
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    ("_case", "fields"),
    [
        ("simple push", {"transactionType": "SimplePush", "sum": 100}),
        ("unknown type", {"transactionType": "Mystery", "sum": 100}),
        ("no sum, same balance", {"transactionType": "Accrual", "balance": 0}),
    ],
)
def test_ignored_events_change_nothing(iiko_client, user, _case, fields):
    response = post(iiko_client, id="i", phone=user.phone, **fields)
    assert response.status_code == 200
    assert response.json() == {
        "status": "ignored",
        "transactionType": fields["transactionType"],
        "reason": "no cashback change",
    }
    assert not LedgerEntry.objects.exists()
    assert not Notification.objects.exists()


def test_negative_reported_balance_is_treated_as_zero(iiko_client, user):
    credit(user, 500)
    post(
        iiko_client,
        id="n",
        transactionType="Accrual",
        sum=100,
        balance=-50,
        phone=user.phone,
    )
    assert wallet_of(user).balance == 0


def test_client_matching_order(iiko_client, user):
    # given: three clients, each matching one identifier
    by_customer = make_client(iiko_customer_id="c-1")
    by_wallet = make_client(iiko_wallet_id="w-1")
    make_client(is_deleted=True, iiko_customer_id="c-2")
    # when / then: the first present identifier that matches decides
    post(
        iiko_client,
        id="m1",
        transactionType="Accrual",
        sum=1,
        customerId="c-1",
        walletId="w-1",
        phone=user.phone,
    )
    post(
        iiko_client,
        id="m2",
        transactionType="Accrual",
        sum=2,
        customerId="zzz",
        walletId="w-1",
        phone=user.phone,
    )
    post(
        iiko_client,
        id="m3",
        transactionType="Accrual",
        sum=4,
        customerId="c-2",
        phone=user.phone,
    )
    assert wallet_of(by_customer).balance == 1
    assert wallet_of(by_wallet).balance == 2
    assert wallet_of(user).balance == 4


def test_absent_identifier_never_matches_an_empty_column(iiko_client):
    make_client(iiko_customer_id="", iiko_wallet_id=None)
    response = post(
        iiko_client,
        id="z",
        transactionType="Accrual",
        sum=1,
        customerId="",
        phone="+998999999999",
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "User not found"}
    assert not LedgerEntry.objects.exists()


@pytest.mark.parametrize(
    ("_case", "body", "status", "detail"),
    [
        ("empty", b"", 400, "Request body is empty"),
        ("not json", b"{nope", 400, "Invalid webhook payload"),
        ("array", b"[1, 2]", 400, "Invalid webhook payload"),
        (
            "no type",
            b'{"sum": 1, "phone": "+998901234567"}',
            400,
            "Invalid webhook payload",
        ),
        (
            "bad sum",
            b'{"transactionType": "Accrual", "sum": "x", "phone": "+998901234567"}',
            400,
            "Invalid webhook payload",
        ),
        (
            "no identifier",
            b'{"transactionType": "Accrual", "sum": 1}',
            400,
            "customerId, walletId or phone is required to locate the user",
        ),
        (
            "unknown client",
            b'{"transactionType": "Accrual", "sum": 1, "phone": "+998977777777"}',
            404,
            "User not found",
        ),
    ],
)
def test_refusals_are_plain_strings(iiko_client, user, _case, body, status, detail):
    response = iiko_client.post(URL, body, content_type="application/json")
    assert response.status_code == status
    assert response.json() == {"detail": detail}
    assert not LedgerEntry.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [{"sum": 10**16}, {"sum": True}, {"sum": 5, "balance": "1e20"}],
)
def test_absurd_amounts_are_invalid_payloads(iiko_client, user, fields):
    response = post(
        iiko_client, id="big", transactionType="Accrual", phone=user.phone, **fields
    )
    assert (response.status_code, response.json()) == (
        400,
        {"detail": "Invalid webhook payload"},
    )
    assert not LedgerEntry.objects.exists()


def test_redelivery_after_the_client_was_deleted_returns_the_first_response(
    iiko_client, user
):
    first = post(
        iiko_client, id="del", transactionType="Accrual", sum=5, phone=user.phone
    )
    user.is_deleted = True
    user.save(update_fields=["is_deleted"])
    again = post(
        iiko_client, id="del", transactionType="Accrual", sum=5, phone=user.phone
    )
    assert (again.status_code, again.json()) == (200, first.json())
    assert LedgerEntry.objects.count() == 1


def test_an_event_key_known_only_from_an_imported_entry_is_not_applied_again(
    iiko_client, user
):
    from django.db import transaction

    from cashback.services import ledger_entry_append, wallet_lock

    # given: an entry carrying an event key but no stored response (data import)
    with transaction.atomic():
        entry = ledger_entry_append(
            wallet=wallet_lock(client=user),
            kind="accrual",
            amount=900,
            iiko_event_key="imported-1",
        )
    # when
    response = post(
        iiko_client,
        id="imported-1",
        transactionType="Accrual",
        sum=900,
        phone=user.phone,
    )
    # then
    assert response.json() == {
        "status": "processed",
        "transaction_id": str(entry.pk),
        "transactionType": "Accrual",
        "amount": "900",
    }
    assert wallet_of(user).balance == 900


def test_internal_failure_answers_500_and_applies_nothing(
    iiko_client, user, monkeypatch
):
    from cashback.services import iiko_events

    def explode(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(iiko_events, "_echo_consume", explode)
    response = post(
        iiko_client, id="boom", transactionType="Accrual", sum=5, phone=user.phone
    )
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal error"}
    assert not LedgerEntry.objects.exists()
