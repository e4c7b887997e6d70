"""Requests per second of GET /api/v1/catalog/live, cached vs uncached.

Loopback only and bounded: starts a fake MyResto on 127.0.0.1 (a realistic menu
of 12 categories x 15 items for each instance plus stop lists), starts daphne on
127.0.0.1 against it, and hammers /catalog/live with a few threads for a few
seconds, twice:

* cached:   the default TTLs (menu:live 30 s): requests are served from the cache;
* uncached: every TTL 0, so each request fetches 2 menus and 4 stop lists
            concurrently from the fake upstream and merges them.

Run from the repository root:

    .venv/bin/python bench/catalog_live.py --seconds 10 --threads 8

REDIS_URL (with REDIS_CACHE_DB) in the environment makes daphne use Redis as the
cache. Nothing here is a test; figures go to docs/PERFORMANCE.md by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
STORES = (139235, 139350, 139458)
GIJDUVON = 157757


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _menu(stores: tuple[int, ...], prefix: str) -> dict:
    categories = []
    for c in range(12):
        items = []
        for i in range(15):
            item_id = f"{prefix}{c:02d}{i:02d}"
            items.append(
                {
                    "itemId": item_id,
                    "name": f"Taom {c}-{i}",
                    "isHidden": i == 14,
                    "buttonImage": {
                        "small": f"https://cdn.example.uz/{item_id}-s.jpg",
                        "big": f"https://cdn.example.uz/{item_id}.jpg",
                    },
                    "itemSizes": [
                        {
                            "isDefault": True,
                            "prices": [
                                {"storeId": s, "price": 20000 + 1000 * i}
                                for s in stores
                            ],
                        }
                    ],
                }
            )
        categories.append(
            {
                "id": f"{prefix}{c}",
                "name": f"Bo'lim {c}",
                "slug": f"cat-{c}",
                "items": items,
            }
        )
    return {"success": True, "result": {"itemCategories": categories}}


def _fake_myresto() -> tuple[ThreadingHTTPServer, str]:
    bodies = {
        "/main/menu": json.dumps(_menu(STORES, "1")).encode(),
        "/gij/menu": json.dumps(_menu((GIJDUVON,), "1")).encode(),
    }
    stop = json.dumps({"success": True, "result": {"10101": 0, "10202": 5}}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = bodies.get(self.path, stop if "/stop/" in self.path else None)
            if body is None:
                self.send_response(404)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", _free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def _prefix(ttl: int | None) -> str:
    return f"bench-{os.getpid()}-{'uncached' if ttl == 0 else 'cached'}"


def _redis_cleanup() -> None:
    """Delete the keys this run wrote to a shared Redis (only its own prefix)."""
    url = os.environ.get("REDIS_URL")
    if not url:
        return
    import redis

    db = int(os.environ.get("REDIS_CACHE_DB", "0"))
    host = url.split("://", 1)[1].split("/", 1)[0].split("?", 1)[0]
    client = redis.Redis.from_url(f"{url.split('://', 1)[0]}://{host}/{db}")
    for key in client.scan_iter(f"bench-{os.getpid()}-*"):
        client.delete(key)


def _start_daphne(
    upstream: str, port: int, ttl: int | None, tmp_db: Path
) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sardoba.settings.local",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": f"sqlite:///{tmp_db}",
        "MENU_API_URL": f"{upstream}/main/menu",
        "MENU_GIJDUVON_API_URL": f"{upstream}/gij/menu",
        "STOP_LIST_API_URL": f"{upstream}/stop",
        "STOP_LIST_GIJDUVON_API_URL": f"{upstream}/stop",
        "LOG_LEVEL": "WARNING",
        # A fresh key prefix per run: a shared Redis must not serve one run's
        # cached menu to the next.
        "CACHE_KEY_PREFIX": _prefix(ttl),
    }
    if ttl is not None:
        env.update(
            MENU_CACHE_TTL=str(ttl),
            STOPLIST_CACHE_TTL=str(ttl),
            MENU_RESPONSE_CACHE_TTL=str(ttl),
        )
    daphne = Path(sys.executable).parent / "daphne"
    process = subprocess.Popen(
        [str(daphne), "-b", "127.0.0.1", "-p", str(port), "sardoba.asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/api/v1/catalog/live"
    for _ in range(200):
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return process
        except requests.RequestException:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("daphne did not start")


def _load(url: str, seconds: float, threads: int) -> dict:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker():
        session = requests.Session()
        mine = []
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                response = session.get(url, timeout=15)
                ok = response.status_code == 200 and response.json()["success"] is True
            except requests.RequestException:
                ok = False
            if ok:
                mine.append(time.perf_counter() - started)
            else:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors[0],
        "rps": round(len(latencies) / seconds, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 1)
        if latencies
        else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    seconds = min(max(args.seconds, 1), 60)
    threads = min(max(args.threads, 1), 32)
    server, upstream = _fake_myresto()
    tmp_db = ROOT / "bench" / ".bench.sqlite3"
    results = {}
    try:
        for label, ttl in (("cached", None), ("uncached", 0)):
            port = _free_port()
            process = _start_daphne(upstream, port, ttl, tmp_db)
            try:
                url = f"http://127.0.0.1:{port}/api/v1/catalog/live"
                _load(url, 1, threads)  # warm-up
                results[label] = _load(url, seconds, threads)
            finally:
                process.terminate()
                process.wait(timeout=10)
    finally:
        server.shutdown()
        tmp_db.unlink(missing_ok=True)
        _redis_cleanup()
    cache = "redis" if os.environ.get("REDIS_URL") else "local memory"
    print(
        f"GET /api/v1/catalog/live, one daphne process, cache: {cache}, {threads} threads x {seconds:g} s"
    )
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    for label, r in results.items():
        print(
            f"{label:9s} {r['rps']:8.1f} req/s  p50 {r['p50_ms']} ms  p95 {r['p95_ms']} ms  ok {r['requests']}  errors {r['errors']}"
        )


if __name__ == "__main__":
    main()
