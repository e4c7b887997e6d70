"""Reads of news: the cached public list, the manager's list, one item."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from catalog.cache import NEWS, cache_set, cached_json, namespace_key
from news.exceptions import NewsNotFound
from news.models import NewsItem

PUBLIC_TTL = 60


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else timezone.localtime(value).isoformat()


def news_item_data(item: NewsItem, now: dt.datetime) -> dict[str, Any]:
    """The news item of `mobile-api.md` §5.6 with its image URL still relative."""
    return {
        "id": item.pk,
        "title": item.title,
        "description": item.description,
        "image_url": item.image_url or None,
        "starts_at": _iso(item.starts_at),
        "ends_at": _iso(item.ends_at),
        "priority": item.priority,
        "is_active": item.is_active_at(now),
        "created_at": _iso(item.created_at),
    }


def _public_rows() -> list[dict[str, Any]]:
    now = timezone.now()
    rows = NewsItem.objects.active_at(now).order_by("-priority", "-created_at", "-id")
    return [news_item_data(item, now) for item in rows]


def news_public_list() -> list[dict[str, Any]]:
    """Active items, priority then newest first; cached 60 s (`news:public`)."""
    return cached_json(namespace_key(NEWS, "news:public"), PUBLIC_TTL, _public_rows)


def news_public_list_refresh() -> list[dict[str, Any]]:
    """The public list read from the database now, and cached again for 60 s.

    For a cache built on top of the list (the rendered `/news` body): starting
    both TTLs together keeps an item entering or leaving its window visible
    within 60 s (`domain-rules.md` §8), where building on a cached list could
    add the two TTLs.
    """
    key = namespace_key(NEWS, "news:public")
    rows = _public_rows()
    cache_set(key, rows, PUBLIC_TTL)
    return rows


def news_all_for_manager() -> QuerySet[NewsItem]:
    """Every item, active or not, newest first (`staff-api.md` §9.1)."""
    return NewsItem.objects.order_by("-created_at", "-id")


def news_get(*, pk: int, include_inactive: bool) -> NewsItem:
    """One item; an inactive one is `news_not_found` unless `include_inactive`."""
    rows = NewsItem.objects.all()
    if not include_inactive:
        rows = rows.active_at()
    item = rows.filter(pk=pk).first()
    if item is None:
        raise NewsNotFound()
    return item
