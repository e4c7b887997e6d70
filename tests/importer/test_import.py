"""import_original against an original database of either version (issue 10)."""

from __future__ import annotations

import re

import psycopg
import pytest
from django.conf import settings

from accounts.models import AuthLog, Client, DeletedPhone, Staff, StoredFile
from cashback.models import Card, EntryKind, LedgerEntry, Wallet
from news.models import NewsItem
from notifications.models import Broadcast, DeviceRegistration, Notification
from sardoba.models import ImportedRow
from tests.importer.awkward_data import MANAGER_PASSWORD, WAITER_PASSWORD, at
from tests.importer.conftest import is_later, run_import

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _ledger(client_id: int) -> list[tuple[str, int, int, int]]:
    return list(
        LedgerEntry.objects.filter(client_id=client_id)
        .order_by("id")
        .values_list("kind", "amount", "balance_before", "balance_after")
    )


def test_import_keeps_ids_and_normalises_phones(original, original_media):
    # when
    out = run_import(original, "--media-dir", str(original_media))

    # then: ids kept (tokens carry them), phones normalised once, collisions not merged
    phones = dict(Client.objects.values_list("pk", "phone"))
    assert re.fullmatch(r"\+999\d{9}", phones.pop(18))  # deleted with its real phone
    assert phones == {
        10: "+998901234567",
        13: "+999123456789",
        14: "+998931112233",
        15: "+998935554433",
        16: "+79991234567",
    }
    assert "+998901234568: users #11 (901234568), users #12 (+998901234568)" in out
    assert dict(Staff.objects.values_list("pk", "phone")) == {
        1: "+998900000001",
        2: "+998900000002",
        3: "+998900000003",
    }
    ali = Client.objects.get(pk=10)
    assert ali.waiter_id == 2
    assert ali.email == "Ali@Example.com"
    assert ali.iiko_customer_id == "iiko-c-10"
    assert ali.created_at == at(10)
    assert ali.surname == ("Surname10" if is_later(original) else None)
    assert Client.objects.get(pk=15).email is None  # same e-mail ignoring case
    # the id sequences moved past the imported ids: new sign-ups do not collide
    assert Client.objects.create(phone="+998909999999").pk == 19
    assert (
        Staff.objects.create(phone="+998909999998", name="New", role="WAITER").pk == 4
    )
    assert "Import finished and verified." in out


def test_deleted_client_keeps_pseudo_number_and_released_phone(
    original, original_media
):
    run_import(original, "--media-dir", str(original_media))

    gone = Client.objects.get(pk=13)
    assert (gone.is_deleted, gone.phone, gone.email) == (True, "+999123456789", None)
    assert gone.deleted_at == at(30)
    record = ImportedRow.objects.get(table="deleted_phones", original_id=1)
    assert (record.extra["client_id"], record.extra["real_phone"]) == (
        13,
        "+998901112233",
    )
    assert Card.objects.get(pk=2).client_id == 13
    assert not DeviceRegistration.objects.filter(client_id=13).exists()


def test_staff_passwords_carry_over_except_the_shipped_default(
    original, original_media
):
    out = run_import(original, "--media-dir", str(original_media))

    assert Staff.objects.get(pk=1).check_password(MANAGER_PASSWORD)
    assert Staff.objects.get(pk=3).check_password(WAITER_PASSWORD)
    waiter = Staff.objects.get(pk=2)
    assert not waiter.has_usable_password()
    assert not waiter.check_password("admin123")
    assert "staff #2 +998900000002 Dilnoza" in out
    assert waiter.referral_code == "K7P2QX"


def test_ledger_follows_the_original_history_with_reconciliations(
    original, original_media
):
    out = run_import(original, "--media-dir", str(original_media))

    # transactions in order, kinds from source and sign, fractional rounded
    assert _ledger(10) == [
        (EntryKind.ACCRUAL, 12000, 0, 12000),
        (EntryKind.MANUAL_CREDIT, 50000, 12000, 62000),
        (EntryKind.PAYMENT, -35000, 62000, 27000),
        (EntryKind.ACCRUAL, 16, 27000, 27016),
    ]
    entry = LedgerEntry.objects.get(client_id=10, amount=16)
    assert (entry.iiko_sum, entry.iiko_event_key, entry.created_at) == (
        "15.50",
        "evt-4",
        at(43),
    )
    assert LedgerEntry.objects.get(client_id=10, amount=50000).staff_id == 2
    # balance changed without a transaction, then a final reconciliation to 25,000.50 -> 25,001
    assert _ledger(15) == [
        (EntryKind.ACCRUAL, 12000, 0, 12000),
        (EntryKind.RECONCILIATION, 3000, 12000, 15000),
        (EntryKind.MANUAL_CREDIT, 15000, 15000, 30000),
        (EntryKind.RECONCILIATION, -4999, 30000, 25001),
    ]
    assert "client #15 +998935554433: 2 entries, net -1999 (last -4999)" in out
    # negative original balance -> 0 and listed
    assert Wallet.objects.get(client_id=14).balance == 0
    assert "client #14 +998931112233: -5000.50" in out
    assert "cashback_transactions #9: amount is 0" in out
    assert "client #13: +998901112233" in out
    # points as stored, level recomputed; the gift flag as stored when the original has it
    ali = Wallet.objects.get(client_id=10)
    assert (ali.balance, ali.points, ali.level) == (27016, 13500, "GOLD")
    assert ali.giftget is (not is_later(original))
    assert Wallet.objects.get(client_id=15).giftget is is_later(original)
    # importing history notifies nobody
    assert not Notification.objects.filter(
        notification_type__startswith="cashback", pk__gt=4
    ).exists()


def test_inbox_devices_and_auth_log(original, original_media):
    run_import(original, "--media-dir", str(original_media))

    inbox = {n.pk: n for n in Notification.objects.all()}
    assert sorted(inbox) == [1, 2, 3, 4]
    assert (inbox[2].is_sent, inbox[2].sent_at, inbox[2].is_read) == (
        False,
        None,
        False,
    )
    assert (inbox[3].client_id, inbox[3].is_sent) == (15, False)
    assert (inbox[1].is_sent, inbox[1].is_read, inbox[1].language) == (True, True, "uz")
    if is_later(original):
        broadcast = Broadcast.objects.get(pk=1)
        assert (broadcast.title, broadcast.recipients_count) == ("Navruz", 1)
        assert inbox[4].broadcast_id == 1
    else:
        assert not Broadcast.objects.exists()
    devices = dict(
        DeviceRegistration.objects.values_list("device_token", "device_type")
    )
    assert devices == {"tok-ali": "android", "tok-drift": "ios"}
    request = AuthLog.objects.get(action="OTP_REQUEST")
    assert (request.actor_type, request.actor_id, request.status) == (
        "user",
        10,
        "sent",
    )
    assert request.meta == {
        "purpose": "login"
    }  # the logged OTP code is not carried over
    assert AuthLog.objects.get(action="LOGIN").actor_type == "staff"
    assert AuthLog.objects.count() == 4


def test_media_copied_and_urls_relative(original, original_media, api_client):
    out = run_import(original, "--media-dir", str(original_media))

    root = settings.MEDIA_ROOT
    assert (
        Client.objects.get(pk=10).profile_photo_url
        == "/api/v1/files/profile-photo/ali.jpg"
    )
    assert (
        Client.objects.get(pk=14).profile_photo_url
        == "/api/v1/files/profile-photo/neg.png"
    )
    assert (
        Client.objects.get(pk=15).profile_photo_url
        == "https://cdn.example.com/avatars/drift.jpg"
    )
    assert (root / "profile_photos" / "ali.jpg").is_file()
    assert (root / "profile_photos" / "neg.png").is_file()
    news = dict(NewsItem.objects.values_list("pk", "image_url"))
    assert news == {
        1: "/api/v1/files/news_images/n1.jpg",
        2: "https://cdn.example.com/n2.jpg",
        3: "/api/v1/files/news_images/n3.png",
    }
    assert (root / "news_images" / "n1.jpg").is_file()
    served = api_client.get("/api/v1/files/news_images/n1.jpg")
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert "news_images n3.png" in out  # missing in --media-dir, listed
    photo = StoredFile.objects.get(name="ali.jpg")
    assert (photo.kind, photo.mime_type, photo.owner_id) == (
        "profile_photo",
        "image/jpeg",
        10,
    )


def _counts() -> dict[str, int]:
    models = (Client, Staff, DeletedPhone, Card, Wallet, LedgerEntry, Notification, Broadcast,
              DeviceRegistration, AuthLog, NewsItem, StoredFile, ImportedRow)  # fmt: skip
    return {model.__name__: model.objects.count() for model in models}


def test_reimport_creates_nothing_and_picks_up_changes(original, original_media):
    # given an import
    run_import(original, "--media-dir", str(original_media))
    before = _counts()

    # when it runs again on the unchanged original
    out = run_import(original, "--media-dir", str(original_media))

    # then nothing is duplicated
    assert _counts() == before
    assert "Import finished and verified." in out

    # when the original moves on: a new transaction, a balance overwritten by iiko,
    # a notification read, a new client
    with psycopg.connect(original, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO cashback_transactions (id, user_id, amount, source, balance_after,"
            " iiko_event_id, created_at) VALUES (20, 10, '-27016', 'ORDER', '0', 'evt-20', now())"
        )
        conn.execute(
            "UPDATE cashback_balances SET balance = 500, updated_at = now() WHERE user_id = 10"
        )
        conn.execute(
            "UPDATE cashback_balances SET balance = 26000, updated_at = now() WHERE user_id = 15"
        )
        conn.execute("UPDATE user_notifications SET is_read = true WHERE id = 2")
        conn.execute(
            "INSERT INTO users (id, name, phone) VALUES (17, 'New', '+998 97 000 11 22')"
        )
    run_import(original, "--media-dir", str(original_media))

    # then only the changes are imported
    assert _ledger(10)[4:] == [
        (EntryKind.PAYMENT, -27016, 27016, 0),
        (EntryKind.RECONCILIATION, 500, 0, 500),
    ]
    assert _ledger(15)[4:] == [(EntryKind.RECONCILIATION, 999, 25001, 26000)]
    assert Notification.objects.get(pk=2).is_read is True
    assert Client.objects.get(pk=17).phone == "+998970001122"
    assert Client.objects.count() == before["Client"] + 1
    assert Notification.objects.count() == before["Notification"]


def test_dry_run_writes_nothing_and_reports(original, original_media):
    out = run_import(original, "--media-dir", str(original_media), "--dry-run")

    assert all(count == 0 for count in _counts().values()), _counts()
    assert not (settings.MEDIA_ROOT / "profile_photos").exists()
    assert "DRY RUN: nothing was written" in out
    assert "Phones that collide after normalisation" in out
    assert "staff #2 +998900000002 Dilnoza" in out
    assert "client #15 +998935554433: 2 entries, net -1999 (last -4999)" in out
    assert "client #14 +998931112233: -5000.50" in out
    assert "cashback_transactions #8: client #11 not imported" in out
    assert "Dry run finished: nothing was written." in out


def test_dry_run_after_an_import_reports_only_the_changes(original, original_media):
    run_import(original, "--media-dir", str(original_media))
    before = _counts()
    with psycopg.connect(original, autocommit=True) as conn:
        conn.execute(
            "UPDATE cashback_balances SET balance = 100, updated_at = now() WHERE user_id = 10"
        )

    out = run_import(original, "--dry-run")

    assert _counts() == before
    assert Wallet.objects.get(client_id=10).balance == 27016
    assert "client #10 +998901234567: 1 entries, net -26916 (last -26916)" in out


def test_wallet_with_sardoba_entries_is_left_alone(original, original_media):
    from cashback.services import ledger_entry_append, wallet_lock

    # given an import, then a credit written in sardoba
    run_import(original, "--media-dir", str(original_media))
    wallet = wallet_lock(client=Client.objects.get(pk=10))
    ledger_entry_append(
        wallet=wallet, kind=EntryKind.MANUAL_CREDIT, amount=1000, notify=False
    )
    with psycopg.connect(original, autocommit=True) as conn:
        conn.execute(
            "UPDATE cashback_balances SET balance = 1, updated_at = now() WHERE user_id = 10"
        )

    # when the import runs again
    out = run_import(original)

    # then that wallet is not reconciled to the original and it is reported
    assert Wallet.objects.get(client_id=10).balance == 28016
    assert (
        "cashback_balances #10: the wallet has ledger entries written in sardoba" in out
    )


def test_since_reads_only_recent_rows(original, original_media):
    run_import(original, "--media-dir", str(original_media))
    with psycopg.connect(original, autocommit=True) as conn:
        conn.execute(
            "UPDATE users SET name = 'Ali Renamed', updated_at = now() WHERE id = 10"
        )

    out = run_import(original, "--since", "2026-01-01")

    assert Client.objects.get(pk=10).name == "Ali Renamed"
    assert "users                                1         0         1" in out


def test_report_file_holds_the_full_report(original, original_media, tmp_path):
    import json

    run_import(original, "--dry-run", "--report", str(tmp_path / "report.json"))

    data = json.loads((tmp_path / "report.json").read_text())
    assert data["dry_run"] is True
    assert data["tables"]["users"]["skipped"] == 2
    assert data["default_password_staff"] == [
        {"id": 2, "phone": "+998900000002", "name": "Dilnoza"}
    ]
    assert {"client_id": 14, "phone": "+998931112233", "balance": "-5000.50"} in data[
        "negative_balances"
    ]


def test_refuses_a_missing_media_dir(original, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="is not a directory"):
        run_import(original, "--media-dir", str(tmp_path / "nope"))
    assert not Client.objects.exists()


def test_categories_and_products(original, original_media):
    from catalog.models import Category, Product

    out = run_import(original, "--media-dir", str(original_media))

    categories = dict(Category.objects.values_list("pk", "name"))
    assert categories == {1: "Salads", 2: "Soups"}
    assert Category.objects.get(pk=2).image_url == "/api/v1/files/news_images/soup.jpg"
    products = {p.pk: (p.category_id, p.name, p.price) for p in Product.objects.all()}
    assert products == {1: (1, "Achichuk", 15000), 2: (2, "Shurpa", 32001)}
    assert "news_images soup.jpg" in out  # referenced, missing in --media-dir
