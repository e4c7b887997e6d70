"""Client sign-in and registration by code (mobile M2, `domain-rules.md` §3.2-3.3)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from accounts.exceptions import (
    AccountInactive,
    InvalidReferralCode,
    UserExists,
    UserNotRegistered,
)
from accounts.models import AuthAction, Client, OtpPurpose, Staff, StaffRole
from accounts.services.logs import auth_log_write
from accounts.services.otp import otp_code_check, otp_code_consume
from accounts.tokens import TokenPair, token_pair_issue
from cashback.models import IikoJobOperation
from cashback.services import (
    card_create,
    card_ensure_for_client,
    iiko_job_enqueue,
    wallet_get_or_create,
)
from sardoba.exceptions import ApplicationError


@dataclass(frozen=True, slots=True)
class SignIn:
    client: Client
    tokens: TokenPair
    registered: bool


def waiter_by_referral_code(code: str | None) -> Staff | None:
    """The active, non-deleted waiter owning `code` (trimmed, any case), or None."""
    code = (code or "").strip()
    if not code:
        return None
    return (
        Staff.objects.not_deleted()
        .filter(role=StaffRole.WAITER, is_active=True, referral_code__iexact=code)
        .first()
    )


def _login(*, phone: str) -> Client:
    client = Client.objects.not_deleted().filter(phone=phone).first()
    if client is None:
        raise UserNotRegistered()
    if not client.is_active:
        raise AccountInactive()
    card_ensure_for_client(client=client)
    return client


def _register(
    *,
    phone: str,
    name: str | None,
    date_of_birth: date | None,
    referral_code: str | None,
) -> Client:
    waiter = None
    if (referral_code or "").strip():
        waiter = waiter_by_referral_code(referral_code)
        if waiter is None:
            raise InvalidReferralCode()
    existing = Client.objects.not_deleted().filter(phone=phone).first()
    if existing is not None:
        raise UserExists() if existing.is_active else AccountInactive()
    client = Client.objects.create(
        phone=phone,
        name=(name or "").strip() or None,
        date_of_birth=date_of_birth,
        waiter=waiter,
    )
    wallet_get_or_create(client=client)
    card_create(client=client)
    return client


def client_sign_in(
    *,
    phone: str,
    purpose: str,
    code: str,
    name: str | None = None,
    date_of_birth: date | None = None,
    referral_code: str | None = None,
    request: Any = None,
) -> SignIn:
    """Verify the code, then log in or register; raise the spec's errors.

    The code is consumed in the transaction that loads or creates the client and
    records the login; a failed later check leaves the code and its attempts as
    they were. A wrong code's attempt is committed before the error is raised.
    """
    error: ApplicationError | None
    with transaction.atomic():
        otp, error = otp_code_check(
            phone=phone, purpose=purpose, code=code, request=request
        )
        if error is None and otp is not None:
            try:
                with transaction.atomic():
                    registered = purpose == OtpPurpose.REGISTER
                    if registered:
                        client = _register(
                            phone=phone,
                            name=name,
                            date_of_birth=date_of_birth,
                            referral_code=referral_code,
                        )
                    else:
                        client = _login(phone=phone)
                    otp_code_consume(otp=otp)
                    auth_log_write(
                        action=AuthAction.OTP_VERIFICATION,
                        phone=phone,
                        actor=client,
                        request=request,
                        purpose=purpose,
                        meta={"otp_id": otp.pk, "registered": registered},
                    )
                    payload = {"create_if_missing": True} if registered else {}
                    iiko_job_enqueue(
                        client=client,
                        operation=IikoJobOperation.SYNC_USER,
                        payload=payload,
                    )
            except ApplicationError as exc:
                error = exc
    if error is not None:
        raise error
    return SignIn(
        client=client, tokens=token_pair_issue(actor=client), registered=registered
    )


SYNC_INTERVAL_SECONDS = 300
logger = logging.getLogger(__name__)

# Per process: client id -> when (epoch seconds) its queued sync's interval ends.
# Until then the cache would refuse another one anyway, so `/auth/me` skips the
# cache round trip (docs/PERFORMANCE.md, round 4). Bounded: expired entries are
# dropped, and everything when that is not enough.
_SYNC_QUEUED_UNTIL: dict[int, float] = {}
SYNC_MEMO_MAX_CLIENTS = 20_000


def sync_throttle_memo_clear() -> None:
    """Forget what this process knows of queued syncs (it sits beside the cache)."""
    _SYNC_QUEUED_UNTIL.clear()


def _sync_memo_set(client_id: int, until: float) -> None:
    if len(_SYNC_QUEUED_UNTIL) >= SYNC_MEMO_MAX_CLIENTS:
        now = time.time()
        for stale in [k for k, end in _SYNC_QUEUED_UNTIL.items() if end <= now]:
            _SYNC_QUEUED_UNTIL.pop(stale, None)
        if len(_SYNC_QUEUED_UNTIL) >= SYNC_MEMO_MAX_CLIENTS:
            _SYNC_QUEUED_UNTIL.clear()
    _SYNC_QUEUED_UNTIL[client_id] = until


def _queued_at(stamp: object) -> float | None:
    """The epoch seconds of a sync key's value (an ISO timestamp), or None."""
    try:
        return datetime.fromisoformat(str(stamp)).timestamp()
    except ValueError:
        return None


def client_sync_throttled_enqueue(*, client: Client) -> None:
    """Queue `sync_user` at most once per 5 minutes (`iiko:sync:last:<id>`).

    The cache key decides across processes; a process remembers the end of an
    interval it has seen, and asks the cache again only after it.
    """
    if _SYNC_QUEUED_UNTIL.get(client.pk, 0.0) > time.time():
        return
    key = f"iiko:sync:last:{client.pk}"
    now = timezone.now()
    try:
        due = cache.add(key, now.isoformat(), SYNC_INTERVAL_SECONDS)
        # Another process queued it: its timestamp says when the interval ends.
        queued_at = now.timestamp() if due else _queued_at(cache.get(key))
    except Exception:  # a cache outage must not fail the app's hottest call
        logger.warning("cache unavailable; /auth/me sync not queued")
        return
    if due:
        with transaction.atomic():
            iiko_job_enqueue(client=client, operation=IikoJobOperation.SYNC_USER)
    if queued_at is not None:
        _sync_memo_set(client.pk, queued_at + SYNC_INTERVAL_SECONDS)
