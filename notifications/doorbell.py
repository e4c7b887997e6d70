"""Ring or close a client's sockets through the channel layer.

The ring carries only the inbox id: a lost ring costs a delay, never a
notification, because the consumer re-reads the row and replays on connect.
"""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)

CLOSE_ACCOUNT_GONE = 4003


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
