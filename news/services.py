"""Writes of news items: each one audited and invalidating the public list."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Staff
from accounts.services.logs import audit_record
from catalog.cache import NEWS, namespace_invalidate
from news.models import NewsItem

NEWS_FIELDS = ("title", "description", "image_url", "starts_at", "ends_at", "priority")


def audit_value(value: Any) -> Any:
    """A JSON-safe form of a field value for the audit trail."""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat()
    return value


def news_cache_invalidate() -> None:
    """Drop the cached public news list (every process sees the new version)."""
    namespace_invalidate(NEWS)


def _after_commit_invalidate() -> None:
    transaction.on_commit(news_cache_invalidate, robust=True)


@transaction.atomic
def news_create(
    *,
    staff: Staff | None,
    title: str,
    description: str,
    image_url: str | None = None,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    priority: int = 0,
    request: Any = None,
) -> NewsItem:
    """Create a news item; raises Django's ValidationError on a bad window."""
    item = NewsItem(
        title=title,
        description=description,
        image_url=image_url or None,
        starts_at=starts_at,
        ends_at=ends_at,
        priority=priority,
        created_by=staff,
    )
    item.full_clean(exclude=["created_by"])
    item.save()
    audit_record(
        staff=staff,
        action="create",
        entity="news",
        entity_id=item.pk,
        after={f: audit_value(getattr(item, f)) for f in NEWS_FIELDS},
        request=request,
    )
    _after_commit_invalidate()
    return item


@transaction.atomic
def news_update(
    *,
    item: NewsItem,
    staff: Staff | None,
    changes: dict[str, Any],
    request: Any = None,
) -> NewsItem:
    """Apply `changes` (a subset of NEWS_FIELDS) to the locked row; audit the diff."""
    item = NewsItem.objects.select_for_update().get(pk=item.pk)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for field, value in changes.items():
        if field not in NEWS_FIELDS:
            continue
        if field == "image_url":
            value = value or None
        if getattr(item, field) != value:
            before[field] = audit_value(getattr(item, field))
            after[field] = audit_value(value)
            setattr(item, field, value)
    if after:
        item.full_clean(exclude=["created_by"])
        item.save(update_fields=[*after, "updated_at"])
    audit_record(
        staff=staff,
        action="update",
        entity="news",
        entity_id=item.pk,
        before=before,
        after=after,
        request=request,
    )
    _after_commit_invalidate()
    return item


@transaction.atomic
def news_delete(*, item: NewsItem, staff: Staff | None, request: Any = None) -> None:
    """Delete a news item; its uploaded image stays in the media library."""
    pk = item.pk
    before = {f: audit_value(getattr(item, f)) for f in NEWS_FIELDS}
    item.delete()
    audit_record(
        staff=staff,
        action="delete",
        entity="news",
        entity_id=pk,
        before=before,
        request=request,
    )
    _after_commit_invalidate()


@transaction.atomic
def news_window_set(
    *,
    items: Any,
    staff: Staff | None,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    publish: bool,
) -> int:
    """Open ("publish now") or close ("end now") the window of several items."""
    now = timezone.now()
    count = 0
    for item in items:
        if publish:
            changes: dict[str, Any] = {"starts_at": starts_at or now}
            if item.ends_at is not None and item.ends_at <= now:
                changes["ends_at"] = None
        else:
            changes = {"ends_at": ends_at or now}
            if item.starts_at is not None and item.starts_at > now:
                changes["starts_at"] = changes["ends_at"]
        news_update(item=item, staff=staff, changes=changes)
        count += 1
    return count
