"""The notifications socket (`mobile-api.md` §7).

The inbox is the truth; a ring only says "row N exists". Every socket keeps
the ids it has sent, so replay and live push racing never send an id twice on
one connection, while every open socket of a client still gets every live row.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from accounts.models import Client
from notifications import selectors, services
from notifications.doorbell import BROADCASTS_GROUP, CLOSE_ACCOUNT_GONE, client_group
from notifications.models import Notification
from notifications.serializers import notification_frame


@database_sync_to_async
def _replay(client_id: int) -> list[dict[str, Any]]:
    rows = services.replay_claim(client_id=client_id, limit=settings.WS_REPLAY_LIMIT)
    return [notification_frame(row) for row in rows]


@database_sync_to_async
def _deliver(
    client_id: int, notification_id: int | None = None, broadcast_id: int | None = None
) -> dict[str, Any] | None:
    """The frame of a rung row of this client, marked delivered in the same call.

    One thread hop and one connection per ring: with thousands of sockets rung
    by a broadcast this halves the database round trips. The frame goes out
    right after; a row another socket already marked keeps its `sent_at`.
    """
    row: Notification | None
    if notification_id is not None:
        row = selectors.inbox_notification_get(
            client_id=client_id, notification_id=notification_id
        )
    else:
        row = selectors.broadcast_copy_get(
            client_id=client_id, broadcast_id=broadcast_id or 0
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


# channels_redis forgets group members after `group_expiry` (a day by default);
# a socket that lives longer re-joins its groups on this period.
GROUP_REFRESH_SECONDS = 3600.0


class NotificationConsumer(AsyncWebsocketConsumer):
    client_id: int
    sent_ids: set[int]
    refresher: asyncio.Task[None] | None = None

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
        # Join before reading the inbox: a row committed after the read rings us.
        await self._join()
        self.refresher = asyncio.create_task(self._keep_joined())
        frames = await _replay(self.client_id)
        for frame in frames:
            await self._send_frame(frame)
        await _mark_sent(self.client_id, [f["notification_id"] for f in frames])

    async def _join(self) -> None:
        await self.channel_layer.group_add(
            client_group(self.client_id), self.channel_name
        )
        await self.channel_layer.group_add(BROADCASTS_GROUP, self.channel_name)

    async def _keep_joined(self) -> None:
        while True:
            await asyncio.sleep(GROUP_REFRESH_SECONDS)
            with contextlib.suppress(Exception):  # retried on the next period
                await self._join()

    async def disconnect(self, code: int) -> None:
        if self.refresher is not None:
            self.refresher.cancel()
        if getattr(self, "client_id", None) is None:
            return
        await self.channel_layer.group_discard(
            client_group(self.client_id), self.channel_name
        )
        await self.channel_layer.group_discard(BROADCASTS_GROUP, self.channel_name)

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None
    ) -> None:
        """Frames from the app (its auth frame included) are read and ignored."""

    async def inbox_ring(self, event: dict[str, Any]) -> None:
        notification_id = event.get("notification_id")
        if not isinstance(notification_id, int) or notification_id in self.sent_ids:
            return
        frame = await _deliver(self.client_id, notification_id=notification_id)
        if frame is not None:
            await self._send_frame(frame)

    async def broadcast_ring(self, event: dict[str, Any]) -> None:
        broadcast_id = event.get("broadcast_id")
        if not isinstance(broadcast_id, int):
            return
        frame = await _deliver(self.client_id, broadcast_id=broadcast_id)
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
