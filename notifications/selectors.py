"""Reads of the inbox and of broadcasts, scoped to the requester."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.db.models import Count, QuerySet

from accounts.models import Client
from notifications.exceptions import NotificationNotFound
from notifications.models import Broadcast, Notification
from sardoba.compiled_reads import CompiledRead, concrete_attnames, instance_from_row

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


def _inbox_columns(client_id: int, limit: int) -> QuerySet[Notification]:
    return (
        Notification.objects.filter(client_id=client_id)
        .order_by("-created_at", "-id")
        .values_list(*concrete_attnames(Notification))[:limit]
    )


def _unread_count_column(client_id: int) -> QuerySet[Notification]:
    return (
        Notification.objects.filter(client_id=client_id, is_read=False)
        .values("client_id")
        .annotate(unread=Count("pk"))
        .values_list("unread")
    )


# The app's home screen asks for `limit=1`; 50 is the default.
_INBOX_READS = {
    limit: CompiledRead(functools.partial(_inbox_columns, limit=limit))
    for limit in (1, INBOX_DEFAULT_LIMIT)
}
_UNREAD_COUNT = CompiledRead(_unread_count_column)


def inbox_list_for_client(*, client: Client, limit: int) -> InboxPage:
    """The client's newest `limit` rows and the count of every unread row.

    The app's two limits and the count run precompiled (`sardoba.compiled_reads`).
    """
    read = _INBOX_READS.get(limit)
    rows = _inbox_columns(client.pk, limit) if read is None else read.rows(client.pk)
    items = [instance_from_row(Notification, row, 0)[0] for row in rows]
    counted = _UNREAD_COUNT.rows(client.pk)
    return InboxPage(
        items=items,  # type: ignore[arg-type]
        unread_count=counted[0][0] if counted else 0,
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
