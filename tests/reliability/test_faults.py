"""Faults while a real server process runs (daphne, `sardoba.asgi`).

* Redis (our own redis-server, never the shared one) stopped and restarted:
  the API keeps answering from its fallbacks, /health says so, and service
  returns by itself when Redis does.
* PostgreSQL connection loss, made by cutting a TCP proxy between the server and
  the shared PostgreSQL (which is never stopped): requests needing the database
  get the 500 `server_error` envelope, without "connect" in the text, /health
  reports `postgres` down, and the same process recovers after the proxy does;
  under daphne (with and without the connection pool) and under gunicorn (whose
  worker holds a persistent connection).
* A server process killed (SIGKILL) while it holds a socket: the notifications
  made meanwhile reach the client once each, oldest first, when it reconnects to
  a new process (replay, mobile-api §7.2), and never again after that.
* Hanging upstreams (pytest-httpserver handlers held until the test releases
  them): the API keeps answering while an SMS send hangs, and no mobile or
  staff request waits on iiko at all.

No test asserts a duration: "while it hangs" is made true by construction (the
upstream is held until the test has its answers). Every wait is bounded.
"""

from __future__ import annotations

import contextlib
import json
import threading

import pytest
from django.db import connection, transaction
from werkzeug import Response

from accounts.tokens import token_pair_issue
from tests.reliability.faults import (
    RedisServer,
    ServerProcess,
    TcpProxy,
    database_url,
    wait_until,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PUBLIC_READS = ["/api/v1/news", "/api/v1/catalog/live"]


def _db_direct() -> str:
    db = connection.settings_dict
    return database_url(db.get("HOST") or "127.0.0.1", int(db.get("PORT") or 5432))


def _health(server: ServerProcess) -> dict[str, dict]:
    status, body = server.get("/api/v1/health")
    assert status == 200
    return {c["name"]: c for c in json.loads(body)}


def _assert_envelope(status: int, body: bytes, code: str) -> None:
    data = json.loads(body)
    assert data["code"] == code, (status, data)
    assert {"uz", "ru", "en"} <= data["detail"].keys()


@pytest.fixture
def client_token(user) -> str:
    return token_pair_issue(actor=user).access_token


@pytest.fixture
def manager_token(manager) -> str:
    return token_pair_issue(actor=manager).access_token


@pytest.mark.redis
def test_redis_stopped_and_restarted_while_the_server_runs(
    tmp_path, user, client_token, manager_token
):
    redis = RedisServer(tmp_path).start()
    env = {"DATABASE_URL": _db_direct(), "REDIS_URL": redis.url, "MENU_API_URL": ""}
    try:
        with ServerProcess(env, tmp_path / "server.log") as server:
            assert _health(server)["redis"]["status"] == "healthy"
            for path in PUBLIC_READS:  # cached in Redis now
                assert server.get(path)[0] == 200

            redis.stop()

            redis_state = _health(server)["redis"]
            assert redis_state["status"] == "degraded"
            assert (
                redis_state["message"] == "Redis not responding, local fallback active"
            )
            for path in PUBLIC_READS:
                status, body = server.get(path)
                assert status == 200, (path, body[:300])
            assert server.get("/api/v1/auth/me", client_token)[0] == 200
            credit = json.dumps({"user_id": user.pk, "amount": 15000}).encode()
            status, body = server.request(
                "POST", "/api/v1/cashback/add", manager_token, credit
            )
            assert status == 200, body[:300]  # the ring failed; the inbox row stays

            redis.start()  # same port, empty

            assert wait_until(
                lambda: _health(server)["redis"]["status"] == "healthy", 30
            )
            for path in PUBLIC_READS:
                assert server.get(path)[0] == 200
            status, body = server.get(f"/api/v1/cashback/user/{user.pk}", client_token)
            assert status == 200
            assert json.loads(body)["loyalty"]["cashback_balance"] == 15000
    finally:
        redis.stop()


@pytest.mark.parametrize("kind", ["daphne", "daphne-pool", "gunicorn"])
def test_postgres_connection_loss_is_a_500_envelope_and_recovers_without_restart(
    tmp_path, client_token, kind
):
    db = connection.settings_dict
    proxy = TcpProxy(db.get("HOST") or "127.0.0.1", int(db.get("PORT") or 5432))
    pooled = kind == "daphne-pool"
    env = {
        "DATABASE_URL": database_url(
            "127.0.0.1", proxy.port, conn_max_age=0 if pooled else 60
        ),
        "DATABASE_POOL": "true" if pooled else "false",
        "REDIS_URL": "",
        "MENU_API_URL": "",
    }
    kind = kind.removesuffix("-pool")
    try:
        with ServerProcess(env, tmp_path / "server.log", kind) as server:
            # gunicorn's sync worker now holds a persistent connection (60 s).
            assert server.get("/api/v1/auth/me", client_token)[0] == 200
            assert _health(server)["postgres"]["status"] == "healthy"

            proxy.cut()

            status, body = server.get("/api/v1/auth/me", client_token)
            assert status == 500
            _assert_envelope(status, body, "server_error")
            assert b"connect" not in body.lower()
            postgres = _health(server)["postgres"]
            assert postgres == {
                "name": "postgres",
                "status": "down",
                "message": "Database query failed",
            }
            status, body = server.get("/api/v1/news")
            if status != 200:  # served from the cache, or the envelope
                _assert_envelope(status, body, "server_error")
                assert b"connect" not in body.lower()

            proxy.restore()

            assert wait_until(
                lambda: server.get("/api/v1/auth/me", client_token)[0] == 200, 30
            )
            assert _health(server)["postgres"]["status"] == "healthy"
    finally:
        proxy.close()


@pytest.fixture
def held():
    """An event the hanging upstream handlers wait on (at most 20 s)."""
    event = threading.Event()
    yield event
    event.set()


def test_hanging_sms_provider_does_not_stop_the_api(tmp_path, httpserver, held):
    reached = threading.Event()

    def hang(request):
        reached.set()
        held.wait(20)
        return Response("upstream gave up", status=500)

    httpserver.expect_request("/api/auth/login").respond_with_handler(hang)
    httpserver.expect_request("/api/message/sms/send").respond_with_handler(hang)
    env = {
        "DATABASE_URL": _db_direct(),
        "REDIS_URL": "",
        "MENU_API_URL": "",
        "SMS_DRY_RUN": "false",
        "OTP_STATIC_CODE": "",
        "ESKIZ_API_URL": httpserver.url_for("/api"),
        "ESKIZ_LOGIN": "reliability",
        "ESKIZ_PASSWORD": "reliability",
        "SMS_HTTP_TIMEOUT": "25",
    }
    with ServerProcess(env, tmp_path / "server.log") as server:
        otp: dict[str, object] = {}

        def request_otp() -> None:
            body = json.dumps({"phone": "+998901112233", "purpose": "register"})
            otp["answer"] = server.request(
                "POST", "/api/v1/auth/client/request-otp", body=body.encode()
            )

        worker = threading.Thread(target=request_otp)
        worker.start()
        assert reached.wait(20), "the SMS send never reached the provider"

        # The SMS provider is held: the rest of the API answers meanwhile.
        answers = {p: server.get(p)[0] for p in ["/api/v1/health/live", *PUBLIC_READS]}
        still_hanging = worker.is_alive() and not held.is_set()
        held.set()
        worker.join(30)

        assert answers == dict.fromkeys(answers, 200)
        assert still_hanging
        status, body = otp["answer"]
        assert status == 502
        _assert_envelope(status, body, "sms_failed")


def test_hanging_iiko_is_never_waited_on(
    tmp_path, httpserver, held, user, client_token, manager_token
):
    def hang(request):
        held.wait(20)
        return Response("{}", status=500)

    httpserver.expect_request("").respond_with_handler(hang)
    env = {
        "DATABASE_URL": _db_direct(),
        "REDIS_URL": "",
        "MENU_API_URL": "",
        "IIKO_API_BASE_URL": httpserver.url_for("").rstrip("/"),
        "IIKO_API_LOGIN": "reliability",
        "IIKO_ORGANIZATION_ID": "reliability",
    }
    with ServerProcess(env, tmp_path / "server.log") as server:
        credit = json.dumps({"user_id": user.pk, "amount": 15000}).encode()
        add = server.request("POST", "/api/v1/cashback/add", manager_token, credit)
        me = server.get("/api/v1/auth/me", client_token)
        points = server.get(f"/api/v1/cashback/user/{user.pk}", client_token)
        still_held = not held.is_set()

    assert still_held
    assert add[0] == 200, add[1][:300]
    assert me[0] == 200
    assert points[0] == 200
    assert json.loads(points[1])["loyalty"]["cashback_balance"] == 15000


@pytest.mark.redis
def test_killed_server_then_reconnect_delivers_every_undelivered_notification_once(
    tmp_path, user, client_token
):
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    from cashback.services import ledger_entry_append, wallet_lock
    from notifications.models import Notification

    redis = RedisServer(tmp_path).start()
    env = {"DATABASE_URL": _db_direct(), "REDIS_URL": redis.url, "MENU_API_URL": ""}
    headers = {"Authorization": f"Bearer {client_token}"}

    def socket(server: ServerProcess):
        url = f"ws://127.0.0.1:{server.port}/api/v1/notifications/ws"
        return connect(url, additional_headers=headers, open_timeout=15)

    def frames(ws) -> list[int]:
        ids = []
        while True:
            try:
                ids.append(json.loads(ws.recv(timeout=3))["notification_id"])
            except TimeoutError:
                return ids

    try:
        first = ServerProcess(env, tmp_path / "first.log").start()
        ws = socket(first)
        assert frames(ws) == []
        first.proc.kill()  # SIGKILL while it holds the socket
        first.proc.wait(10)
        with pytest.raises((ConnectionClosed, TimeoutError, OSError)):
            ws.recv(timeout=10)

        for amount in (15000, 8000, 5000):  # credited while no server holds a socket
            with transaction.atomic():
                ledger_entry_append(
                    wallet=wallet_lock(client=user),
                    kind="accrual",
                    amount=amount,
                    source="ORDER",
                )
        undelivered = list(
            Notification.objects.filter(client=user, is_sent=False)
            .order_by("created_at", "id")
            .values_list("id", flat=True)
        )
        assert len(undelivered) == 3

        with ServerProcess(env, tmp_path / "second.log") as second:
            ws = socket(second)
            assert frames(ws) == undelivered  # oldest first, each once
            ws.close()
            ws = socket(second)
            assert frames(ws) == []  # delivered means never again
            ws.close()
        assert not Notification.objects.filter(is_sent=False).exists()
    finally:
        with contextlib.suppress(Exception):
            first.stop()
        redis.stop()
