"""Back office: compose and send notifications, broadcasts, read-only inbox rows.

Every change goes through the services, so the fan-out batches, the rings after
commit and the audit entries hold here as over the API.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse

from accounts.models import Client
from notifications import services
from notifications.models import Broadcast, DeviceRegistration, Notification


class ComposeForm(forms.Form):
    title = forms.CharField(max_length=255)
    description = forms.CharField(widget=forms.Textarea)
    everyone = forms.BooleanField(
        required=False,
        help_text="Send as a broadcast to every active client (type `broadcast`).",
    )
    recipients = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Client ids or phones (+998…), separated by commas, spaces or lines.",
    )
    notification_type = forms.CharField(max_length=64, required=False)
    payload = forms.JSONField(required=False, initial=dict)
    language = forms.ChoiceField(
        choices=[("", "recipient's preferred"), ("uz", "uz"), ("ru", "ru")],
        required=False,
    )

    def clean_payload(self) -> dict[str, Any]:
        payload = self.cleaned_data.get("payload") or {}
        if not isinstance(payload, dict):
            raise forms.ValidationError("The payload must be a JSON object.")
        return payload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        tokens = [t for t in re.split(r"[\s,;]+", data.get("recipients") or "") if t]
        if data.get("everyone"):
            data["client_ids"] = []
        elif not tokens:
            raise forms.ValidationError("Choose recipients or tick “everyone”.")
        else:
            ids = [int(t) for t in tokens if t.isdigit()]
            phones = [t for t in tokens if not t.isdigit()]
            found = Client.objects.filter(Q(pk__in=ids) | Q(phone__in=phones))
            by_phone = dict(found.values_list("phone", "pk"))
            unknown = [p for p in phones if p not in by_phone]
            if unknown:
                raise forms.ValidationError(f"Unknown phones: {', '.join(unknown)}")
            data["client_ids"] = ids + [by_phone[p] for p in phones]
        return data


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "client",
        "title",
        "notification_type",
        "language",
        "is_read",
        "is_sent",
        "sent_at",
        "created_at",
    )
    list_filter = ("is_read", "is_sent", "notification_type", "language", "created_at")
    search_fields = ("title", "client__phone")
    list_select_related = ("client",)
    readonly_fields = [f.name for f in Notification._meta.fields]
    change_list_template = "admin/notifications/notification/change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        compose = path(
            "compose/",
            self.admin_site.admin_view(self.compose_view),
            name="notifications_notification_compose",
        )
        return [compose, *super().get_urls()]

    def compose_view(self, request: HttpRequest) -> HttpResponse:
        form = ComposeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            self._send(request, form.cleaned_data)
            return HttpResponseRedirect(
                reverse("admin:notifications_notification_changelist")
            )
        context = {
            **self.admin_site.each_context(request),
            "title": "Compose a notification",
            "form": form,
            "opts": self.model._meta,
        }
        return render(request, "admin/notifications/compose.html", context)

    def _send(self, request: HttpRequest, data: dict[str, Any]) -> None:
        if data["everyone"]:
            broadcast = services.broadcast_create(
                staff=request.user,  # type: ignore[arg-type]
                title=data["title"],
                description=data["description"],
                request=request,
            )
            messages.success(
                request, f"Broadcast sent to {broadcast.recipients_count} clients."
            )
            return
        result = services.notifications_send(
            staff=request.user,  # type: ignore[arg-type]
            user_ids=data["client_ids"],
            title=data["title"],
            description=data["description"],
            notification_type=data["notification_type"] or None,
            payload=data["payload"],
            language=data["language"] or None,
            request=request,
        )
        messages.success(request, f"Sent to {result.created} clients.")
        if result.skipped:
            messages.warning(
                request,
                "Skipped (unknown, deleted or deactivated): "
                + json.dumps(result.skipped),
            )


@admin.register(Broadcast)
class BroadcastAdmin(admin.ModelAdmin):
    list_display = ("id", "title", "recipients_count", "created_by", "created_at")
    search_fields = ("title",)
    fields = ("title", "description", "recipients_count", "created_by", "created_at")
    readonly_fields = ("recipients_count", "created_by", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # compose a broadcast from the notifications page

    def save_model(
        self, request: HttpRequest, obj: Broadcast, form: Any, change: bool
    ) -> None:
        changed = {k: form.cleaned_data[k] for k in form.changed_data}
        if changed:
            services.broadcast_update(
                staff=request.user,  # type: ignore[arg-type]
                broadcast=obj,
                request=request,
                **changed,
            )

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        # The inbox copies go with their broadcast (through the service), even
        # though inbox rows cannot be deleted one by one here.
        broadcasts = list(objs)
        copies = Notification.objects.filter(broadcast__in=broadcasts).count()
        summary = {"broadcasts": len(broadcasts), "inbox copies": copies}
        return [str(b) for b in broadcasts], summary, set(), []

    def delete_model(self, request: HttpRequest, obj: Broadcast) -> None:
        services.broadcast_delete(
            staff=request.user,  # type: ignore[arg-type]
            broadcast=obj,
            request=request,
        )

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for broadcast in queryset:
            self.delete_model(request, broadcast)


@admin.register(DeviceRegistration)
class DeviceRegistrationAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "client",
        "device_type",
        "language",
        "uses_websocket",
        "updated_at",
    )
    list_filter = ("device_type", "language", "uses_websocket")
    search_fields = ("client__phone",)
    list_select_related = ("client",)
    readonly_fields = [f.name for f in DeviceRegistration._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
