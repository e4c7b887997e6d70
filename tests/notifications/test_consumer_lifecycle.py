"""A notifications socket never outlives its consumer, nor the consumer its socket.

A socket whose group join or replay fails is closed with 1011, so the app
reconnects (mobile-api §7.4) and the new socket replays. However a consumer
ends (disconnect, a crashed handler, cancellation), its group refresher stops
and its channel leaves its groups. The in-memory layer is used on every run, so
the groups can be inspected.
"""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from channels.testing import WebsocketCommunicator
from django.db import OperationalError
from redis.exceptions import MaxConnectionsError

from notifications import consumers
from notifications.doorbell import BROADCASTS_GROUP, client_group
from notifications.models import Notification
from notifications.services import inbox_notification_create
from sardoba.asgi import application
from tests.notifications.factories import access_token, make_client

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

WS_PATH = "/api/v1/notifications/ws"
CLOSED_FOR_A_RECONNECT = {"type": "websocket.close", "code": 1011}


class BroadcastsJoinFailingLayer(InMemoryChannelLayer):
    """The in-memory layer, with the pool exhausted when joining `broadcasts`."""

    async def group_add(self, group, channel):
        if group == BROADCASTS_GROUP:
            raise MaxConnectionsError("Too many connections")
        await super().group_add(group, channel)


class RefreshSwallowingCancelLayer(InMemoryChannelLayer):
    """The in-memory layer whose refresh joins lose a cancel, as on Python 3.11.

    redis-py writes under `asyncio.wait_for`, which on 3.11 swallows a cancel
    landing as the write completes. The first join after the connect's two
    hangs until cancelled, then carries on as if nothing happened.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.joins = 0
        self.refreshing = asyncio.Event()

    async def group_add(self, group, channel):
        self.joins += 1
        if self.joins == 3:
            self.refreshing.set()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.Event().wait()
        await super().group_add(group, channel)


def _use_layer(settings, backend):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": backend}}


@pytest.fixture(autouse=True)
def _in_memory_layer(settings):
    _use_layer(settings, "channels.layers.InMemoryChannelLayer")


@database_sync_to_async
def _client_and_token():
    client = make_client()
    return client, access_token(client)


@database_sync_to_async
def _notify(client, title):
    return inbox_notification_create(
        client=client,
        title=title,
        description="d",
        notification_type="broadcast",
        payload={},
        language="uz",
    ).pk


@database_sync_to_async
def _is_sent(pk):
    return Notification.objects.get(pk=pk).is_sent


def _communicator(token):
    return WebsocketCommunicator(
        application, WS_PATH, headers=[(b"authorization", f"Bearer {token}".encode())]
    )


def _members(client):
    groups = get_channel_layer().groups
    return {
        group: set(groups.get(group, {}))
        for group in (client_group(client.pk), BROADCASTS_GROUP)
    }


def _running_refreshers():
    return [
        task
        for task in asyncio.all_tasks()
        if not task.done()
        and task.get_coro().__qualname__ == "NotificationConsumer._keep_joined"
    ]


async def _connected(client, token):
    """A socket past its setup: it has replayed the row waiting for it."""
    pk = await _notify(client, "waiting")
    communicator = _communicator(token)
    connected, _ = await communicator.connect()
    assert connected is True
    assert (await communicator.receive_json_from(timeout=3))["notification_id"] == pk
    assert all(len(members) == 1 for members in _members(client).values())
    assert len(_running_refreshers()) == 1
    return communicator


async def test_a_failed_group_join_closes_the_socket_with_1011(settings):
    # given a layer whose pool is exhausted for the second of the two joins
    _use_layer(
        settings,
        "tests.notifications.test_consumer_lifecycle.BroadcastsJoinFailingLayer",
    )
    client, token = await _client_and_token()
    communicator = _communicator(token)
    # when
    connected, _ = await communicator.connect()
    # then the socket is closed for a reconnect, and left nothing behind
    assert connected is True
    assert await communicator.receive_output(timeout=3) == CLOSED_FOR_A_RECONNECT
    await communicator.disconnect()
    assert _members(client) == {client_group(client.pk): set(), BROADCASTS_GROUP: set()}
    assert _running_refreshers() == []


async def test_a_failed_replay_closes_with_1011_and_the_reconnect_replays(
    monkeypatch,
):
    # given an undelivered row, and a database that fails the first replay
    client, token = await _client_and_token()
    pk = await _notify(client, "waiting")

    async def replay_failing(client_id):
        raise OperationalError("connection refused")

    monkeypatch.setattr(consumers, "_replay", replay_failing)
    first = _communicator(token)
    # when
    assert (await first.connect())[0] is True
    # then the socket closes for a reconnect, the row still undelivered
    assert await first.receive_output(timeout=3) == CLOSED_FOR_A_RECONNECT
    await first.disconnect()
    assert await _is_sent(pk) is False
    assert _members(client) == {client_group(client.pk): set(), BROADCASTS_GROUP: set()}
    # and the app's reconnect gets its replay
    monkeypatch.undo()
    second = _communicator(token)
    assert (await second.connect())[0] is True
    frame = await second.receive_json_from(timeout=3)
    assert frame["notification_id"] == pk
    assert await _is_sent(pk) is True
    await second.disconnect()


async def test_a_consumer_crashed_in_a_handler_leaves_its_groups_and_stops_refreshing(
    monkeypatch,
):
    # given a connected socket, and a database that fails the next delivery
    client, token = await _client_and_token()
    communicator = await _connected(client, token)

    async def deliver_failing(client_id, notification_id):
        raise OperationalError("connection refused")

    monkeypatch.setattr(consumers, "_deliver", deliver_failing)
    # when a ring crashes the consumer's handler
    await communicator.send_input({"type": "inbox.ring", "notification_id": 1})
    with pytest.raises(OperationalError):
        await communicator.wait(timeout=3)
    # then nothing of it keeps running or stays in a group
    assert _members(client) == {client_group(client.pk): set(), BROADCASTS_GROUP: set()}
    assert _running_refreshers() == []


async def test_a_cancelled_consumer_leaves_its_groups_and_stops_refreshing():
    # given a connected socket
    client, token = await _client_and_token()
    communicator = await _connected(client, token)
    # when the server cancels the consumer (shutdown, a slow close)
    communicator.future.cancel()
    await communicator.wait(timeout=3)
    # then
    assert _members(client) == {client_group(client.pk): set(), BROADCASTS_GROUP: set()}
    assert _running_refreshers() == []


async def test_a_disconnected_consumer_leaves_its_groups_and_stops_refreshing():
    # given
    client, token = await _client_and_token()
    communicator = await _connected(client, token)
    # when
    await communicator.disconnect()
    # then
    assert _members(client) == {client_group(client.pk): set(), BROADCASTS_GROUP: set()}
    assert _running_refreshers() == []


async def test_a_refresher_that_lost_its_cancel_still_stops(settings, monkeypatch):
    # given a socket whose refresher is in a join that will swallow the cancel
    _use_layer(
        settings,
        "tests.notifications.test_consumer_lifecycle.RefreshSwallowingCancelLayer",
    )
    monkeypatch.setattr(consumers, "GROUP_REFRESH_SECONDS", 0.01)
    client, token = await _client_and_token()
    communicator = await _connected(client, token)
    await asyncio.wait_for(get_channel_layer().refreshing.wait(), 3)
    # when
    await communicator.disconnect()
    # then the refresher ended after its join, and the groups were left after it
    assert _members(client) == {client_group(client.pk): set(), BROADCASTS_GROUP: set()}
    assert _running_refreshers() == []
