"""Start and stop the servers the benchmarks measure, on 127.0.0.1 only.

Every server runs the production settings (`bench.settings`) against the
benchmark's own PostgreSQL database and private Redis; nothing leaves loopback.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent

PG_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sardoba_benchrun"
)
REDIS_PORT = int(os.environ.get("BENCH_REDIS_PORT", "6393"))
MENU_PORT = int(os.environ.get("BENCH_MENU_PORT", "8790"))


def bench_env(*, conn_max_age: int = 60, **extra: str) -> dict[str, str]:
    """Environment of a server under benchmark: production settings, loopback only."""
    sep = "&" if "?" in PG_URL else "?"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DJANGO_SECRET_KEY": "bench-secret-key-not-for-production-0123456789abcdef",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": f"{PG_URL}{sep}conn_max_age={conn_max_age}",
        "REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
        "REDIS_CACHE_DB": "0",
        "REDIS_CHANNELS_DB": "1",
        "JWT_SECRET_KEY": "bench-access-key-0123456789abcdef",
        "JWT_REFRESH_SECRET_KEY": "bench-refresh-key-0123456789abcdef",
        # Credentials production insists on; their hosts are dead loopback ports.
        "ESKIZ_LOGIN": "bench",
        "ESKIZ_PASSWORD": "bench",
        "ESKIZ_API_URL": "http://127.0.0.1:9/api",
        "IIKO_API_LOGIN": "bench",
        "IIKO_ORGANIZATION_ID": "bench",
        "IIKO_API_BASE_URL": "http://127.0.0.1:9",
        "MENU_API_URL": f"http://127.0.0.1:{MENU_PORT}/menu",
        "MENU_GIJDUVON_API_URL": f"http://127.0.0.1:{MENU_PORT}/menu-gijduvon",
        "STOP_LIST_API_URL": f"http://127.0.0.1:{MENU_PORT}/stoplist",
        "STOP_LIST_GIJDUVON_API_URL": f"http://127.0.0.1:{MENU_PORT}/stoplist",
        "LOG_LEVEL": "WARNING",
        "ACCESS_TOKEN_EXPIRE_MINUTES": "720",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("OTP_STATIC_CODE", None)
    env.pop("SMS_DRY_RUN", None)
    env.update(extra)
    return env


WSGI_KINDS = {"gunicorn", "granian-wsgi"}
ASGI_APP = "sardoba.asgi:application"
WSGI_APP = "sardoba.wsgi:application"


def server_command(kind: str, port: int, workers: int = 1) -> list[str]:
    """The command line of one server kind (`workers` processes)."""
    host = "127.0.0.1"
    b = str(VENV_BIN)
    if kind == "daphne":
        return [f"{b}/daphne", "-b", host, "-p", str(port), ASGI_APP]
    if kind == "uvicorn":
        return [
            f"{b}/uvicorn",
            ASGI_APP,
            "--host",
            host,
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-access-log",
            "--lifespan",
            "off",
            "--log-level",
            "warning",
        ]
    if kind == "gunicorn":
        return [
            f"{b}/gunicorn",
            WSGI_APP,
            "-b",
            f"{host}:{port}",
            "-w",
            str(workers),
            "--log-level",
            "warning",
        ]
    if kind == "gunicorn-uvicorn":
        return [
            f"{b}/gunicorn",
            ASGI_APP,
            "-b",
            f"{host}:{port}",
            "-w",
            str(workers),
            "-k",
            "uvicorn.workers.UvicornWorker",
            "--log-level",
            "warning",
        ]
    if kind in ("granian-asgi", "granian-wsgi"):
        iface = kind.split("-")[1]
        return [
            f"{b}/granian",
            "--interface",
            iface,
            "--host",
            host,
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-ws",
            ASGI_APP if iface == "asgi" else WSGI_APP,
        ]
    if kind == "bare-asgi":
        return [
            f"{b}/uvicorn",
            "bench.bare_asgi:application",
            "--host",
            host,
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
        ]
    raise ValueError(f"unknown server kind {kind!r}")


@dataclass
class Server:
    kind: str
    port: int
    workers: int = 1
    env: dict[str, str] | None = None
    proc: subprocess.Popen | None = None
    log: Path | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __post_init__(self) -> None:
        pool = self.kind.endswith(":pool")  # e.g. "daphne:pool"
        persistent = self.kind.endswith(":persistent")  # conn_max_age=60 anyway
        fresh = self.kind.endswith(":fresh")  # conn_max_age=0 even for WSGI
        self.kind = self.kind.split(":")[0]
        if self.env is None and fresh:
            self.env = bench_env(conn_max_age=0)
        if self.env is None and pool:
            self.env = bench_env(conn_max_age=0, BENCH_DB_POOL="1")
        if self.env is None and persistent:
            self.env = bench_env(conn_max_age=60)
        if self.env is None:
            # Persistent connections for the sync WSGI workers (one thread each);
            # none under ASGI, where every request runs in a new thread and a
            # kept connection would be leaked with it.
            self.env = bench_env(conn_max_age=60 if self.kind in WSGI_KINDS else 0)

    def start(self, timeout: float = 40) -> Server:
        self.log = ROOT / "bench" / "results" / f"server-{self.kind}-{self.port}.log"
        self.label = self.kind + (":pool" if self.env.get("BENCH_DB_POOL") else "")
        if (
            "conn_max_age=60" in self.env["DATABASE_URL"]
            and self.kind not in WSGI_KINDS
        ):
            self.label += ":persistent"
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                server_command(self.kind, self.port, self.workers),
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        path = "/" if self.kind == "bare-asgi" else "/api/v1/health/live"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.kind} exited; see {self.log}")
            try:
                with urllib.request.urlopen(self.base + path, timeout=2) as r:
                    if r.status == 200:
                        time.sleep(0.5 if self.workers == 1 else 2)  # all workers up
                        return self
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"{self.kind} did not answer within {timeout}s")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class ResourceSampler:
    """CPU (% of one core, summed) and RSS of a process tree, sampled in a thread."""

    def __init__(
        self, pids: list[int], interval: float = 0.5, cmdline_has: str = ""
    ) -> None:
        import threading

        import psutil

        self._psutil = psutil
        self.roots = [psutil.Process(p) for p in pids]
        self.interval = interval
        self.cpu: list[float] = []
        self.rss: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._procs: dict[int, object] = {}
        self.cmdline_has = cmdline_has  # e.g. PostgreSQL backends of one database

    def _tree(self) -> list:
        out = []
        if self.cmdline_has:
            for p in self._psutil.process_iter(["cmdline"]):
                if any(self.cmdline_has in part for part in p.info["cmdline"] or []):
                    out.append(p)
        for root in self.roots:
            try:
                out.append(root)
                out.extend(root.children(recursive=True))
            except self._psutil.Error:
                continue
        return out

    def _run(self) -> None:
        for p in self._tree():
            self._procs[p.pid] = p
            with contextlib.suppress(self._psutil.Error):
                p.cpu_percent(None)
        while not self._stop.wait(self.interval):
            cpu, rss = 0.0, 0
            for p in self._tree():
                proc = self._procs.setdefault(p.pid, p)
                try:
                    cpu += proc.cpu_percent(None)
                    rss += proc.memory_info().rss
                except self._psutil.Error:
                    continue
            self.cpu.append(cpu)
            self.rss.append(rss)

    def __enter__(self) -> ResourceSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def summary(self) -> dict[str, float]:
        cpu = self.cpu[1:] or self.cpu or [0.0]
        return {
            "cpu_avg": sum(cpu) / len(cpu),
            "cpu_max": max(cpu),
            "rss_max_mb": (max(self.rss) if self.rss else 0) / 2**20,
        }
