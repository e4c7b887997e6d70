"""Django admin for the identity side: the three logs, read-only.

The client and staff screens come with the admin issue.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from accounts.models import AuditEntry, AuthLog, ValidationLogEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(AuthLog)
class AuthLogAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "action",
        "status",
        "actor_type",
        "actor_id",
        "phone",
        "ip",
    )
    list_filter = ("action", "status", "actor_type", "purpose")
    search_fields = ("phone", "ip", "user_agent")
    date_hierarchy = "created_at"


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "staff", "action", "entity", "entity_id")
    list_filter = ("action", "entity")
    search_fields = ("entity_id", "staff__name", "staff__phone")
    list_select_related = ("staff",)
    date_hierarchy = "created_at"


@admin.register(ValidationLogEntry)
class ValidationLogEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "method", "path", "actor_type", "actor_id", "ip")
    list_filter = ("method", "actor_type")
    search_fields = ("path", "ip")
    date_hierarchy = "created_at"
