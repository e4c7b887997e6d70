"""Reads of the inbox and of broadcasts, scoped to the requester."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from accounts.models import Client
from notifications.exceptions import NotificationNotFound
from notifications.models import Broadcast, Notification

INBOX_DEFAULT_LIMIT = 50
INBOX_MAX_LIMIT = 200


@dataclass(frozen=True, slots=True)
class InboxPage:
    items: list[Notification]
    unread_count: int


def inbox_limit_clean(raw: object) -> int:
    """`limit` of M9: 1..200 clamped, 50 when missing or not a number."""
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        return INBOX_DEFAULT_LIMIT
    return min(max(value, 1), INBOX_MAX_LIMIT)


def inbox_list_for_client(*, client: Client, limit: int) -> InboxPage:
    """The client's newest `limit` rows and the count of every unread row."""
    rows = Notification.objects.filter(client_id=client.pk)
    return InboxPage(
        items=list(rows.order_by("-created_at", "-id")[:limit]),
        unread_count=rows.filter(is_read=False).count(),
    )


def inbox_notification_get(
    *, client_id: int, notification_id: int
) -> Notification | None:
    """The client's row `notification_id`, or None (never someone else's)."""
    return Notification.objects.filter(client_id=client_id, pk=notification_id).first()


def broadcast_list() -> QuerySet[Broadcast]:
    return Broadcast.objects.order_by("-created_at", "-id")


def broadcast_get(*, broadcast_id: int) -> Broadcast:
    broadcast = Broadcast.objects.filter(pk=broadcast_id).first()
    if broadcast is None:
        raise NotificationNotFound()
    return broadcast
