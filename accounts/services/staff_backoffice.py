"""Staff writes of the back office: the accounts services, audited as over HTTP.

Each function calls the service behind the staff routes (`staff-api.md` §3-4) and
records the same audit entry as those routes do. A manager never deletes,
deactivates or demotes their own account (`cannot_delete_self`).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from accounts.exceptions import CannotDeleteSelf
from accounts.models import Staff, StaffRole
from accounts.services.logs import audit_record
from accounts.services.staff import (
    staff_create,
    staff_delete,
    staff_referral_regenerate,
    staff_update,
)


def staff_self_change_check(
    *,
    actor: Staff,
    staff: Staff,
    role: str | None = None,
    is_active: bool | None = None,
    deleting: bool = False,
) -> None:
    """Raise `CannotDeleteSelf` when `actor` would remove their own access.

    The services enforce it too; the admin forms ask first to show a form error.
    """
    if actor.pk != staff.pk:
        return
    demoted = role is not None and role != StaffRole.MANAGER
    if deleting or demoted or is_active is False:
        raise CannotDeleteSelf()


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
    """Create a staff account (a waiter gets a generated referral code)."""
    staff = staff_create(
        phone=phone, name=name, password=password, role=role, branch_id=branch_id
    )
    audit_record(
        staff=actor,
        action="create",
        entity="staff",
        entity_id=staff.pk,
        after={k: getattr(staff, k) for k in ("name", "phone", "role", "branch_id")},
        request=request,
    )
    return staff


@transaction.atomic
def staff_change_backoffice(
    *, staff: Staff, actor: Staff, changes: dict[str, Any], request: Any = None
) -> Staff:
    """Apply `changes` (name, role, branch_id, is_active, password) and audit them."""
    staff, before, after = staff_update(staff=staff, changes=changes, actor=actor)
    if after:
        audit_record(
            staff=actor,
            action="update",
            entity="staff",
            entity_id=staff.pk,
            before=before,
            after=after,
            request=request,
        )
    return staff


@transaction.atomic
def staff_delete_backoffice(
    *, staff: Staff, actor: Staff, request: Any = None
) -> Staff:
    """Soft-delete (rows, clients and ledger entries kept; the phone is freed)."""
    staff = staff_delete(staff=staff, actor=actor)
    audit_record(
        staff=actor,
        action="delete",
        entity="staff",
        entity_id=staff.pk,
        request=request,
    )
    return staff


@transaction.atomic
def staff_referral_regenerate_backoffice(
    *, staff: Staff, actor: Staff, request: Any = None
) -> Staff:
    """A new generated code for a waiter; the old one stops working at once."""
    if staff.role != StaffRole.WAITER:
        raise ValueError("only waiters have referral codes")
    staff, old = staff_referral_regenerate(staff=staff)
    audit_record(
        staff=actor,
        action="regenerate_referral",
        entity="staff",
        entity_id=staff.pk,
        before={"referral_code": old},
        after={"referral_code": staff.referral_code},
        request=request,
    )
    return staff
