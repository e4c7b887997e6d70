"""A broadcast's inbox copies written by INSERT ... SELECT (`broadcast_create`)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Client
from notifications.models import Broadcast, DeviceRegistration, Notification
from notifications.services import broadcast_create, inbox_notifications_bulk_create
from notifications.services.broadcasts import BROADCAST_TYPE, _recipients
from tests.notifications.factories import make_client

pytestmark = pytest.mark.django_db

INSERT = f'INSERT INTO "{Notification._meta.db_table}"'


def _devices(client, *languages):
    """Devices of `client`, oldest first, one minute apart."""
    start = timezone.now() - dt.timedelta(hours=1)
    for index, language in enumerate(languages):
        device = DeviceRegistration.objects.create(
            client=client, device_type="ios", language=language
        )
        DeviceRegistration.objects.filter(pk=device.pk).update(
            updated_at=start + dt.timedelta(minutes=index)
        )


def _fields(row):
    """Every column of an inbox row but its own id and creation time."""
    return {
        field.attname: getattr(row, field.attname)
        for field in Notification._meta.concrete_fields
        if field.name not in ("id", "created_at")
    }


class _Statements:
    """Record each statement's SQL, parameter count and rowcount."""

    def __init__(self):
        self.executed = []

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        self.executed.append((sql, len(params or ()), context["cursor"].rowcount))
        return result

    @property
    def shapes(self):
        """Each statement but savepoints (named per call) and the rows it read.

        Rows read are the rowcount of all but the inbox INSERTs (-1 for a
        SELECT on SQLite, whose driver does not count them).
        """
        return [
            (sql, count, None if sql.startswith(INSERT) else rows)
            for sql, count, rows in self.executed
            if "SAVEPOINT" not in sql.upper()
        ]

    @property
    def inserted(self):
        return [rows for sql, _, rows in self.executed if sql.startswith(INSERT)]


def test_copies_equal_the_rows_the_bulk_create_path_writes_field_by_field(manager):
    # given clients with no device, several devices, ties and an unsupported language
    no_device = make_client()
    latest_ru = make_client()
    _devices(latest_ru, "uz", "ru")
    latest_uz = make_client()
    _devices(latest_uz, "ru", "ru", "uz")
    tie = make_client()
    _devices(tie, "ru", "uz")
    DeviceRegistration.objects.filter(client=tie).update(updated_at=timezone.now())
    latest_unsupported = make_client()
    _devices(latest_unsupported, "uz", "en")
    only_unsupported = make_client()
    _devices(only_unsupported, "en")
    make_client(is_active=False)
    make_client(is_deleted=True)
    before = timezone.now()
    # when the broadcast fans out
    broadcast = broadcast_create(staff=manager, title="Aksiya", description="-20%")
    after = timezone.now()
    copies = {row.client_id: row for row in Notification.objects.all()}
    # and the previous path (recipients read into Python, bulk_create) writes too
    inbox_notifications_bulk_create(
        recipients=_recipients(Client.objects.active()),
        title="Aksiya",
        description="-20%",
        notification_type=BROADCAST_TYPE,
        broadcast=broadcast,
        ring=False,
    )
    # then both wrote the same rows, column by column
    bulk = {
        row.client_id: row
        for row in Notification.objects.exclude(pk__in=[c.pk for c in copies.values()])
    }
    assert broadcast.recipients_count == 6
    assert {pk: _fields(row) for pk, row in copies.items()} == {
        pk: _fields(row) for pk, row in bulk.items()
    }
    assert {pk: row.language for pk, row in copies.items()} == {
        no_device.pk: "ru",
        latest_ru.pk: "ru",
        latest_uz.pk: "uz",
        tie.pk: "uz",  # same updated_at: the higher id wins
        latest_unsupported.pk: "ru",
        only_unsupported.pk: "ru",
    }
    assert _fields(copies[no_device.pk]) == {
        "client_id": no_device.pk,
        "broadcast_id": broadcast.pk,
        "title": "Aksiya",
        "description": "-20%",
        "notification_type": "broadcast",
        "payload": {},
        "language": "ru",
        "is_read": False,
        "is_sent": False,
        "sent_at": None,
    }
    assert all(before <= row.created_at <= after for row in copies.values())


def test_copies_are_written_one_statement_per_client_id_range(manager):
    # given seven consecutive clients, an inactive and a deleted one among them
    clients = [make_client() for _ in range(7)]
    Client.objects.filter(pk=clients[2].pk).update(is_active=False)
    Client.objects.filter(pk=clients[5].pk).update(is_deleted=True)
    statements = _Statements()
    # when
    with connection.execute_wrapper(statements):
        broadcast = broadcast_create(
            staff=manager, title="t", description="d", batch_size=2
        )
    # then ids [1,2] [3,4] [5,6] [7]: each range one INSERT ... SELECT
    assert [c.pk - clients[0].pk for c in clients] == list(range(7))
    assert statements.inserted == [2, 1, 1, 1]
    assert broadcast.recipients_count == 5
    assert Broadcast.objects.get().recipients_count == 5
    assert sorted(Notification.objects.values_list("client_id", flat=True)) == [
        c.pk for i, c in enumerate(clients) if i not in (2, 5)
    ]


def test_fan_out_with_no_active_client_writes_nothing(manager):
    make_client(is_active=False)
    statements = _Statements()
    with connection.execute_wrapper(statements):
        broadcast = broadcast_create(staff=manager, title="t", description="d")
    assert statements.inserted == []
    assert broadcast.recipients_count == 0
    assert not Notification.objects.exists()


def test_fan_out_statements_are_the_same_for_3_and_30_clients(manager):
    """The database copies the rows: no statement grows with the recipients."""
    runs = {}
    for count in (3, 30):
        # given
        while Client.objects.count() < count:
            make_client()
        statements = _Statements()
        # when
        with connection.execute_wrapper(statements):
            broadcast = broadcast_create(
                staff=manager, title="t", description="d", batch_size=1000
            )
        runs[count] = (statements, broadcast.recipients_count)
    # then the same statements, parameters and rows read; one INSERT each
    assert runs[3][0].shapes == runs[30][0].shapes
    assert [(run.inserted, recipients) for run, recipients in runs.values()] == [
        ([3], 3),
        ([30], 30),
    ]
