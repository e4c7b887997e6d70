"""Delivery latency of the notifications socket across server processes.

Starts N daphne processes on 127.0.0.1 (default 2) against DATABASE_URL and
REDIS_URL, opens one socket of a bench client on each, then creates
`--count` inbox rows one after another through the service (commit, then the
doorbell ring over Redis) and measures, per socket, the time from just before
the commit to the frame's arrival. Prints p50/p90/p99/max in milliseconds.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sardoba_notifications \\
    REDIS_URL=redis://127.0.0.1:6379/0 REDIS_CACHE_DB=12 REDIS_CHANNELS_DB=13 \\
    .venv/bin/python bench/ws_latency.py --count 1000 --servers 2

Loopback only, bounded by --count; the bench client's rows are deleted at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sardoba.settings.test")

import django

django.setup()

import _servers  # noqa: E402
from asgiref.sync import sync_to_async  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

from accounts.models import Client  # noqa: E402
from accounts.tokens import token_pair_issue  # noqa: E402
from notifications.models import Notification  # noqa: E402
from notifications.services import inbox_notification_create  # noqa: E402

BENCH_PHONE = "+998990000777"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(round(share * (len(ordered) - 1)), len(ordered) - 1)]


def create_row(client: Client, index: int) -> tuple[int, float]:
    started = time.perf_counter()
    with transaction.atomic():
        row = inbox_notification_create(
            client=client,
            title=f"bench {index}",
            description="latency",
            notification_type="bench",
            language="ru",
        )
    return row.pk, started


async def run(count: int, server_count: int) -> None:
    client, _ = await sync_to_async(Client.objects.get_or_create)(
        phone=BENCH_PHONE, defaults={"name": "Bench"}
    )
    await sync_to_async(Notification.objects.filter(client=client).delete)()
    token = token_pair_issue(actor=client).access_token
    env = {"DJANGO_SETTINGS_MODULE": os.environ["DJANGO_SETTINGS_MODULE"]}
    servers = _servers.start(server_count, env, Path(tempfile.mkdtemp()))
    try:
        sockets = [
            await connect(
                f"ws://127.0.0.1:{port}/api/v1/notifications/ws",
                additional_headers={"Authorization": f"Bearer {token}"},
            )
            for port, _ in servers
        ]
        latencies: list[list[float]] = [[] for _ in sockets]
        for index in range(count):
            pk, started = await sync_to_async(create_row)(client, index)
            for position, ws in enumerate(sockets):
                frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=30))
                assert frame["notification_id"] == pk, (frame, pk)
                latencies[position].append((time.perf_counter() - started) * 1000)
        for ws in sockets:
            await ws.close()
    finally:
        _servers.stop(servers)
        await sync_to_async(Notification.objects.filter(client=client).delete)()
    every = [value for values in latencies for value in values]
    print(f"{count} notifications x {len(sockets)} sockets on {server_count} processes")
    for name, values in [
        *((f"socket {i}", v) for i, v in enumerate(latencies)),
        ("all", every),
    ]:
        print(
            f"{name:>9}: p50 {statistics.median(values):6.2f} ms  "
            f"p90 {percentile(values, 0.90):6.2f} ms  "
            f"p99 {percentile(values, 0.99):6.2f} ms  max {max(values):6.2f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--servers", type=int, default=2)
    args = parser.parse_args()
    if not os.environ.get("REDIS_URL") or not os.environ.get("DATABASE_URL"):
        sys.exit(
            "set DATABASE_URL (PostgreSQL) and REDIS_URL: the processes share them"
        )
    call_command("migrate", verbosity=0)
    asyncio.run(run(min(args.count, 100_000), min(args.servers, 8)))


if __name__ == "__main__":
    main()
