"""The check of a reused PostgreSQL connection at a request's first query.

Each test opens its own connections with the backend that the ENGINE setting
names, persistent and health-checked as under gunicorn, so the suite's own
connection is left alone. A request boundary is what Django's request signals
do to every connection: `close_if_unusable_or_obsolete()`. What reached the
server is read from libpq's protocol trace.
"""

from __future__ import annotations

import contextlib
import copy
import re
import select
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import DataError, load_backend
from psycopg import pq

from tests.reliability.faults import wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

# A statement the client sent: a simple Query, or the Parse of an extended one.
_SENT_STATEMENT = re.compile(r'^F\t\d+\t(?:Query\t "(.*)"|Parse\t "[^"]*" "(.*)" \d+)$')

OpenConnection = Callable[..., BaseDatabaseWrapper]


@pytest.fixture
def open_connection() -> Iterator[OpenConnection]:
    """Make persistent, health-checked connections to the test database."""
    opened: list[BaseDatabaseWrapper] = []

    def open_(**settings_overrides: Any) -> BaseDatabaseWrapper:
        settings_dict = copy.deepcopy(connections[DEFAULT_DB_ALIAS].settings_dict)
        settings_dict["OPTIONS"].pop("pool", None)  # a pool keeps no connection
        settings_dict.update(
            CONN_MAX_AGE=None, CONN_HEALTH_CHECKS=True, **settings_overrides
        )
        backend = load_backend(settings_dict["ENGINE"])
        opened.append(backend.DatabaseWrapper(settings_dict))
        return opened[-1]

    yield open_
    for wrapper in opened:
        wrapper.close()


def _run(db: BaseDatabaseWrapper, sql: str, params: tuple | None = None) -> list[tuple]:
    """Run `sql` through Django's cursor, as a request does; return its rows."""
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def _backend_pid(db: BaseDatabaseWrapper) -> int:
    return _run(db, "SELECT pg_backend_pid()")[0][0]


def _next_request(db: BaseDatabaseWrapper) -> None:
    """End the request and start the next, as Django's request signals do."""
    db.close_if_unusable_or_obsolete()


@contextlib.contextmanager
def _statements_sent(db: BaseDatabaseWrapper) -> Iterator[list[str]]:
    """Collect the SQL that `db`'s open connection sends to the server."""
    sent: list[str] = []
    pgconn = db.connection.pgconn
    with tempfile.TemporaryFile("w+") as trace:
        pgconn.trace(trace.fileno())
        pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
        try:
            yield sent
        finally:
            pgconn.untrace()  # flushes the trace
        trace.seek(0)
        for line in trace:
            if match := _SENT_STATEMENT.match(line.rstrip("\n")):
                sent.append(match[1] or match[2])


def test_an_idle_reused_connection_is_checked_without_a_round_trip(open_connection):
    # given a persistent connection that served a request
    db = open_connection()
    _run(db, "SELECT 'first request'")
    _next_request(db)
    # when the next request runs its first query
    with _statements_sent(db) as sent:
        rows = _run(db, "SELECT 'second request'")
    # then that query is all the server received (Django's check sends SELECT 1 first)
    assert rows == [("second request",)]
    assert sent == ["SELECT 'second request'"]


def test_a_backend_terminated_between_requests_fails_no_query(open_connection):
    # given a persistent connection whose backend the server ended after a request
    db = open_connection()
    pid = _backend_pid(db)
    admin = open_connection()
    assert _run(admin, "SELECT pg_terminate_backend(%s)", (pid,)) == [(True,)]
    assert wait_until(
        lambda: not _run(
            admin, "SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)
        ),
        timeout=10,
        interval=0.05,
    )
    _next_request(db)
    # when the next request runs its first query
    new_pid = _backend_pid(db)
    # then it ran, on a new connection
    assert new_pid != pid


def test_a_connection_with_a_message_waiting_gets_django_s_check_and_stays(
    open_connection,
):
    # given a persistent connection whose server sent something between requests
    db = open_connection()
    _run(db, "LISTEN sardoba_health_check")
    pid = _backend_pid(db)
    _run(open_connection(), "SELECT pg_notify('sardoba_health_check', '')")
    readable, _, _ = select.select([db.connection.fileno()], [], [], 10)
    assert readable
    _next_request(db)
    # when the next request runs its first query
    with _statements_sent(db) as sent:
        new_pid = _backend_pid(db)
    # then Django's check ran, found the connection sound and kept it
    assert sent == ["SELECT 1", "SELECT pg_backend_pid()"]
    assert new_pid == pid


def test_a_connection_left_in_a_failed_transaction_is_replaced(open_connection):
    # given a connection without autocommit whose transaction a data error aborted
    db = open_connection(AUTOCOMMIT=False)
    pid = _backend_pid(db)
    with pytest.raises(DataError):
        _run(db, "SELECT 1 / 0")
    _next_request(db)
    # when the next request runs its first query
    new_pid = _backend_pid(db)
    # then Django's check found the transaction unusable: a new connection ran it
    assert new_pid != pid
