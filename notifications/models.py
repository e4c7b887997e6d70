"""The per-client inbox (source of truth), manager broadcasts and devices."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from accounts.models import Client, Staff


class Broadcast(models.Model):
    """A notification a manager wrote for every active client (§10.3)."""

    title = models.CharField(max_length=255)
    description = models.TextField()
    notification_type = models.CharField(max_length=64, default="broadcast")
    payload = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=8, null=True, blank=True)
    created_by = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recipients_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Notification(models.Model):
    """One item of a client's inbox; the WebSocket only rings about it."""

    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="notifications"
    )
    broadcast = models.ForeignKey(
        Broadcast,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="copies",
        db_index=False,  # notif_broadcast_client leads with it
    )
    title = models.CharField(max_length=255)
    description = models.TextField()
    notification_type = models.CharField(max_length=64, null=True, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=8, default="ru")
    is_read = models.BooleanField(default=False)
    is_sent = models.BooleanField(default=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["client", "-created_at", "-id"], name="notif_client_newest"
            ),
            # A process claiming its sockets' copies of a broadcast looks up
            # (broadcast, client) pairs; it also serves every broadcast-only query.
            models.Index(fields=["broadcast", "client"], name="notif_broadcast_client"),
            models.Index(
                fields=["client", "created_at", "id"],
                condition=Q(is_sent=False),
                name="notif_client_unsent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} -> client #{self.client_id}"


class DeviceType(models.TextChoices):
    IOS = "ios"
    ANDROID = "android"


class DeviceRegistration(models.Model):
    """A device of a client (`mobile-api.md` §8); its language is the preference."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="devices")
    device_type = models.CharField(max_length=8, choices=DeviceType.choices)
    device_token = models.CharField(max_length=512, null=True, blank=True)
    language = models.CharField(max_length=8, default="ru")
    uses_websocket = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["device_token"],
                condition=Q(device_token__isnull=False),
                name="notifications_device_unique_token",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.device_type} of client #{self.client_id}"
