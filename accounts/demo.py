"""Demo staff and clients for `manage.py seed_demo`; safe to run again.

Never resets a password someone changed: a demo account keeps its password
once it exists.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from accounts.models import Client, Staff, StaffRole
from accounts.services.staff import staff_create
from cashback.services import card_ensure_for_client, wallet_get_or_create

DEMO_STAFF = (
    ("+998900000001", "Sardoba Manager", StaffRole.MANAGER, None, None, "manager-demo"),
    ("+998900000002", "Dilnoza", StaffRole.WAITER, 139235, "DILNO1", "waiter-demo"),
    ("+998900000003", "Aziz", StaffRole.WAITER, 139350, "AZIZ01", "waiter-demo"),
)

DEMO_CLIENTS = (
    ("+998901000001", "Ali", "Valiyev", 1),
    ("+998901000002", "Madina", "Karimova", 1),
    ("+998901000003", "Jasur", "Toshmatov", 2),
    ("+998901000004", "Nigora", "Rahimova", None),
    ("+998901000005", "Bekzod", "Usmonov", 2),
    ("+998901000006", "Dilshod", "Yusupov", None),
    ("+998901000007", "Shahnoza", "Aliyeva", 1),
    ("+998901000008", "Sardor", "Qodirov", None),
    ("+998901000009", "Malika", "Ergasheva", 2),
    ("+998901000010", "Otabek", "Saidov", None),
)


@transaction.atomic
def seed(stdout: Any) -> None:
    staff: list[Staff] = []
    for phone, name, role, branch_id, code, password in DEMO_STAFF:
        existing = Staff.objects.not_deleted().filter(phone=phone).first()
        if existing is None:
            existing = staff_create(
                phone=phone,
                name=name,
                password=password,
                role=role,
                branch_id=branch_id,
                referral_code=code,
            )
            stdout.write(f"  {role.lower()} {phone} / password {password}")
        else:
            stdout.write(f"  {role.lower()} {phone} exists (password unchanged)")
        staff.append(existing)
    for phone, name, surname, waiter_index in DEMO_CLIENTS:
        client = Client.objects.filter(phone=phone).first()
        if client is None:
            client = Client.objects.create(
                phone=phone,
                name=name,
                surname=surname,
                waiter=staff[waiter_index] if waiter_index else None,
            )
        wallet_get_or_create(client=client)
        card_ensure_for_client(client=client)
    stdout.write(
        f"  {len(DEMO_CLIENTS)} demo clients (+998901000001 ... +998901000010); "
        "sign in with the static code (1234 under `make run`)"
    )
