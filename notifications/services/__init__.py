"""Notification writes: the inbox, delivery marks, broadcasts, personal sends, devices.

Re-exported here so callers import `notifications.services` only.
"""

from notifications.services.broadcasts import (
    broadcast_create,
    broadcast_delete,
    broadcast_update,
    notifications_send,
)
from notifications.services.devices import device_register
from notifications.services.inbox import (
    LANGUAGES,
    broadcast_copies_claim,
    client_language,
    inbox_notification_create,
    inbox_notifications_bulk_create,
    notification_mark_read,
    notifications_mark_sent,
    replay_claim,
)

__all__ = [
    "LANGUAGES",
    "broadcast_copies_claim",
    "broadcast_create",
    "broadcast_delete",
    "broadcast_update",
    "client_language",
    "device_register",
    "inbox_notification_create",
    "inbox_notifications_bulk_create",
    "notification_mark_read",
    "notifications_mark_sent",
    "notifications_send",
    "replay_claim",
]
