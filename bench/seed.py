"""Seed the benchmark database fast: clients with ledgers, news, staff, tokens.

    python -m bench.seed [--clients 50000] [--entries 6] [--reset]

Runs with `bench.settings` against `sardoba_benchrun` (created when missing),
using bulk_create in large batches. The 500-item catalog is the MyResto menu
that `bench.menu_server` plays on loopback. Writes access tokens of a sample of
clients and of a manager to `bench/results/tokens.json` (bench JWT keys).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import time
from datetime import timedelta
from pathlib import Path

from bench.servers import PG_URL, bench_env

RESULTS = Path(__file__).resolve().parent / "results"
BRANCHES = [139235, 157757, 139350, 139458]


def database_ensure() -> None:
    name = PG_URL.rsplit("/", 1)[1].split("?")[0]
    admin = PG_URL.rsplit("/", 1)[0] + "/postgres"
    exists = subprocess.run(
        ["psql", admin, "-tAc", f"SELECT 1 FROM pg_database WHERE datname='{name}'"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if exists != "1":
        subprocess.run(["psql", admin, "-c", f"CREATE DATABASE {name}"], check=True)


def seed(*, clients: int, entries: int, news: int, tokens: int, reset: bool) -> dict:
    import django
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    django.setup()
    call_command("migrate", verbosity=0)

    from accounts.models import Client, Staff, StaffRole
    from accounts.services.staff import staff_create
    from accounts.tokens import token_pair_issue
    from cashback.models import Card, LedgerEntry, Wallet
    from cashback.rules import level_for_points
    from news.models import NewsItem
    from notifications.models import DeviceRegistration, Notification

    rng = random.Random(20261204)  # the same dataset every time
    now = timezone.now()
    if reset:
        with connection.cursor() as cur:
            cur.execute(
                "TRUNCATE accounts_client, accounts_staff, news_newsitem RESTART IDENTITY CASCADE"
            )
    started = time.monotonic()
    have = Client.objects.count()
    if have < clients:
        manager = Staff.objects.filter(role=StaffRole.MANAGER).first() or staff_create(
            phone="+998900000001",
            name="Bench manager",
            password="bench-pass",
            role=StaffRole.MANAGER,
        )
        waiters = list(Staff.objects.filter(role=StaffRole.WAITER))
        for i in range(len(waiters), 20):
            waiters.append(
                staff_create(
                    phone=f"+9989001{i:05d}",
                    name=f"Waiter {i}",
                    password="bench-pass",
                    role=StaffRole.WAITER,
                    branch_id=BRANCHES[i % 4],
                    referral_code=f"BW{i:04d}",
                )
            )
        batch = 5000
        for start in range(have, clients, batch):
            stop = min(start + batch, clients)
            with transaction.atomic():
                rows = Client.objects.bulk_create(
                    Client(
                        phone=f"+99891{n:07d}",
                        name=f"Client{n}",
                        surname="Benchev",
                        waiter=waiters[n % 20] if n % 3 == 0 else None,
                    )
                    for n in range(start, stop)
                )
                wallets, cards, ledger, inbox, devices = [], [], [], [], []
                for c in rows:
                    balance = points = 0
                    count = rng.randint(max(entries - 4, 1), entries + 4)
                    # The history spread over a year, oldest first (the ledger is
                    # append-only, so created_at is given here, not updated later).
                    times = sorted(
                        now - timedelta(days=365 * rng.random()) for _ in range(count)
                    )
                    for at in times:
                        amount = rng.choice([5000, 8000, 12000, 15000, 27000])
                        if balance > 40000 and rng.random() < 0.3:
                            amount = -35000
                        ledger.append(
                            LedgerEntry(
                                client=c,
                                kind="accrual" if amount > 0 else "payment",
                                source="ORDER",
                                amount=amount,
                                balance_before=balance,
                                balance_after=balance + amount,
                                points_earned=max(amount, 0) // 2,
                                branch_id=rng.choice(BRANCHES),
                                created_at=at,
                                description="Cashback accrual"
                                if amount > 0
                                else "Cashback payment",
                            )
                        )
                        balance += amount
                        points += max(amount, 0) // 2
                    wallets.append(
                        Wallet(
                            client=c,
                            balance=balance,
                            points=points,
                            level=level_for_points(points),
                        )
                    )
                    cards.append(
                        Card(
                            client=c,
                            card_number=f"8600{c.pk:012d}",
                            card_track=f"{c.pk:020d}",
                        )
                    )
                    for k in range(3):
                        inbox.append(
                            Notification(
                                client=c,
                                title="Кешбек начислен",
                                description="+15000 сум начислено на ваш кешбек!",
                                notification_type="cashback_accrual",
                                payload={"type": "cashback_accrual", "amount": "15000"},
                                language="ru",
                                is_read=k > 0,
                                is_sent=True,
                            )
                        )
                    devices.append(
                        DeviceRegistration(
                            client=c,
                            device_type="android",
                            language="uz",
                            uses_websocket=True,
                        )
                    )
                Wallet.objects.bulk_create(wallets, batch_size=batch)
                Card.objects.bulk_create(cards, batch_size=batch)
                LedgerEntry.objects.bulk_create(ledger, batch_size=batch)
                Notification.objects.bulk_create(inbox, batch_size=batch)
                DeviceRegistration.objects.bulk_create(devices, batch_size=batch)
            print(f"  clients {stop}/{clients}", flush=True)
        with connection.cursor() as cur:  # spread the inbox over a year
            cur.execute(
                "UPDATE notifications_notification SET created_at = now() - random() * interval '365 days', sent_at = created_at"
            )
            cur.execute("VACUUM ANALYZE")  # the UPDATEs above left dead rows
    if NewsItem.objects.count() < news:
        NewsItem.objects.bulk_create(
            NewsItem(
                title=f"Yangilik {i}",
                description="Yangi menyu va aksiyalar. " * 8,
                image_url=f"/api/v1/files/news_images/{i:032x}.jpg",
                priority=i % 5,
            )
            for i in range(NewsItem.objects.count(), news)
        )
    seeded = time.monotonic() - started

    sample = list(
        Client.objects.order_by("?").values_list("pk", flat=True)[:tokens]
    )  # random ids spread over the table
    by_pk = Client.objects.in_bulk(sample)
    manager = Staff.objects.filter(role=StaffRole.MANAGER).first()
    payload = {
        "clients": [
            {"id": pk, "access": token_pair_issue(actor=by_pk[pk]).access_token}
            for pk in sample
        ],
        "manager": token_pair_issue(actor=manager).access_token,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "tokens.json").write_text(json.dumps(payload))
    counts = {
        "clients": Client.objects.count(),
        "ledger_entries": LedgerEntry.objects.count(),
        "notifications": Notification.objects.count(),
        "news": NewsItem.objects.count(),
        "seconds": round(seeded, 1),
    }
    (RESULTS / "dataset.json").write_text(json.dumps(counts))
    print(json.dumps(counts))
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50_000)
    parser.add_argument("--entries", type=int, default=6, help="mean ledger entries")
    parser.add_argument("--news", type=int, default=200)
    parser.add_argument("--tokens", type=int, default=6000)
    parser.add_argument("--reset", action="store_true")
    args = parser.parse_args()
    os.environ.update(bench_env(ACCESS_TOKEN_EXPIRE_MINUTES="720"))
    database_ensure()
    seed(
        clients=args.clients,
        entries=args.entries,
        news=args.news,
        tokens=args.tokens,
        reset=args.reset,
    )


if __name__ == "__main__":
    main()
