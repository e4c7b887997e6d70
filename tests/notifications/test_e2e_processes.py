"""Scale-out end to end: two real ASGI server processes, one PostgreSQL, one Redis.

Sockets on process A receive rows created by HTTP requests to process B, every
row once per socket, across a client reconnecting mid-stream and a server
process killed and restarted (the inbox replays what the dead socket missed).
Timeouts are generous waits, never assertions about durations.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from accounts.models import StaffRole
from accounts.services.staff import staff_create
from notifications.models import Notification
from tests.notifications.factories import access_token, make_client

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

REPO = Path(__file__).resolve().parents[2]
WAIT = 30.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url() -> str:
    db = settings.DATABASES["default"]
    auth = db.get("USER") or "postgres"
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    return (
        f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}"
        f"/{db['NAME']}"
    )


class Server:
    """One daphne process on a loopback port, restartable on the same port."""

    def __init__(self, name: str, log_dir: Path) -> None:
        self.name = name
        self.port = _free_port()
        self.log = log_dir / f"daphne-{name}.log"
        self.process: subprocess.Popen | None = None

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/api/v1/notifications/ws"

    def start(self) -> None:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "sardoba.settings.test",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": os.environ["REDIS_URL"],
        }
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "daphne",
                    "-b",
                    "127.0.0.1",
                    "-p",
                    str(self.port),
                    "sardoba.asgi:application",
                ],
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited: {self.log.read_text()[-2000:]}"
                )
            try:
                if (
                    requests.get(f"{self.http}/health/live", timeout=2).status_code
                    == 200
                ):
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not start: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=WAIT)


@pytest.fixture(scope="module")
def _processes(django_db_setup, django_db_blocker, tmp_path_factory):
    log_dir = tmp_path_factory.mktemp("daphne")
    started = [Server("A", log_dir), Server("B", log_dir)]
    try:
        for server in started:
            server.start()
        yield started
    finally:
        for server in started:
            if server.process and server.process.poll() is None:
                server.process.terminate()
                try:
                    server.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    server.kill()


@pytest.fixture
def servers(_processes, transactional_db):
    for server in _processes:  # a test may have killed one
        if server.process is None or server.process.poll() is not None:
            server.start()
    return _processes


@pytest.fixture
def manager_token(transactional_db):
    manager = staff_create(
        phone="+998900000001",
        name="Manager",
        password="manager-pass",
        role=StaffRole.MANAGER,
    )
    return access_token(manager)


def _open(server: Server, token: str):
    # The app's odd header: the token again as a subprotocol value.
    ws = connect(
        server.ws,
        additional_headers={
            "Authorization": f"Bearer {token}",
            "Sec-WebSocket-Protocol": f"Bearer {token}",
        },
        open_timeout=WAIT,
    )
    assert ws.subprotocol is None
    assert "Sec-WebSocket-Protocol" not in ws.response.headers
    return ws


def _send(server: Server, manager_token: str, client_ids, title: str) -> None:
    response = requests.post(
        f"{server.http}/notifications/send",
        json={"userIds": list(client_ids), "title": title, "description": "d"},
        headers={"Authorization": f"Bearer {manager_token}"},
        timeout=WAIT,
    )
    assert response.status_code == 200, response.text
    assert response.json()["created"] == len(client_ids)


def _inbox_ids(client) -> set[int]:
    return set(Notification.objects.filter(client=client).values_list("pk", flat=True))


def _receive_until(ws, received: list[int], expected: set[int]) -> None:
    """Read frames into `received` until it covers `expected` (or WAIT passes)."""
    deadline = time.monotonic() + WAIT
    while not expected <= set(received) and time.monotonic() < deadline:
        try:
            frame = json.loads(ws.recv(timeout=max(deadline - time.monotonic(), 0.01)))
        except TimeoutError:
            break
        received.append(frame["notification_id"])


def _receive_count(ws, received: list[int], count: int) -> None:
    """Read frames into `received` until it holds `count` (or WAIT passes)."""
    deadline = time.monotonic() + WAIT
    while len(received) < count and time.monotonic() < deadline:
        try:
            frame = json.loads(ws.recv(timeout=max(deadline - time.monotonic(), 0.01)))
        except TimeoutError:
            return
        received.append(frame["notification_id"])


def _drain(ws, received: list[int]) -> None:
    """Read whatever else arrives shortly (a duplicate would show up here)."""
    while True:
        try:
            received.append(json.loads(ws.recv(timeout=0.5))["notification_id"])
        except (TimeoutError, Exception):
            return


def test_refusals_are_http_403_on_a_real_server(servers):
    with pytest.raises(InvalidStatus) as refused:
        connect(
            servers[0].ws,
            additional_headers={"Authorization": "Bearer nope"},
            open_timeout=WAIT,
        )
    assert refused.value.response.status_code == 403


def test_an_idle_socket_survives_the_channel_layers_blocking_read(
    servers, manager_token
):
    # given a socket left idle past the layer's 5 s blocking read
    client = make_client()
    ws = _open(servers[0], access_token(client))
    time.sleep(7)
    # when
    _send(servers[1], manager_token, [client.pk], "after a pause")
    # then the socket is still open and gets the row
    received: list[int] = []
    _receive_until(ws, received, _inbox_ids(client))
    assert received == sorted(_inbox_ids(client))
    ws.close()


def test_two_sockets_on_two_processes_get_every_row_once(servers, manager_token):
    # given a client with one socket on each process, and a bystander
    a, b = servers
    client, bystander = make_client(), make_client()
    token = access_token(client)
    on_a, on_b = _open(a, token), _open(b, token)
    other = _open(a, access_token(bystander))
    # when rows are created by HTTP requests to both processes
    for index in range(20):
        _send(b if index % 2 else a, manager_token, [client.pk], f"n{index}")
    expected = _inbox_ids(client)
    # then each socket received each row exactly once, in creation order
    for ws in (on_a, on_b):
        received: list[int] = []
        _receive_until(ws, received, expected)
        _drain(ws, received)
        assert received == sorted(expected)
        ws.close()
    got: list[int] = []
    _drain(other, got)
    assert got == []
    other.close()
    unsent = Notification.objects.filter(client=client, is_sent=False)
    deadline = time.monotonic() + WAIT
    while unsent.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not unsent.exists()


def _sender(server, manager_token, client, gate, paused, stop):
    """Create rows for `client` through `server` until stopped.

    Each request runs holding `gate`, so a pause taken under it leaves no
    request in flight.
    """
    index = 0
    while not stop.is_set():
        with gate:
            if not paused.is_set():
                _send(server, manager_token, [client.pk], f"s{index}")
                index += 1
        time.sleep(0.02)


def test_reconnect_mid_stream_and_a_killed_process_lose_nothing(servers, manager_token):
    # given a client whose only socket is on A while B keeps creating rows
    a, b = servers
    client = make_client()
    token = access_token(client)
    gate, paused, stop = threading.Lock(), threading.Event(), threading.Event()
    sender = threading.Thread(
        target=_sender, args=(b, manager_token, client, gate, paused, stop)
    )
    connections: list[list[int]] = []
    try:
        ws = _open(a, token)
        sender.start()
        for step in ("reconnect to B", "reconnect to A", "kill A", "final"):
            received: list[int] = []
            connections.append(received)
            # the replay of the 10 gap rows, then 8 live ones: mid-stream
            _receive_count(ws, received, 8 if len(connections) == 1 else 18)
            # quiesce: every row created so far reaches this socket, then leave
            paused.set()
            with gate:
                pass
            earlier = set().union(*connections[:-1])
            _receive_until(ws, received, _inbox_ids(client) - earlier)
            ws.close()
            _drain(ws, received)
            if step == "final":
                break
            if step == "kill A":
                a.kill()
            for index in range(10):  # rows created while no socket is open
                _send(b, manager_token, [client.pk], f"gap{index}")
            if step == "kill A":
                a.start()
            ws = _open(b if step == "reconnect to B" else a, token)
            paused.clear()
    finally:
        stop.set()
        paused.clear()
        sender.join(timeout=WAIT)
    # then every row reached the client, and no connection repeated one
    everything = _inbox_ids(client)
    assert len(everything) >= 8 + 3 * 10
    assert all(len(received) >= 8 for received in connections)
    for received in connections:
        assert len(received) == len(set(received))
    assert set().union(*connections) == everything
    # the mark of the last frame may still be on its way to the database
    unsent = Notification.objects.filter(client=client, is_sent=False)
    deadline = time.monotonic() + WAIT
    while unsent.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not unsent.exists()
