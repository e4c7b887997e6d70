"""Reads of the catalog: cached lists (`domain-rules.md` §8) and the live menu."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import OuterRef, Prefetch, Q, Subquery
from django.utils.text import slugify

from catalog import myresto
from catalog.cache import CATALOG, cached_json, namespace_key
from catalog.exceptions import CategoryNotFound, ProductNotFound
from catalog.models import Category, Product

LIST_TTL = 60


def category_data(
    category: Category, fallback_image: str | None = None
) -> dict[str, Any]:
    return {
        "id": category.pk,
        "name": category.name,
        "image_url": category.image_url or fallback_image or None,
        "is_active": category.is_active,
    }


def product_data(product: Product) -> dict[str, Any]:
    return {
        "id": product.pk,
        "name": product.name,
        "price": product.price,
        "category_id": product.category_id,
        "category": {"id": product.category_id, "name": product.category.name},
        "image_url": product.image_url or None,
        "is_active": product.is_active,
    }


def _category_rows() -> list[dict[str, Any]]:
    first_image = (
        Product.objects.filter(category=OuterRef("pk"))
        .exclude(Q(image_url__isnull=True) | Q(image_url=""))
        .order_by("pk")
        .values("image_url")[:1]
    )
    rows = Category.objects.annotate(first_image=Subquery(first_image)).order_by(
        "name", "pk"
    )
    return [category_data(c, getattr(c, "first_image", None)) for c in rows]


def category_list() -> list[dict[str, Any]]:
    """Every category sorted by name; an imageless one shows its first product's."""
    return cached_json(
        namespace_key(CATALOG, "categories:all"), LIST_TTL, _category_rows
    )


def product_list(*, category_id: int | None) -> list[dict[str, Any]]:
    """Products sorted by name, of one category or all; cached per category."""
    suffix = str(category_id) if category_id else "all"

    def compute() -> list[dict[str, Any]]:
        rows = Product.objects.select_related("category").order_by("name", "pk")
        if category_id:
            rows = rows.filter(category_id=category_id)
        return [product_data(p) for p in rows]

    return cached_json(
        namespace_key(CATALOG, f"products:category:{suffix}"), LIST_TTL, compute
    )


def category_get(*, pk: int) -> Category:
    category = Category.objects.filter(pk=pk).first()
    if category is None:
        raise CategoryNotFound()
    return category


def product_get(*, pk: int) -> Product:
    product = Product.objects.select_related("category").filter(pk=pk).first()
    if product is None:
        raise ProductNotFound()
    return product


def _local_menu() -> dict[str, Any]:
    stores = sorted(settings.STORE_IDS)
    active_products = Product.objects.active().order_by("position", "name", "pk")
    categories = (
        Category.objects.active()
        .order_by("position", "name", "pk")
        .prefetch_related(Prefetch("products", queryset=active_products))
    )
    out = []
    for category in categories:
        items = [
            {
                "id": str(p.pk),
                "name": p.name,
                "images": [p.image_url] if p.image_url else [],
                "prices": [
                    {
                        "storeId": s,
                        "storeName": myresto.store_name(s),
                        "price": p.price,
                        "disabled": False,
                    }
                    for s in stores
                ],
            }
            for p in category.products.all()
        ]
        if items:
            out.append(
                {
                    "id": str(category.pk),
                    "name": category.name,
                    "slug": category.slug or slugify(category.name) or str(category.pk),
                    "thumbnail": category.image_url or None,
                    "items": items,
                }
            )
    return {"success": True, "categories": out}


def catalog_live() -> dict[str, Any]:
    """The body of mobile M13 (image URLs may still be relative in local mode)."""
    if myresto.local_mode():
        return cached_json(
            namespace_key(CATALOG, "menu:live:local"),
            settings.MENU_RESPONSE_CACHE_TTL,
            _local_menu,
        )
    return myresto.menu_live()
