"""Broadcast fan-out time: `broadcast_create` to N active clients (default 10,000).

Creates the bench clients once (phones +99877xxxxxxx), then times the service:
the broadcast row, the inbox copies (each batch statement its own short
transaction) and the one ring. `--devices` first gives every bench client
device registrations in a mix of languages (uz, ru, an unsupported one, none),
so the preferred-language lookup has work to do. Deletes the broadcast and its
copies afterwards; `--drop-clients` removes the bench clients (and devices).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sardoba_notifications \\
    REDIS_URL=redis://127.0.0.1:6379/0 REDIS_CACHE_DB=12 REDIS_CHANNELS_DB=13 \\
    .venv/bin/python bench/fanout.py --clients 10000 --runs 3 [--devices]
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
from notifications.models import (  # noqa: E402
    Broadcast,
    DeviceRegistration,
    Notification,
)
from notifications.services import broadcast_create, broadcast_delete  # noqa: E402

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


def ensure_devices() -> None:
    """Per bench client by pk modulo 4: no device, uz, ru then uz, uz then "en"."""
    languages = {0: [], 1: ["uz"], 2: ["ru", "uz"], 3: ["uz", "en"]}
    bench = Client.objects.filter(phone__startswith=PREFIX)
    without = bench.exclude(devices__isnull=False).values_list("pk", flat=True)
    DeviceRegistration.objects.bulk_create(
        (
            DeviceRegistration(client_id=pk, device_type="android", language=language)
            for pk in without.iterator(chunk_size=5000)
            for language in languages[pk % 4]
        ),
        batch_size=2000,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--devices", action="store_true")
    parser.add_argument("--drop-clients", action="store_true")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    ensure_clients(min(args.clients, 200_000))
    if args.devices:
        ensure_devices()
    active = Client.objects.active().count()
    with_devices = Client.objects.active().filter(devices__isnull=False).distinct()
    batch_times: list[float] = []
    insert = f'INSERT INTO "{Notification._meta.db_table}"'

    def timed_insert(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            if sql.startswith(insert):
                batch_times.append(time.perf_counter() - started)

    totals = []
    for _ in range(max(args.runs, 1)):
        batch_times.clear()
        with connection.execute_wrapper(timed_insert):
            started = time.perf_counter()
            broadcast = broadcast_create(
                staff=None, title="Bench", description="fan-out"
            )
            totals.append(time.perf_counter() - started)
        assert Notification.objects.filter(broadcast=broadcast).count() == active
        broadcast_delete(staff=None, broadcast=broadcast)
    print(
        f"backend {connection.vendor}; {active} active clients "
        f"({with_devices.count()} with devices); runs {len(totals)}"
    )
    print(
        f"broadcast_create: median {statistics.median(totals):.2f} s, "
        f"max {max(totals):.2f} s; last run: {len(batch_times)} inbox INSERTs, "
        f"longest {max(batch_times, default=0) * 1000:.0f} ms"
    )
    if args.drop_clients:
        bench = Client.objects.filter(phone__startswith=PREFIX)
        DeviceRegistration.objects.filter(client__in=bench).delete()
        bench.delete()
    Broadcast.objects.filter(title="Bench").delete()


if __name__ == "__main__":
    main()
