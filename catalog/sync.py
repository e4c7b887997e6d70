"""Menu import (`staff-api.md` §11.3): the live menu upserted into the catalog.

One service behind `POST /catalog/sync` and `manage.py import_menu`. Categories
match by name (any case) and are created when missing; products match by name
within their category; price = the item's first price, image = its first image.
Products of a synced category that are no longer upstream are deactivated, never
deleted (stable ids). A failed upstream raises before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from django.db import transaction
from django.utils.text import slugify

from accounts.models import Staff
from accounts.services.logs import audit_record
from catalog import myresto
from catalog.models import Category, Product
from catalog.services import after_commit_invalidate
from sardoba.exceptions import ServiceUnavailable


@dataclass
class SyncResult:
    categories_created: int = 0
    categories_updated: int = 0
    products_created: int = 0
    products_updated: int = 0
    products_removed: int = 0

    def as_response(self) -> dict[str, Any]:
        return {"status": "ok", **asdict(self)}


def menu_pull() -> dict[str, Any]:
    """Fetch the upstream menus afresh; raise ServiceUnavailable if any fails."""
    if myresto.local_mode() or not myresto.menu_sources():
        raise ServiceUnavailable()
    fetched = myresto.upstream_fetch(use_cache=False, with_stoplists=False)
    if fetched.menus_failed:
        raise ServiceUnavailable()
    urls = {s.key: s.url for s in myresto.menu_sources()}
    return myresto.menu_merge(
        [(p, urls[k]) for k, p in fetched.menus.items()], stoplists={}
    )


def _category_upsert(
    data: dict[str, Any], position: int, result: SyncResult
) -> Category:
    name = data["name"].strip()[:150]
    category = Category.objects.filter(name__iexact=name).order_by("pk").first()
    values = {
        "slug": (data.get("slug") or slugify(name))[:160],
        "external_id": data.get("id") or None,
        "position": position,
    }
    if data.get("thumbnail"):
        values["image_url"] = data["thumbnail"]
    if category is None:
        result.categories_created += 1
        return Category.objects.create(name=name, **values)
    changed = [f for f, v in values.items() if getattr(category, f) != v]
    if changed:
        for field in changed:
            setattr(category, field, values[field])
        category.save(update_fields=[*changed, "updated_at"])
        result.categories_updated += 1
    return category


def _products_upsert(
    category: Category, items: list[dict[str, Any]], result: SyncResult
) -> None:
    existing: dict[str, Product] = {}
    for product in category.products.order_by("pk"):
        existing.setdefault(product.name.casefold(), product)
    seen: set[int] = set()
    for position, item in enumerate(items):
        price = item["prices"][0]["price"] if item["prices"] else 0
        name = item["name"].strip()[:255]
        if price <= 0 or not name:
            continue
        values = {
            "price": price,
            "image_url": item["images"][0] if item["images"] else None,
            "external_id": item.get("id") or None,
            "position": position,
            "is_active": True,
        }
        found = existing.get(name.casefold())
        if found is None:
            product = Product.objects.create(category=category, name=name, **values)
            existing[name.casefold()] = product
            result.products_created += 1
        else:
            product = found
            changed = [f for f, v in values.items() if getattr(product, f) != v]
            if changed:
                for field in changed:
                    setattr(product, field, values[field])
                product.save(update_fields=[*changed, "updated_at"])
                result.products_updated += 1
        seen.add(product.pk)
    result.products_removed += (
        category.products.filter(is_active=True)
        .exclude(pk__in=seen)
        .update(is_active=False)
    )


def catalog_sync(
    *,
    staff: Staff | None,
    request: Any = None,
    menu: dict[str, Any] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SyncResult:
    """Pull the live menu (unless given) and upsert it; audited as `sync`.

    Raises ServiceUnavailable, with nothing written, when an upstream fails.
    """
    menu = menu if menu is not None else menu_pull()  # outside the transaction
    with transaction.atomic():
        return _catalog_apply(menu, staff=staff, request=request, progress=progress)


def _catalog_apply(
    menu: dict[str, Any],
    *,
    staff: Staff | None,
    request: Any,
    progress: Callable[[int, int], None] | None,
) -> SyncResult:
    categories = menu.get("categories") or []
    result = SyncResult()
    for index, data in enumerate(categories):
        category = _category_upsert(data, index, result)
        _products_upsert(category, data.get("items") or [], result)
        if progress is not None:
            progress(index + 1, len(categories))
    audit_record(
        staff=staff,
        action="sync",
        entity="product",
        after=asdict(result),
        request=request,
    )
    after_commit_invalidate()
    return result
