"""Wire shapes: inbox items (§5.5), socket frames (§7.3), device and staff inputs."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from notifications.models import Broadcast, DeviceType, Notification
from sardoba.api.rendering import datetime_render


class InboxItemOut(serializers.ModelSerializer):
    type = serializers.CharField(source="notification_type", allow_null=True)
    sent_at = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = (
            "id",
            "title",
            "description",
            "type",
            "payload",
            "language",
            "is_read",
            "is_sent",
            "sent_at",
            "created_at",
        )

    def get_sent_at(self, notification: Notification) -> str:
        # Never null on the wire: the app shows a null as "now".
        return serializers.DateTimeField().to_representation(
            notification.sent_at or notification.created_at
        )

    def to_representation(self, instance: Notification) -> dict[str, Any]:
        return inbox_item_data(instance)


def inbox_item_data(notification: Notification) -> dict[str, Any]:
    """An inbox row as `InboxItemOut` declares it (sardoba/api/rendering.py)."""
    return {
        "id": notification.pk,
        "title": notification.title,
        "description": notification.description,
        "type": notification.notification_type,
        "payload": notification.payload,
        "language": notification.language,
        "is_read": notification.is_read,
        "is_sent": notification.is_sent,
        "sent_at": datetime_render(notification.sent_at or notification.created_at),
        "created_at": datetime_render(notification.created_at),
    }


class InboxPageOut(serializers.Serializer):
    unread_count = serializers.IntegerField()
    items = InboxItemOut(many=True)


class NotificationFrameOut(serializers.ModelSerializer):
    """The socket frame (§7.3), declared; `notification_frame` builds the same dict."""

    notification_id = serializers.IntegerField(source="pk")
    type = serializers.CharField(source="notification_type", allow_null=True)

    class Meta:
        model = Notification
        fields = (
            "notification_id",
            "title",
            "description",
            "created_at",
            "type",
            "language",
            "payload",
        )


def notification_frame(notification: Notification) -> dict[str, Any]:
    """The socket frame of an inbox row: `NotificationFrameOut`'s dict, built directly.

    A broadcast builds one frame per connected client, and a ModelSerializer
    per row costs more than the row's read; a test holds both to the same bytes.
    """
    return {
        "notification_id": notification.pk,
        "title": notification.title,
        "description": notification.description,
        "created_at": datetime_render(notification.created_at),
        "type": notification.notification_type,
        "language": notification.language,
        "payload": notification.payload,
    }


class _AliasedInput(serializers.Serializer):
    """Accepts the snake_case forms of the camelCase contract keys."""

    aliases: dict[str, str] = {}

    def to_internal_value(self, data: Any) -> Any:
        if hasattr(data, "items"):
            data = dict(data.items())
            for snake, camel in self.aliases.items():
                if camel not in data and snake in data:
                    data[camel] = data[snake]
        return super().to_internal_value(data)


class DeviceRegisterIn(_AliasedInput):
    aliases = {
        "device_type": "deviceType",
        "device_token": "deviceToken",
        "uses_websocket": "usesWebSocket",
    }
    deviceType = serializers.ChoiceField(choices=DeviceType.choices)
    deviceToken = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, max_length=512
    )
    language = serializers.JSONField(required=False)
    usesWebSocket = serializers.BooleanField(required=False, allow_null=True)


class BroadcastOut(serializers.ModelSerializer):
    class Meta:
        model = Broadcast
        fields = ("id", "title", "description", "created_at", "recipients_count")


class BroadcastCreateIn(serializers.Serializer):
    title = serializers.CharField(max_length=255)
    description = serializers.CharField()


class BroadcastUpdateIn(serializers.Serializer):
    title = serializers.CharField(max_length=255, required=False)
    description = serializers.CharField(required=False)


class NotificationSendIn(_AliasedInput):
    aliases = {"user_ids": "userIds", "notification_type": "notificationType"}
    userIds = serializers.ListField(child=serializers.IntegerField())
    title = serializers.CharField(max_length=255)
    description = serializers.CharField()
    notificationType = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, max_length=64
    )
    payload = serializers.DictField(required=False, allow_null=True)
    language = serializers.ChoiceField(
        choices=("uz", "ru"), required=False, allow_null=True
    )


class SendResultOut(serializers.Serializer):
    status = serializers.CharField()
    created = serializers.IntegerField()
    skipped = serializers.ListField(child=serializers.IntegerField())
