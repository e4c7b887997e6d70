"""A device touch outside a transaction commits without waiting for the WAL flush.

The app repeats its registration at every launch, so on PostgreSQL the touch's
UPDATE sets `synchronous_commit = off` for its own transaction (the statement,
in autocommit). Inside a caller's transaction it must not: the setting would
reach the caller's other writes.
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from notifications.models import DeviceRegistration
from notifications.services import device_register
from tests.cashback.factories import make_client

pytestmark = pytest.mark.postgres


def _register(client, language: str, token: str | None = None) -> list[str]:
    """The SQL of one registration."""
    with CaptureQueriesContext(connection) as ctx:
        device_register(
            client=client,
            device_type="android",
            device_token=token,
            language=language,
            uses_websocket=True,
        )
    return [q["sql"] for q in ctx.captured_queries]


def _session_setting() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("token", [None, "fcm-token-1"])
def test_a_touch_in_autocommit_sets_asynchronous_commit_for_itself_only(token):
    client = make_client()
    _register(client, "uz", token)  # creates the row
    statements = _register(client, "ru", token)
    assert len(statements) == 1
    assert statements[0].startswith("UPDATE")
    assert "set_config('synchronous_commit', 'off', true)" in statements[0]
    assert DeviceRegistration.objects.get(client=client).language == "ru"
    assert _session_setting() == "on"  # ended with the statement's transaction


@pytest.mark.django_db
def test_a_touch_inside_a_transaction_leaves_its_commit_alone():
    client = make_client()
    _register(client, "uz")
    assert connection.in_atomic_block
    statements = _register(client, "ru")
    assert [s.split()[0] for s in statements] == ["UPDATE"]
    assert "set_config" not in statements[0]
    assert _session_setting() == "on"
    with transaction.atomic():
        assert "set_config" not in _register(client, "uz")[0]
