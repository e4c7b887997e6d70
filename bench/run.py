"""The load benchmark: topologies x rising concurrency, mobile traffic mix.

    python -m bench.run [--users 8,16,32,64] [--duration 20]
                        [--topologies daphne,uvicorn-2,gunicorn-4+daphne]

Needs the seeded database (`python -m bench.seed`) and the private Redis on
127.0.0.1:6393 (`bench/run.sh` starts both). Starts the MyResto stand-in and
each topology itself, runs `bench.load` at each concurrency, samples the CPU
and memory of the server processes, of PostgreSQL's backends for the bench
database and of Redis, and writes bench/results/load.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil

from bench.load import Target, load_run
from bench.machine import machine_block
from bench.servers import MENU_PORT, REDIS_PORT, ResourceSampler, Server

RESULTS = Path(__file__).resolve().parent / "results"
HTTP_PORT, WS_PORT = 8711, 8712


NGINX_PORT = 8713
NGINX_DIR = Path("/tmp/bench-nginx")


class Nginx:
    """docker/nginx.conf on loopback, routing to the bench ports (one worker)."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None

    def start(self) -> Nginx:
        site = (RESULTS.parent.parent / "docker" / "nginx.conf").read_text()
        site = (
            site.replace("server web:8000;", f"server 127.0.0.1:{HTTP_PORT};")
            .replace("server ws:8001;", f"server 127.0.0.1:{WS_PORT};")
            .replace("listen 8000;", f"listen 127.0.0.1:{NGINX_PORT};")
        )
        NGINX_DIR.mkdir(exist_ok=True)
        (NGINX_DIR / "site.conf").write_text(site)
        (NGINX_DIR / "nginx.conf").write_text(
            "worker_processes 1;\n"
            f"pid {NGINX_DIR}/nginx.pid;\nerror_log {NGINX_DIR}/error.log warn;\n"
            "events { worker_connections 16384; }\n"
            "http { access_log off;\n"
            f"client_body_temp_path {NGINX_DIR}/body; proxy_temp_path {NGINX_DIR}/proxy;\n"
            f"include {NGINX_DIR}/site.conf; }}\n"
        )
        self.proc = subprocess.Popen(
            ["nginx", "-c", str(NGINX_DIR / "nginx.conf"), "-g", "daemon off;"],
            start_new_session=True,
        )
        time.sleep(1)
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def topology(name: str) -> tuple[list, Target]:
    """`daphne` | `uvicorn-N` | `gunicorn-N+daphne[+nginx]` | `granian-N+daphne`."""
    if name.endswith("+nginx"):
        servers, _ = topology(name.removesuffix("+nginx"))
        base = f"127.0.0.1:{NGINX_PORT}"
        return [*servers, Nginx()], Target(f"http://{base}", f"ws://{base}")
    if name in ("daphne", "daphne:pool"):
        s = Server(name, HTTP_PORT)
        return [s], Target(s.base, s.base.replace("http", "ws", 1))
    if name.startswith("uvicorn-"):
        n, _, pool = name.split("-")[1].partition(":")
        s = Server("uvicorn" + (":pool" if pool else ""), HTTP_PORT, workers=int(n))
        return [s], Target(s.base, s.base.replace("http", "ws", 1))
    if "+daphne" in name:  # "+daphne:pool": the socket server with the pool
        kind, n = name.split("+")[0].rsplit("-", 1)
        kind = {"granian": "granian-wsgi"}.get(kind, kind)
        http = Server(kind, HTTP_PORT, workers=int(n))
        ws = Server("daphne:pool" if "+daphne:pool" in name else "daphne", WS_PORT)
        return [http, ws], Target(http.base, ws.base.replace("http", "ws", 1))
    raise ValueError(name)


def redis_pid() -> int | None:
    for p in psutil.process_iter(["name", "cmdline"]):
        if p.info["name"] == "redis-server" and any(
            f":{REDIS_PORT}" in c for c in p.info["cmdline"] or []
        ):
            return p.pid
    return None


def run(topologies: list[str], users: list[int], duration: float) -> list[dict]:
    menu = subprocess.Popen(
        [sys.executable, "-m", "bench.menu_server", "--port", str(MENU_PORT)],
        start_new_session=True,
    )
    rows = []
    try:
        time.sleep(1)
        for name in topologies:
            servers, target = topology(name)
            try:
                for s in servers:
                    s.start()
                # Warm up: imports, connections, the caches of M12/M13.
                load_run(target, 4, 3)
                for n in users:
                    me = psutil.Process()
                    before = me.cpu_times()
                    pids = [s.proc.pid for s in servers]  # nginx included
                    with (
                        ResourceSampler(pids) as srv,
                        ResourceSampler([], cmdline_has="sardoba_benchrun") as pg,
                        ResourceSampler([redis_pid()] if redis_pid() else []) as rds,
                    ):
                        result = load_run(target, n, duration)
                    after = me.cpu_times()
                    client_cpu = (
                        (after.user - before.user + after.system - before.system)
                        / result["elapsed"]
                        * 100
                    )
                    row = {
                        "topology": name,
                        **result,
                        "server": srv.summary(),
                        "postgres": pg.summary(),
                        "redis": rds.summary(),
                        "client_cpu": client_cpu,
                    }
                    rows.append(row)
                    print(
                        f"{name} users={n}: {result['rps']:.0f} req/s, "
                        f"server CPU {row['server']['cpu_avg']:.0f}%",
                        flush=True,
                    )
            finally:
                for s in servers:
                    s.stop()
    finally:
        menu.terminate()
        menu.wait(timeout=5)
    return rows


def _all_p99(row: dict) -> float:
    return max(r["p99_ms"] for r in row["rows"] if not r["endpoint"].startswith("WS"))


def markdown(rows: list[dict], detail_users: int) -> str:
    out = [
        "#### Summary per topology and concurrency\n",
        "| topology | users (+staff) | req/s | worst endpoint p99 ms | errors | WS frames | "
        "server CPU % avg/max | server RSS MB | PostgreSQL CPU % | Redis CPU % | load client CPU % |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        errors = sum(x["errors"] for x in r["rows"])
        out.append(
            f"| {r['topology']} | {r['users']} (+{r['staff_users']}) | {r['rps']:.0f} | "
            f"{_all_p99(r):.0f} | {errors} | {r['frames']} | "
            f"{r['server']['cpu_avg']:.0f} / {r['server']['cpu_max']:.0f} | "
            f"{r['server']['rss_max_mb']:.0f} | {r['postgres']['cpu_avg']:.0f} | "
            f"{r['redis']['cpu_avg']:.0f} | {r['client_cpu']:.0f} |"
        )
    for r in rows:
        if r["users"] != detail_users:
            continue
        out += [
            "",
            f"#### {r['topology']}, {r['users']} users (+{r['staff_users']} staff), per endpoint\n",
            "| endpoint | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | errors |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for e in r["rows"]:
            errs = f"{e['errors']}" + (
                f" {e['error_statuses']}" if e["error_statuses"] else ""
            )
            out.append(
                f"| {e['endpoint']} | {e['requests']} | {e['rps']:.1f} | "
                f"{e['p50_ms']:.1f} | {e['p95_ms']:.1f} | {e['p99_ms']:.1f} | "
                f"{e['max_ms']:.0f} | {errs} |"
            )
    return "\n".join(out) + "\n"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--users", default="8,16,32,64")
    p.add_argument("--duration", type=float, default=20)
    p.add_argument("--topologies", default="daphne,uvicorn-2,gunicorn-4+daphne")
    p.add_argument("--detail-users", type=int, default=16)
    p.add_argument("--out", default="load")
    p.add_argument("--other-load", default="")
    a = p.parse_args()
    command = (
        f"python -m bench.run --users {a.users} --duration {a.duration:g} "
        f"--topologies {a.topologies} --out {a.out}"
    )
    counts = (
        json.loads((RESULTS / "dataset.json").read_text())
        if (RESULTS / "dataset.json").exists()
        else {}
    )
    dataset = (
        f"{counts.get('clients', '?')} clients, {counts.get('ledger_entries', '?')} ledger entries, "
        f"{counts.get('notifications', '?')} inbox rows, {counts.get('news', '?')} news, "
        "a 500-item MyResto menu in 4 stores (loopback stand-in), PostgreSQL `sardoba_benchrun`, "
        f"private Redis on 127.0.0.1:{REDIS_PORT}"
    )
    header = machine_block(command, dataset=dataset, other_load=a.other_load)
    rows = run(
        a.topologies.split(","), [int(u) for u in a.users.split(",")], a.duration
    )
    (RESULTS / f"{a.out}.json").write_text(json.dumps(rows, indent=1))
    md = header + "\n" + markdown(rows, a.detail_users)
    (RESULTS / f"{a.out}.md").write_text(md)
    print(md)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
