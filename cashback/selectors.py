"""Reads of wallets, cards and the ledger, shaped for the API."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from accounts.models import Client, Staff
from cashback.models import Card, LedgerEntry, Level, Wallet
from cashback.rules import LoyaltySummary, loyalty_summary
from cashback.serializers import card_data, transaction_data
from sardoba.compiled_reads import CompiledRead, concrete_attnames, instance_from_row


@dataclass(frozen=True, slots=True)
class WalletView:
    """A client's wallet as read (a client without a wallet reads as empty)."""

    balance: int
    points: int
    level: str
    giftget: bool

    @property
    def loyalty(self) -> LoyaltySummary:
        return loyalty_summary(
            level=self.level, points=self.points, balance=self.balance
        )


def wallet_view(*, client: Client) -> WalletView:
    """The client's wallet; one joined by the caller (`select_related`) is reused.

    The token check loads a client with its wallet joined, so `/auth/me` and a
    client's own M8 read it without another query.
    """
    related = Client.wallet.related  # type: ignore[attr-defined]
    if related.is_cached(client):
        wallet = related.get_cached_value(client)
    else:
        wallet = Wallet.objects.filter(client_id=client.pk).first()
    if wallet is None:
        return WalletView(balance=0, points=0, level=Level.SILVER, giftget=False)
    return WalletView(
        balance=wallet.balance,
        points=wallet.points,
        level=wallet.level,
        giftget=wallet.giftget,
    )


def card_list_for_client(*, client_id: int) -> QuerySet[Card]:
    """All cards, oldest first: the app's QR encodes the last one."""
    return Card.objects.filter(client_id=client_id).order_by("created_at", "id")


def ledger_list_for_client(*, client_id: int) -> QuerySet[LedgerEntry]:
    """All entries of a client, newest first, with their staff loaded."""
    return (
        LedgerEntry.objects.filter(client_id=client_id)
        .select_related("staff")
        .order_by("-created_at", "-id")
    )


_CARDS = CompiledRead(
    lambda client_id: Card.objects.filter(client_id=client_id)
    .order_by("created_at", "id")
    .values_list(*concrete_attnames(Card))
)


def cards_for_client(*, client_id: int) -> list[Card]:
    """`card_list_for_client` read, precompiled (`sardoba.compiled_reads`)."""
    return [instance_from_row(Card, row, 0)[0] for row in _CARDS.rows(client_id)]  # type: ignore[misc]


def _ledger_with_staff_columns(client_id: int, limit: int) -> QuerySet[Any]:
    entries = (
        LedgerEntry.objects.filter(client_id=client_id)
        .order_by("-created_at", "-id")
        .values_list(
            *concrete_attnames(LedgerEntry),
            *(f"staff__{name}" for name in concrete_attnames(Staff)),
        )
    )
    return entries[:limit] if limit > 0 else entries


# The app's two shapes: M8 (all entries) and `/auth/me`'s default ten.
_LEDGER_READS = {
    limit: CompiledRead(functools.partial(_ledger_with_staff_columns, limit=limit))
    for limit in (0, 10)
}


def ledger_entries_for_client(*, client_id: int, limit: int = 0) -> list[LedgerEntry]:
    """`ledger_list_for_client` read, at most `limit` entries (0 = all).

    The app's two shapes run precompiled (`sardoba.compiled_reads`); another
    limit goes through the ORM.
    """
    read = _LEDGER_READS.get(limit)
    if read is None:
        return list(ledger_list_for_client(client_id=client_id)[:limit])
    entries = []
    for row in read.rows(client_id):
        entry, end = instance_from_row(LedgerEntry, row, 0)
        staff, _ = instance_from_row(Staff, row, end)
        if staff is None:
            LedgerEntry.staff.field.set_cached_value(entry, None)  # type: ignore[attr-defined]
        else:
            entry.staff = staff  # type: ignore[union-attr]
        entries.append(entry)
    return entries  # type: ignore[return-value]


def client_cashback_block(*, client: Client, limit: int = 10) -> dict[str, Any]:
    """The `cashback` block of `GET /auth/me` (`mobile-api.md` M3); 0 = all.

    A wallet joined and cards prefetched (oldest first) by the caller, as the
    token check and `accounts.selectors.client_profile_complete` do, are reused,
    not read again.
    """
    wallet = wallet_view(client=client)
    entries = ledger_entries_for_client(client_id=client.pk, limit=limit)
    prefetched = getattr(client, "_prefetched_objects_cache", {}).get("cards")
    card_rows = (
        prefetched
        if prefetched is not None
        else card_list_for_client(client_id=client.pk)
    )
    return {
        "balance": wallet.balance,
        "currency": "UZS",
        "transactions": [transaction_data(entry) for entry in entries],
        "cards": [card_data(card) for card in card_rows],
        "loyalty": wallet.loyalty.as_dict(),
    }


def client_get_for_cashback(*, actor: Any, client_id: int) -> Client:
    """The client whose cashback `actor` may read (`staff-api.md` §6.3), else 404.

    A client only themself (the token's own client object, no query); a waiter
    only clients they referred; a manager any client, deleted ones included.
    """
    from cashback.exceptions import UserNotFound

    if isinstance(actor, Client):
        if actor.pk != client_id:
            raise UserNotFound()
        return actor  # loaded by the token check, its wallet joined
    clients = Client.objects.all()
    if getattr(actor, "is_manager", False) is not True:
        clients = clients.not_deleted().filter(waiter_id=actor.pk)
    client = clients.filter(pk=client_id).first()
    if client is None:
        raise UserNotFound()
    return client


def client_find_for_iiko(
    *, customer_id: str | None, wallet_id: str | None, phone: str | None
) -> Client | None:
    """Match an iiko payload to a non-deleted client (`domain-rules.md` §6.5).

    Customer id, then wallet id, then the normalised phone: the first identifier
    that is present and matches decides; an absent one never matches an empty
    column.
    """
    from accounts.exceptions import InvalidPhone
    from accounts.phones import client_phone_normalize

    clients = Client.objects.not_deleted()
    if customer_id:
        found = clients.filter(iiko_customer_id=customer_id).order_by("id").first()
        if found is not None:
            return found
    if wallet_id:
        found = clients.filter(iiko_wallet_id=wallet_id).order_by("id").first()
        if found is not None:
            return found
    if phone:
        try:
            normalized = client_phone_normalize(phone)
        except InvalidPhone:
            return None
        return clients.filter(phone=normalized).first()
    return None


CASHBACK_MIN_PAYMENT = 50_000
CASHBACK_MIN_BALANCE = 50_000


def cashback_use_check(*, client_id: int, amount: int) -> int:
    """Whether the client may pay `amount` with cashback (§6.9); return the balance.

    Records and reserves nothing. Raises, in order: `UserNotFound`,
    `CashbackMinPayment`, `CashbackMinBalance`, `InsufficientCashbackBalance`.
    """
    from cashback.exceptions import (
        CashbackMinBalance,
        CashbackMinPayment,
        InsufficientCashbackBalance,
        UserNotFound,
    )

    client = Client.objects.not_deleted().filter(pk=client_id).first()
    if client is None:
        raise UserNotFound()
    if amount < CASHBACK_MIN_PAYMENT:
        raise CashbackMinPayment()
    balance = wallet_view(client=client).balance
    if balance < CASHBACK_MIN_BALANCE:
        raise CashbackMinBalance()
    if balance < amount:
        raise InsufficientCashbackBalance()
    return balance


def ledger_list_for_staff(
    *,
    search: str | None = None,
    branch_id: int | None = None,
    client_id: int | None = None,
    source: str | None = None,
    kind: str | None = None,
) -> QuerySet[LedgerEntry]:
    """All entries across clients (deleted included), newest first (`GET /cashback`)."""
    from django.db.models import Q

    entries = LedgerEntry.objects.select_related("staff", "client")
    if search:
        entries = entries.filter(
            Q(client__name__icontains=search)
            | Q(client__surname__icontains=search)
            | Q(client__middle_name__icontains=search)
            | Q(client__phone__icontains=search)
        )
    if branch_id is not None:
        entries = entries.filter(branch_id=branch_id)
    if client_id is not None:
        entries = entries.filter(client_id=client_id)
    if source:
        entries = entries.filter(source=source.upper())
    if kind:
        entries = entries.filter(kind=kind.lower())
    return entries.order_by("-created_at", "-id")


def iiko_event_response(*, event_key: str) -> dict[str, Any] | None:
    """The first response given to a processed iiko event key, else None."""
    from cashback.models import IikoEvent

    return (
        IikoEvent.objects.filter(event_key=event_key)
        .values_list("response", flat=True)
        .first()
    )
