"""Staff accounts: creation and passwords (`domain-rules.md` §5)."""

from __future__ import annotations

import math
import re
import secrets
import string
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.exceptions import (
    CannotDeleteSelf,
    InvalidCredentials,
    InvalidPhone,
    ReferralCodeGenerationFailed,
    ReferralCodeTaken,
    StaffPhoneExists,
)
from accounts.models import AuthAction, AuthLog, Staff, StaffRole
from accounts.phones import staff_phone_normalize
from accounts.services.logs import auth_log_write
from accounts.services.throttle import throttle_lock
from sardoba.exceptions import RateLimited


def staff_role_parse(value: Any) -> str:
    """Accept a role in any case; return `MANAGER` or `WAITER`."""
    role = str(value or "").strip().upper()
    if role not in StaffRole.values:
        raise ValueError(f"unknown role {value!r}")
    return role


REFERRAL_ALPHABET = string.ascii_uppercase + string.digits
_REFERRAL_RE = re.compile(r"^[A-Za-z0-9]{4,12}$")


def referral_code_valid(code: str) -> bool:
    return bool(_REFERRAL_RE.match(code))


def _referral_taken(code: str, *, exclude_pk: int | None = None) -> bool:
    rows = Staff.objects.filter(referral_code__iexact=code)
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    return rows.exists()


def referral_code_generate() -> str:
    """Six characters of A-Z0-9, never used before (retired codes included)."""
    for _ in range(10):
        code = "".join(secrets.choice(REFERRAL_ALPHABET) for _ in range(6))
        if not _referral_taken(code):
            return code
    raise ReferralCodeGenerationFailed()


def _phone_check(phone: str, *, exclude_pk: int | None = None) -> None:
    rows = Staff.objects.not_deleted().filter(phone=phone)
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    if rows.exists():
        raise StaffPhoneExists()


def _referral_check(code: str, *, exclude_pk: int | None = None) -> None:
    if _referral_taken(code, exclude_pk=exclude_pk):
        raise ReferralCodeTaken()


def _save(staff: Staff, **kwargs: Any) -> None:
    """Save; a racing insert of the same phone or code becomes its 409."""
    try:
        with transaction.atomic():
            staff.save(**kwargs)
    except IntegrityError as exc:
        if "referral" in str(exc).lower():
            raise ReferralCodeTaken() from exc
        raise StaffPhoneExists() from exc


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
    """Create a staff member (`staff-api.md` §3.6); raise 409 for a used phone or code.

    Without a password the account has no usable one. A waiter without a
    referral code gets a generated one; managers never carry one.
    """
    staff = Staff(
        phone=staff_phone_normalize(phone),
        name=name.strip(),
        role=staff_role_parse(role),
        branch_id=branch_id,
    )
    _phone_check(staff.phone)
    if staff.is_waiter:
        code = (referral_code or "").strip()
        if code:
            _referral_check(code)
        staff.referral_code = code or referral_code_generate()
    if password:
        validate_password(password, staff)
        staff.set_password(password)
    else:
        staff.set_unusable_password()
    staff.full_clean(validate_unique=False, validate_constraints=False)
    _save(staff)
    return staff


STAFF_AUDIT_FIELDS = (
    "name",
    "phone",
    "role",
    "branch_id",
    "referral_code",
    "is_active",
)


def _audit_values(staff: Staff) -> dict[str, Any]:
    return {field: getattr(staff, field) for field in STAFF_AUDIT_FIELDS}


@transaction.atomic
def staff_update(
    *, staff: Staff, changes: dict[str, Any], actor: Staff | None = None
) -> tuple[Staff, dict[str, Any], dict[str, Any]]:
    """Apply a partial update (`staff-api.md` §3.7, §4.4); return (staff, before, after).

    `changes` holds parsed values; `password`/`referral_code` None or "" mean
    unchanged. A manager cannot deactivate or demote themselves (409).
    """
    staff = Staff.objects.select_for_update().get(pk=staff.pk)
    before_values = _audit_values(staff)
    is_self = actor is not None and actor.pk == staff.pk
    if "role" in changes:
        role = staff_role_parse(changes["role"])
        if is_self and role != staff.role:
            raise CannotDeleteSelf()
        staff.role = role
    if "is_active" in changes:
        if is_self and not changes["is_active"]:
            raise CannotDeleteSelf()
        staff.is_active = bool(changes["is_active"])
    if "name" in changes:
        staff.name = changes["name"].strip()
    if "phone" in changes:
        staff.phone = staff_phone_normalize(changes["phone"])
        _phone_check(staff.phone, exclude_pk=staff.pk)
    if "branch_id" in changes:
        staff.branch_id = changes["branch_id"]
    code = (changes.get("referral_code") or "").strip()
    if code and code != staff.referral_code:
        _referral_check(code, exclude_pk=staff.pk)
        staff.referral_code = code
    if staff.is_waiter and not staff.referral_code:
        staff.referral_code = referral_code_generate()
    password_changed = bool(changes.get("password"))
    if password_changed:
        validate_password(changes["password"], staff)
        staff.set_password(changes["password"])
    _save(staff)
    after_values = _audit_values(staff)
    before = {k: v for k, v in before_values.items() if after_values[k] != v}
    after = {k: after_values[k] for k in before}
    if password_changed:
        after["password"] = "changed"  # noqa: S105 (a marker, not a password)
    return staff, before, after


@transaction.atomic
def staff_delete(*, staff: Staff, actor: Staff | None = None) -> Staff:
    """Soft-delete (`domain-rules.md` §5.3): clients and ledger keep their references."""
    if actor is not None and actor.pk == staff.pk:
        raise CannotDeleteSelf()
    staff = Staff.objects.select_for_update().get(pk=staff.pk)
    if staff.deleted_at is None:
        staff.deleted_at = timezone.now()
        staff.save(update_fields=["deleted_at", "updated_at"])
    return staff


@transaction.atomic
def staff_referral_regenerate(*, staff: Staff) -> tuple[Staff, str | None]:
    """Give a waiter a new generated code; the old one stops working at once."""
    staff = Staff.objects.select_for_update().get(pk=staff.pk)
    old = staff.referral_code
    staff.referral_code = referral_code_generate()
    _save(staff, update_fields=["referral_code", "updated_at"])
    return staff, old


def _failed_login(*, phone: str, reason: str, staff: Any, request: Any) -> None:
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
    try:
        phone = staff_phone_normalize(raw_phone)
    except InvalidPhone:
        phone = str(raw_phone or "")[:32]
    window = timedelta(minutes=settings.RATE_LIMIT_BLOCK_MINUTES)
    limit = settings.LOGIN_RATE_LIMIT_PER_WINDOW
    with transaction.atomic():
        throttle_lock(f"staff_login:{phone}")
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
