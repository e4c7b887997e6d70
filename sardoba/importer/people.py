"""Staff, clients, deleted phones and cards (`domain-rules.md` §1.3, §5, §6.7, §11)."""

from __future__ import annotations

import re
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import bcrypt
from django.contrib.auth.hashers import is_password_usable, make_password
from django.db import transaction
from django.utils import timezone

from accounts.exceptions import InvalidPhone
from accounts.models import Client, DeletedPhone, Staff, StaffRole
from accounts.phones import client_phone_normalize, staff_phone_normalize
from cashback.models import Card
from sardoba.importer.context import ImportContext
from sardoba.importer.mapping import RowMap, fingerprint, original_timestamps
from sardoba.importer.media import PROFILE_PHOTO, media_url
from sardoba.importer.tables import Skip, TableStep, table_import

SHIPPED_DEFAULT_PASSWORD = b"admin123"
PSEUDO_PHONE = re.compile(r"^\+999\d{9}$")
BCRYPT_PREFIXES = ("$2a$", "$2b$", "$2y$")

STAFF_COLUMNS = (
    "id", "name", "phone", "password_hash", "role", "branch_id", "referral_code",
    "created_at", "updated_at",
)  # fmt: skip
USER_COLUMNS = (
    "id", "name", "surname", "middle_name", "phone", "waiter_id", "date_of_birth",
    "profile_photo_url", "iiko_wallet_id", "iiko_customer_id", "email", "gender",
    "is_deleted", "deleted_at", "created_at", "updated_at",
)  # fmt: skip
CARD_COLUMNS = (
    "id", "user_id", "card_number", "card_track", "iiko_card_id", "created_at",
)  # fmt: skip


def _now_or(value: Any) -> Any:
    return value if value is not None else timezone.now()


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


# -- staff ------------------------------------------------------------------------


def staff_password(password_hash: str | None) -> tuple[str, bool]:
    """Django's encoding of an original bcrypt hash, and whether it was the default.

    `bcrypt$<hash>` is what `BCryptPasswordHasher` verifies (and upgrades at the
    next sign-in, §5.1). A hash of the shipped default `admin123`, or anything
    that is not a bcrypt hash, gives an unusable password (§5.2).
    """
    raw = (password_hash or "").strip()
    if not raw.startswith(BCRYPT_PREFIXES):
        return make_password(None), False
    try:
        is_default = bcrypt.checkpw(SHIPPED_DEFAULT_PASSWORD, raw.encode())
    except ValueError:
        return make_password(None), False
    if is_default:
        return make_password(None), True
    return "bcrypt$" + raw, False


def staff_import(ctx: ImportContext) -> None:
    source = ctx.source
    rows = source.fetch_all(source.select("staff", ("id", "phone", "referral_code")))
    mapped = RowMap("staff").local_ids()
    local = {
        phone: pk
        for pk, phone in Staff.objects.not_deleted().values_list("pk", "phone")
        if pk not in mapped.values()
    }
    phones: dict[int, str] = {}
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        try:
            phone = staff_phone_normalize(row["phone"])
        except InvalidPhone:
            continue
        phones[row["id"]] = phone
        groups[phone].append(row)
    colliding = _report_collisions(ctx, "staff", groups, local)
    codes: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        if row["referral_code"]:
            codes[row["referral_code"].strip().lower()].append(row["id"])
    dropped_codes = {pk for ids in codes.values() if len(ids) > 1 for pk in ids[1:]}

    def build(row: dict[str, Any]) -> dict[str, Any] | Skip:
        pk = row["id"]
        if pk not in phones:
            return Skip(f"invalid phone {row['phone']!r}")
        if pk in colliding:
            return Skip(f"phone collides after normalisation ({phones[pk]})")
        role = str(row["role"] or "").upper()
        if role not in StaffRole.values:
            return Skip(f"unknown role {row['role']!r}")
        password, is_default = staff_password(row["password_hash"])
        if is_default:
            ctx.report.default_password_staff.append(
                {"id": pk, "phone": phones[pk], "name": row["name"]}
            )
        elif not is_password_usable(password):
            ctx.report.warn(
                "staff", pk, "password hash is not bcrypt; imported without a password"
            )
        code = _blank_to_none(row["referral_code"])
        if pk in dropped_codes:
            ctx.report.warn(
                "staff", pk, f"referral code {code!r} taken (case-insensitive); dropped"
            )
            code = None
        return {
            "phone": phones[pk],
            "name": (row["name"] or "").strip() or phones[pk],
            "password": password,
            "role": role,
            "branch_id": row["branch_id"],
            "referral_code": code,
            "created_at": _now_or(row["created_at"]),
            "updated_at": _now_or(row["updated_at"] or row["created_at"]),
        }

    with original_timestamps(Staff):
        ctx.staff_ids = table_import(
            ctx, TableStep("staff", Staff, STAFF_COLUMNS, build)
        )


def _report_collisions(
    ctx: ImportContext,
    table: str,
    groups: dict[str, list[dict[str, Any]]],
    local_phones: dict[str, int],
) -> set[int]:
    """Ids of rows whose normalised phone is shared; every group is reported."""
    colliding: set[int] = set()
    for phone, members in groups.items():
        if len(members) < 2 and phone not in local_phones:
            continue
        colliding.update(member["id"] for member in members)
        rows = [{"table": table, "id": m["id"], "raw": m["phone"]} for m in members]
        if phone in local_phones:
            rows.append(
                {"table": f"local {table}", "id": local_phones[phone], "raw": phone}
            )
        ctx.report.collisions.append({"phone": phone, "rows": rows})
    return colliding


# -- clients ----------------------------------------------------------------------


@dataclass
class ClientPlan:
    phones: dict[int, str] = field(default_factory=dict)
    skip: dict[int, str] = field(default_factory=dict)
    emails: dict[int, str | None] = field(default_factory=dict)


def _client_phone(ctx: ImportContext, row: dict[str, Any]) -> str | None:
    raw = row["phone"] or ""
    if row["is_deleted"]:  # a deleted client must not hold a real phone (§11)
        return raw.strip() if PSEUDO_PHONE.match(raw.strip()) else None
    try:
        return client_phone_normalize(raw)
    except InvalidPhone:
        digits = re.sub(r"\D", "", raw)
        if 7 <= len(digits) <= 15 and not row["is_deleted"]:
            ctx.report.warn(
                "users", row["id"],
                f"phone {raw!r} is not an Uzbek number; kept as +{digits} "
                "(cannot sign in until corrected)",
            )  # fmt: skip
            return "+" + digits
        return None


def _clients_plan(ctx: ImportContext) -> ClientPlan:
    """Normalise every phone once (§1.3) and find collisions before writing."""
    source = ctx.source
    rows = source.fetch_all(
        source.select("users", ("id", "phone", "email", "is_deleted"))
    )
    mapped = RowMap("users").local_ids()
    mine = set(mapped.values())
    local_phones: dict[str, int] = {}
    local_emails: set[str] = set()
    for pk, local_phone, email in Client.objects.values_list(
        "pk", "phone", "email"
    ).iterator():
        if pk in mine:
            continue
        local_phones[local_phone] = pk
        if email:
            local_emails.add(email.lower())
    existing_pseudo = dict(
        Client.objects.filter(pk__in=mine, phone__startswith="+999").values_list(
            "pk", "phone"
        )
    )
    plan = ClientPlan()
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        phone = _client_phone(ctx, row)
        if phone is None and row["is_deleted"]:
            # A deleted client must not hold a real phone: give it a pseudo-number.
            phone = existing_pseudo.get(mapped.get(row["id"], -1)) or _pseudo_phone(
                taken=set(local_phones) | set(plan.phones.values())
            )
        if phone is None:
            plan.skip[row["id"]] = f"invalid phone {row['phone']!r}"
            continue
        plan.phones[row["id"]] = phone
        groups[phone].append(row)
    for pk in _report_collisions(ctx, "users", groups, local_phones):
        plan.skip[pk] = f"phone collides after normalisation ({plan.phones[pk]})"
    seen_emails: set[str] = set(local_emails)
    for row in rows:
        email = _blank_to_none(row["email"])
        if email is None or row["id"] in plan.skip or row["is_deleted"]:
            plan.emails[row["id"]] = None
            continue
        if email.lower() in seen_emails or len(email) > 254:
            ctx.report.warn(
                "users",
                row["id"],
                f"e-mail {email!r} already used or too long; dropped",
            )
            plan.emails[row["id"]] = None
            continue
        seen_emails.add(email.lower())
        plan.emails[row["id"]] = email
    return plan


def _pseudo_phone(*, taken: set[str]) -> str:
    while True:
        phone = "+999" + "".join(secrets.choice("0123456789") for _ in range(9))
        if phone not in taken:
            return phone


def clients_import(ctx: ImportContext) -> None:
    plan = _clients_plan(ctx)
    released: list[tuple[int, str, str, Any]] = []  # deleted rows with a real phone

    def build(row: dict[str, Any]) -> dict[str, Any] | Skip:
        pk = row["id"]
        if pk in plan.skip:
            return Skip(plan.skip[pk])
        waiter_id = row["waiter_id"]
        if waiter_id is not None and waiter_id not in ctx.staff_ids:
            ctx.report.warn(
                "users", pk, f"waiter #{waiter_id} not imported; link dropped"
            )
        deleted = bool(row["is_deleted"])
        if deleted and not PSEUDO_PHONE.match((row["phone"] or "").strip()):
            released.append(
                (pk, row["phone"] or "", plan.phones[pk], row["deleted_at"])
            )
            ctx.report.deleted_phones.append(
                {
                    "id": None,
                    "client_id": pk,
                    "real_phone": row["phone"],
                    "pseudo": plan.phones[pk],
                }
            )
        photo = (
            None
            if deleted
            else media_url(ctx, PROFILE_PHOTO, row["profile_photo_url"], ("users", pk))
        )
        return {
            "phone": plan.phones[pk],
            "name": _blank_to_none(row["name"]),
            "surname": _blank_to_none(row["surname"]),
            "middle_name": _blank_to_none(row["middle_name"]),
            "date_of_birth": row["date_of_birth"],
            "gender": _blank_to_none(row["gender"]),
            "email": plan.emails.get(pk),
            "profile_photo_url": photo,
            "waiter_id": ctx.staff_ids.get(waiter_id)
            if waiter_id is not None
            else None,
            "is_deleted": deleted,
            "deleted_at": (row["deleted_at"] or row["updated_at"] or timezone.now())
            if deleted
            else None,
            "iiko_customer_id": _blank_to_none(row["iiko_customer_id"]),
            "iiko_wallet_id": _blank_to_none(row["iiko_wallet_id"]),
            "created_at": _now_or(row["created_at"]),
            "updated_at": _now_or(row["updated_at"] or row["created_at"]),
        }

    with original_timestamps(Client):
        ctx.client_ids = table_import(
            ctx, TableStep("users", Client, USER_COLUMNS, build)
        )
    ctx.deleted_client_ids = set(
        Client.objects.filter(is_deleted=True).values_list("pk", flat=True)
    )
    with transaction.atomic(), original_timestamps(DeletedPhone):
        for original_id, raw, pseudo, deleted_at in released:
            client_id = ctx.client_ids.get(original_id)
            if client_id is None:
                continue
            try:
                phone = client_phone_normalize(raw)
            except InvalidPhone:
                phone = raw.strip()[:16]
            DeletedPhone.objects.get_or_create(
                client_id=client_id,
                phone=phone,
                defaults={"pseudo_phone": pseudo, "deleted_at": _now_or(deleted_at)},
            )


def deleted_phones_import(ctx: ImportContext) -> None:
    """Keep the released real phones (§11) with the client they belonged to.

    Each becomes an `accounts.DeletedPhone` row (phone, the client's pseudo-number,
    the time) when the client was imported; the mapping's `extra` and the report
    keep every record, including those whose client the original no longer has.
    """
    source = ctx.source
    if not source.has("deleted_phones"):
        return
    stats = ctx.report.stats("deleted_phones")
    mapping = RowMap("deleted_phones")
    rows = source.fetch_all(
        source.select("deleted_phones", ("id", "real_phone", "deleted_at", "user_id"))
    )
    known = mapping.lookup(row["id"] for row in rows)
    records = []
    for row in rows:
        stats.read += 1
        fp = fingerprint(row)
        if row["id"] in known and known[row["id"]].fingerprint == fp:
            stats.unchanged += 1
            continue
        try:
            real = client_phone_normalize(row["real_phone"])
        except InvalidPhone:
            real = row["real_phone"]
        client_id = ctx.client_ids.get(row["user_id"]) if row["user_id"] else None
        extra = {
            "real_phone": real,
            "deleted_at": str(row["deleted_at"]),
            "client_id": client_id,
        }
        ctx.report.deleted_phones.append({"id": row["id"], **extra})
        previous = known[row["id"]].local_id if row["id"] in known else None
        local_id = _released_phone_save(client_id, real, row["deleted_at"], previous)
        records.append((row["id"], local_id, fp, extra))
        if row["id"] in known:
            stats.updated += 1
        else:
            stats.created += 1
    with transaction.atomic():
        mapping.record(records)
    ctx.progress("deleted_phones", stats.read, len(rows))


def _released_phone_save(
    client_id: int | None, phone: str, deleted_at: Any, previous: int | None
) -> int | None:
    if client_id is None:  # DeletedPhone needs its client; the mapping keeps it
        return None
    pseudo = Client.objects.filter(pk=client_id).values_list("phone", flat=True).get()
    fields = {
        "phone": phone[:16],
        "pseudo_phone": pseudo,
        "client_id": client_id,
        "deleted_at": _now_or(deleted_at),
    }
    if previous is not None:
        DeletedPhone.objects.filter(pk=previous).update(**fields)
        return previous
    with original_timestamps(DeletedPhone):
        return DeletedPhone.objects.create(**fields).pk


# -- cards ------------------------------------------------------------------------


def cards_import(ctx: ImportContext) -> None:
    def build(row: dict[str, Any]) -> dict[str, Any] | Skip:
        client_id = ctx.client_ids.get(row["user_id"])
        if client_id is None:
            return Skip(f"client #{row['user_id']} not imported")
        track = _blank_to_none(row["card_track"])
        if track is not None and len(track) > 40:
            return Skip("card track longer than 40 characters")
        return {
            "client_id": client_id,
            "card_number": row["card_number"].strip(),
            "card_track": track,
            "iiko_card_id": _blank_to_none(row["iiko_card_id"]),
            "created_at": _now_or(row["created_at"]),
        }

    with original_timestamps(Card):
        table_import(ctx, TableStep("cards", Card, CARD_COLUMNS, build))
