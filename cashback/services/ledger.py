"""The one writer of ledger entries (`domain-rules.md` §6.1-6.6, §10.1).

Callers hold the wallet lock inside `transaction.atomic()` (use `wallet_lock`);
each append writes the entry and the new balance, points, level and gift flag
together, plus the client's inbox notification for every non-reconciliation
entry (rung after commit).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from accounts.models import Client, Staff
from cashback import rules
from cashback.models import EntryKind, EntrySource, LedgerEntry, Wallet
from cashback.services.wallets import wallet_get_or_create

DESCRIPTIONS: dict[str, str] = {
    EntryKind.ACCRUAL: "Cashback accrual",
    EntryKind.PAYMENT: "Payment with cashback",
    EntryKind.CORRECTION: "Correction",
    EntryKind.REFILL: "Wallet refill",
    EntryKind.REFILL_FROM_ORDER: "Wallet refill from order",
    EntryKind.WELCOME_BONUS: "Welcome bonus",
    EntryKind.MANUAL_CREDIT: "Manual credit",
    EntryKind.RECONCILIATION: "Balance reconciliation with iiko",
}

# §10.1, per language: (accrual title, accrual text, spent title, spent text)
NOTIFICATION_TEXTS: dict[str, tuple[str, str, str, str]] = {
    "ru": (
        "Кешбек начислен",
        "+{amount} сум начислено на ваш кешбек!",
        "Кешбек использован",
        "-{amount} сум списано с кешбека",
    ),
    "uz": (
        "Cashback qo‘shildi",
        "+{amount} so‘m hisobingizga cashback qo‘shildi!",
        "Cashback ishlatildi",
        "-{amount} so‘m cashbackdan ishlatildi",
    ),
}


class NegativeBalance(Exception):
    """An append would take the balance below zero; reconcile first."""


def wallet_lock(*, client: Client) -> Wallet:
    """Return the client's wallet locked for this transaction (created if absent)."""
    wallet_get_or_create(client=client)
    wallet = Wallet.objects.select_for_update().get(client_id=client.pk)
    wallet.client = client  # spare the notification a query
    return wallet


def _notify(*, wallet: Wallet, entry: LedgerEntry) -> None:
    from notifications.services import client_language, inbox_notification_create

    language = client_language(client_id=wallet.client_id)
    accrual_title, accrual_text, spent_title, spent_text = NOTIFICATION_TEXTS[language]
    credit = entry.amount > 0
    kind = "cashback_accrual" if credit else "cashback_spent"
    text = accrual_text if credit else spent_text
    inbox_notification_create(
        client=wallet.client,
        title=accrual_title if credit else spent_title,
        description=text.format(amount=abs(entry.amount)),
        notification_type=kind,
        payload={"type": kind, "amount": str(entry.amount)},
        language=language,
    )


def _is_first_gift_entry(*, wallet: Wallet, kind: str, amount: int) -> bool:
    """Whether this entry is the client's first non-reconciliation -35,000 (§6.6).

    Only the first one sets the flag: after a manager cleared it, a later -35,000
    changes nothing. Read under the wallet lock, so two debits cannot both be first.
    """
    if kind == EntryKind.RECONCILIATION or amount != rules.GIFT_AMOUNT:
        return False
    return (
        not LedgerEntry.objects.filter(
            client_id=wallet.client_id, amount=rules.GIFT_AMOUNT
        )
        .exclude(kind=EntryKind.RECONCILIATION)
        .exists()
    )


def ledger_entry_append(
    *,
    wallet: Wallet,
    kind: str,
    amount: int,
    source: str = EntrySource.MANUAL,
    description: str | None = None,
    staff: Staff | None = None,
    branch_id: int | None = None,
    iiko_event_key: str | None = None,
    iiko_uoc_id: str | None = None,
    idempotency_key: str | None = None,
    iiko_sum: str | None = None,
    notify: bool = True,
    created_at: dt.datetime | None = None,
) -> LedgerEntry:
    """Append one entry to a wallet the caller has locked.

    Applies points (divisor of the level before), the level (never down) and the
    gift flag (first -35,000 non-reconciliation entry), and writes the inbox
    notification unless the entry is a reconciliation or `notify` is false.
    Raises `NegativeBalance` instead of letting the balance go below zero, and
    `IntegrityError` on a duplicate event or idempotency key.
    """
    if amount == 0:
        raise ValueError("a ledger entry never moves 0")
    if wallet.balance + amount < 0:
        raise NegativeBalance()
    points = rules.points_for_entry(kind=kind, amount=amount, level_before=wallet.level)
    sets_gift = _is_first_gift_entry(wallet=wallet, kind=kind, amount=amount)
    extra = {"created_at": created_at} if created_at is not None else {}
    # A savepoint: a duplicate key leaves the wallet as it was.
    with transaction.atomic():
        entry = LedgerEntry.objects.create(
            **extra,
            client_id=wallet.client_id,
            kind=kind,
            source=source,
            amount=amount,
            balance_before=wallet.balance,
            balance_after=wallet.balance + amount,
            points_earned=points,
            branch_id=branch_id,
            staff=staff,
            description=description or DESCRIPTIONS[kind],
            iiko_event_key=iiko_event_key,
            iiko_uoc_id=iiko_uoc_id,
            idempotency_key=idempotency_key,
            iiko_sum=iiko_sum,
        )
    wallet.balance = entry.balance_after
    wallet.points += points
    wallet.level = rules.level_after(level_before=wallet.level, points=wallet.points)
    if sets_gift:
        wallet.giftget = True
    wallet.save(update_fields=["balance", "points", "level", "giftget", "updated_at"])
    if notify and kind != EntryKind.RECONCILIATION:
        _notify(wallet=wallet, entry=entry)
    return entry


def reconciliation_append(
    *, wallet: Wallet, target_balance: int, created_at: dt.datetime | None = None
) -> LedgerEntry | None:
    """Bring a locked wallet to `target_balance` (>= 0) with one reconciliation entry.

    No points, no gift flag, no notification. Returns None when already equal.
    """
    target = max(int(target_balance), 0)
    gap = target - wallet.balance
    if gap == 0:
        return None
    return ledger_entry_append(
        wallet=wallet,
        kind=EntryKind.RECONCILIATION,
        amount=gap,
        source=EntrySource.MANUAL,
        created_at=created_at,
    )
