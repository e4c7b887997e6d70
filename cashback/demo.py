"""Demo money history for `manage.py seed_demo`: several months, every kind.

Built through the services (iiko events, manual credits, pending echoes), so
balances, points, levels, gift flags and notifications follow the real rules.
Idempotent: a client that already has ledger entries is left alone.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from typing import Any

from django.utils import timezone

from accounts.models import BRANCH_LABELS, Client, Staff, StaffRole
from cashback.models import LedgerEntry
from cashback.services import (
    card_ensure_for_client,
    iiko_wallet_event_apply,
    manual_credit_create,
    pending_echo_record,
    wallet_event_parse,
)

MONTHS = 6
MAX_CLIENTS = 30
BRANCHES = list(BRANCH_LABELS)


def _event(
    client: Client, when: dt.datetime, key: str, kind: str, **fields: Any
) -> None:
    payload = {"id": key, "transactionType": kind, "phone": client.phone, **fields}
    event = dataclasses.replace(wallet_event_parse(payload), occurred_at=when)
    iiko_wallet_event_apply(client=client, event=event)


def _history(client: Client, manager: Staff | None, rng: random.Random) -> int:
    """Write one client's months of history, oldest first; return the entry count."""
    now = timezone.now()
    start = now - dt.timedelta(days=30 * MONTHS)
    moments = sorted(
        start + dt.timedelta(seconds=rng.randint(0, 30 * MONTHS * 86400))
        for _ in range(rng.randint(8, 24))
    )
    prefix = f"demo-{client.pk}"
    _event(client, moments[0], f"{prefix}-welcome", "WelcomeBonus", sum=5000)
    balance = 5000  # what iiko holds, as the demo tells it
    for n, when in enumerate(moments[1:], start=1):
        key = f"{prefix}-{n}"
        roll = rng.random()
        if roll < 0.45:
            amount = rng.randrange(2000, 40000, 500)
            balance += amount
            _event(client, when, key, "Accrual", sum=amount, orderId=f"o-{key}")
        elif roll < 0.60 and balance >= 50000:
            amount = (
                35000 if rng.random() < 0.5 else rng.randrange(50000, balance + 1, 1000)
            )
            balance -= amount
            _event(client, when, key, "PayFromWallet", sum=amount, orderId=f"o-{key}")
        elif roll < 0.72 and manager is not None:
            amount = rng.randrange(5000, 30000, 1000)
            result = manual_credit_create(
                client=client,
                staff=manager,
                amount=amount,
                source=rng.choice(["QR", "MANUAL", "ORDER"]),
                branch_id=rng.choice(BRANCHES),
                description=rng.choice(["Birthday gift", "Apology", None]),
                idempotency_key=key,
                created_at=when,
            )
            balance += amount
            if rng.random() < 0.5:  # iiko accepted the top-up and echoes it back
                pending_echo_record(
                    client=client, amount=amount, ledger_entry=result.entry
                )
                _event(
                    client,
                    when,
                    f"{key}-echo",
                    "RefillWallet",
                    sum=amount,
                    balance=balance,
                )
        elif roll < 0.80:
            amount = rng.randrange(1000, 10000, 500)
            balance += amount
            kind = rng.choice(["RefillWallet", "RefillWalletFromOrder"])
            _event(client, when, key, kind, sum=amount)
        elif roll < 0.90:
            amount = rng.choice([-1, 1]) * rng.randrange(500, 3000, 100)
            amount = max(amount, -balance) or 500
            balance += amount
            _event(client, when, key, "Correction", sum=amount)
        else:  # iiko's balance drifted (a sale we never heard of): reconciled
            balance += rng.randrange(1000, 8000, 500)
            _event(client, when, key, "Accrual", sum=1000, balance=balance + 1000)
            balance += 1000
    return LedgerEntry.objects.filter(client=client).count()


def seed(stdout: Any) -> None:
    manager = (
        Staff.objects.not_deleted()
        .filter(role=StaffRole.MANAGER, is_active=True)
        .order_by("id")
        .first()
    )
    clients = (
        Client.objects.not_deleted()
        .filter(is_active=True)
        .exclude(ledger__isnull=False)
        .order_by("id")[:MAX_CLIENTS]
    )
    seeded = entries = 0
    for client in clients:
        card_ensure_for_client(client=client)
        entries += _history(client, manager, random.Random(client.pk))  # noqa: S311
        seeded += 1
    stdout.write(f"cashback: history for {seeded} client(s), {entries} ledger entries")
