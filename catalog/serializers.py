"""Input forms and documented output shapes of the catalog (`staff-api.md` §11)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from news.serializers import PaginationOut, own_media_relative


class _ImageUrlMixin:
    def validate_image_url(self, value: str | None) -> str | None:
        return own_media_relative(value, self.context.get("request"))  # type: ignore[attr-defined]


class CategoryInput(_ImageUrlMixin, serializers.Serializer):
    name = serializers.CharField(max_length=150)
    image_url = serializers.CharField(
        max_length=500, required=False, allow_null=True, allow_blank=True
    )
    is_active = serializers.BooleanField(required=False)


class ProductInput(_ImageUrlMixin, serializers.Serializer):
    category_id = serializers.IntegerField(min_value=1)
    name = serializers.CharField(max_length=255)
    price = serializers.IntegerField(min_value=1, max_value=10**12)
    image_url = serializers.CharField(
        max_length=500, required=False, allow_null=True, allow_blank=True
    )
    is_active = serializers.BooleanField(required=False)

    def validate_price(self, value: Any) -> int:
        return int(value)


class CategoryOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    image_url = serializers.CharField(allow_null=True)
    is_active = serializers.BooleanField()


class CategoryRefOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ProductOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    price = serializers.IntegerField()
    category_id = serializers.IntegerField()
    category = CategoryRefOut()
    image_url = serializers.CharField(allow_null=True)
    is_active = serializers.BooleanField()


class ProductPageOut(serializers.Serializer):
    pagination = PaginationOut()
    items = ProductOut(many=True)


class LivePriceOut(serializers.Serializer):
    storeId = serializers.IntegerField()
    storeName = serializers.CharField()
    price = serializers.IntegerField()
    disabled = serializers.BooleanField()


class LiveItemOut(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    images = serializers.ListField(child=serializers.CharField())
    prices = LivePriceOut(many=True)


class LiveCategoryOut(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    slug = serializers.CharField(allow_null=True)
    thumbnail = serializers.CharField(allow_null=True)
    items = LiveItemOut(many=True)


class LiveMenuOut(serializers.Serializer):
    success = serializers.BooleanField()
    categories = LiveCategoryOut(many=True)


class SyncOut(serializers.Serializer):
    status = serializers.CharField()
    categories_created = serializers.IntegerField()
    categories_updated = serializers.IntegerField()
    products_created = serializers.IntegerField()
    products_updated = serializers.IntegerField()
    products_removed = serializers.IntegerField()
