"""Start and stop daphne processes on loopback for the benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(
    count: int, env: dict[str, str], log_dir: Path
) -> list[tuple[int, subprocess.Popen]]:
    servers = []
    for index in range(count):
        port = free_port()
        log = (log_dir / f"daphne-{index}.log").open("ab")
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "sardoba.asgi:application",
            ],
            cwd=REPO,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        servers.append((port, process))
    for port, process in servers:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"daphne on {port} exited; see {log_dir}")
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/api/v1/health/live", timeout=2
                ):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
    return servers


def stop(servers: list[tuple[int, subprocess.Popen]]) -> None:
    for _, process in servers:
        process.terminate()
    for _, process in servers:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
