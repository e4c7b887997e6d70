"""Writers of money and iiko jobs; the only code that changes these tables."""

from cashback.services.cards import card_create, card_ensure_for_client
from cashback.services.jobs import iiko_job_enqueue
from cashback.services.ledger import (
    NegativeBalance,
    ledger_entry_append,
    reconciliation_append,
    wallet_lock,
)
from cashback.services.wallets import wallet_get_or_create

__all__ = [
    "NegativeBalance",
    "card_create",
    "card_ensure_for_client",
    "iiko_job_enqueue",
    "ledger_entry_append",
    "reconciliation_append",
    "wallet_get_or_create",
    "wallet_lock",
]
