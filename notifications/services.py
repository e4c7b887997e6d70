"""Inbox writes: persist first, ring the doorbell after commit."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction

from accounts.models import Client
from notifications.doorbell import inbox_ring
from notifications.models import Broadcast, DeviceRegistration, Notification

LANGUAGES = ("uz", "ru")


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
