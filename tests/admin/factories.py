"""Back-office test data built through the services (never `balance=...`)."""

from __future__ import annotations

from django.db import transaction

from accounts.models import Client
from cashback.models import EntryKind, LedgerEntry
from cashback.services import ledger_entry_append, wallet_lock


def make_client(phone: str, **fields: object) -> Client:
    return Client.objects.create(phone=phone, **fields)


def ledger_append(
    client: Client, amount: int, kind: str = EntryKind.MANUAL_CREDIT
) -> LedgerEntry:
    with transaction.atomic():
        return ledger_entry_append(
            wallet=wallet_lock(client=client), kind=kind, amount=amount
        )
