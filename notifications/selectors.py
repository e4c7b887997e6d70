"""Reads of the inbox and of broadcasts, scoped to the requester."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.db.models import Count, IntegerField, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

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


def _unread_count(client_id: int) -> Coalesce:
    """The client's unread rows counted in a subquery that runs once per page read."""
    counted = (
        Notification.objects.filter(client_id=client_id, is_read=False)
        .values("client_id")
        .annotate(unread=Count("pk"))
        .values("unread")
    )
    return Coalesce(Subquery(counted), Value(0), output_field=IntegerField())


def _inbox_columns(client_id: int, limit: int) -> QuerySet[Notification]:
    """The newest `limit` rows, each followed by the client's unread count.

    One statement instead of a page read and a count: an empty page means the
    client has no rows at all, so no unread ones either.
    """
    return (
        Notification.objects.filter(client_id=client_id)
        .annotate(inbox_unread=_unread_count(client_id))
        .order_by("-created_at", "-id")
        .values_list(*concrete_attnames(Notification), "inbox_unread")[:limit]
    )


# The app's home screen asks for `limit=1`; 50 is the default.
_INBOX_READS = {
    limit: CompiledRead(functools.partial(_inbox_columns, limit=limit))
    for limit in (1, INBOX_DEFAULT_LIMIT)
}


def inbox_list_for_client(*, client: Client, limit: int) -> InboxPage:
    """The client's newest `limit` rows and the count of every unread row.

    The app's two limits run precompiled (`sardoba.compiled_reads`).
    """
    read = _INBOX_READS.get(limit)
    rows = _inbox_columns(client.pk, limit) if read is None else read.rows(client.pk)
    items, unread = [], 0
    for row in rows:
        item, end = instance_from_row(Notification, row, 0)
        items.append(item)
        unread = row[end]
    return InboxPage(items=items, unread_count=unread)  # type: ignore[arg-type]


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
