"""Create or update a staff account (`domain-rules.md` §5.2); never prints the password."""

from __future__ import annotations

import getpass
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.exceptions import InvalidPhone
from accounts.models import Staff, StaffRole
from accounts.phones import staff_phone_normalize
from accounts.services.staff import staff_create, staff_update
from sardoba.exceptions import ApplicationError


class Command(BaseCommand):
    help = (
        "Create a manager or waiter; asks only for phone, name or password when "
        "not given. Run again for an existing phone to update that account."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--phone")
        parser.add_argument("--name")
        parser.add_argument("--password")
        parser.add_argument(
            "--role",
            default="manager",
            choices=["manager", "waiter", "MANAGER", "WAITER"],
        )
        parser.add_argument("--branch", type=int, default=None)

    def _ask(self, label: str, *, secret: bool = False) -> str:
        value = getpass.getpass(f"{label}: ") if secret else input(f"{label}: ")
        if not value.strip():
            raise CommandError(f"{label} is required.")
        return value if secret else value.strip()

    def handle(self, *args: Any, **options: Any) -> None:
        phone_raw = options["phone"] or self._ask("Phone")
        try:
            phone = staff_phone_normalize(phone_raw)
        except InvalidPhone as exc:
            raise CommandError("The phone number is not valid.") from exc
        existing = Staff.objects.not_deleted().filter(phone=phone).first()
        name = options["name"] or (
            existing.name if existing is not None else self._ask("Name")
        )
        password = options["password"] or self._ask("Password", secret=True)
        role = options["role"].upper()
        probe = existing or Staff(phone=phone, name=name, role=role)
        try:
            validate_password(password, probe)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        try:
            if existing is None:
                staff = staff_create(
                    phone=phone,
                    name=name,
                    password=password,
                    role=role,
                    branch_id=options["branch"],
                )
                verb = "Created"
            else:
                changes: dict[str, Any] = {
                    "name": name,
                    "role": role,
                    "password": password,
                }
                if options["branch"] is not None:
                    changes["branch_id"] = options["branch"]
                staff, _, _ = staff_update(staff=existing, changes=changes)
                verb = "Updated"
        except ApplicationError as exc:
            raise CommandError(exc.detail["en"]) from exc
        label = "manager" if staff.role == StaffRole.MANAGER else "waiter"
        self.stdout.write(f"{verb} {label} #{staff.pk} {staff.name} ({staff.phone}).")
