"""Ring or close a client's sockets through the channel layer.

The ring carries only the inbox id: a lost ring costs a delay, never a
notification, because the consumer re-reads the row and replays on connect.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)

CLOSE_ACCOUNT_GONE = 4003
BROADCASTS_GROUP = "broadcasts"
_RING_CONCURRENCY = 100


def client_group(client_id: int) -> str:
    return f"user.{client_id}"


def inbox_ring(*, client_id: int, notification_id: int) -> None:
    """Tell every socket of the client that inbox row `notification_id` exists."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(
            client_group(client_id),
            {"type": "inbox.ring", "notification_id": notification_id},
        )
    except Exception:  # the inbox row waits for replay; never fail the caller
        logger.warning("doorbell ring failed", extra={"client_id": client_id})


def inbox_ring_many(pairs: Sequence[tuple[int, int]]) -> None:
    """Ring many `(client_id, notification_id)` pairs in one event-loop pass."""
    layer = get_channel_layer()
    if layer is None or not pairs:
        return

    async def ring_all() -> None:
        for start in range(0, len(pairs), _RING_CONCURRENCY):
            await asyncio.gather(
                *(
                    layer.group_send(
                        client_group(client_id),
                        {"type": "inbox.ring", "notification_id": notification_id},
                    )
                    for client_id, notification_id in pairs[
                        start : start + _RING_CONCURRENCY
                    ]
                )
            )

    try:
        async_to_sync(ring_all)()
    except Exception:  # the rows wait for replay; never fail the caller
        logger.warning("doorbell ring failed", extra={"rings": len(pairs)})


def broadcast_ring(*, broadcast_id: int) -> None:
    """Tell every open socket that its copy of broadcast `broadcast_id` exists."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(
            BROADCASTS_GROUP, {"type": "broadcast.ring", "broadcast_id": broadcast_id}
        )
    except Exception:
        logger.warning("broadcast ring failed", extra={"broadcast_id": broadcast_id})


def sockets_close(*, client_id: int) -> None:
    """Close every open socket of the client with 4003 (deleted or deactivated)."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(
            client_group(client_id),
            {"type": "account.closed", "code": CLOSE_ACCOUNT_GONE},
        )
    except Exception:
        logger.warning("socket close ring failed", extra={"client_id": client_id})
