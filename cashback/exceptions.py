"""Domain errors of the cashback app (codes of the message table)."""

from __future__ import annotations

from sardoba.exceptions import ApplicationError


class UserNotFound(ApplicationError):
    code = "user_not_found"
    status = 404


class AccountInactive(ApplicationError):
    """A credit for a deactivated client (409, `staff-api.md` §6.1)."""

    code = "account_inactive"
    status = 409


class IdempotencyKeyReused(ApplicationError):
    code = "idempotency_key_reused"
    status = 409


class CashbackMinPayment(ApplicationError):
    code = "cashback_min_payment"
    status = 400


class CashbackMinBalance(ApplicationError):
    code = "cashback_min_balance"
    status = 400


class InsufficientCashbackBalance(ApplicationError):
    code = "insufficient_cashback_balance"
    status = 400


class IikoInboundError(Exception):
    """An iiko endpoint refusal, answered with a plain-string `detail` (§16)."""

    def __init__(self, *, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
