"""Staff account writes of the back office (`domain-rules.md` §5.3-5.4).

Every write is audited. A manager never deletes, deactivates or demotes their own
account (`cannot_delete_self`), so at least one active manager always remains.
"""

from __future__ import annotations

import secrets
import string
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Staff, StaffRole
from accounts.services.logs import audit_record
from sardoba.exceptions import ApplicationError

REFERRAL_ALPHABET = string.ascii_uppercase + string.digits
REFERRAL_LENGTH = 6
REFERRAL_ATTEMPTS = 10


class CannotDeleteSelf(ApplicationError):
    code = "cannot_delete_self"
    status = 409


class ReferralCodeGenerationFailed(ApplicationError):
    code = "referral_code_generation_failed"
    status = 500


def _snapshot(staff: Staff) -> dict[str, Any]:
    return {
        "name": staff.name,
        "role": staff.role,
        "branch_id": staff.branch_id,
        "is_active": staff.is_active,
        "referral_code": staff.referral_code,
    }


def staff_self_change_check(
    *,
    actor: Staff,
    staff: Staff,
    role: str | None = None,
    is_active: bool | None = None,
    deleting: bool = False,
) -> None:
    """Raise `CannotDeleteSelf` when `actor` would remove their own access."""
    if actor.pk != staff.pk:
        return
    demoted = role is not None and role != StaffRole.MANAGER
    if deleting or demoted or is_active is False:
        raise CannotDeleteSelf()


def _referral_code_assign(staff: Staff) -> None:
    """Give `staff` a fresh generated code (the caller's savepoint catches clashes)."""
    for _ in range(REFERRAL_ATTEMPTS):
        code = "".join(
            secrets.choice(REFERRAL_ALPHABET) for _ in range(REFERRAL_LENGTH)
        )
        if Staff.objects.filter(referral_code__iexact=code).exists():
            continue
        try:
            with transaction.atomic():
                Staff.objects.filter(pk=staff.pk).update(referral_code=code)
        except IntegrityError:
            continue
        staff.referral_code = code
        return
    raise ReferralCodeGenerationFailed()


def _locked(staff: Staff) -> Staff:
    return Staff.objects.select_for_update().get(pk=staff.pk)


@transaction.atomic
def staff_update(
    *,
    staff: Staff,
    actor: Staff,
    name: str,
    role: str,
    branch_id: int | None,
    is_active: bool,
    request: Any = None,
) -> Staff:
    """Change name, role, branch and activity; waiters always hold a code."""
    locked = _locked(staff)
    staff_self_change_check(actor=actor, staff=locked, role=role, is_active=is_active)
    before = _snapshot(locked)
    locked.name = name.strip()
    locked.role = role
    locked.branch_id = branch_id
    locked.is_active = is_active
    if role == StaffRole.MANAGER:
        locked.referral_code = None
    locked.full_clean(validate_unique=False, validate_constraints=False)
    locked.save(
        update_fields=[
            "name",
            "role",
            "branch_id",
            "is_active",
            "referral_code",
            "updated_at",
        ]
    )
    if role == StaffRole.WAITER and not locked.referral_code:
        _referral_code_assign(locked)
    audit_record(
        staff=actor,
        action="staff_update",
        entity="staff",
        entity_id=locked.pk,
        before=before,
        after=_snapshot(locked),
        request=request,
    )
    return locked


@transaction.atomic
def staff_active_set(
    *, staff: Staff, actor: Staff, is_active: bool, request: Any = None
) -> Staff:
    locked = _locked(staff)
    staff_self_change_check(actor=actor, staff=locked, is_active=is_active)
    if locked.is_active == is_active:
        return locked
    locked.is_active = is_active
    locked.save(update_fields=["is_active", "updated_at"])
    audit_record(
        staff=actor,
        action="staff_activate" if is_active else "staff_deactivate",
        entity="staff",
        entity_id=locked.pk,
        before={"is_active": not is_active},
        after={"is_active": is_active},
        request=request,
    )
    return locked


@transaction.atomic
def staff_password_set(
    *, staff: Staff, actor: Staff, password: str, request: Any = None
) -> Staff:
    """Set a new password (6-128 characters); the audit hides it."""
    locked = _locked(staff)
    validate_password(password, locked)
    locked.set_password(password)
    locked.save(update_fields=["password", "updated_at"])
    audit_record(
        staff=actor,
        action="staff_password_set",
        entity="staff",
        entity_id=locked.pk,
        after={"password": "changed"},
        request=request,
    )
    return locked


@transaction.atomic
def staff_delete(*, staff: Staff, actor: Staff, request: Any = None) -> Staff:
    """Soft-delete: keep the row (clients and ledger keep pointing at it).

    The phone becomes free for a new account; the referral code stays on the row,
    so the unique constraint never lets it be issued again.
    """
    locked = _locked(staff)
    staff_self_change_check(actor=actor, staff=locked, deleting=True)
    if locked.deleted_at is not None:
        return locked
    locked.deleted_at = timezone.now()
    locked.save(update_fields=["deleted_at", "updated_at"])
    audit_record(
        staff=actor,
        action="staff_delete",
        entity="staff",
        entity_id=locked.pk,
        before=_snapshot(locked),
        request=request,
    )
    return locked


@transaction.atomic
def staff_referral_code_regenerate(
    *, staff: Staff, actor: Staff, request: Any = None
) -> Staff:
    """Replace a waiter's code with a generated one; the old one stops working."""
    locked = _locked(staff)
    if locked.role != StaffRole.WAITER:
        raise ValueError("only waiters have referral codes")
    before = locked.referral_code
    _referral_code_assign(locked)
    audit_record(
        staff=actor,
        action="staff_referral_regenerate",
        entity="staff",
        entity_id=locked.pk,
        before={"referral_code": before},
        after={"referral_code": locked.referral_code},
        request=request,
    )
    return locked


@transaction.atomic
def staff_create_backoffice(
    *,
    actor: Staff,
    phone: str,
    name: str,
    role: str,
    branch_id: int | None,
    password: str | None,
    request: Any = None,
) -> Staff:
    """Create a staff account (a waiter gets a generated referral code) and audit it."""
    from accounts.services.staff import staff_create

    staff = staff_create(
        phone=phone, name=name, password=password, role=role, branch_id=branch_id
    )
    if staff.role == StaffRole.WAITER:
        _referral_code_assign(staff)
    audit_record(
        staff=actor,
        action="staff_create",
        entity="staff",
        entity_id=staff.pk,
        after={**_snapshot(staff), "phone": staff.phone},
        request=request,
    )
    return staff
