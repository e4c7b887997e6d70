"""Django admin for news: every save goes through the news services.

So the admin writes the same audit entries and invalidates the same cache as the
API; "publish now" and "end now" set the visibility window of the selected items.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html

from catalog.public_read import acting_staff
from news import services
from news.files import news_image_store
from news.models import NewsItem, NewsQuerySet

_PREVIEW = '<img src="{}" style="max-height:{}px;max-width:240px;border-radius:4px">'


def image_preview(url: str | None, height: int = 48) -> str:
    if not url:
        return "—"
    return format_html(_PREVIEW, url, height)


class VisibilityFilter(admin.SimpleListFilter):
    title = "visibility"
    parameter_name = "visibility"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("active", "Active now"),
            ("scheduled", "Scheduled"),
            ("ended", "Ended"),
        ]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[NewsItem]
    ) -> QuerySet[NewsItem]:
        now = timezone.now()
        if self.value() == "active":
            return cast(NewsQuerySet, queryset).active_at(now)
        if self.value() == "scheduled":
            return queryset.filter(starts_at__gt=now)
        if self.value() == "ended":
            return queryset.filter(ends_at__lte=now)
        return queryset


class NewsItemForm(forms.ModelForm):
    upload_image = forms.ImageField(
        required=False, help_text="JPEG, PNG or WebP; replaces the image URL."
    )

    class Meta:
        model = NewsItem
        fields = (
            "title",
            "description",
            "image_url",
            "starts_at",
            "ends_at",
            "priority",
        )
        widgets = {
            "priority": forms.Select(
                choices=[(0, "0 low"), (1, "1 normal"), (2, "2 high"), (3, "3 urgent")]
            )
        }


@admin.register(NewsItem)
class NewsItemAdmin(admin.ModelAdmin):
    form = NewsItemForm
    list_display = (
        "title",
        "priority",
        "starts_at",
        "ends_at",
        "is_active_now",
        "thumbnail",
        "created_at",
    )
    list_filter = (VisibilityFilter, "priority", "created_at")
    search_fields = ("title", "description")
    readonly_fields = ("preview", "created_by", "created_at", "updated_at")
    fields = (
        "title",
        "description",
        "priority",
        "starts_at",
        "ends_at",
        "image_url",
        "upload_image",
        "preview",
        "created_by",
        "created_at",
        "updated_at",
    )
    actions = ("publish_now", "end_now")
    date_hierarchy = "created_at"

    @admin.display(boolean=True, description="active now")
    def is_active_now(self, obj: NewsItem) -> bool:
        return obj.is_active_at()

    @admin.display(description="image")
    def thumbnail(self, obj: NewsItem) -> str:
        return image_preview(obj.image_url)

    @admin.display(description="preview")
    def preview(self, obj: NewsItem) -> str:
        return image_preview(obj.image_url, 160)

    def save_model(
        self, request: HttpRequest, obj: NewsItem, form: Any, change: bool
    ) -> None:
        data = {f: form.cleaned_data.get(f) for f in services.NEWS_FIELDS}
        upload = form.cleaned_data.get("upload_image")
        if upload:
            upload.seek(0)
            data["image_url"] = news_image_store(
                upload=upload, staff=acting_staff(request)
            ).url
        if change:
            changes = {
                f: data[f]
                for f in services.NEWS_FIELDS
                if f in form.changed_data or (f == "image_url" and upload)
            }
            saved = services.news_update(
                item=obj, staff=acting_staff(request), changes=changes
            )
        else:
            data["priority"] = data["priority"] or 0
            saved = services.news_create(staff=acting_staff(request), **data)
        obj.pk = saved.pk
        obj.refresh_from_db()

    def delete_model(self, request: HttpRequest, obj: NewsItem) -> None:
        services.news_delete(item=obj, staff=acting_staff(request))

    def delete_queryset(
        self, request: HttpRequest, queryset: QuerySet[NewsItem]
    ) -> None:
        for item in queryset:
            services.news_delete(item=item, staff=acting_staff(request))

    @admin.action(description="Publish now (open the window from now)")
    def publish_now(self, request: HttpRequest, queryset: QuerySet[NewsItem]) -> None:
        count = services.news_window_set(
            items=list(queryset), staff=acting_staff(request), publish=True
        )
        self.message_user(request, f"{count} item(s) published.", messages.SUCCESS)

    @admin.action(description="End now (close the window now)")
    def end_now(self, request: HttpRequest, queryset: QuerySet[NewsItem]) -> None:
        count = services.news_window_set(
            items=list(queryset), staff=acting_staff(request), publish=False
        )
        self.message_user(request, f"{count} item(s) ended.", messages.SUCCESS)


__all__ = ["NewsItemAdmin", "image_preview"]
