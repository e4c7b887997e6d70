"""WebSocket capacity: idle sockets per worker, memory per socket, broadcast latency.

    python -m bench.ws [--server daphne] [--max-sockets 10000] [--broadcast 1000,5000]
                       [--mode api|ring]

Starts one server process (production settings, private Redis channel layer),
opens real sockets from this process (`ulimit -n` raised here, inherited by the
server), in batches, and records the server's RSS as they accumulate. Then, with
1,000 and 5,000 sockets open, it sends a broadcast and times every socket's
frame from the moment the broadcast was sent:

* `api`: `POST /api/v1/notifications` with a manager token (staff-api §12.2:
  an inbox copy for every active client, pushed to the connected ones);
* `ring`: the inbox rows of the connected clients are bulk-created here and each
  client's group is rung through the channel layer, as the doorbell does.

Bounded: at most `--max-sockets` sockets, every wait has a timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import time
from pathlib import Path

import aiohttp
import psutil

from bench.load import percentile, tokens_load
from bench.machine import machine_block
from bench.servers import Server, bench_env

RESULTS = Path(__file__).resolve().parent / "results"
PORT = 8721


def raise_nofile() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else 65536
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return want


def tree_rss(pid: int) -> int:
    p = psutil.Process(pid)
    procs = [p, *p.children(recursive=True)]
    return sum(x.memory_info().rss for x in procs if x.is_running())


class Pool:
    """Open sockets, each read for as long as it is open, as the app reads it.

    aiohttp answers the server's pings only while something reads the socket,
    and daphne closes a socket whose pong is late (`--ping-interval` 20 s plus
    `--ping-timeout` 30 s): an unread idle socket is closed after about 50 s.
    Each socket's reader records the arrival time of every text frame in its
    queue, and None once the socket has closed.
    """

    def __init__(self, base: str, clients: list[dict]) -> None:
        self.base = base.replace("http", "ws", 1) + "/api/v1/notifications/ws"
        self.clients = clients
        self.sockets: list[tuple[dict, aiohttp.ClientWebSocketResponse]] = []
        self.frames: dict[int, asyncio.Queue] = {}
        self.readers: list[asyncio.Task] = []
        self.handshake: list[float] = []
        self.failed = 0

    async def open(self, count: int, parallel: int = 50) -> None:
        sem = asyncio.Semaphore(parallel)

        async def one(i: int) -> None:
            client = self.clients[i % len(self.clients)]
            async with sem:
                started = time.perf_counter()
                try:
                    ws = await self.session.ws_connect(
                        self.base,
                        headers={"Authorization": f"Bearer {client['access']}"},
                        heartbeat=None,
                        timeout=aiohttp.ClientWSTimeout(ws_close=2),
                    )
                except (TimeoutError, aiohttp.ClientError, OSError):
                    self.failed += 1
                    return
                self.handshake.append(time.perf_counter() - started)
                self.sockets.append((client, ws))
                queue: asyncio.Queue = asyncio.Queue()
                self.frames[id(ws)] = queue
                self.readers.append(asyncio.create_task(self._read(ws, queue)))

        start = len(self.sockets)
        await asyncio.gather(*(one(i) for i in range(start, start + count)))

    @staticmethod
    async def _read(ws, queue: asyncio.Queue) -> None:
        try:
            async for msg in ws:
                if msg.type == aiohttp.WSMsgType.TEXT:
                    queue.put_nowait(time.perf_counter())
        except aiohttp.ClientError:
            pass
        finally:
            queue.put_nowait(None)

    def still_open(self) -> int:
        return sum(not ws.closed for _, ws in self.sockets)

    async def drain(self, seconds: float) -> None:
        """Wait `seconds`, then drop the frames received so far (replays)."""
        await asyncio.sleep(seconds)
        for queue in self.frames.values():
            closed = False
            while not queue.empty():
                closed = queue.get_nowait() is None or closed
            if closed:
                queue.put_nowait(None)

    async def first_frame(self, ws, t0: float, timeout: float) -> float | None:
        queue = self.frames[id(ws)]
        try:
            arrived = await asyncio.wait_for(queue.get(), timeout)
        except TimeoutError:
            return None
        if arrived is None:
            queue.put_nowait(None)  # closed: stays closed
            return None
        return arrived - t0


def _ring(client_ids: list[int]) -> None:
    """Bulk-create one inbox row per connected client and ring each group."""
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    from notifications.doorbell import client_group
    from notifications.models import Notification

    rows = Notification.objects.bulk_create(
        Notification(
            client_id=cid,
            title="Bench",
            description="Broadcast benchmark",
            notification_type="broadcast",
            payload={},
            language="ru",
        )
        for cid in client_ids
    )
    layer = get_channel_layer()

    async def ring_all() -> None:
        await asyncio.gather(
            *(
                layer.group_send(
                    client_group(n.client_id),
                    {"type": "inbox.ring", "notification_id": n.pk},
                )
                for n in rows
            )
        )

    async_to_sync(ring_all)()


async def broadcast(
    pool: Pool, mode: str, manager: str, base: str, frame_timeout: float
) -> dict:
    still_open = pool.still_open()
    t0 = time.perf_counter()
    waiters = [
        asyncio.create_task(pool.first_frame(ws, t0, frame_timeout))
        for _, ws in pool.sockets
    ]
    status = None
    if mode == "api":
        async with pool.session.post(
            base + "/api/v1/notifications",
            json={"title": "Bench", "description": "Broadcast benchmark"},
            headers={"Authorization": f"Bearer {manager}"},
            timeout=aiohttp.ClientTimeout(total=120),
        ) as r:
            await r.read()
            status = r.status
    else:
        ids = sorted({c["id"] for c, _ in pool.sockets})
        await asyncio.to_thread(_ring, ids)
    api_seconds = time.perf_counter() - t0
    got = await asyncio.gather(*waiters)
    lat = sorted(x for x in got if x is not None)
    return {
        "sockets": len(pool.sockets),
        "still_open": still_open,
        "mode": mode,
        "api_status": status,
        "trigger_s": api_seconds,
        "delivered": len(lat),
        "p50_ms": percentile(lat, 50) * 1000,
        "p99_ms": percentile(lat, 99) * 1000,
        "max_ms": (lat[-1] * 1000) if lat else float("nan"),
        # The ring goes out as the trigger returns; before it, the broadcast is
        # being copied into every active client's inbox (50,000 here).
        "after_p50_ms": percentile([max(x - api_seconds, 0) for x in lat], 50) * 1000,
        "after_p99_ms": percentile([max(x - api_seconds, 0) for x in lat], 99) * 1000,
    }


async def main_async(a: argparse.Namespace, server: Server) -> dict:
    tokens = tokens_load()
    clients = tokens["clients"]
    out: dict = {"capacity": [], "broadcasts": []}
    pid = server.proc.pid
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        pool = Pool(server.base, clients)
        pool.session = session
        base_rss = tree_rss(pid)
        out["base_rss_mb"] = base_rss / 2**20
        targets = sorted({*[int(x) for x in a.broadcast.split(",") if x]})
        deadline = time.monotonic() + a.time_limit
        step = 500
        while len(pool.sockets) < a.max_sockets and time.monotonic() < deadline:
            before_failed = pool.failed
            count = min(step, a.max_sockets - len(pool.sockets))
            if targets and targets[0] > len(pool.sockets):
                count = min(count, targets[0] - len(pool.sockets))
            started = time.perf_counter()
            await pool.open(count)
            took = time.perf_counter() - started
            await asyncio.sleep(1)
            rss = tree_rss(pid)
            hs = sorted(pool.handshake[-count:])
            row = {
                "sockets": len(pool.sockets),
                "still_open": pool.still_open(),
                "failed_in_batch": pool.failed - before_failed,
                "rss_mb": rss / 2**20,
                "kb_per_socket": (rss - base_rss) / max(len(pool.sockets), 1) / 1024,
                "handshakes_per_s": count / took,
                "handshake_p50_ms": percentile(hs, 50) * 1000,
                "handshake_p99_ms": percentile(hs, 99) * 1000,
            }
            out["capacity"].append(row)
            print(json.dumps(row), flush=True)
            if row["failed_in_batch"] > count * 0.01:
                break
            if targets and len(pool.sockets) >= targets[0]:
                await pool.drain(1.0)
                result = await broadcast(
                    pool, a.mode, tokens["manager"], server.base, a.frame_timeout
                )
                out["broadcasts"].append(result)
                print(json.dumps(result), flush=True)
                targets.pop(0)
                await pool.drain(2.0)  # follow-up frames, if any
        await asyncio.gather(
            *(asyncio.wait_for(ws.close(), 5) for _, ws in pool.sockets),
            return_exceptions=True,
        )
        for reader in pool.readers:
            reader.cancel()
    return out


def markdown(out: dict, server_kind: str) -> str:
    lines = [
        f"#### Idle sockets held by one {server_kind} process\n",
        f"Server RSS before any socket: {out['base_rss_mb']:.0f} MB.\n",
        "| opened sockets | still open | failed in batch | server RSS MB | KB per socket | handshakes/s | handshake p50 ms | p99 ms |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in out["capacity"]:
        lines.append(
            f"| {r['sockets']} | {r.get('still_open', '')} | {r['failed_in_batch']} | {r['rss_mb']:.0f} | "
            f"{r['kb_per_socket']:.1f} | {r['handshakes_per_s']:.0f} | "
            f"{r['handshake_p50_ms']:.0f} | {r['handshake_p99_ms']:.0f} |"
        )
    lines += [
        "",
        "#### Broadcast delivery, end to end (time from sending the broadcast to each socket's frame)\n",
        "| opened sockets | still open | trigger | trigger returned after s | delivered | p50 ms | p99 ms | max ms | after the trigger returned: p50 ms | p99 ms |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for b in out["broadcasts"]:
        trig = (
            f"POST /notifications ({b['api_status']})"
            if b["mode"] == "api"
            else "inbox rows + doorbell ring"
        )
        lines.append(
            f"| {b['sockets']} | {b.get('still_open', '')} | {trig} | "
            f"{b['trigger_s']:.2f} | {b['delivered']} | "
            f"{b['p50_ms']:.0f} | {b['p99_ms']:.0f} | {b['max_ms']:.0f} | "
            f"{b.get('after_p50_ms', float('nan')):.0f} | "
            f"{b.get('after_p99_ms', float('nan')):.0f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--server", default="daphne")
    p.add_argument("--max-sockets", type=int, default=10000)
    p.add_argument("--broadcast", default="1000,5000")
    p.add_argument("--mode", choices=["api", "ring"], default="api")
    p.add_argument("--time-limit", type=float, default=300)
    p.add_argument("--frame-timeout", type=float, default=90)
    p.add_argument("--out", default="ws")
    p.add_argument("--other-load", default="")
    a = p.parse_args()
    nofile = raise_nofile()
    if a.mode == "ring":
        os.environ.update(bench_env())
        import django

        django.setup()
    command = (
        f"python -m bench.ws --server {a.server} --max-sockets {a.max_sockets} "
        f"--broadcast {a.broadcast} --mode {a.mode} --out {a.out}"
    )
    header = machine_block(
        command + f"  (ulimit -n raised to {nofile})", other_load=a.other_load
    )
    with Server(a.server, PORT) as server:
        out = asyncio.run(main_async(a, server))
    (RESULTS / f"{a.out}.json").write_text(json.dumps(out, indent=1))
    md = header + "\n" + markdown(out, a.server)
    (RESULTS / f"{a.out}.md").write_text(md)
    print(md)


if __name__ == "__main__":
    main()
