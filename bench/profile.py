"""Profile hot endpoints in-process with pyinstrument.

    python -m bench.profile [--requests 300] [--endpoints "M3 auth/me,M8 cashback/user"]

Drives the WSGI handler (production settings, the bench database and Redis)
with `django.test.Client` for each endpoint, counts its SQL queries, and
writes pyinstrument's call tree to bench/results/profile-<endpoint>.txt plus a
summary table to bench/results/profile.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
from pathlib import Path

from bench.compare import endpoints
from bench.load import tokens_load
from bench.machine import machine_block
from bench.servers import MENU_PORT, bench_env

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--requests", type=int, default=300)
    p.add_argument(
        "--endpoints",
        default="M3 auth/me,M8 cashback/user,M9 notifications?limit=1,M12 news,M13 catalog/live",
    )
    p.add_argument("--out", default="profile")
    a = p.parse_args()
    os.environ.update(bench_env())
    import subprocess
    import sys

    menu = subprocess.Popen(
        [sys.executable, "-m", "bench.menu_server", "--port", str(MENU_PORT)]
    )
    try:
        time.sleep(1)
        rows = run(a)
    finally:
        menu.terminate()
    command = f'python -m bench.profile --requests {a.requests} --endpoints "{a.endpoints}" --out {a.out}'
    md = machine_block(command) + "\n" + markdown(rows)
    (RESULTS / f"{a.out}.md").write_text(md)
    print(md)


def run(a: argparse.Namespace) -> list[dict]:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from pyinstrument import Profiler

    table = endpoints(tokens_load())
    client = Client(HTTP_HOST="127.0.0.1")
    rows = []
    for name in a.endpoints.split(","):
        path, token = table[name]
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        for _ in range(20):  # warm up
            client.get(path, **headers)
        with CaptureQueriesContext(connection) as ctx:
            status = client.get(path, **headers).status_code
        queries = len(ctx.captured_queries)
        profiler = Profiler(interval=0.0005)
        started = time.perf_counter()
        profiler.start()
        for _ in range(a.requests):
            client.get(path, **headers)
        profiler.stop()
        per_request_ms = (time.perf_counter() - started) / a.requests * 1000
        text = profiler.output_text(unicode=False, color=False, show_all=False)
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        (RESULTS / f"{a.out}-{slug}.txt").write_text(text)
        rows.append(
            {
                "endpoint": name,
                "status": status,
                "queries": queries,
                "ms_per_request_profiled": per_request_ms,
                "file": f"bench/results/{a.out}-{slug}.txt",
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    return rows


def markdown(rows: list[dict]) -> str:
    lines = [
        "| endpoint | status | SQL queries | ms per request (in-process, profiler on) | call tree |",
        "|---|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['endpoint']} | {r['status']} | {r['queries']} | "
            f"{r['ms_per_request_profiled']:.2f} | `{r['file']}` |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
