"""Categories and products of the original's local catalog."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from cashback.rules import round_sum
from catalog.models import Category, Product
from catalog.services import catalog_cache_invalidate
from sardoba.importer.context import ImportContext
from sardoba.importer.media import NEWS_IMAGE, MediaKind, media_url
from sardoba.importer.tables import Skip, TableStep, table_import

CATEGORY_COLUMNS = ("id", "name", "image_url")
PRODUCT_COLUMNS = ("id", "category_id", "name", "price", "image_url")


def catalog_import(ctx: ImportContext) -> None:
    """Import categories, then products; the catalog caches are dropped after commit."""
    rows = ctx.source.fetch_all(ctx.source.select("categories", ("id", "name")))
    seen: dict[str, int] = {}
    duplicates: dict[int, int] = {}
    for row in rows:  # the original's names were unique only as typed
        key = (row["name"] or "").strip().lower()
        if key in seen:
            duplicates[row["id"]] = seen[key]
        else:
            seen[key] = row["id"]

    def category(row: dict[str, Any]) -> dict[str, Any] | Skip:
        name = (row["name"] or "").strip()
        if not name:
            return Skip("empty name")
        if row["id"] in duplicates:
            return Skip(f"same name as category #{duplicates[row['id']]} ignoring case")
        image = media_url(ctx, NEWS_IMAGE, row["image_url"], ("categories", row["id"]))
        return {"name": name[:150], "image_url": image, "is_active": True}

    def product(row: dict[str, Any]) -> dict[str, Any] | Skip:
        category_id = ctx.category_ids.get(row["category_id"])
        if category_id is None:
            return Skip(f"category #{row['category_id']} not imported")
        price = round_sum(row["price"])
        if price <= 0:
            return Skip(f"price {row['price']} is not positive")
        image = media_url(ctx, NEWS_IMAGE, row["image_url"], ("products", row["id"]))
        return {
            "category_id": category_id,
            "name": (row["name"] or "").strip()[:255],
            "price": price,
            "image_url": image,
            "is_active": True,
        }

    ctx.category_ids = table_import(
        ctx, TableStep("categories", Category, CATEGORY_COLUMNS, category)
    )
    table_import(ctx, TableStep("products", Product, PRODUCT_COLUMNS, product))
    transaction.on_commit(catalog_cache_invalidate, robust=True)


def catalog_image_references() -> list[tuple[MediaKind, str, int | None]]:
    urls = [
        *Category.objects.filter(image_url__startswith=NEWS_IMAGE.url_prefix)
        .values_list("image_url", flat=True),
        *Product.objects.filter(image_url__startswith=NEWS_IMAGE.url_prefix)
        .values_list("image_url", flat=True),
    ]  # fmt: skip
    return [(NEWS_IMAGE, str(url), None) for url in urls]
