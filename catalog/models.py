"""Catalog categories and products (`staff-api.md` §11).

Filled by the menu import (`catalog.sync`) or edited by managers; in local menu
mode (`MENU_API_URL` empty) it is what `/catalog/live` serves. A product has one
price in whole so'm and one image; URLs of this server's media are relative.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from sardoba.models import TimeStampedModel


class CategoryQuerySet(models.QuerySet["Category"]):
    def active(self) -> CategoryQuerySet:
        return self.filter(is_active=True)


class Category(TimeStampedModel):
    name = models.CharField(max_length=150)
    slug = models.SlugField(max_length=160, blank=True, default="")
    image_url = models.CharField(max_length=500, null=True, blank=True)
    is_active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0, help_text="Menu order.")
    external_id = models.CharField(max_length=64, null=True, blank=True)

    objects = CategoryQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name", "id"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(
                Lower("name"), name="catalog_category_unique_name_ci"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProductQuerySet(models.QuerySet["Product"]):
    def active(self) -> ProductQuerySet:
        return self.filter(is_active=True)


class Product(TimeStampedModel):
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="products"
    )
    name = models.CharField(max_length=255)
    price = models.BigIntegerField(help_text="Whole so'm.")
    image_url = models.CharField(max_length=500, null=True, blank=True)
    is_active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0, help_text="Order in category.")
    external_id = models.CharField(max_length=64, null=True, blank=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(price__gt=0), name="catalog_product_price_gt_0"
            ),
        ]
        indexes = [models.Index(fields=["category", "name"])]

    def __str__(self) -> str:
        return self.name
