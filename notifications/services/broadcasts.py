"""Manager broadcasts (`domain-rules.md` §10.3) and personal sends (§10.4)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Subquery

from accounts.models import Client, Staff
from accounts.services.logs import audit_record
from notifications.doorbell import broadcast_ring
from notifications.exceptions import NoFieldsProvided
from notifications.models import Broadcast, DeviceRegistration, Notification
from notifications.services.fan_out import (
    BROADCAST_FAN_OUT_BATCH_SIZE,
    broadcast_copies_create,
)
from notifications.services.inbox import inbox_notifications_bulk_create

BROADCAST_TYPE = "broadcast"


def _broadcast_fields(broadcast: Broadcast) -> dict[str, Any]:
    return {"title": broadcast.title, "description": broadcast.description}


def _recipients(clients: Any) -> list[tuple[int, str]]:
    """`(client_id, preferred language)` of the given clients, in one query."""
    latest_language = (
        DeviceRegistration.objects.filter(client_id=OuterRef("pk"))
        .order_by("-updated_at", "-id")
        .values("language")[:1]
    )
    return [
        (pk, language or "ru")
        for pk, language in clients.annotate(
            preferred_language=Subquery(latest_language)
        )
        .order_by("pk")
        .values_list("pk", "preferred_language")
    ]


def broadcast_create(
    *,
    staff: Staff | None,
    title: str,
    description: str,
    request: Any = None,
    batch_size: int = BROADCAST_FAN_OUT_BATCH_SIZE,
) -> Broadcast:
    """Store a broadcast and copy it into every active client's inbox.

    The recipients are the active, non-deleted clients at this moment. The
    database writes the copies itself, one INSERT ... SELECT per `batch_size`
    client ids (no long transaction or lock; see `broadcast_copies_create`),
    then one ring tells every connected socket to fetch its copy. Must not be
    called inside an open transaction.
    """
    with transaction.atomic():
        broadcast = Broadcast.objects.create(
            title=title,
            description=description,
            notification_type=BROADCAST_TYPE,
            created_by=staff if isinstance(staff, Staff) else None,
        )
        audit_record(
            staff=staff,
            action="notification_broadcast_create",
            entity="notification",
            entity_id=broadcast.pk,
            after=_broadcast_fields(broadcast),
            request=request,
        )
    count = broadcast_copies_create(
        broadcast=broadcast, clients=Client.objects.active(), batch_size=batch_size
    )
    Broadcast.objects.filter(pk=broadcast.pk).update(recipients_count=count)
    broadcast.recipients_count = count
    transaction.on_commit(
        partial(broadcast_ring, broadcast_id=broadcast.pk), robust=True
    )
    return broadcast


@transaction.atomic
def broadcast_update(
    *,
    staff: Staff | None,
    broadcast: Broadcast,
    title: str | None = None,
    description: str | None = None,
    request: Any = None,
) -> Broadcast:
    """Change the text of a broadcast and of its inbox copies; nothing is pushed."""
    changes = {
        key: value
        for key, value in (("title", title), ("description", description))
        if value is not None
    }
    if not changes:
        raise NoFieldsProvided()
    broadcast = Broadcast.objects.select_for_update().get(pk=broadcast.pk)
    before = _broadcast_fields(broadcast)
    for key, value in changes.items():
        setattr(broadcast, key, value)
    broadcast.save(update_fields=[*changes, "updated_at"])
    Notification.objects.filter(broadcast_id=broadcast.pk).update(**changes)
    audit_record(
        staff=staff,
        action="notification_broadcast_update",
        entity="notification",
        entity_id=broadcast.pk,
        before=before,
        after=_broadcast_fields(broadcast),
        request=request,
    )
    return broadcast


@transaction.atomic
def broadcast_delete(
    *, staff: Staff | None, broadcast: Broadcast, request: Any = None
) -> None:
    """Delete a broadcast and every inbox copy of it."""
    before = _broadcast_fields(broadcast)
    pk = broadcast.pk
    Notification.objects.filter(broadcast_id=pk).delete()
    Broadcast.objects.filter(pk=pk).delete()
    audit_record(
        staff=staff,
        action="notification_broadcast_delete",
        entity="notification",
        entity_id=pk,
        before=before,
        request=request,
    )


@dataclass(frozen=True, slots=True)
class SendResult:
    created: int
    skipped: list[int]


def notifications_send(
    *,
    staff: Staff | None,
    user_ids: list[int],
    title: str,
    description: str,
    notification_type: str | None = None,
    payload: dict[str, Any] | None = None,
    language: str | None = None,
    request: Any = None,
) -> SendResult:
    """One inbox row per listed active client; unknown, deleted, inactive ids skipped.

    Duplicates are ignored; `language` (uz/ru) overrides each recipient's
    preferred language. Rows are rung after their batch commits.
    """
    wanted = list(dict.fromkeys(user_ids))
    recipients = _recipients(Client.objects.active().filter(pk__in=wanted))
    if language in ("uz", "ru"):
        recipients = [(pk, language) for pk, _ in recipients]
    found = {pk for pk, _ in recipients}
    skipped = [pk for pk in wanted if pk not in found]
    created = inbox_notifications_bulk_create(
        recipients=recipients,
        title=title,
        description=description,
        notification_type=notification_type,
        payload=payload,
    )
    audit_record(
        staff=staff,
        action="notification_send",
        entity="notification",
        entity_id=None,
        after={
            "title": title,
            "notification_type": notification_type,
            "recipients": sorted(found),
            "skipped": skipped,
        },
        request=request,
    )
    return SendResult(created=created, skipped=skipped)
