"""The importer's pure rules: ledger kinds and carried-over staff passwords."""

from __future__ import annotations

import bcrypt
import pytest
from django.contrib.auth.hashers import check_password, is_password_usable

from cashback.models import EntryKind
from sardoba.importer.money import entry_kind
from sardoba.importer.people import staff_password


@pytest.mark.parametrize(
    ("_case", "source", "amount", "event", "kind"),
    [
        ("order credit", "ORDER", 12000, None, EntryKind.ACCRUAL),
        ("iiko event credit", "MANUAL", 5000, "evt-1", EntryKind.ACCRUAL),
        ("waiter QR credit", "QR", 50000, None, EntryKind.MANUAL_CREDIT),
        ("manager credit", "MANUAL", 15000, None, EntryKind.MANUAL_CREDIT),
        ("order debit", "ORDER", -35000, "evt-2", EntryKind.PAYMENT),
        ("manual debit", "MANUAL", -100, None, EntryKind.PAYMENT),
    ],
)
def test_entry_kind_from_source_and_sign(_case, source, amount, event, kind):
    assert entry_kind(source=source, amount=amount, iiko_event_id=event) == kind


def _bcrypt(password: str, prefix: bytes = b"2b") -> str:
    return bcrypt.hashpw(
        password.encode(), bcrypt.gensalt(rounds=4, prefix=prefix)
    ).decode()


@pytest.mark.parametrize("prefix", [b"2a", b"2b"])
def test_bcrypt_hash_is_carried_over_and_verifies(settings, prefix):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.BCryptPasswordHasher"]

    encoded, is_default = staff_password(_bcrypt("s3cret-pass", prefix))

    assert is_default is False
    assert encoded.startswith("bcrypt$$2")
    assert check_password("s3cret-pass", encoded)
    assert not check_password("admin123", encoded)


@pytest.mark.parametrize(
    ("_case", "stored"),
    [
        ("default password", "DEFAULT"),
        ("not bcrypt", "plain"),
        ("empty", ""),
        ("none", None),
    ],
)
def test_default_or_unknown_hash_gives_unusable_password(_case, stored):
    raw = _bcrypt("admin123") if stored == "DEFAULT" else stored

    encoded, is_default = staff_password(raw)

    assert not is_password_usable(encoded)
    assert is_default is (stored == "DEFAULT")
