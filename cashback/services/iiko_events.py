"""iiko wallet events from the webhook (`domain-rules.md` §6.5, `staff-api.md` §16.2).

iiko holds the real wallet; an event is applied as a ledger entry of its kind,
and iiko's reported balance is reached by a `reconciliation` entry, never by an
overwrite. Everything for one event is one transaction under the wallet lock;
a processed event key returns the first response instead of applying again.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Client
from cashback import rules
from cashback.models import (
    EntryKind,
    EntrySource,
    IikoEvent,
    IikoJobOperation,
    LedgerEntry,
    PendingEcho,
    Wallet,
)
from cashback.services.jobs import iiko_job_enqueue
from cashback.services.ledger import (
    ledger_entry_append,
    reconciliation_append,
    wallet_lock,
)

logger = logging.getLogger(__name__)

# transactionType -> (kind, sign): +1 / -1 force the sign of |sum|, 0 keeps it.
EVENT_KINDS: dict[str, tuple[str, int]] = {
    "Accrual": (EntryKind.ACCRUAL, 1),
    "PayFromWallet": (EntryKind.PAYMENT, -1),
    "WelcomeBonus": (EntryKind.WELCOME_BONUS, 1),
    "Correction": (EntryKind.CORRECTION, 0),
    "RefillWallet": (EntryKind.REFILL, 0),
    "RefillWalletFromOrder": (EntryKind.REFILL_FROM_ORDER, 0),
}
ECHO_REASON = "echo of a manual credit"
NO_CHANGE_REASON = "no cashback change"


@dataclass(frozen=True, slots=True)
class WalletEvent:
    """A parsed wallet event: what the service needs from iiko's payload."""

    transaction_type: str
    event_key: str | None
    amount: int  # signed and rounded; 0 when `sum` is absent or zero
    received_sum: str | None
    balance: int | None  # iiko's balance after the event, never negative
    uoc_id: str | None
    has_order: bool
    # When the entries are dated (demo history, imports); None = now.
    occurred_at: dt.datetime | None = None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


MAX_MAGNITUDE = 10**15  # far beyond any wallet; larger values are not money


def _money(value: Any) -> int:
    amount = rules.round_sum(value)
    if isinstance(value, bool) or abs(amount) > MAX_MAGNITUDE:
        raise ValueError(f"not an amount: {value!r}")
    return amount


def wallet_event_parse(payload: dict[str, Any]) -> WalletEvent:
    """Read a webhook payload; raise `ValueError` when `sum` or `balance` is no amount."""
    transaction_type = str(payload["transactionType"])
    uoc_id = _text(payload.get("uocId"))
    event_key = _text(payload.get("id"))
    if event_key is None and uoc_id is not None:
        event_key = f"{uoc_id}:{transaction_type}"
    raw_sum = payload.get("sum")
    amount = 0
    if raw_sum is not None and raw_sum != "":
        amount = _money(raw_sum)
        kind_sign = EVENT_KINDS.get(transaction_type, (None, 0))[1]
        amount = abs(amount) * kind_sign if kind_sign else amount
    balance = None
    raw_balance = payload.get("balance")
    if raw_balance is not None and raw_balance != "":
        balance = _money(raw_balance)
        if balance < 0:
            logger.warning("iiko reported a negative balance; treated as 0")
            balance = 0
    return WalletEvent(
        transaction_type=transaction_type,
        event_key=event_key,
        amount=amount,
        received_sum=None if raw_sum is None else str(raw_sum)[:64],
        balance=balance,
        uoc_id=uoc_id,
        has_order=_text(payload.get("orderId")) is not None,
    )


def _ignored(event: WalletEvent, reason: str) -> dict[str, Any]:
    return {
        "status": "ignored",
        "transactionType": event.transaction_type,
        "reason": reason,
    }


def _processed(event: WalletEvent, entry: LedgerEntry) -> dict[str, Any]:
    return {
        "status": "processed",
        "transaction_id": str(entry.pk),
        "transactionType": event.transaction_type,
        "amount": str(entry.amount),
    }


def _echo_consume(*, client: Client, amount: int) -> bool:
    """Consume the oldest live pending echo of `amount`; the wallet lock is held."""
    echo = (
        PendingEcho.objects.select_for_update()
        .filter(
            client_id=client.pk,
            amount=amount,
            consumed_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .order_by("created_at", "id")
        .first()
    )
    if echo is None:
        return False
    echo.consumed_at = timezone.now()
    echo.save(update_fields=["consumed_at"])
    return True


def _event_entry_append(
    *, wallet: Wallet, event: WalletEvent, kind: str
) -> LedgerEntry:
    """The event entry, with its reconciliation ordered so the balance stays >= 0."""
    gap = 0
    if event.balance is not None:
        gap = event.balance - (wallet.balance + event.amount)
    elif wallet.balance + event.amount < 0:
        gap = -(wallet.balance + event.amount)  # iiko already debited: catch up
        iiko_job_enqueue(client=wallet.client, operation=IikoJobOperation.SYNC_USER)
    when = event.occurred_at
    if gap > 0:
        reconciliation_append(
            wallet=wallet, target_balance=wallet.balance + gap, created_at=when
        )
    entry = ledger_entry_append(
        wallet=wallet,
        kind=kind,
        amount=event.amount,
        source=EntrySource.ORDER if event.has_order else EntrySource.MANUAL,
        iiko_event_key=event.event_key,
        iiko_uoc_id=event.uoc_id,
        iiko_sum=event.received_sum,
        created_at=when,
    )
    if gap < 0 and event.balance is not None:
        reconciliation_append(
            wallet=wallet, target_balance=event.balance, created_at=when
        )
    return entry


def _apply(
    *, wallet: Wallet, event: WalletEvent
) -> tuple[dict[str, Any], LedgerEntry | None]:
    kind = EVENT_KINDS.get(event.transaction_type, (None, 0))[0]
    if kind is None:
        return _ignored(event, NO_CHANGE_REASON), None
    if event.amount > 0 and _echo_consume(client=wallet.client, amount=event.amount):
        if event.balance is not None:
            reconciliation_append(
                wallet=wallet,
                target_balance=event.balance,
                created_at=event.occurred_at,
            )
        return _ignored(event, ECHO_REASON), None
    if event.amount == 0:
        entry = None
        if event.balance is not None:
            entry = reconciliation_append(
                wallet=wallet,
                target_balance=event.balance,
                created_at=event.occurred_at,
            )
        if entry is None:
            return _ignored(event, NO_CHANGE_REASON), None
        return _processed(event, entry), entry
    entry = _event_entry_append(wallet=wallet, event=event, kind=kind)
    return _processed(event, entry), entry


@transaction.atomic
def iiko_wallet_event_apply(*, client: Client, event: WalletEvent) -> dict[str, Any]:
    """Apply one wallet event to the client's wallet and return iiko's response.

    A repeat of a processed event key returns the stored first response and
    changes nothing; the unique key on `IikoEvent` (and on the entry) decides
    when two deliveries race. `SimplePush` and unknown types change nothing.
    """
    wallet = wallet_lock(client=client)
    if event.event_key is not None:
        first = _first_response(event)
        if first is not None:
            return first
    else:
        logger.warning(
            "iiko event without id or uocId applied without de-duplication",
            extra={"transaction_type": event.transaction_type},
        )
    try:
        with transaction.atomic():
            response, entry = _apply(wallet=wallet, event=event)
            if event.event_key is not None:
                IikoEvent.objects.create(
                    event_key=event.event_key,
                    client=client,
                    transaction_type=event.transaction_type,
                    response=response,
                    ledger_entry=entry,
                )
    except IntegrityError:
        first = _first_response(event) if event.event_key is not None else None
        if first is None:
            raise
        wallet.refresh_from_db()  # the savepoint restored the row
        return first
    return response


def _first_response(event: WalletEvent) -> dict[str, Any] | None:
    """The stored response to this event key; an entry alone (imported) also counts."""
    stored = IikoEvent.objects.filter(event_key=event.event_key).first()
    if stored is not None:
        return stored.response
    entry = LedgerEntry.objects.filter(iiko_event_key=event.event_key).first()
    return None if entry is None else _processed(event, entry)
