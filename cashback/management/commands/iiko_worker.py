"""`manage.py iiko_worker`: deliver iiko jobs (`domain-rules.md` §13.3).

Claims due jobs (several workers may run side by side), runs each outside any
transaction, and stops gracefully on SIGTERM/SIGINT after the job in hand.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from cashback.iiko import iiko_is_configured
from cashback.services.iiko_jobs import iiko_job_requeue, iiko_job_run, iiko_jobs_claim

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run the iiko job worker (use --once for a single cron-style pass)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="one pass, then exit")
        parser.add_argument("--batch", type=int, default=10, help="jobs per claim")
        parser.add_argument(
            "--sleep", type=float, default=2.0, help="seconds to wait when idle"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stopping = threading.Event()
        self._install_signal_handlers()
        worker_id = f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        batch = max(int(options["batch"]), 1)
        pause = max(float(options["sleep"]), 0.0)
        self.stdout.write(f"iiko worker {worker_id} started")
        while not self.stopping.is_set():
            if options["once"]:
                self._pass(worker_id=worker_id, batch=batch)
                break
            try:
                done = self._pass(worker_id=worker_id, batch=batch)
            except Exception:  # a database hiccup must not end the worker
                logger.exception("iiko worker pass failed; retrying after a pause")
                done = 0
            close_old_connections()  # a long-lived process: drop broken or aged ones
            if done == 0:
                self.stopping.wait(pause)
        self.stdout.write(f"iiko worker {worker_id} stopped")

    def _pass(self, *, worker_id: str, batch: int) -> int:
        """Claim and run one batch; return how many jobs ran."""
        if not iiko_is_configured():
            if not getattr(self, "_said_disabled", False):
                self.stdout.write(
                    "iiko integration is not configured; jobs stay pending"
                )
                self._said_disabled = True
            return 0
        jobs = iiko_jobs_claim(worker_id=worker_id, limit=batch)
        ran = 0
        for job in jobs:
            if self.stopping.is_set():
                iiko_job_requeue(job=job, worker_id=worker_id, error=None)
                continue
            run = iiko_job_run(job=job, worker_id=worker_id)
            ran += 1
            self.stdout.write(f"job #{job.pk} {job.operation}: {run.status}")
        return ran

    def _install_signal_handlers(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return

        def stop(signum: int, frame: object) -> None:
            logger.info(
                "iiko worker: signal %s, stopping after the current job", signum
            )
            self.stopping.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
