"""Run tests/reliability on PostgreSQL + Redis and record the outcome.

    python -m bench.reliability

Uses DATABASE_URL / REDIS_URL / REDIS_CACHE_DB / REDIS_CHANNELS_DB from the
environment (defaults: the `sardoba_bench` database and the private Redis on
127.0.0.1:6393; the fault tests start their own redis-server besides).
Writes bench/results/reliability.md.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from bench.machine import machine_block

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def main() -> None:
    env = {
        **os.environ,
        "DATABASE_URL": os.environ.get(
            "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sardoba_bench"
        ),
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6393/0"),
        "REDIS_CACHE_DB": os.environ.get("REDIS_CACHE_DB", "4"),
        "REDIS_CHANNELS_DB": os.environ.get("REDIS_CHANNELS_DB", "5"),
    }
    cmd = [sys.executable, "-m", "pytest", "tests/reliability", "-q", "-rs"]
    out = subprocess.run(
        cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200
    ).stdout
    lines = [
        line
        for line in out.splitlines()
        if re.search(r"(passed|failed|schemathesis fuzz|SKIPPED|FAILED)", line)
    ]
    command = (
        f"DATABASE_URL={env['DATABASE_URL']} REDIS_URL={env['REDIS_URL']} "
        "pytest tests/reliability -q"
    )
    md = machine_block(command) + "\n```\n" + "\n".join(lines) + "\n```\n"
    (RESULTS / "reliability.md").write_text(md)
    print(md)


if __name__ == "__main__":
    main()
