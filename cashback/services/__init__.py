"""Writers of money and iiko jobs; the only code that changes these tables."""

from cashback.services.cards import card_create, card_ensure_for_client
from cashback.services.iiko_events import (
    WalletEvent,
    iiko_wallet_event_apply,
    wallet_event_parse,
)
from cashback.services.jobs import iiko_job_enqueue
from cashback.services.ledger import (
    NegativeBalance,
    ledger_entry_append,
    reconciliation_append,
    wallet_lock,
)
from cashback.services.manual_credit import (
    ManualCreditResult,
    manual_credit_create,
    pending_echo_record,
)
from cashback.services.wallets import wallet_get_or_create

__all__ = [
    "ManualCreditResult",
    "NegativeBalance",
    "WalletEvent",
    "card_create",
    "card_ensure_for_client",
    "iiko_job_enqueue",
    "iiko_wallet_event_apply",
    "ledger_entry_append",
    "manual_credit_create",
    "pending_echo_record",
    "reconciliation_append",
    "wallet_event_parse",
    "wallet_get_or_create",
    "wallet_lock",
]
