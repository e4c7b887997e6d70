"""News of the original, with their images (`domain-rules.md` §12)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from news.models import NewsItem
from news.services import news_cache_invalidate
from sardoba.importer.context import ImportContext
from sardoba.importer.mapping import original_timestamps
from sardoba.importer.media import NEWS_IMAGE, MediaKind, media_url
from sardoba.importer.tables import TableStep, table_import

NEWS_COLUMNS = (
    "id", "title", "description", "image_url", "created_at", "starts_at", "ends_at", "priority",
)  # fmt: skip
PRIORITY_MAX = 32767


def news_import(ctx: ImportContext) -> None:
    def build(row: dict[str, Any]) -> dict[str, Any]:
        priority = row["priority"] or 0
        if not 0 <= priority <= PRIORITY_MAX:
            ctx.report.warn(
                "news", row["id"], f"priority {priority} out of range; clamped"
            )
            priority = min(max(priority, 0), PRIORITY_MAX)
        created = row["created_at"] or timezone.now()
        return {
            "title": (row["title"] or "")[:255],
            "description": row["description"] or "",
            "image_url": media_url(
                ctx, NEWS_IMAGE, row["image_url"], ("news", row["id"])
            ),
            "starts_at": row["starts_at"],
            "ends_at": row["ends_at"],
            "priority": priority,
            "created_at": created,
            "updated_at": created,
        }

    with original_timestamps(NewsItem):
        table_import(ctx, TableStep("news", NewsItem, NEWS_COLUMNS, build))
    transaction.on_commit(news_cache_invalidate, robust=True)


def news_image_references() -> list[tuple[MediaKind, str, int | None]]:
    return [
        (NEWS_IMAGE, str(url), None)
        for url in NewsItem.objects.filter(
            image_url__startswith=NEWS_IMAGE.url_prefix
        ).values_list("image_url", flat=True)
    ]
