"""Django admin of the iiko job queue: read-only rows and a "retry" action."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from cashback.models import IikoJob, IikoJobStatus
from cashback.services.iiko_jobs import iiko_job_retry


@admin.register(IikoJob)
class IikoJobAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "operation",
        "client",
        "status",
        "attempts",
        "next_retry_at",
        "short_error",
        "updated_at",
    )
    list_filter = ("status", "operation")
    search_fields = ("phone", "client__phone", "=client__id")
    list_select_related = ("client",)
    ordering = ("-id",)
    actions = ("retry_jobs",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in IikoJob._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="last error")
    def short_error(self, obj: IikoJob) -> str:
        return (obj.last_error or "")[:80]

    @admin.action(description="Retry the selected paused or failed jobs now")
    def retry_jobs(self, request: HttpRequest, queryset: QuerySet[IikoJob]) -> None:
        retried = 0
        for job in queryset.filter(
            status__in=[IikoJobStatus.PAUSED, IikoJobStatus.FAILED]
        ):
            retried += iiko_job_retry(job=job, staff=request.user, request=request)
        self.message_user(request, f"{retried} job(s) queued again.", messages.SUCCESS)
