"""Manager sign-in to Django admin: throttled and written to the auth log.

The rules are those of the API's staff sign-in (`domain-rules.md` §5.1, §9):
`LOGIN_RATE_LIMIT_PER_WINDOW` failures for one normalised phone within
`RATE_LIMIT_BLOCK_MINUTES` block further attempts until the window has passed,
counted from auth-log rows (never from the cache) and checked before the password.
Waiters sign in to the admin panel only; here they are refused like a bad password.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone

from accounts.exceptions import InvalidPhone
from accounts.models import AuthAction, AuthLog, Staff
from accounts.phones import staff_phone_normalize
from sardoba.api.request_meta import client_ip, user_agent
from sardoba.exceptions import RateLimited

ADMIN_CHANNEL = "admin"


class AdminSignInRefused(Exception):
    """Wrong phone or password, or an account that may not use the back office."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _phone_key(username: str) -> str:
    try:
        return staff_phone_normalize(username)
    except InvalidPhone:
        return username.strip()[:32]


def _auth_log(
    *,
    action: str,
    status: str,
    phone: str,
    staff: Staff | None,
    request: Any,
    meta: dict[str, Any],
) -> AuthLog:
    return AuthLog.objects.create(
        actor_type="staff",
        actor_id=staff.pk if staff is not None else None,
        phone=phone,
        action=action,
        status=status,
        ip=client_ip(request),
        user_agent=user_agent(request),
        meta={**meta, "channel": ADMIN_CHANNEL},
    )


def staff_sign_in_retry_after(*, phone: str, now: dt.datetime) -> int | None:
    """Seconds until `phone` may try again, or None when it is not blocked."""
    window = dt.timedelta(minutes=settings.RATE_LIMIT_BLOCK_MINUTES)
    limit = settings.LOGIN_RATE_LIMIT_PER_WINDOW
    failures = list(
        AuthLog.objects.filter(
            action=AuthAction.FAILED_LOGIN, phone=phone, created_at__gt=now - window
        )
        .order_by("-created_at", "-id")
        .values_list("created_at", flat=True)[:limit]
    )
    if len(failures) < limit:
        return None
    # Unblocked when the limit-th newest failure leaves the window.
    return max(int((failures[-1] + window - now).total_seconds()) + 1, 1)


def _refusal_reason(staff: Staff | None, password: str) -> str | None:
    if staff is None:
        return "unknown_phone"
    if not staff.has_usable_password():
        return "no_password"
    if not staff.check_password(password):
        return "wrong_password"
    if not staff.is_active:
        return "inactive"
    if not staff.is_manager:
        return "not_manager"
    return None


def staff_admin_sign_in(*, username: str, password: str, request: Any) -> Staff:
    """Return the manager signing in, or raise `RateLimited` / `AdminSignInRefused`.

    A throttled attempt writes `RATE_LIMITED` (scope `staff_login`) and never checks
    the password; a refused one writes `FAILED_LOGIN` with its reason; a success
    writes `LOGIN` and updates `last_login_at`. Passwords are never logged.
    """
    phone = _phone_key(username)
    now = timezone.now()
    retry_after = staff_sign_in_retry_after(phone=phone, now=now)
    if retry_after is not None:
        _auth_log(
            action=AuthAction.RATE_LIMITED,
            status="blocked",
            phone=phone,
            staff=None,
            request=request,
            meta={"scope": "staff_login"},
        )
        raise RateLimited(retry_after=retry_after)
    staff = Staff.objects.not_deleted().filter(phone=phone).first()
    reason = _refusal_reason(staff, password)
    if reason is not None:
        _auth_log(
            action=AuthAction.FAILED_LOGIN,
            status="failed",
            phone=phone,
            staff=staff,
            request=request,
            meta={"reason": reason},
        )
        raise AdminSignInRefused(reason)
    assert staff is not None  # noqa: S101  (narrowed by _refusal_reason)
    staff.last_login_at = now
    staff.save(update_fields=["last_login_at", "updated_at"])
    _auth_log(
        action=AuthAction.LOGIN,
        status="success",
        phone=phone,
        staff=staff,
        request=request,
        meta={},
    )
    return staff
