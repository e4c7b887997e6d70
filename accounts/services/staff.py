"""Staff accounts: creation and passwords (`domain-rules.md` §5)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from accounts.models import Staff, StaffRole
from accounts.phones import staff_phone_normalize


def staff_role_parse(value: Any) -> str:
    """Accept a role in any case; return `MANAGER` or `WAITER`."""
    role = str(value or "").strip().upper()
    if role not in StaffRole.values:
        raise ValueError(f"unknown role {value!r}")
    return role


@transaction.atomic
def staff_create(
    *,
    phone: str,
    name: str,
    password: str | None = None,
    role: str = StaffRole.MANAGER,
    branch_id: int | None = None,
    referral_code: str | None = None,
    **_: Any,
) -> Staff:
    """Create a staff member; without a password the account has no usable one."""
    staff = Staff(
        phone=staff_phone_normalize(phone),
        name=name.strip(),
        role=staff_role_parse(role),
        branch_id=branch_id,
        referral_code=referral_code,
    )
    if password:
        validate_password(password, staff)
        staff.set_password(password)
    else:
        staff.set_unusable_password()
    staff.full_clean(validate_unique=False, validate_constraints=False)
    staff.save()
    return staff


def _failed_login(*, phone: str, reason: str, staff: Any, request: Any) -> None:
    from accounts.models import AuthAction
    from accounts.services.logs import auth_log_write

    auth_log_write(
        action=AuthAction.FAILED_LOGIN,
        phone=phone,
        actor=staff,
        actor_type="staff",
        request=request,
        meta={"reason": reason},
    )


def staff_login(*, raw_phone: Any, password: str, request: Any = None) -> Staff:
    """Check a staff sign-in (`domain-rules.md` §5.1); throttled per phone.

    `LOGIN_RATE_LIMIT_PER_WINDOW` failures within `RATE_LIMIT_BLOCK_MINUTES`
    block the phone (429), checked before the password, counted in auth-log
    rows under a row lock. Any other failure is 401 `invalid_credentials`.
    """
    import math
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from accounts.exceptions import InvalidCredentials, InvalidPhone
    from accounts.models import AuthAction, AuthLog
    from accounts.services.logs import auth_log_write
    from accounts.services.otp import _lock
    from sardoba.exceptions import RateLimited

    try:
        phone = staff_phone_normalize(raw_phone)
    except InvalidPhone:
        phone = str(raw_phone or "")[:32]
    window = timedelta(minutes=settings.RATE_LIMIT_BLOCK_MINUTES)
    limit = settings.LOGIN_RATE_LIMIT_PER_WINDOW
    with transaction.atomic():
        _lock(f"staff_login:{phone}")
        now = timezone.now()
        failures = AuthLog.objects.filter(
            action=AuthAction.FAILED_LOGIN, phone=phone, created_at__gt=now - window
        ).order_by("-created_at", "-id")
        blocked_until = None
        if failures.count() >= limit:
            blocked_until = failures[limit - 1].created_at + window
        staff = Staff.objects.not_deleted().filter(phone=phone).first()
        reason = None
        if blocked_until is None:
            if staff is None:
                reason = "unknown_phone"
            elif not staff.has_usable_password():
                reason = "no_password"
            elif not staff.check_password(password):
                reason = "wrong_password"
            elif not staff.is_active:
                reason = "inactive"
            if reason is not None:
                _failed_login(phone=phone, reason=reason, staff=staff, request=request)
            else:
                assert staff is not None  # noqa: S101 (narrowing)
                staff.last_login_at = now
                staff.save(update_fields=["last_login_at", "updated_at"])
                auth_log_write(
                    action=AuthAction.LOGIN, phone=phone, actor=staff, request=request
                )
    if blocked_until is not None:
        auth_log_write(
            action=AuthAction.RATE_LIMITED,
            phone=phone,
            actor_type="staff",
            request=request,
            meta={"scope": "staff_login"},
        )
        retry = max(math.ceil((blocked_until - timezone.now()).total_seconds()), 1)
        raise RateLimited(retry_after=retry)
    if reason is not None:
        raise InvalidCredentials()
    assert staff is not None  # noqa: S101
    return staff


def staff_password_change(*, staff: Staff, password: str) -> Staff:
    """Set a new password (6-128 characters); existing tokens stay valid."""
    validate_password(password, staff)
    staff.set_password(password)
    staff.save(update_fields=["password", "updated_at"])
    return staff
