"""Broadcast delivery to many sockets of one process (mobile-api §7.2).

The sockets of one process rung by one broadcast share one database call, in
Channels' single database thread. Some tests hold that thread busy so every
ring reaches its consumer before the call can start: the rings then travel
through in-process queues only, so a few loop iterations settle them, with no
timing involved.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import threading

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import OperationalError, connection
from django.utils import timezone

from notifications.doorbell import broadcast_ring, inbox_ring
from notifications.models import Broadcast, Notification
from notifications.services import broadcast_create
from sardoba.asgi import application
from tests.notifications.factories import access_token, make_client

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

TABLE = Notification._meta.db_table


@database_sync_to_async
def _clients(count):
    return [make_client() for _ in range(count)]


@database_sync_to_async
def _token_of(client):
    return access_token(client)


@database_sync_to_async
def _delivered_ring(client):
    """A row already delivered, rung anyway: only a live push can send it."""
    row = Notification.objects.create(
        client=client, title="hi", description="-", is_sent=True, sent_at=timezone.now()
    )
    inbox_ring(client_id=client.pk, notification_id=row.pk)
    return row.pk


async def _connect(token):
    communicator = WebsocketCommunicator(
        application,
        "/api/v1/notifications/ws",
        headers=[(b"authorization", f"Bearer {token}".encode())],
    )
    assert (await communicator.connect())[0] is True
    return communicator


async def _sockets(clients):
    """One connected socket per entry of `clients`, each consumer idle.

    A consumer handles one message at a time, so a live push arriving on each
    socket shows that its connect (replay included) has finished.
    """
    sockets = [(client, await _connect(await _token_of(client))) for client in clients]
    pushed = {client.pk: await _delivered_ring(client) for client in set(clients)}
    for client, communicator in sockets:
        assert await _ids(communicator, 1) == [pushed[client.pk]]
    return sockets


@database_sync_to_async
def _broadcast():
    """`broadcast_create`, which rings through the channel layer after commit."""
    broadcast = broadcast_create(staff=None, title="Aksiya", description="-20%")
    return broadcast.pk, _copies(broadcast.pk)


@database_sync_to_async
def _unrung_broadcast(clients):
    broadcast = Broadcast.objects.create(title="Aksiya", description="-20%")
    for client in clients:
        Notification.objects.create(
            client=client,
            broadcast=broadcast,
            title=broadcast.title,
            description=broadcast.description,
            notification_type="broadcast",
        )
    return broadcast.pk, _copies(broadcast.pk)


def _copies(broadcast_id):
    return dict(
        Notification.objects.filter(broadcast_id=broadcast_id).values_list(
            "client_id", "pk"
        )
    )


@database_sync_to_async
def _sent(pks):
    return dict(Notification.objects.filter(pk__in=pks).values_list("pk", "is_sent"))


async def _ids(communicator, count):
    return [
        json.loads(await communicator.receive_from(timeout=5))["notification_id"]
        for _ in range(count)
    ]


@contextlib.asynccontextmanager
async def _database_thread_sql(fail=False):
    """The SQL on the inbox table run in Channels' database thread.

    That thread runs every `database_sync_to_async` call of the process, so
    its connection sees each consumer's queries; with `fail`, they raise.
    """
    statements = []

    def record(execute, sql, params, many, context):
        if TABLE in sql:
            statements.append(sql.split()[0])
            if fail:
                raise OperationalError(f"no such table: {TABLE}")
        return execute(sql, params, many, context)

    await database_sync_to_async(lambda: connection.execute_wrappers.append(record))()
    try:
        yield statements
    finally:
        await database_sync_to_async(
            lambda: connection.execute_wrappers.remove(record)
        )()


@contextlib.asynccontextmanager
async def _database_thread_held():
    """Keep Channels' database thread busy: calls queue until the block ends."""
    loop = asyncio.get_running_loop()
    started = loop.create_future()
    release = threading.Event()

    def hold():
        loop.call_soon_threadsafe(started.set_result, None)
        release.wait(timeout=30)

    held = asyncio.ensure_future(database_sync_to_async(hold)())
    await started
    try:
        yield
    finally:
        release.set()
        await held


async def _ring_in_process(communicators, broadcast_id):
    """Ring each consumer directly, and let every ring reach its handler."""
    for communicator in communicators:
        await communicator.send_input(
            {"type": "broadcast.ring", "broadcast_id": broadcast_id}
        )
    for _ in range(20):
        await asyncio.sleep(0)


async def _disconnect(communicators):
    await asyncio.gather(*(c.disconnect() for c in communicators))


async def test_a_broadcast_reaches_each_of_20_clients_once_and_marks_every_copy_sent():
    # given 20 clients, each with a socket in this process
    sockets = await _sockets(await _clients(20))
    # when a manager broadcasts (the ring goes through the channel layer)
    _, copies = await _broadcast()
    # then every socket gets exactly its own client's copy, once
    for client, communicator in sockets:
        assert await _ids(communicator, 1) == [copies[client.pk]]
    quiet = await asyncio.gather(*(c.receive_nothing(timeout=0.2) for _, c in sockets))
    assert quiet == [True] * len(sockets)
    await _disconnect(c for _, c in sockets)
    assert await _sent(copies.values()) == dict.fromkeys(copies.values(), True)


@pytest.mark.parametrize("count", [5, 20])
async def test_the_sockets_of_a_process_are_served_by_one_select_and_one_update(
    count,
):
    # given `count` idle sockets and an unrung broadcast
    sockets = await _sockets(await _clients(count))
    broadcast_id, copies = await _unrung_broadcast([c for c, _ in sockets])
    communicators = [communicator for _, communicator in sockets]
    # when every socket is rung
    async with _database_thread_sql() as statements:
        async with _database_thread_held():
            await _ring_in_process(communicators, broadcast_id)
        received = {client.pk: await _ids(c, 1) for client, c in sockets}
    # then the same two statements served them all, whatever their number
    assert statements == ["SELECT", "UPDATE"]
    assert received == {client_id: [pk] for client_id, pk in copies.items()}
    assert await _sent(copies.values()) == dict.fromkeys(copies.values(), True)
    await _disconnect(communicators)


async def test_a_failed_claim_fails_every_waiting_socket_and_marks_nothing(caplog):
    # given three idle sockets, two of them the same client's, in one batch
    first, second = await _clients(2)
    sockets = await _sockets([first, second, first])
    broadcast_id, copies = await _unrung_broadcast([first, second])
    communicators = [communicator for _, communicator in sockets]
    # when the claim's query fails
    async with _database_thread_sql(fail=True) as statements:
        async with _database_thread_held():
            await _ring_in_process(communicators, broadcast_id)
        # then every waiting socket's handler raised it: the server closes them
        for communicator in communicators:
            with pytest.raises(OperationalError):
                await communicator.wait(timeout=5)
    assert statements == ["SELECT"]  # one call for the three
    assert await _sent(copies.values()) == dict.fromkeys(copies.values(), False)
    gc.collect()
    assert not [r for r in caplog.records if "never retrieved" in r.getMessage()]


async def test_a_socket_rung_by_two_broadcasts_gets_both_in_order():
    # given two clients, one with two sockets
    first, second = await _clients(2)
    sockets = await _sockets([first, second, first])
    # when two broadcasts go out back to back
    _, one = await _broadcast()
    _, two = await _broadcast()
    # then every socket gets its client's copy of each, once
    for client, communicator in sockets:
        assert await _ids(communicator, 2) == [one[client.pk], two[client.pk]]
        assert await communicator.receive_nothing(timeout=0.1)
    pks = [*one.values(), *two.values()]
    assert await _sent(pks) == dict.fromkeys(pks, True)
    await _disconnect(c for _, c in sockets)


async def test_a_socket_gone_before_its_batch_runs_leaves_its_copy_undelivered():
    # given two idle sockets waiting in one batch
    (gone_client, gone), (staying_client, staying) = await _sockets(await _clients(2))
    broadcast_id, copies = await _unrung_broadcast([gone_client, staying_client])
    async with _database_thread_held():
        await _ring_in_process([gone, staying], broadcast_id)
        # when one socket's consumer is cancelled while it waits
        gone.stop()
        await gone.wait()
    # then the other still gets its copy, and only that copy is marked sent
    assert await _ids(staying, 1) == [copies[staying_client.pk]]
    assert await _sent(copies.values()) == {
        copies[gone_client.pk]: False,
        copies[staying_client.pk]: True,
    }
    await staying.disconnect()


async def test_a_ring_through_the_doorbell_after_a_failure_is_served_again():
    # given a socket whose ring failed once, reconnected
    (client, communicator), *_ = await _sockets(await _clients(1))
    broadcast_id, copies = await _unrung_broadcast([client])
    async with _database_thread_sql(fail=True):
        await _ring_in_process([communicator], broadcast_id)
        with pytest.raises(OperationalError):
            await communicator.wait(timeout=5)
    # when the app reconnects and a later ring arrives
    again = await _connect(await _token_of(client))
    replayed = await _ids(again, 1)
    await database_sync_to_async(broadcast_ring)(broadcast_id=broadcast_id)
    # then the copy came once, by replay, and the ring sends nothing more
    assert replayed == [copies[client.pk]]
    assert await again.receive_nothing(timeout=0.2)
    await again.disconnect()
