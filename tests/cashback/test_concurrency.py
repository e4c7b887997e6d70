"""Racing threads on PostgreSQL, each with its own connection (`select_for_update`).

SQLite ignores row locks, so these run on PostgreSQL only (CI runs them). Each
test writes its figures (operations, wall time) to the terminal with `-s`.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections
from rest_framework.test import APIClient

from cashback.audit import wallet_audit
from cashback.models import IikoEvent, LedgerEntry, Wallet
from notifications.models import Notification
from tests.cashback.conftest import WEBHOOK_SECRET
from tests.cashback.factories import credit, make_client
from tests.conftest import bearer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(jobs: list[Callable[[], Any]]) -> tuple[list[Any], float]:
    """Run every job in its own thread, released together; return results and seconds."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(index: int, job: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[index] = job()
        except Exception as exc:  # surfaced by the caller's asserts
            results[index] = exc
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, time.perf_counter() - started


def report(name: str, operations: int, seconds: float) -> None:
    sys.stdout.write(
        f"\n[figures] {name}: {operations} operations in {seconds:.3f} s\n"
    )


def test_50_concurrent_credits_and_iiko_debits_leave_the_exact_balance(manager):
    # given: a wallet that covers every debit
    client = make_client()
    credit(client, 25 * 500)

    def a_credit(n: int) -> Callable[[], Any]:
        return (
            lambda: bearer(APIClient(), manager)
            .post(
                "/api/v1/cashback/add",
                {"user_id": client.pk, "amount": 1000},
                format="json",
            )
            .status_code
        )

    def a_debit(n: int) -> Callable[[], Any]:
        body = {
            "id": f"debit-{n}",
            "transactionType": "PayFromWallet",
            "sum": 500,
            "phone": client.phone,
        }
        return (
            lambda: APIClient()
            .post(
                "/api/v1/iiko/webhook",
                body,
                format="json",
                HTTP_X_WEBHOOK_SECRET=WEBHOOK_SECRET,
            )
            .status_code
        )

    jobs = [f(n) for n in range(25) for f in (a_credit, a_debit)]
    # when
    with pytest.MonkeyPatch.context() as mp:
        from django.conf import settings

        mp.setattr(settings, "IIKO_WEBHOOK_SECRET", WEBHOOK_SECRET)
        results, seconds = race(jobs)
    report("credits+debits on one wallet", len(jobs), seconds)
    # then
    assert results == [200] * 50
    wallet = Wallet.objects.get(client=client)
    assert wallet.balance == 25 * 500 + 25 * 1000 - 25 * 500
    entries = LedgerEntry.objects.filter(client=client).order_by("id")
    assert entries.count() == 51
    assert not entries.filter(kind="reconciliation").exists()
    assert entries.last().balance_after == wallet.balance
    assert wallet.points == sum(e.points_earned for e in entries)
    assert wallet_audit() == []


def test_one_idempotency_key_sent_20_times_yields_one_entry(manager):
    # given: a client without a wallet yet (its creation races too)
    client = make_client()
    body = {"user_id": client.pk, "amount": 7000, "idempotency_key": "same-key"}

    def send() -> Any:
        response = bearer(APIClient(), manager).post(
            "/api/v1/cashback/add", body, format="json"
        )
        return (
            response.status_code,
            response.get("Idempotent-Replayed"),
            response.json()["id"],
        )

    # when
    results, seconds = race([send] * 20)
    report("one idempotency key x20", 20, seconds)
    # then
    assert {r[0] for r in results} == {200}
    assert sorted(r[1] or "first" for r in results) == ["first"] + ["true"] * 19
    assert len({r[2] for r in results}) == 1
    assert LedgerEntry.objects.filter(client=client).count() == 1
    assert Wallet.objects.get(client=client).balance == 7000
    assert Notification.objects.filter(client=client).count() == 1


def test_a_webhook_event_delivered_10_times_yields_one_entry(settings):
    settings.IIKO_WEBHOOK_SECRET = WEBHOOK_SECRET
    client = make_client()
    body = {
        "id": "evt-42",
        "transactionType": "Accrual",
        "sum": 12000,
        "balance": 12000,
        "phone": client.phone,
    }

    def deliver() -> Any:
        response = APIClient().post(
            "/api/v1/iiko/webhook",
            body,
            format="json",
            HTTP_X_WEBHOOK_SECRET=WEBHOOK_SECRET,
        )
        return response.status_code, response.json()

    # when
    results, seconds = race([deliver] * 10)
    report("one webhook event x10", 10, seconds)
    # then
    entry = LedgerEntry.objects.get(client=client)
    expected = {
        "status": "processed",
        "transaction_id": str(entry.pk),
        "transactionType": "Accrual",
        "amount": "12000",
    }
    assert results == [(200, expected)] * 10
    wallet = Wallet.objects.get(client=client)
    assert (wallet.balance, wallet.points) == (12000, 6000)
    assert IikoEvent.objects.filter(event_key="evt-42").count() == 1
    assert Notification.objects.filter(client=client).count() == 1


def test_ledger_rows_cannot_be_updated_or_deleted_in_the_database(user):
    from django.db import connection
    from django.db.utils import DatabaseError

    entry = credit(user, 100)
    for sql in (
        "UPDATE cashback_ledgerentry SET amount = 5 WHERE id = %s",
        "DELETE FROM cashback_ledgerentry WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.pk])
    assert LedgerEntry.objects.get(pk=entry.pk).amount == 100
