"""Reads of wallets, cards and the ledger, shaped for the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from accounts.models import Client
from cashback.models import Card, LedgerEntry, Level, Wallet
from cashback.rules import LoyaltySummary, loyalty_summary
from cashback.serializers import CardOut, TransactionOut


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


def client_cashback_block(*, client: Client, limit: int = 10) -> dict[str, Any]:
    """The `cashback` block of `GET /auth/me` (`mobile-api.md` M3); 0 = all."""
    wallet = wallet_view(client=client)
    entries = ledger_list_for_client(client_id=client.pk)
    if limit > 0:
        entries = entries[:limit]
    cards = CardOut(card_list_for_client(client_id=client.pk), many=True).data
    return {
        "balance": wallet.balance,
        "currency": "UZS",
        "transactions": TransactionOut(entries, many=True).data,
        "cards": cards,
        "loyalty": wallet.loyalty.as_dict(),
    }
