"""Fill an `orig_import_bench` database with an original-backend-sized data set.

    .venv/bin/python bench/import_original_data.py --clients 50000 --transactions 1000000

Creates (drops first) the database on the loopback server with the later
schema version and COPYs staff, clients, balances, transactions (with a gap
every 50th client, as iiko syncs left them, and a few negative balances),
cards, inbox rows and auth-log rows. Then time the import with

    time .venv/bin/python manage.py import_original \
        --database-url postgres://postgres@127.0.0.1:5432/orig_import_bench
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.importer.original_db import LATER, original_database_create

SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def fill(url: str, clients: int, transactions: int, seed: int) -> None:
    rng = random.Random(seed)
    per_client = max(transactions // clients, 1)
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        with cur.copy(
            "COPY staff (id, name, phone, password_hash, role, referral_code) FROM STDIN"
        ) as copy:
            for sid in range(1, 21):
                role = "MANAGER" if sid <= 2 else "WAITER"
                copy.write_row((sid, f"Staff {sid}", f"+99890{sid:07d}", "$2b$04$" + "x" * 53, role,
                                None if role == "MANAGER" else f"CODE{sid:04d}"))  # fmt: skip
        with cur.copy(
            "COPY users (id, name, phone, waiter_id, level, created_at, updated_at) FROM STDIN"
        ) as copy:
            for uid in range(1, clients + 1):
                created = T0 + dt.timedelta(minutes=uid)
                copy.write_row((uid, f"Guest {uid}", f"+99891{uid:07d}", 3 + uid % 18, "SILVER",
                                created, created))  # fmt: skip
        written = 0
        balances: list[tuple[int, int]] = []
        with cur.copy(
            "COPY cashback_transactions (id, user_id, staff_id, amount, branch_id, source,"
            " balance_after, iiko_event_id, created_at) FROM STDIN"
        ) as copy:
            for uid in range(1, clients + 1):
                balance = 0
                moment = T0 + dt.timedelta(days=1, minutes=uid)
                count = per_client if uid < clients else transactions - written
                for _ in range(count):
                    written += 1
                    if balance >= 50_000 and rng.random() < 0.3:
                        amount = -rng.randrange(10_000, balance + 1)
                    else:
                        amount = rng.randrange(1_000, 30_000)
                    if uid % 50 == 0 and rng.random() < 0.1:
                        balance += rng.randrange(1, 5_000)  # changed without a row
                    balance += amount
                    moment += dt.timedelta(hours=rng.randrange(1, 72))
                    copy.write_row((written, uid, None, amount, 139235, "ORDER", balance,
                                    f"evt-{written}", moment))  # fmt: skip
                final = balance if uid % 500 else -1_000
                balances.append((uid, final))
        with cur.copy(
            "COPY cashback_balances (user_id, balance, points) FROM STDIN"
        ) as copy:
            for uid, balance in balances:
                copy.write_row((uid, balance, balance // 2 if balance > 0 else 0))
        with cur.copy(
            "COPY cards (id, user_id, card_number, card_track) FROM STDIN"
        ) as copy:
            for uid in range(1, clients + 1):
                copy.write_row((uid, uid, f"8600{uid:012d}", f"{uid:020d}"))
        with cur.copy(
            "COPY user_notifications (user_id, title, description, type, is_read, is_sent)"
            " FROM STDIN"
        ) as copy:
            for uid in range(1, clients + 1):
                copy.write_row((uid, "Кешбек начислен", "+1000 сум", "cashback_accrual",
                                uid % 3 == 0, uid % 2 == 0))  # fmt: skip
        with cur.copy(
            "COPY auth_logs (actor_type, actor_id, phone, action) FROM STDIN"
        ) as copy:
            for uid in range(1, clients + 1):
                copy.write_row(("CLIENT", uid, f"+99891{uid:07d}", "OTP_VERIFICATION"))
        for table in ("staff", "users", "cashback_transactions", "cards"):
            cur.execute(
                f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))"
            )
        conn.commit()
        cur.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=50_000)
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--name", default="orig_import_bench")
    parser.add_argument("--seed", type=int, default=10)
    args = parser.parse_args()
    started = time.monotonic()
    url = original_database_create(SERVER, args.name, LATER)
    fill(url, args.clients, args.transactions, args.seed)
    print(f"{url}: {args.clients} clients, "
          f"{args.transactions} transactions in {time.monotonic() - started:.1f} s")  # fmt: skip


if __name__ == "__main__":
    main()
