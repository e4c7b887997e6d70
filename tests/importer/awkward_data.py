"""Awkward data for an original database: what a real production copy holds.

* phones typed in several formats, two of which collide after normalisation;
* a balance changed without a transaction (iiko sync overwrote it), a
  fractional amount, a negative balance, a −35,000 payment;
* a deleted client with a `+999…` pseudo-number and its deleted-phones row, and
  one deleted with its real phone still on the row (an older deletion);
* a waiter still on the shipped default password `admin123`;
* read, unread and unsent notifications, a broadcast (later version);
* relative and absolute image URLs, and a URL on a CDN.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import bcrypt
from PIL import Image

from tests.importer.original_db import LATER

T0 = dt.datetime(2025, 11, 1, 9, 0, tzinfo=dt.UTC)
MANAGER_PASSWORD = "manager-secret-1"
WAITER_PASSWORD = "waiter-secret-3"


def at(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def _hash(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()


def fill(conn, version: str) -> None:
    later = version == LATER
    ex = conn.execute
    # staff: 1 manager, 2 waiter on the default password, 3 waiter
    ex(
        "INSERT INTO staff (id, name, phone, password_hash, role, branch_id, referral_code,"
        " created_at, updated_at) VALUES"
        " (1, 'Manager', '+998 90 000 00 01', %s, 'MANAGER', NULL, NULL, %s, %s),"
        " (2, 'Dilnoza', '998900000002', %s, 'WAITER', 139235, 'K7P2QX', %s, %s),"
        " (3, 'Aziz', '90 000 00 03', %s, 'WAITER', 139350, 'dilno4821', %s, %s)",
        (_hash(MANAGER_PASSWORD), at(0), at(0), _hash("admin123"), at(1), at(1),
         _hash(WAITER_PASSWORD), at(2), at(2)),
    )  # fmt: skip
    ex("SELECT setval('staff_id_seq', 3)")
    users = [
        # id, name, phone, waiter, photo, email, deleted, deleted_at, iiko customer
        (10, "Ali", "+998 (90) 123-45-67", 2, "/api/v1/files/profile_photos/ali.jpg",
         "Ali@Example.com", False, None, "iiko-c-10"),
        (11, "Vali", "901234568", None, None, None, False, None, None),
        (12, "Vali 2", "+998901234568", None, None, None, False, None, None),
        (13, "Gone", "+999123456789", 2, None, "gone@example.com", True, at(30), "iiko-c-13"),
        (14, "Negative", "+998 93 111 22 33", None,
         "https://old.sardoba.uz/api/v1/files/profile_photos/neg.png", None, False, None, None),
        (15, "Drift", "998935554433", 3, "https://cdn.example.com/avatars/drift.jpg",
         "ali@example.com", False, None, "iiko-c-15"),
        (16, "Nomad", "+7 999 123 45 67", None, None, None, False, None, None),
        (18, "Left", "+998 90 555 66 77", None, None, None, True, at(31), None),
    ]  # fmt: skip
    for uid, name, phone, waiter, photo, email, deleted, deleted_at, iiko in users:
        columns = (
            "id, name, phone, waiter_id, profile_photo_url, email, is_deleted, deleted_at,"
            " iiko_customer_id, level, created_at, updated_at"
        )
        values = [uid, name, phone, waiter, photo, email, deleted, deleted_at, iiko, "GOLD",
                  at(uid), at(uid)]  # fmt: skip
        if later:
            columns += ", surname, middle_name, giftget"
            values += [f"Surname{uid}" if uid == 10 else None, None, uid == 15]
        placeholders = ", ".join(["%s"] * len(values))
        ex(f"INSERT INTO users ({columns}) VALUES ({placeholders})", values)  # noqa: S608
    ex("SELECT setval('users_id_seq', 18)")
    balances = [(10, "27015.50", "13500"), (11, "100", "0"), (12, "200", "0"),
                (13, "4000", "2000"), (14, "-5000.50", "0"), (15, "25000.50", "13500"),
                (16, "0", "0")]  # fmt: skip
    for uid, balance, points in balances:
        ex(
            "INSERT INTO cashback_balances (user_id, balance, points, created_at, updated_at)"
            " VALUES (%s, %s, %s, %s, %s)",
            (uid, balance, points, at(uid), at(100 + uid)),
        )
    txs = [
        # id, user, staff, amount, source, balance_after, iiko event, hours
        (1, 10, None, "12000", "ORDER", "12000", "evt-1", 40),
        (2, 10, 2, "50000", "QR", "62000", None, 41),
        (3, 10, None, "-35000", "MANUAL", "27000", "evt-3", 42),
        (4, 10, None, "15.50", "ORDER", "27015.50", "evt-4", 43),
        (5, 15, None, "12000", "ORDER", "12000", "evt-5", 44),
        # iiko sync raised the balance to 15,000 without a transaction row
        (6, 15, 1, "15000", "MANUAL", "30000", None, 45),
        (7, 13, None, "4000", "ORDER", "4000", "evt-7", 46),
        (8, 11, None, "100", "ORDER", "100", "evt-8", 47),
        (9, 15, None, "0", "MANUAL", "30000", None, 48),
    ]  # fmt: skip
    for tid, uid, staff, amount, source, after, event, hours in txs:
        ex(
            "INSERT INTO cashback_transactions (id, user_id, staff_id, amount, branch_id,"
            " source, balance_after, iiko_event_id, created_at)"
            " VALUES (%s, %s, %s, %s, 139235, %s, %s, %s, %s)",
            (tid, uid, staff, amount, source, after, event, at(hours)),
        )
    ex("SELECT setval('cashback_transactions_id_seq', 9)")
    ex(
        "INSERT INTO cards (id, user_id, card_number, card_track, iiko_card_id, created_at,"
        " updated_at) VALUES"
        " (1, 10, '8600123412341234', '12345678901234567890', 'iiko-card-1', %s, %s),"
        " (2, 13, '8600999988887777', '99999999999999999999', NULL, %s, %s),"
        " (3, 11, '8600111111111111', '11111111111111111111', NULL, %s, %s)",
        (at(10), at(10), at(13), at(13), at(11), at(11)),
    )
    ex(
        "INSERT INTO deleted_phones (id, real_phone, deleted_at, user_id)"
        " VALUES (1, '+998901112233', %s, 13)",
        (at(30),),
    )
    ex(
        "INSERT INTO auth_logs (actor_type, actor_id, phone, action, ip, user_agent, meta,"
        " created_at) VALUES"
        " ('CLIENT', 10, '+998901234567', 'OTP_REQUEST', '10.0.0.1', 'Dart/3.0', %s, %s),"
        " ('CLIENT', 10, '+998901234567', 'OTP_VERIFICATION', '10.0.0.1', 'Dart/3.0', NULL, %s),"
        " ('STAFF', 1, '+998900000001', 'LOGIN', '10.0.0.2', 'Mozilla', NULL, %s),"
        " ('STAFF', NULL, '+998900000009', 'FAILED_LOGIN', '10.0.0.2', 'Mozilla', NULL, %s)",
        (
            json.dumps({"purpose": "login", "code": "123456"}),
            at(50),
            at(50.1),
            at(51),
            at(52),
        ),
    )
    broadcast = ""
    if later:
        ex(
            "INSERT INTO notifications (id, title, description, created_at)"
            " VALUES (1, 'Navruz', 'Bayram muborak!', %s)",
            (at(60),),
        )
        broadcast = ", notification_id"
    rows = [
        (
            1,
            10,
            "Кешбек начислен",
            "+12000 сум",
            "cashback_accrual",
            True,
            True,
            at(40),
        ),
        (
            2,
            10,
            "Кешбек использован",
            "-35000 сум",
            "cashback_spent",
            False,
            False,
            None,
        ),
        (
            3,
            15,
            "Кешбек начислен",
            "+12000 сум",
            "cashback_accrual",
            False,
            False,
            None,
        ),
        (4, 10, "Navruz", "Bayram muborak!", "broadcast", False, True, at(60)),
    ]
    for nid, uid, title, text, kind, is_read, is_sent, sent_at in rows:
        values = [nid, uid, title, text, kind, json.dumps({"type": kind}), "uz" if uid == 10 else "ru",
                  is_read, is_sent, sent_at, at(40 + nid)]  # fmt: skip
        if later:
            values.append(1 if nid == 4 else None)
        placeholders = ", ".join(["%s"] * len(values))
        query = (
            "INSERT INTO user_notifications (id, user_id, title, description, type, payload,"  # noqa: S608 (constant column names)
            f" language, is_read, is_sent, sent_at, created_at{broadcast})"
            f" VALUES ({placeholders})"
        )
        ex(query, values)
    ex(
        "INSERT INTO notification_device_tokens (id, user_id, device_token, device_type,"
        " language, created_at, updated_at) VALUES"
        " (1, 10, 'tok-ali', 'android', 'uz', %s, %s),"
        " (2, 13, 'tok-gone', 'ios', 'ru', %s, %s),"
        " (3, 15, 'tok-drift', 'IOS', 'ru', %s, %s)",
        (at(70), at(70), at(71), at(71), at(72), at(72)),
    )
    ex(
        "INSERT INTO news (id, title, description, image_url, created_at, starts_at, ends_at,"
        " priority) VALUES"
        " (1, 'Relative', 'r', '/api/v1/files/news_images/n1.jpg', %s, NULL, NULL, 2),"
        " (2, 'External', 'e', 'https://cdn.example.com/n2.jpg', %s, %s, %s, 0),"
        " (3, 'Absolute', 'a', 'https://old.sardoba.uz/api/v1/files/news_images/n3.png',"
        "  %s, NULL, NULL, 1)",
        (at(80), at(80), at(80), at(10_000), at(81)),
    )
    ex(
        "INSERT INTO categories (id, name, image_url) VALUES (1, 'Salads', NULL),"
        " (2, 'Soups', '/api/v1/files/news_images/soup.jpg')"
    )
    ex(
        "INSERT INTO products (id, category_id, name, price, image_url) VALUES"
        " (1, 1, 'Achichuk', '15000.00', NULL), (2, 2, 'Shurpa', '32000.50', NULL)"
    )


def media_folder(root: Path) -> Path:
    """The original's media/ folder with the files the data refers to (one missing)."""
    for folder, name, fmt in (
        ("profile_photos", "ali.jpg", "JPEG"),
        ("profile_photos", "neg.png", "PNG"),
        ("news_images", "n1.jpg", "JPEG"),
    ):
        path = root / folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (8, 8), (200, 30, 30)).save(path, fmt)
    return root  # news_images/n3.png is missing on purpose
