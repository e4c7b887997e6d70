"""Asyncio load client replaying the mobile app's traffic (mobile-api.md §11).

Each virtual user is one signed-in client of the seeded dataset:

* app start: M3 `/auth/me`, M11 `register-token`, WebSocket connect (kept open);
* then, until the time is up, home (M9 `limit=1`, M12 `/news`, M3, M13
  `/catalog/live`) and points (M3, M8 `/cashback/user/{id}`), back to back;
* every WebSocket frame received triggers M8, as the app does.

Beside them, one staff user per 16 clients credits the connected clients
(`POST /cashback/add`, a manager token), which rings their sockets.

Every loop is bounded by `duration` and by `max_requests`; only 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

RESULTS = Path(__file__).resolve().parent / "results"


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    k = max(math.ceil(p / 100 * len(sorted_values)) - 1, 0)
    return sorted_values[k]


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    statuses: dict[str, dict[int, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    frames: int = 0
    requests: int = 0

    def record(self, name: str, seconds: float, status: int, ok: bool) -> None:
        self.requests += 1
        self.latencies[name].append(seconds)
        if not ok:
            self.errors[name] += 1
            self.statuses[name][status] += 1

    def rows(self, elapsed: float) -> list[dict]:
        out = []
        for name in sorted(self.latencies):
            lat = sorted(self.latencies[name])
            out.append(
                {
                    "endpoint": name,
                    "requests": len(lat),
                    "rps": len(lat) / elapsed,
                    "p50_ms": percentile(lat, 50) * 1000,
                    "p95_ms": percentile(lat, 95) * 1000,
                    "p99_ms": percentile(lat, 99) * 1000,
                    "max_ms": lat[-1] * 1000,
                    "errors": self.errors.get(name, 0),
                    "error_statuses": dict(self.statuses.get(name, {})),
                }
            )
        return out


@dataclass
class Target:
    http: str  # e.g. http://127.0.0.1:8000 (the REST API)
    ws: str  # e.g. ws://127.0.0.1:8001 (the WebSocket server; may equal http)


class Run:
    def __init__(
        self,
        target: Target,
        tokens: dict,
        users: int,
        duration: float,
        max_requests: int,
        menu: bool = True,
    ) -> None:
        self.t = target
        self.clients = tokens["clients"]
        self.manager = tokens["manager"]
        self.users = users
        self.duration = duration
        self.max_requests = max_requests
        self.menu = menu
        self.stats = Stats()
        self.connected: list[int] = []
        self.deadline = 0.0

    def _more(self) -> bool:
        return (
            time.monotonic() < self.deadline and self.stats.requests < self.max_requests
        )

    async def _call(
        self,
        session: aiohttp.ClientSession,
        name: str,
        method: str,
        path: str,
        token: str | None = None,
        body: dict | None = None,
    ) -> int:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        started = time.perf_counter()
        status = 0
        try:
            async with session.request(
                method, self.t.http + "/api/v1" + path, json=body, headers=headers
            ) as resp:
                await resp.read()
                status = resp.status
        except (TimeoutError, aiohttp.ClientError):
            status = 0
        self.stats.record(
            name, time.perf_counter() - started, status, 200 <= status < 300
        )
        return status

    async def _socket(
        self, session: aiohttp.ClientSession, client: dict, token: str
    ) -> aiohttp.ClientWebSocketResponse | None:
        started = time.perf_counter()
        try:
            ws = await session.ws_connect(
                self.t.ws + "/api/v1/notifications/ws",
                headers={"Authorization": f"Bearer {token}"},
                heartbeat=None,
                timeout=aiohttp.ClientWSTimeout(ws_close=2),
            )
        except (TimeoutError, aiohttp.ClientError):
            self.stats.record("WS connect", time.perf_counter() - started, 0, False)
            return None
        self.stats.record("WS connect", time.perf_counter() - started, 101, True)
        await ws.send_str(
            json.dumps({"type": "auth", "token": "Bearer x", "language": "uz"})
        )
        return ws

    async def _frames(self, session, ws, client: dict) -> None:
        """Each frame received -> M8, as the app refreshes the balance."""
        try:
            async for msg in ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    break
                self.stats.frames += 1
                if self._more():
                    await self._call(
                        session,
                        "M8 /cashback/user/{id}",
                        "GET",
                        f"/cashback/user/{client['id']}",
                        client["access"],
                    )
        except (aiohttp.ClientError, asyncio.CancelledError):
            return

    async def client_user(self, session: aiohttp.ClientSession, index: int) -> None:
        client = self.clients[index % len(self.clients)]
        token = client["access"]
        await self._call(session, "M3 /auth/me", "GET", "/auth/me", token)
        await self._call(
            session,
            "M11 register-token",
            "POST",
            "/notifications/register-token",
            token,
            {
                "deviceType": "android",
                "deviceToken": None,
                "language": "uz",
                "usesWebSocket": True,
            },
        )
        ws = await self._socket(session, client, token)
        reader = None
        if ws is not None:
            self.connected.append(client["id"])
            reader = asyncio.create_task(self._frames(session, ws, client))
        while self._more():
            # Home tab.
            await self._call(
                session,
                "M9 notifications?limit=1",
                "GET",
                "/notifications/clients?limit=1",
                token,
            )
            await self._call(session, "M12 /news", "GET", "/news")
            await self._call(session, "M3 /auth/me", "GET", "/auth/me", token)
            if self.menu:
                await self._call(session, "M13 /catalog/live", "GET", "/catalog/live")
            # Points screen.
            await self._call(session, "M3 /auth/me", "GET", "/auth/me", token)
            await self._call(
                session,
                "M8 /cashback/user/{id}",
                "GET",
                f"/cashback/user/{client['id']}",
                token,
            )
        if ws is not None:
            await ws.close()
        if reader is not None:
            reader.cancel()

    async def staff_user(self, session: aiohttp.ClientSession, index: int) -> None:
        rng = random.Random(index)
        while self._more():
            if not self.connected:
                await asyncio.sleep(0.05)
                continue
            await self._call(
                session,
                "staff POST /cashback/add",
                "POST",
                "/cashback/add",
                self.manager,
                {
                    "user_id": rng.choice(self.connected),
                    "amount": 15000,
                    "source": "MANUAL",
                    "branch_id": 139235,
                },
            )

    async def run(self) -> dict:
        timeout = aiohttp.ClientTimeout(total=30)
        connector = aiohttp.TCPConnector(limit=0, force_close=False)
        staff = max(1, self.users // 16)
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as s:
            self.deadline = time.monotonic() + self.duration
            started = time.perf_counter()
            tasks = [self.client_user(s, i) for i in range(self.users)]
            tasks += [self.staff_user(s, i) for i in range(staff)]
            await asyncio.wait_for(asyncio.gather(*tasks), self.duration + 60)
            elapsed = time.perf_counter() - started
        return {
            "users": self.users,
            "staff_users": staff,
            "elapsed": elapsed,
            "requests": self.stats.requests,
            "rps": self.stats.requests / elapsed,
            "frames": self.stats.frames,
            "rows": self.stats.rows(elapsed),
        }


def tokens_load() -> dict:
    return json.loads((RESULTS / "tokens.json").read_text())


def load_run(
    target: Target,
    users: int,
    duration: float,
    max_requests: int = 200_000,
    menu: bool = True,
) -> dict:
    return asyncio.run(
        Run(target, tokens_load(), users, duration, max_requests, menu).run()
    )


if __name__ == "__main__":
    import argparse

    p = argparse.ArgumentParser(description="one load run against a running server")
    p.add_argument("--http", default="http://127.0.0.1:8000")
    p.add_argument("--ws", default="")
    p.add_argument("--users", type=int, default=16)
    p.add_argument("--duration", type=float, default=10)
    p.add_argument("--no-menu", action="store_true")
    a = p.parse_args()
    ws = a.ws or a.http.replace("http", "ws", 1)
    print(
        json.dumps(
            load_run(Target(a.http, ws), a.users, a.duration, menu=not a.no_menu),
            indent=1,
        )
    )
