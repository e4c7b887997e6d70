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
