"""Inbox, broadcasts, devices and the auth log (`domain-rules.md` §9, §10)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from accounts.models import AuthAction, AuthLog
from notifications.models import Broadcast, DeviceRegistration, DeviceType, Notification
from sardoba.importer.context import ImportContext
from sardoba.importer.mapping import original_timestamps
from sardoba.importer.tables import Skip, TableStep, table_import

BROADCAST_COLUMNS = ("id", "title", "description", "created_at")
NOTIFICATION_COLUMNS = (
    "id", "user_id", "title", "description", "type", "payload", "language",
    "is_read", "is_sent", "sent_at", "created_at", "notification_id",
)  # fmt: skip
DEVICE_COLUMNS = (
    "id", "user_id", "device_token", "device_type", "language", "created_at", "updated_at",
)  # fmt: skip
AUTH_LOG_COLUMNS = (
    "id", "actor_type", "actor_id", "phone", "action", "ip", "user_agent", "meta", "created_at",
)  # fmt: skip
AUTH_STATUS: dict[str, str] = {
    AuthAction.OTP_REQUEST: "sent",
    AuthAction.OTP_VERIFICATION: "success",
    AuthAction.LOGIN: "success",
    AuthAction.FAILED_LOGIN: "failed",
    AuthAction.LOGOUT: "success",
}
# The original logged OTP codes in places (known-defects S7): never carried over.
SECRET_META_KEYS = frozenset(
    {
        "code",
        "otp",
        "otp_code",
        "password",
        "token",
        "access_token",
        "refresh_token",
        "secret",
    }
)


def _now_or(value: Any) -> Any:
    return value if value is not None else timezone.now()


def broadcasts_import(ctx: ImportContext) -> None:
    counts: dict[int, int] = {}
    if ctx.source.has("user_notifications", "notification_id"):
        counts = {
            row["notification_id"]: row["n"]
            for row in ctx.source.fetch_all(
                "SELECT notification_id, count(*) AS n FROM user_notifications "
                "WHERE notification_id IS NOT NULL GROUP BY notification_id"
            )
        }

    def build(row: dict[str, Any]) -> dict[str, Any]:
        created = _now_or(row["created_at"])
        return {
            "title": (row["title"] or "")[:255],
            "description": row["description"] or "",
            "recipients_count": counts.get(row["id"], 0),
            "created_at": created,
            "updated_at": created,
        }

    with original_timestamps(Broadcast):
        ctx.broadcast_ids = table_import(
            ctx,
            TableStep(
                "notifications", Broadcast, BROADCAST_COLUMNS, build, label="broadcasts"
            ),
        )


def notifications_import(ctx: ImportContext) -> None:
    """The inbox as it was: unsent items stay unsent, so the socket delivers them."""

    def build(row: dict[str, Any]) -> dict[str, Any] | Skip:
        client_id = ctx.client_ids.get(row["user_id"])
        if client_id is None:
            return Skip(f"client #{row['user_id']} not imported")
        payload = row["payload"] if isinstance(row["payload"], dict) else {}
        language = row["language"] if row["language"] in ("uz", "ru", "en") else "ru"
        return {
            "client_id": client_id,
            "broadcast_id": ctx.broadcast_ids.get(row["notification_id"]),
            "title": (row["title"] or "")[:255],
            "description": row["description"] or "",
            "notification_type": row["type"],
            "payload": payload,
            "language": language,
            "is_read": bool(row["is_read"]),
            "is_sent": bool(row["is_sent"]),
            "sent_at": row["sent_at"] if row["is_sent"] else None,
            "created_at": _now_or(row["created_at"]),
        }

    with original_timestamps(Notification):
        table_import(
            ctx,
            TableStep(
                "user_notifications",
                Notification,
                NOTIFICATION_COLUMNS,
                build,
                label="inbox",
            ),
        )


def devices_import(ctx: ImportContext) -> None:
    def build(row: dict[str, Any]) -> dict[str, Any] | Skip:
        client_id = ctx.client_ids.get(row["user_id"])
        if client_id is None:
            return Skip(f"client #{row['user_id']} not imported")
        if client_id in ctx.deleted_client_ids:
            return Skip("client deleted (deletion removes devices)")
        device_type = (row["device_type"] or "").strip().lower()
        if device_type not in DeviceType.values:
            return Skip(f"unknown device type {row['device_type']!r}")
        return {
            "client_id": client_id,
            "device_type": device_type,
            "device_token": (row["device_token"] or "").strip() or None,
            "language": row["language"] if row["language"] in ("uz", "ru") else "ru",
            "created_at": _now_or(row["created_at"]),
            "updated_at": _now_or(row["updated_at"] or row["created_at"]),
        }

    with original_timestamps(DeviceRegistration):
        table_import(
            ctx,
            TableStep(
                "notification_device_tokens",
                DeviceRegistration,
                DEVICE_COLUMNS,
                build,
                label="devices",
            ),
        )


def auth_log_import(ctx: ImportContext) -> None:
    def build(row: dict[str, Any]) -> dict[str, Any] | Skip:
        action = str(row["action"] or "")
        if action not in AUTH_STATUS:
            return Skip(f"unknown action {action!r}")
        meta = row["meta"] if isinstance(row["meta"], dict) else {}
        meta = {k: v for k, v in meta.items() if k.lower() not in SECRET_META_KEYS}
        actor = str(row["actor_type"] or "").upper()
        purpose = meta.get("purpose")
        return {
            "actor_type": "staff" if actor == "STAFF" else "user",
            "actor_id": row["actor_id"],
            "phone": (row["phone"] or "")[:32],
            "action": action,
            "status": AUTH_STATUS[action],
            "purpose": str(purpose)[:16] if purpose else None,
            "ip": (row["ip"] or None) and str(row["ip"])[:64],
            "user_agent": (row["user_agent"] or "")[:255],
            "meta": meta,
            "created_at": _now_or(row["created_at"]),
        }

    with original_timestamps(AuthLog):
        table_import(
            ctx,
            TableStep(
                "auth_logs",
                AuthLog,
                AUTH_LOG_COLUMNS,
                build,
                keep_ids=False,
                label="auth_logs",
            ),
        )
