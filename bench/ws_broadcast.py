"""Broadcast delivery to many connected sockets across server processes.

Creates `--sockets` bench clients (phones +99878xxxxxxx), connects one socket per
client, spread over N daphne processes on 127.0.0.1, then calls
`broadcast_create` (which also fans out to every other active client in the
database) and measures, from the call, when each socket got its copy: the time
to the first, median, p99 and last frame.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sardoba_notifications \\
    REDIS_URL=redis://127.0.0.1:6379/0 REDIS_CACHE_DB=12 REDIS_CHANNELS_DB=13 \\
    .venv/bin/python bench/ws_broadcast.py --sockets 500 --servers 2

Loopback only, bounded by --sockets (at most 2,000); the broadcast is deleted after.
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
from websockets.asyncio.client import connect  # noqa: E402

from accounts.models import Client  # noqa: E402
from accounts.tokens import token_pair_issue  # noqa: E402
from notifications.models import Broadcast, Notification  # noqa: E402
from notifications.services import broadcast_create, broadcast_delete  # noqa: E402

PREFIX = "+99878"


def bench_clients(count: int) -> list[Client]:
    existing = Client.objects.filter(phone__startswith=PREFIX).count()
    Client.objects.bulk_create(
        Client(phone=f"{PREFIX}{n:07d}", name="Bench") for n in range(existing, count)
    )
    clients = list(Client.objects.filter(phone__startswith=PREFIX).order_by("pk"))
    Notification.objects.filter(client__in=clients, is_sent=False).update(is_sent=True)
    return clients[:count]


async def run(sockets_wanted: int, server_count: int) -> None:
    clients = await sync_to_async(bench_clients)(sockets_wanted)
    env = {"DJANGO_SETTINGS_MODULE": os.environ["DJANGO_SETTINGS_MODULE"]}
    servers = _servers.start(server_count, env, Path(tempfile.mkdtemp()))
    sockets = []
    try:
        for index, client in enumerate(clients):
            port = servers[index % len(servers)][0]
            token = token_pair_issue(actor=client).access_token
            sockets.append(
                await connect(
                    f"ws://127.0.0.1:{port}/api/v1/notifications/ws",
                    additional_headers={"Authorization": f"Bearer {token}"},
                    open_timeout=60,
                )
            )
        await asyncio.sleep(1)
        arrivals: list[float] = []

        async def wait(ws) -> None:
            frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=120))
            assert frame["type"] == "broadcast"
            arrivals.append(time.perf_counter())

        waiters = [asyncio.create_task(wait(ws)) for ws in sockets]
        started = time.perf_counter()
        broadcast = await sync_to_async(broadcast_create)(
            staff=None, title="Bench broadcast", description="delivery"
        )
        returned = time.perf_counter() - started
        await asyncio.gather(*waiters)
        delays = sorted((moment - started) * 1000 for moment in arrivals)
        print(
            f"{len(sockets)} sockets on {server_count} processes; broadcast to "
            f"{broadcast.recipients_count} active clients; service returned after "
            f"{returned * 1000:.0f} ms"
        )
        print(
            f"frames after the call: first {delays[0]:.0f} ms, median "
            f"{statistics.median(delays):.0f} ms, p99 "
            f"{delays[min(round(0.99 * (len(delays) - 1)), len(delays) - 1)]:.0f} ms, "
            f"last {delays[-1]:.0f} ms"
        )
        await sync_to_async(broadcast_delete)(staff=None, broadcast=broadcast)
    finally:
        for ws in sockets:
            await ws.close()
        _servers.stop(servers)
        await sync_to_async(Broadcast.objects.filter(title="Bench broadcast").delete)()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=500)
    parser.add_argument("--servers", type=int, default=2)
    args = parser.parse_args()
    if not os.environ.get("REDIS_URL") or not os.environ.get("DATABASE_URL"):
        sys.exit(
            "set DATABASE_URL (PostgreSQL) and REDIS_URL: the processes share them"
        )
    call_command("migrate", verbosity=0)
    asyncio.run(run(min(args.sockets, 2000), min(args.servers, 8)))


if __name__ == "__main__":
    main()
