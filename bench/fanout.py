"""Broadcast fan-out time: `broadcast_create` to N active clients (default 10,000).

Creates the bench clients once (phones +99877xxxxxxx), then times the service:
the broadcast row, the recipients query, the inbox copies in 1,000-row batches
(each its own short transaction) and the one ring. Deletes the broadcast and
its copies afterwards; `--drop-clients` removes the bench clients too.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sardoba_notifications \\
    REDIS_URL=redis://127.0.0.1:6379/0 REDIS_CACHE_DB=12 REDIS_CHANNELS_DB=13 \\
    .venv/bin/python bench/fanout.py --clients 10000 --runs 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sardoba.settings.test")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from accounts.models import Client  # noqa: E402
from notifications.models import Broadcast, Notification  # noqa: E402
from notifications.services import broadcast_create, broadcast_delete  # noqa: E402
from notifications.services import inbox as inbox_services  # noqa: E402

PREFIX = "+99877"


def ensure_clients(count: int) -> None:
    existing = Client.objects.filter(phone__startswith=PREFIX).count()
    Client.objects.bulk_create(
        (
            Client(phone=f"{PREFIX}{n:07d}", name="Bench")
            for n in range(existing, count)
        ),
        batch_size=2000,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--drop-clients", action="store_true")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    ensure_clients(min(args.clients, 200_000))
    active = Client.objects.active().count()
    batch_times: list[float] = []
    original = inbox_services.Notification.objects.bulk_create

    def timed_bulk_create(*a, **kw):
        started = time.perf_counter()
        try:
            return original(*a, **kw)
        finally:
            batch_times.append(time.perf_counter() - started)

    inbox_services.Notification.objects.bulk_create = timed_bulk_create
    totals = []
    for _ in range(max(args.runs, 1)):
        started = time.perf_counter()
        broadcast = broadcast_create(staff=None, title="Bench", description="fan-out")
        totals.append(time.perf_counter() - started)
        assert Notification.objects.filter(broadcast=broadcast).count() == active
        broadcast_delete(staff=None, broadcast=broadcast)
    print(f"backend {connection.vendor}; {active} active clients; runs {len(totals)}")
    print(
        f"broadcast_create: median {statistics.median(totals):.2f} s, "
        f"max {max(totals):.2f} s; longest 1,000-row batch insert "
        f"{max(batch_times) * 1000:.0f} ms"
    )
    if args.drop_clients:
        Client.objects.filter(phone__startswith=PREFIX).delete()
    Broadcast.objects.filter(title="Bench").delete()


if __name__ == "__main__":
    main()
