"""Fixtures playing iiko: a pytest-httpserver stub, and raw sockets that drop or stall."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from typing import Any

import pytest
from django.db import transaction

from accounts.models import Client
from cashback.models import EntryKind, LedgerEntry
from cashback.services import ledger_entry_append, wallet_lock

TOKEN = "/api/1/access_token"
INFO = "/api/1/loyalty/iiko/customer/info"
CREATE = "/api/1/loyalty/iiko/customer/create_or_update"
CARD_ADD = "/api/1/loyalty/iiko/customer/card/add"
TOPUP = "/api/1/loyalty/iiko/customer/wallet/topup"
ORG = "org-1"


def _configure(settings, base_url: str) -> None:
    settings.IIKO_API_BASE_URL = base_url
    settings.IIKO_API_LOGIN = "test-login"
    settings.IIKO_ORGANIZATION_ID = ORG
    settings.IIKO_PROXY_SECRET = ""
    settings.IIKO_CONNECT_TIMEOUT = 1
    settings.IIKO_READ_TIMEOUT = 1


@pytest.fixture
def iiko(settings, httpserver):
    """The stub iiko, configured, with a working access_token endpoint."""
    _configure(settings, httpserver.url_for("/").rstrip("/"))
    httpserver.expect_request(
        TOKEN, method="POST", json={"apiLogin": "test-login"}
    ).respond_with_json({"token": "tok-1", "expiresIn": 3600})
    return httpserver


def received(server, path: str) -> list[dict[str, Any]]:
    """JSON bodies the stub received on `path`, in order."""
    return [json.loads(req.get_data()) for req, _ in server.log if req.path == path]


def paths(server) -> list[str]:
    return [req.path for req, _ in server.log]


class RawServer:
    """A loopback TCP server that counts connections and drops or stalls them."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.connections = 0
        self._held: list[socket.socket] = []
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._sock.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            self.connections += 1
            if self.mode == "drop":
                conn.settimeout(1)
                with contextlib.suppress(OSError):
                    conn.recv(65536)
                conn.close()
            else:
                self._held.append(conn)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        for conn in self._held:
            conn.close()
        self._sock.close()


@pytest.fixture
def raw_iiko(settings):
    """Factory: `raw_iiko("drop")` or `raw_iiko("stall")`, configured as iiko."""
    servers: list[RawServer] = []

    def make(mode: str) -> RawServer:
        server = RawServer(mode)
        servers.append(server)
        _configure(settings, server.url)
        settings.IIKO_CONNECT_TIMEOUT = 0.5
        settings.IIKO_READ_TIMEOUT = 0.3
        return server

    yield make
    for server in servers:
        server.close()


def make_client(phone: str = "+998901112233", **fields: Any) -> Client:
    return Client.objects.create(phone=phone, **fields)


def credit(client: Client, amount: int) -> LedgerEntry:
    """Give a client a balance the only legal way: a ledger entry under the lock."""
    with transaction.atomic():
        wallet = wallet_lock(client=client)
        return ledger_entry_append(
            wallet=wallet, kind=EntryKind.MANUAL_CREDIT, amount=amount, notify=False
        )


def customer_json(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "cust-1",
        "name": "Ali",
        "surname": "Valiyev",
        "middleName": None,
        "birthday": "1995-03-15 00:00:00.000",
        "sex": 1,
        "email": "ali@example.uz",
        "isDeleted": False,
        "walletBalances": [
            {"id": "w-other", "type": 0, "balance": 5},
            {"id": "w-main", "type": 1, "balance": 12000},
        ],
        "cards": [],
    }
    data.update(overrides)
    return data
