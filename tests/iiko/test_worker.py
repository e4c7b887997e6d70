"""The worker process: graceful SIGTERM, and jobs it claimed but did not start."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connection

from cashback.management.commands.iiko_worker import Command
from cashback.models import IikoJob
from cashback.services import iiko_job_enqueue
from tests.iiko.conftest import make_client

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_claimed_jobs_go_back_when_stopping(iiko):
    # given: SIGTERM arrived before the batch started
    for n in range(3):
        iiko_job_enqueue(
            client=make_client(phone=f"+99890400000{n}"), operation="sync_user"
        )
    command = Command()
    command.stopping = threading.Event()
    command.stopping.set()
    # when
    ran = command._pass(worker_id="w1", batch=5)
    # then
    assert ran == 0
    assert set(IikoJob.objects.values_list("status", "attempts")) == {("pending", 0)}
    assert iiko.log == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sigterm_stops_the_worker_cleanly():
    # given: a worker process on the test database
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sardoba.settings.test",
        "DATABASE_URL": os.environ["DATABASE_URL"].rsplit("/", 1)[0]
        + "/"
        + connection.settings_dict["NAME"],
        "PYTHONUNBUFFERED": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "manage.py", "iiko_worker", "--sleep", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert "started" in process.stdout.readline()
        # when
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    # then
    assert process.returncode == 0
    assert "stopped" in out
