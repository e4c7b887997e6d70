"""The notifications socket through `WebsocketCommunicator` (mobile-api §7)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import pytest
import time_machine
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from accounts.models import StaffRole
from accounts.services.staff import staff_create
from notifications.doorbell import sockets_close
from notifications.models import Notification
from notifications.services import inbox_notification_create
from sardoba.asgi import application
from tests.notifications.factories import access_token, make_client

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

WS_PATH = "/api/v1/notifications/ws"


def _communicator(token=None, *, path=WS_PATH, subprotocols=None, header=None):
    headers = []
    if header is not None:
        headers.append((b"authorization", header.encode()))
    elif token is not None:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    return WebsocketCommunicator(
        application, path, headers=headers, subprotocols=subprotocols
    )


@database_sync_to_async
def _client_and_token(**overrides):
    client = make_client(**overrides)
    return client, access_token(client)


@database_sync_to_async
def _notify(client, title="Hello", **extra):
    values = {
        "client": client,
        "title": title,
        "description": f"{title} text",
        "notification_type": "broadcast",
        "payload": {"k": title},
        "language": "uz",
    }
    values.update(extra)
    return inbox_notification_create(**values).pk


@database_sync_to_async
def _unsent(client_ids, **extra):
    rows = []
    base = timezone.now() - dt.timedelta(hours=1)
    for index, client_id in enumerate(client_ids):
        rows.append(
            Notification.objects.create(
                client_id=client_id,
                title=f"n{index}",
                description="d",
                notification_type="broadcast",
                language="ru",
                **extra,
            )
        )
        # spread created_at so "oldest first" is about the timestamp, not the id
        Notification.objects.filter(pk=rows[-1].pk).update(
            created_at=base + dt.timedelta(seconds=len(client_ids) - index)
        )
    return [row.pk for row in rows]


@database_sync_to_async
def _row(pk):
    return Notification.objects.get(pk=pk)


async def _frames(communicator, count):
    return [
        json.loads(await communicator.receive_from(timeout=3)) for _ in range(count)
    ]


async def test_valid_token_connects_without_selecting_the_offered_subprotocol():
    # given
    client, token = await _client_and_token()
    communicator = _communicator(token, subprotocols=[f"Bearer {token}"])
    # when
    connected, subprotocol = await communicator.connect()
    # then
    assert connected is True
    assert subprotocol is None
    assert await communicator.receive_nothing(timeout=0.2)
    await communicator.disconnect()


async def test_trailing_slash_is_served():
    client, token = await _client_and_token()
    communicator = _communicator(token, path=WS_PATH + "/")
    connected, _ = await communicator.connect()
    assert connected is True
    await communicator.disconnect()


@pytest.mark.parametrize(
    ("_case", "header"),
    [
        ("missing", None),
        ("not bearer", "Token abc"),
        ("malformed", "Bearer not-a-jwt"),
        ("empty bearer", "Bearer "),
    ],
)
async def test_bad_headers_are_refused_before_accept(_case, header):
    await _client_and_token()
    communicator = _communicator(header=header)
    connected, code = await communicator.connect()
    assert connected is False
    assert code == 1000  # closed before accept: the server answers HTTP 403
    await communicator.disconnect()


async def test_expired_token_is_refused():
    # given a token issued long ago
    with time_machine.travel(dt.datetime(2020, 1, 1, tzinfo=dt.UTC), tick=False):
        client, token = await _client_and_token()
    # when
    communicator = _communicator(token)
    connected, _ = await communicator.connect()
    # then
    assert connected is False
    await communicator.disconnect()


async def test_token_only_in_subprotocol_is_refused():
    client, token = await _client_and_token()
    communicator = _communicator(subprotocols=[f"Bearer {token}"])
    connected, _ = await communicator.connect()
    assert connected is False
    await communicator.disconnect()


async def test_staff_token_is_refused():
    @database_sync_to_async
    def staff_token():
        staff = staff_create(
            phone="+998900000001",
            name="Manager",
            password="manager-pass",
            role=StaffRole.MANAGER,
        )
        return access_token(staff)

    communicator = _communicator(await staff_token())
    connected, _ = await communicator.connect()
    assert connected is False
    await communicator.disconnect()


@pytest.mark.parametrize(
    ("_case", "change"),
    [
        ("deleted", {"is_deleted": True}),
        ("deactivated", {"is_active": False}),
    ],
)
async def test_deleted_or_deactivated_client_is_refused(_case, change):
    # given a token issued before the account changed
    client, token = await _client_and_token()
    await database_sync_to_async(
        lambda: type(client).objects.filter(pk=client.pk).update(**change)
    )()
    # when
    communicator = _communicator(token)
    connected, _ = await communicator.connect()
    # then
    assert connected is False
    await communicator.disconnect()


async def test_missing_client_is_refused():
    client, token = await _client_and_token()
    await database_sync_to_async(client.delete)()
    communicator = _communicator(token)
    connected, _ = await communicator.connect()
    assert connected is False
    await communicator.disconnect()


async def test_replay_sends_undelivered_oldest_first_and_marks_them_sent():
    # given three undelivered rows and one already delivered
    client, token = await _client_and_token()
    ids = await _unsent([client.pk] * 3)  # created_at descends with the id
    delivered = await _notify(client, "old")
    await database_sync_to_async(
        lambda: Notification.objects.filter(pk=delivered).update(
            is_sent=True, sent_at=timezone.now()
        )
    )()
    # when
    communicator = _communicator(token)
    await communicator.connect()
    frames = await _frames(communicator, 3)
    # then oldest first by created_at, the delivered one not replayed
    assert [f["notification_id"] for f in frames] == list(reversed(ids))
    assert await communicator.receive_nothing(timeout=0.2)
    await communicator.disconnect()
    for pk in ids:
        row = await _row(pk)
        assert row.is_sent is True
        assert row.sent_at is not None


async def test_replay_is_limited_to_the_most_recent_and_marks_older_delivered(
    settings,
):
    # given 5 undelivered rows and a replay limit of 2
    settings.WS_REPLAY_LIMIT = 2
    client, token = await _client_and_token()
    ids = await _unsent([client.pk] * 5)  # ids[0] is the newest
    # when
    communicator = _communicator(token)
    await communicator.connect()
    frames = await _frames(communicator, 2)
    # then the two newest, oldest of them first; the rest delivered unsent
    assert [f["notification_id"] for f in frames] == [ids[1], ids[0]]
    assert await communicator.receive_nothing(timeout=0.2)
    await communicator.disconnect()
    for pk in ids:
        assert (await _row(pk)).is_sent is True


async def test_frame_shape_is_the_spec_frame():
    # given
    client, token = await _client_and_token()
    communicator = _communicator(token)
    await communicator.connect()
    # when
    pk = await _notify(
        client,
        "Кешбек начислен",
        notification_type="cashback_accrual",
        payload={"type": "cashback_accrual", "amount": "15000"},
        language="ru",
    )
    frame = json.loads(await communicator.receive_from(timeout=3))
    # then
    row = await _row(pk)
    assert set(frame) == {
        "notification_id",
        "title",
        "description",
        "created_at",
        "type",
        "language",
        "payload",
    }
    assert frame["notification_id"] == pk
    assert frame["title"] == "Кешбек начислен"
    assert frame["description"] == "Кешбек начислен text"
    assert frame["type"] == "cashback_accrual"
    assert frame["language"] == "ru"
    assert frame["payload"] == {"type": "cashback_accrual", "amount": "15000"}
    assert frame["created_at"].endswith("+05:00")
    assert dt.datetime.fromisoformat(frame["created_at"]) == row.created_at
    assert row.is_sent is True
    await communicator.disconnect()


async def test_live_push_reaches_every_socket_of_the_client_once_and_not_others():
    # given A with two sockets, B with one
    a, a_token = await _client_and_token()
    b, b_token = await _client_and_token()
    a1, a2, b1 = _communicator(a_token), _communicator(a_token), _communicator(b_token)
    for communicator in (a1, a2, b1):
        assert (await communicator.connect())[0] is True
    # when two rows for A are created
    first = await _notify(a, "one")
    second = await _notify(a, "two")
    # then both sockets of A get both, once, and B nothing
    for communicator in (a1, a2):
        frames = await _frames(communicator, 2)
        assert [f["notification_id"] for f in frames] == [first, second]
        assert await communicator.receive_nothing(timeout=0.2)
    assert await b1.receive_nothing(timeout=0.2)
    assert (await _row(first)).is_sent is True
    for communicator in (a1, a2, b1):
        await communicator.disconnect()


async def test_a_ring_already_replayed_is_not_sent_again():
    # given a row replayed on connect
    client, token = await _client_and_token()
    pk = await _notify(client, "once")  # rings before anyone listens
    communicator = _communicator(token)
    await communicator.connect()
    assert [f["notification_id"] for f in await _frames(communicator, 1)] == [pk]
    # when the same ring arrives again (replay and live push racing)
    await communicator.send_input({"type": "inbox.ring", "notification_id": pk})
    # then nothing is sent twice
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


async def test_a_ring_for_someone_elses_row_sends_nothing():
    a, a_token = await _client_and_token()
    b, _ = await _client_and_token()
    other = await _notify(b, "not yours")
    communicator = _communicator(a_token)
    await communicator.connect()
    await communicator.send_input({"type": "inbox.ring", "notification_id": other})
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


async def test_client_frames_are_ignored():
    client, token = await _client_and_token()
    communicator = _communicator(token)
    await communicator.connect()
    await communicator.send_to(
        text_data=json.dumps({"type": "auth", "token": "Bearer x", "language": "uz"})
    )
    await communicator.send_to(text_data="not json at all")
    await communicator.send_to(text_data="ping")
    await communicator.send_to(bytes_data=b"\x00\x01")
    assert await communicator.receive_nothing(timeout=0.3)
    # the socket still works
    pk = await _notify(client, "still here")
    assert [f["notification_id"] for f in await _frames(communicator, 1)] == [pk]
    await communicator.disconnect()


async def test_account_closed_closes_the_sockets_with_4003():
    client, token = await _client_and_token()
    other, other_token = await _client_and_token()
    mine, theirs = _communicator(token), _communicator(other_token)
    await mine.connect()
    await theirs.connect()
    # when
    await database_sync_to_async(sockets_close)(client_id=client.pk)
    # then
    output = await mine.receive_output(timeout=3)
    assert output == {"type": "websocket.close", "code": 4003}
    assert await theirs.receive_nothing(timeout=0.2)
    await mine.disconnect()
    await theirs.disconnect()


async def test_a_broadcast_reaches_every_connected_recipient_once():
    # given two connected clients, one of them with two sockets
    a, a_token = await _client_and_token()
    b, b_token = await _client_and_token()
    sockets = [_communicator(a_token), _communicator(a_token), _communicator(b_token)]
    for communicator in sockets:
        assert (await communicator.connect())[0] is True

    @database_sync_to_async
    def broadcast():
        from notifications.services import broadcast_create

        created = broadcast_create(staff=None, title="Aksiya", description="-20%")
        return dict(
            Notification.objects.filter(broadcast=created).values_list(
                "client_id", "pk"
            )
        )

    # when
    copies = await broadcast()
    # then each socket gets its own client's copy, once
    for communicator, client in zip(sockets, (a, a, b), strict=True):
        frames = await _frames(communicator, 1)
        assert frames[0]["notification_id"] == copies[client.pk]
        assert frames[0]["type"] == "broadcast"
        assert await communicator.receive_nothing(timeout=0.2)
        await communicator.disconnect()
    for pk in copies.values():
        assert (await _row(pk)).is_sent is True


async def test_a_broadcast_ring_without_a_copy_sends_nothing():
    client, token = await _client_and_token()
    communicator = _communicator(token)
    await communicator.connect()
    await communicator.send_input({"type": "broadcast.ring", "broadcast_id": 424242})
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


@pytest.mark.skipif(
    "REDIS_URL" in __import__("os").environ, reason="inspects the in-memory layer"
)
async def test_a_long_lived_socket_rejoins_its_group_after_expiry(monkeypatch):
    from channels.layers import get_channel_layer

    from notifications import consumers

    # given a socket whose group membership the layer has forgotten
    monkeypatch.setattr(consumers, "GROUP_REFRESH_SECONDS", 0.1)
    client, token = await _client_and_token()
    communicator = _communicator(token)
    await communicator.connect()
    layer = get_channel_layer()
    group = f"user.{client.pk}"
    for channel in list(layer.groups.get(group, {})):
        await layer.group_discard(group, channel)
    # when the refresh period passes
    await asyncio.sleep(0.3)
    pk = await _notify(client, "after expiry")
    # then the ring reaches it again
    assert [f["notification_id"] for f in await _frames(communicator, 1)] == [pk]
    await communicator.disconnect()
