"""Manual credits by a manager (`domain-rules.md` §6.8, `staff-api.md` §6.1)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Client, Staff
from accounts.services.logs import audit_record
from cashback.exceptions import AccountInactive, IdempotencyKeyReused, UserNotFound
from cashback.models import EntryKind, IikoJobOperation, LedgerEntry, PendingEcho
from cashback.services.jobs import iiko_job_enqueue
from cashback.services.ledger import ledger_entry_append, wallet_lock

PENDING_ECHO_TTL = dt.timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class ManualCreditResult:
    """The credit's entry; `replayed` when an idempotency key returned the first one."""

    entry: LedgerEntry
    replayed: bool


def _same_request(
    entry: LedgerEntry,
    *,
    client: Client,
    amount: int,
    source: str,
    branch_id: int | None,
) -> bool:
    return (
        entry.kind == EntryKind.MANUAL_CREDIT
        and entry.client_id == client.pk
        and entry.amount == amount
        and entry.source == source
        and entry.branch_id == branch_id
    )


@transaction.atomic
def manual_credit_create(
    *,
    client: Client,
    staff: Staff | None,
    amount: int,
    source: str,
    branch_id: int | None = None,
    description: str | None = None,
    idempotency_key: str | None = None,
    request: Any = None,
    created_at: dt.datetime | None = None,
) -> ManualCreditResult:
    """Credit `amount` (> 0) so'm to the client as a `manual_credit` entry.

    One transaction with the wallet locked: the entry, points, level, the
    `cashback_accrual` inbox row, the `wallet_topup` iiko job and the audit entry.
    A key already used with the same client, amount, source and branch returns the
    first entry (`replayed`); with other values raises `IdempotencyKeyReused`. The
    unique key decides, never a prior lookup. Raises `UserNotFound` for a deleted
    client and `AccountInactive` for a deactivated one.
    """
    if amount <= 0:
        raise ValueError("a manual credit is positive")
    if client.is_deleted:
        raise UserNotFound()
    if not client.is_active:
        raise AccountInactive()
    wallet = wallet_lock(client=client)
    try:
        entry = ledger_entry_append(
            wallet=wallet,
            kind=EntryKind.MANUAL_CREDIT,
            amount=amount,
            source=source,
            description=description or None,
            staff=staff,
            branch_id=branch_id,
            idempotency_key=idempotency_key or None,
            created_at=created_at,
        )
    except IntegrityError:
        first = (
            LedgerEntry.objects.select_related("staff")
            .filter(idempotency_key=idempotency_key)
            .first()
            if idempotency_key
            else None
        )
        if first is None:
            raise
        if not _same_request(
            first, client=client, amount=amount, source=source, branch_id=branch_id
        ):
            raise IdempotencyKeyReused() from None
        return ManualCreditResult(entry=first, replayed=True)
    iiko_job_enqueue(
        client=client, operation=IikoJobOperation.WALLET_TOPUP, ledger_entry=entry
    )
    audit_record(
        staff=staff,
        action="cashback.add",
        entity="ledger_entry",
        entity_id=entry.pk,
        after={
            "user_id": client.pk,
            "amount": entry.amount,
            "source": entry.source,
            "branch_id": entry.branch_id,
            "description": entry.description,
            "idempotency_key": entry.idempotency_key,
            "balance_after": entry.balance_after,
        },
        request=request,
    )
    return ManualCreditResult(entry=entry, replayed=False)


def pending_echo_record(
    *, client: Client, amount: int, ledger_entry: LedgerEntry | None
) -> PendingEcho:
    """Remember for 24 h that iiko accepted a top-up of `amount` (§6.8).

    The iiko worker calls this after iiko accepts a `wallet_topup`; the wallet
    event iiko then sends for it is consumed as an echo, not counted twice. One
    echo per ledger entry: a retried call returns the first one.
    """
    expires_at = timezone.now() + PENDING_ECHO_TTL
    if ledger_entry is None:
        return PendingEcho.objects.create(
            client=client, amount=amount, expires_at=expires_at
        )
    echo, _ = PendingEcho.objects.get_or_create(
        ledger_entry=ledger_entry,
        defaults={"client": client, "amount": amount, "expires_at": expires_at},
    )
    return echo
