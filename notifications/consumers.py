"""The notifications socket (`mobile-api.md` §7).

The inbox is the truth; a ring only says "row N exists". Every socket keeps
the ids it has sent, so replay and live push racing never send an id twice on
one connection, while every open socket of a client still gets every live row.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import weakref
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from accounts.models import Client
from notifications import selectors, services
from notifications.doorbell import BROADCASTS_GROUP, CLOSE_ACCOUNT_GONE, client_group
from notifications.serializers import notification_frame

logger = logging.getLogger(__name__)

Frame = dict[str, Any]

# An accepted socket whose setup failed closes with "internal error": the app
# reconnects after 2 s (`mobile-api.md` §7.4) and the new socket replays.
CLOSE_SERVER_ERROR = 1011


@database_sync_to_async
def _replay(client_id: int) -> list[Frame]:
    rows = services.replay_claim(client_id=client_id, limit=settings.WS_REPLAY_LIMIT)
    return [notification_frame(row) for row in rows]


@database_sync_to_async
def _deliver(client_id: int, notification_id: int) -> Frame | None:
    """The frame of a rung row of this client, marked delivered in the same call.

    One thread hop per ring: the frame goes out right after; a row another
    socket already marked keeps its `sent_at`.
    """
    row = selectors.inbox_notification_get(
        client_id=client_id, notification_id=notification_id
    )
    if row is None:
        return None
    if not row.is_sent:
        services.notifications_mark_sent(client_id=client_id, notification_ids=[row.pk])
    return notification_frame(row)


@database_sync_to_async
def _mark_sent(client_id: int, notification_ids: list[int]) -> None:
    services.notifications_mark_sent(
        client_id=client_id, notification_ids=notification_ids
    )


class _BroadcastBatch:
    """Sockets of one process waiting for their copies of one broadcast.

    Sockets join in the event loop until the batch's database call starts in
    Channels' database thread and closes it (hence the lock); later sockets
    open the next batch.
    """

    def __init__(self, broadcast_id: int) -> None:
        self.broadcast_id = broadcast_id
        self._waiters: dict[int, list[asyncio.Future[Frame | None]]] = {}
        self._lock = threading.Lock()
        self._is_open = True

    def join(self, client_id: int) -> asyncio.Future[Frame | None] | None:
        """A future for the client's frame, or None if the batch has closed."""
        with self._lock:
            if not self._is_open:
                return None
            future: asyncio.Future[Frame | None] = (
                asyncio.get_running_loop().create_future()
            )
            future.add_done_callback(_consume_exception)
            self._waiters.setdefault(client_id, []).append(future)
            return future

    def leave(self, client_id: int, future: asyncio.Future[Frame | None]) -> None:
        """Drop a gone socket; a client with no socket left is not claimed."""
        with self._lock:
            if not self._is_open:
                return
            futures = self._waiters.get(client_id, [])
            with contextlib.suppress(ValueError):
                futures.remove(future)
            if not futures:
                self._waiters.pop(client_id, None)

    def close(self) -> list[int]:
        """Take no more sockets; the clients collected so far."""
        with self._lock:
            self._is_open = False
            return list(self._waiters)

    def resolve(self, frames: dict[int, Frame]) -> None:
        self.close()
        for client_id, futures in self._waiters.items():
            frame = frames.get(client_id)
            for future in futures:
                if not future.done():
                    future.set_result(frame)

    def fail(self, error: Exception) -> None:
        self.close()
        for future in self._pending():
            future.set_exception(error)

    def cancel(self) -> None:
        self.close()
        for future in self._pending():
            future.cancel()

    def _pending(self) -> list[asyncio.Future[Frame | None]]:
        return [f for fs in self._waiters.values() for f in fs if not f.done()]


def _consume_exception(future: asyncio.Future[Any]) -> None:
    # A waiter cancelled after its future failed never reads the error, which
    # asyncio would then log as "never retrieved"; its socket is gone anyway.
    if not future.cancelled():
        future.exception()


@database_sync_to_async
def _broadcast_frames(batch: _BroadcastBatch) -> dict[int, Frame]:
    copies = services.broadcast_copies_claim(
        broadcast_id=batch.broadcast_id, client_ids=batch.close()
    )
    return {client_id: notification_frame(row) for client_id, row in copies.items()}


class BroadcastBatcher:
    """Serve every socket of this process rung by one broadcast in one database call.

    Channels runs a process's database calls one at a time, so a call per
    socket queues thousands of calls. Here the first socket rung by a
    broadcast opens a batch and schedules its call; sockets rung meanwhile
    join it. The collection window is no timer: a batch collects for one
    loop tick (its call is scheduled as a task) plus however long the call
    waits for the database thread, which is nothing when the process is idle
    and the previous call's duration under load. If the call fails, every
    waiting socket's handler raises its error, as its own call would have.
    """

    def __init__(self) -> None:
        self._open: dict[int, _BroadcastBatch] = {}
        self._calls: set[asyncio.Task[None]] = set()

    async def frame(self, *, client_id: int, broadcast_id: int) -> Frame | None:
        """The frame of the client's copy, marked delivered; None without a copy."""
        batch = self._open.get(broadcast_id)
        future = batch.join(client_id) if batch is not None else None
        while batch is None or future is None:
            batch = self._open_batch(broadcast_id)
            future = batch.join(client_id)
        try:
            return await future
        except asyncio.CancelledError:
            batch.leave(client_id, future)
            raise

    def _open_batch(self, broadcast_id: int) -> _BroadcastBatch:
        batch = self._open[broadcast_id] = _BroadcastBatch(broadcast_id)
        call = asyncio.get_running_loop().create_task(self._claim(batch))
        self._calls.add(call)  # the loop keeps only weak references to tasks
        call.add_done_callback(self._calls.discard)
        return batch

    async def _claim(self, batch: _BroadcastBatch) -> None:
        try:
            frames = await _broadcast_frames(batch)
        except Exception as error:  # raised again in every waiting handler
            batch.fail(error)
        except BaseException:
            batch.cancel()
            raise
        else:
            batch.resolve(frames)
        finally:
            if self._open.get(batch.broadcast_id) is batch:
                del self._open[batch.broadcast_id]


# One batcher per event loop: a server process serves all its sockets from one
# loop, while tests run each in a loop of its own.
_batchers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, BroadcastBatcher] = (
    weakref.WeakKeyDictionary()
)


def broadcast_batcher() -> BroadcastBatcher:
    loop = asyncio.get_running_loop()
    batcher = _batchers.get(loop)
    if batcher is None:
        batcher = _batchers[loop] = BroadcastBatcher()
    return batcher


# channels_redis forgets group members after `group_expiry` (a day by default);
# a socket that lives longer re-joins its groups on this period.
GROUP_REFRESH_SECONDS = 3600.0


class NotificationConsumer(AsyncWebsocketConsumer):
    client_id: int
    sent_ids: set[int]
    refresher: asyncio.Task[None] | None = None
    is_member = False  # may be in its groups: joined (or tried to), not left since

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Serve the socket; however the consumer ends, leave its groups.

        Channels calls `disconnect` only on the client's `websocket.disconnect`.
        A handler that raises, or a cancelled consumer (server shutdown, a close
        that took too long), would otherwise keep its refresher running forever
        and its channel in `broadcasts`, rung by every broadcast for nothing.
        """
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self._leave()

    async def connect(self) -> None:
        user = self.scope.get("user")
        if not isinstance(user, Client):
            # Closing before accept: the server answers the handshake with 403.
            await self.close()
            return
        self.client_id = user.pk
        self.sent_ids = set()
        # No subprotocol: the token the app offers there is never echoed.
        await self.accept()
        self.is_member = True
        try:
            # Join before reading the inbox: a row committed after the read rings us.
            await self._join()
            frames = await _replay(self.client_id)
        except Exception:
            # A socket in no group gets no rings: close it for a reconnect here
            # instead of dying and leaving the close to the ASGI server. Its rows
            # wait undelivered for the reconnect's replay.
            logger.warning(
                "notifications socket setup failed; closed for a reconnect",
                exc_info=True,
                extra={"client_id": self.client_id},
            )
            await self.close(code=CLOSE_SERVER_ERROR)
            await self._leave()
            return
        self.refresher = asyncio.create_task(self._keep_joined())
        for frame in frames:
            await self._send_frame(frame)
        await _mark_sent(self.client_id, [f["notification_id"] for f in frames])

    def _groups(self) -> tuple[str, str]:
        return client_group(self.client_id), BROADCASTS_GROUP

    async def _join(self) -> None:
        for group in self._groups():
            await self.channel_layer.group_add(group, self.channel_name)

    async def _keep_joined(self) -> None:
        # Stops on the flag as well as on cancellation: on Python 3.11 a cancel
        # that lands as a Redis write completes is lost (redis-py writes under
        # `asyncio.wait_for`, which swallows it then), and the loop would go on.
        while self.is_member:
            await asyncio.sleep(GROUP_REFRESH_SECONDS)
            with contextlib.suppress(Exception):  # retried on the next period
                await self._join()

    async def _leave(self) -> None:
        """Stop the refresher and leave the groups; a second call does nothing.

        A failed discard is logged: the membership then lasts until the layer's
        `group_expiry`, and its rings find no consumer.
        """
        was_member, self.is_member = self.is_member, False
        refresher, self.refresher = self.refresher, None
        if refresher is not None:
            refresher.cancel()
            # Let a join in flight end before the discards, so none re-adds us.
            await asyncio.wait([refresher])
        if not was_member:
            return
        for group in self._groups():
            try:
                await self.channel_layer.group_discard(group, self.channel_name)
            except Exception:
                logger.warning(
                    "notifications socket left a group it could not discard",
                    exc_info=True,
                    extra={"client_id": self.client_id},
                )

    async def dispatch(self, message: dict[str, Any]) -> None:
        if message.get("type") == "broadcast.ring":
            # Channels closes stale connections in its one database thread before
            # every handler: a thread hop per rung socket, the very queue the
            # batcher removes. This handler reaches the database only through
            # `_broadcast_frames`, which closes them itself.
            await self.broadcast_ring(message)
            return
        await super().dispatch(message)

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None
    ) -> None:
        """Frames from the app (its auth frame included) are read and ignored."""

    async def inbox_ring(self, event: dict[str, Any]) -> None:
        notification_id = event.get("notification_id")
        if not isinstance(notification_id, int) or notification_id in self.sent_ids:
            return
        frame = await _deliver(self.client_id, notification_id)
        if frame is not None:
            await self._send_frame(frame)

    async def broadcast_ring(self, event: dict[str, Any]) -> None:
        broadcast_id = event.get("broadcast_id")
        if not isinstance(broadcast_id, int):
            return
        frame = await broadcast_batcher().frame(
            client_id=self.client_id, broadcast_id=broadcast_id
        )
        if frame is not None:
            await self._send_frame(frame)

    async def account_closed(self, event: dict[str, Any]) -> None:
        await self.close(code=CLOSE_ACCOUNT_GONE)

    async def _send_frame(self, frame: dict[str, Any]) -> bool:
        notification_id = frame["notification_id"]
        if notification_id in self.sent_ids:
            return False
        self.sent_ids.add(notification_id)
        await self.send(text_data=json.dumps(frame, ensure_ascii=False))
        return True
