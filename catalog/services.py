"""Writes of the catalog: audited, and invalidating the catalog caches."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from accounts.models import Staff
from accounts.services.logs import audit_record
from catalog.cache import CATALOG, namespace_invalidate
from catalog.exceptions import CategoryHasProducts, CategoryNameTaken, CategoryNotFound
from catalog.models import Category, Product

CATEGORY_FIELDS = ("name", "image_url", "is_active")
PRODUCT_FIELDS = ("category_id", "name", "price", "image_url", "is_active")


def catalog_cache_invalidate() -> None:
    """Drop categories, products and the local live menu of every process."""
    namespace_invalidate(CATALOG)


def after_commit_invalidate() -> None:
    transaction.on_commit(catalog_cache_invalidate, robust=True)


def _apply(
    obj: Any, changes: dict[str, Any], fields: tuple[str, ...]
) -> tuple[dict, dict]:
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for field, value in changes.items():
        if field not in fields:
            continue
        if field == "image_url":
            value = value or None
        if getattr(obj, field) != value:
            before[field] = getattr(obj, field)
            after[field] = value
            setattr(obj, field, value)
    return before, after


def _name_taken(name: str, exclude_pk: int | None = None) -> bool:
    rows = Category.objects.filter(name__iexact=name.strip())
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    return rows.exists()


def _category_save(category: Category, fields: list[str] | None = None) -> None:
    if _name_taken(category.name, category.pk):
        raise CategoryNameTaken()
    try:
        with transaction.atomic():
            category.save(update_fields=fields)
    except IntegrityError as exc:  # a concurrent insert of the same name
        raise CategoryNameTaken() from exc


@transaction.atomic
def category_create(
    *,
    staff: Staff | None,
    name: str,
    image_url: str | None = None,
    is_active: bool = True,
    request: Any = None,
) -> Category:
    """Create a category; raises CategoryNameTaken (names are unique, any case)."""
    category = Category(
        name=name.strip(), image_url=image_url or None, is_active=is_active
    )
    _category_save(category)
    audit_record(
        staff=staff,
        action="create",
        entity="category",
        entity_id=category.pk,
        after={f: getattr(category, f) for f in CATEGORY_FIELDS},
        request=request,
    )
    after_commit_invalidate()
    return category


@transaction.atomic
def category_update(
    *,
    category: Category,
    staff: Staff | None,
    changes: dict[str, Any],
    request: Any = None,
) -> Category:
    category = Category.objects.select_for_update().get(pk=category.pk)
    if "name" in changes:
        changes = {**changes, "name": changes["name"].strip()}
    before, after = _apply(category, changes, CATEGORY_FIELDS)
    if after:
        _category_save(category, [*after, "updated_at"])
    audit_record(
        staff=staff,
        action="update",
        entity="category",
        entity_id=category.pk,
        before=before,
        after=after,
        request=request,
    )
    after_commit_invalidate()
    return category


@transaction.atomic
def category_delete(
    *, category: Category, staff: Staff | None, request: Any = None
) -> None:
    """Delete an empty category; raises CategoryHasProducts otherwise."""
    if category.products.exists():
        raise CategoryHasProducts()
    pk, name = category.pk, category.name
    category.delete()
    audit_record(
        staff=staff,
        action="delete",
        entity="category",
        entity_id=pk,
        before={"name": name},
        request=request,
    )
    after_commit_invalidate()


def _category_check(category_id: int) -> None:
    if not Category.objects.filter(pk=category_id).exists():
        raise CategoryNotFound()


@transaction.atomic
def product_create(
    *,
    staff: Staff | None,
    category_id: int,
    name: str,
    price: int,
    image_url: str | None = None,
    is_active: bool = True,
    request: Any = None,
) -> Product:
    """Create a product; raises CategoryNotFound for an unknown category."""
    _category_check(category_id)
    product = Product.objects.create(
        category_id=category_id,
        name=name.strip(),
        price=price,
        image_url=image_url or None,
        is_active=is_active,
    )
    audit_record(
        staff=staff,
        action="create",
        entity="product",
        entity_id=product.pk,
        after={f: getattr(product, f) for f in PRODUCT_FIELDS},
        request=request,
    )
    after_commit_invalidate()
    return product


@transaction.atomic
def product_update(
    *,
    product: Product,
    staff: Staff | None,
    changes: dict[str, Any],
    request: Any = None,
) -> Product:
    product = Product.objects.select_for_update().get(pk=product.pk)
    if "category_id" in changes:
        _category_check(changes["category_id"])
    if "name" in changes:
        changes = {**changes, "name": changes["name"].strip()}
    before, after = _apply(product, changes, PRODUCT_FIELDS)
    if after:
        product.save(update_fields=[*after, "updated_at"])
    audit_record(
        staff=staff,
        action="update",
        entity="product",
        entity_id=product.pk,
        before=before,
        after=after,
        request=request,
    )
    after_commit_invalidate()
    return Product.objects.select_related("category").get(pk=product.pk)


@transaction.atomic
def product_delete(
    *, product: Product, staff: Staff | None, request: Any = None
) -> None:
    pk, name = product.pk, product.name
    product.delete()
    audit_record(
        staff=staff,
        action="delete",
        entity="product",
        entity_id=pk,
        before={"name": name},
        request=request,
    )
    after_commit_invalidate()
