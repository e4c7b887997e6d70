"""Inbox writes: persist first, ring the doorbell after commit; delivery marks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Client
from notifications.doorbell import inbox_ring, inbox_ring_many
from notifications.exceptions import NotificationNotFound
from notifications.models import Broadcast, DeviceRegistration, Notification

LANGUAGES = ("uz", "ru")
FAN_OUT_BATCH_SIZE = 1000
# Clients per query when a process claims its sockets' copies of a broadcast:
# keeps every `IN` list (and SQLite's bound-parameter count) bounded.
BROADCAST_CLAIM_CHUNK_SIZE = 1000


def client_language(*, client_id: int) -> str:
    """The `language` of the client's most recently updated device, else `ru`."""
    language = (
        DeviceRegistration.objects.filter(client_id=client_id)
        .order_by("-updated_at", "-id")
        .values_list("language", flat=True)
        .first()
    )
    return language if language in LANGUAGES else "ru"


def inbox_notification_create(
    *,
    client: Client,
    title: str,
    description: str,
    notification_type: str | None,
    payload: dict[str, Any] | None = None,
    language: str | None = None,
    broadcast: Broadcast | None = None,
) -> Notification:
    """Write one inbox row in the caller's transaction and ring after commit."""
    notification = Notification.objects.create(
        client=client,
        title=title,
        description=description,
        notification_type=notification_type,
        payload=payload or {},
        language=language
        if language in LANGUAGES
        else client_language(client_id=client.pk),
        broadcast=broadcast,
    )
    transaction.on_commit(
        partial(inbox_ring, client_id=client.pk, notification_id=notification.pk),
        robust=True,
    )
    return notification


def _batches(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def inbox_notifications_bulk_create(
    *,
    recipients: Sequence[tuple[int, str]],
    title: str,
    description: str,
    notification_type: str | None,
    payload: dict[str, Any] | None = None,
    broadcast: Broadcast | None = None,
    ring: bool = True,
    batch_size: int = FAN_OUT_BATCH_SIZE,
) -> int:
    """Write one inbox row per `(client_id, language)`, in short batches.

    Each batch is its own transaction (no lock or transaction spans the whole
    fan-out) and, when `ring`, rings its rows after that batch commits. Must
    not be called inside an open transaction when the batches matter.
    Returns the number of rows written.
    """
    created = 0
    for batch in _batches(recipients, batch_size):
        with transaction.atomic():
            rows = Notification.objects.bulk_create(
                Notification(
                    client_id=client_id,
                    title=title,
                    description=description,
                    notification_type=notification_type,
                    payload=payload or {},
                    language=language if language in LANGUAGES else "ru",
                    broadcast=broadcast,
                )
                for client_id, language in batch
            )
            if ring:
                pairs = [(row.client_id, row.pk) for row in rows]
                transaction.on_commit(partial(inbox_ring_many, pairs), robust=True)
        created += len(rows)
    return created


def notification_mark_read(*, client: Client, notification_id: int) -> None:
    """Mark one of the client's rows read (idempotent); someone else's is a 404."""
    rows = Notification.objects.filter(client_id=client.pk, pk=notification_id)
    if not rows.update(is_read=True):
        raise NotificationNotFound()


def notifications_mark_sent(*, client_id: int, notification_ids: Iterable[int]) -> int:
    """Mark rows delivered once: a conditional UPDATE, the first socket wins.

    Rows already delivered keep their `sent_at`. Returns how many rows changed.
    """
    ids = list(notification_ids)
    if not ids:
        return 0
    return Notification.objects.filter(
        client_id=client_id, pk__in=ids, is_sent=False
    ).update(is_sent=True, sent_at=timezone.now())


def broadcast_copies_claim(
    *,
    broadcast_id: int,
    client_ids: Iterable[int],
    chunk_size: int = BROADCAST_CLAIM_CHUNK_SIZE,
) -> dict[int, Notification]:
    """Each client's inbox copy of broadcast `broadcast_id`, marked delivered.

    For the sockets of one process rung by the broadcast: per `chunk_size`
    clients, one SELECT reads their copies and one conditional UPDATE marks the
    undelivered ones sent, so the first socket wins and a row already delivered
    keeps its `sent_at` (as `notifications_mark_sent`). The frames go out right
    after. A client with several copies gets its oldest one (lowest id); a
    client without a copy is left out. Returns `{client_id: row}`, rows as read.
    """
    ids = sorted(set(client_ids))
    copies: dict[int, Notification] = {}
    for chunk in _batches(ids, chunk_size):
        found: dict[int, Notification] = {}
        for row in Notification.objects.filter(
            broadcast_id=broadcast_id, client_id__in=chunk
        ).order_by("id"):
            found.setdefault(row.client_id, row)
        undelivered = [row.pk for row in found.values() if not row.is_sent]
        if undelivered:
            Notification.objects.filter(pk__in=undelivered, is_sent=False).update(
                is_sent=True, sent_at=timezone.now()
            )
        copies.update(found)
    return copies


def replay_claim(*, client_id: int, limit: int) -> list[Notification]:
    """The rows a new socket replays: the `limit` most recent undelivered, oldest first.

    Undelivered rows older than those are marked delivered without being sent
    (`mobile-api.md` §7.2); rows newer than the read are left to their rings.
    The returned rows are marked sent by the caller, through
    `notifications_mark_sent`, once their frames are out.
    """
    undelivered = Notification.objects.filter(client_id=client_id, is_sent=False)
    newest = list(undelivered.order_by("-created_at", "-id")[: max(limit, 0)])
    if newest:
        oldest = newest[-1]
        older = undelivered.filter(
            Q(created_at__lt=oldest.created_at)
            | Q(created_at=oldest.created_at, id__lt=oldest.pk)
        )
    else:
        older = undelivered if limit <= 0 else undelivered.none()
    older.update(is_sent=True, sent_at=timezone.now())
    newest.reverse()
    return newest
