"""HTTP for the catalog (`staff-api.md` §11) and the live menu (mobile M13)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import selectors, services
from catalog.cache import CATALOG, RenderedBody, namespace_key, rendered_body
from catalog.public_read import (
    PublicReadManagerWriteMixin,
    acting_staff,
    cached_body_response,
    public_base_url,
)
from catalog.serializers import (
    CategoryInput,
    CategoryOut,
    LiveMenuOut,
    ProductInput,
    ProductOut,
    SyncOut,
)
from catalog.sync import catalog_sync
from news.exceptions import NoFieldsProvided
from sardoba.api.pagination import PageRequest, envelope_p
from sardoba.api.permissions import IsManager
from sardoba.api.request_meta import absolute_url


def _with_absolute_image(
    request: Request, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    return [
        {**row, "image_url": absolute_url(request, row["image_url"])} for row in rows
    ]


def live_render(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    """Make every image URL absolute (local media is stored relative)."""
    return {
        "success": body["success"],
        "categories": [
            {
                **category,
                "thumbnail": absolute_url(request, category["thumbnail"]),
                "items": [
                    {
                        **item,
                        "images": [absolute_url(request, i) for i in item["images"]],
                    }
                    for item in category["items"]
                ],
            }
            for category in body["categories"]
        ],
    }


def _category_id(query: Any) -> int | None:
    raw = str(query.get("category_id", "")).strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else None


# At most this many seconds older than the merged menu it was rendered from.
LIVE_RENDERED_TTL = 5


def live_body(request: Request) -> RenderedBody:
    """The `/catalog/live` body, cached briefly per public base URL.

    Decoding the cached merged menu, making its image URLs absolute and encoding
    it again cost ~10 ms per request for a 500-item menu, the largest cost of
    the mobile hot paths (docs/PERFORMANCE.md §4). The bytes (and their gzip)
    are cached for `LIVE_RENDERED_TTL` seconds at most (never longer than
    `MENU_RESPONSE_CACHE_TTL`) under the catalog namespace, so a local-menu
    write still shows at once. The version is read before the menu, so a body
    rendered from data older than a bump is stored under the old version.
    """
    key = namespace_key(CATALOG, f"menu:live:body:{public_base_url(request)}")
    ttl = min(LIVE_RENDERED_TTL, settings.MENU_RESPONSE_CACHE_TTL)

    def render() -> bytes:
        return JSONRenderer().render(live_render(request, selectors.catalog_live()))

    return rendered_body(key, ttl, render)


class CatalogLiveView(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    @extend_schema(responses={200: LiveMenuOut})
    def get(self, request: Request) -> HttpResponse:
        return cached_body_response(request, live_body(request))


class CatalogSyncView(APIView):
    permission_classes = [IsManager]

    @extend_schema(request=None, responses={200: SyncOut})
    def post(self, request: Request) -> Response:
        result = catalog_sync(staff=acting_staff(request), request=request)
        return Response(result.as_response())


class CategoryListView(PublicReadManagerWriteMixin, APIView):
    @extend_schema(responses={200: CategoryOut(many=True)})
    def get(self, request: Request) -> Response:
        return Response(_with_absolute_image(request, selectors.category_list()))

    @extend_schema(request=CategoryInput, responses={200: CategoryOut})
    def post(self, request: Request) -> Response:
        form = CategoryInput(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        category = services.category_create(
            staff=acting_staff(request), request=request, **form.validated_data
        )
        return Response(
            _with_absolute_image(request, [selectors.category_data(category)])[0]
        )


class CategoryDetailView(PublicReadManagerWriteMixin, APIView):
    @extend_schema(request=CategoryInput, responses={200: CategoryOut})
    def put(self, request: Request, pk: int) -> Response:
        return self._update(request, pk)

    @extend_schema(request=CategoryInput, responses={200: CategoryOut})
    def patch(self, request: Request, pk: int) -> Response:
        return self._update(request, pk)

    def _update(self, request: Request, pk: int) -> Response:
        category = selectors.category_get(pk=pk)
        form = CategoryInput(
            data=request.data, partial=True, context={"request": request}
        )
        form.is_valid(raise_exception=True)
        if not form.validated_data:
            raise NoFieldsProvided()
        category = services.category_update(
            category=category,
            staff=acting_staff(request),
            changes=form.validated_data,
            request=request,
        )
        return Response(
            _with_absolute_image(request, [selectors.category_data(category)])[0]
        )

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        category = selectors.category_get(pk=pk)
        services.category_delete(
            category=category, staff=acting_staff(request), request=request
        )
        return Response(status=204)


class ProductListView(PublicReadManagerWriteMixin, APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("category_id", int, required=False),
            OpenApiParameter("page", int, required=False),
            OpenApiParameter("page_size", int, required=False),
        ],
        responses={200: ProductOut(many=True)},
        description="Plain array without `page`; envelope P (ProductPageOut) with it.",
    )
    def get(self, request: Request) -> Response:
        rows = selectors.product_list(category_id=_category_id(request.query_params))
        if "page" not in request.query_params:
            return Response(_with_absolute_image(request, rows))
        page = PageRequest.from_query(request.query_params)
        return Response(
            envelope_p(rows, page, lambda r: _with_absolute_image(request, r))
        )

    @extend_schema(request=ProductInput, responses={200: ProductOut})
    def post(self, request: Request) -> Response:
        form = ProductInput(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        product = services.product_create(
            staff=acting_staff(request), request=request, **form.validated_data
        )
        product = selectors.product_get(pk=product.pk)
        return Response(
            _with_absolute_image(request, [selectors.product_data(product)])[0]
        )


class ProductDetailView(PublicReadManagerWriteMixin, APIView):
    @extend_schema(request=ProductInput, responses={200: ProductOut})
    def put(self, request: Request, pk: int) -> Response:
        return self._update(request, pk)

    @extend_schema(request=ProductInput, responses={200: ProductOut})
    def patch(self, request: Request, pk: int) -> Response:
        return self._update(request, pk)

    def _update(self, request: Request, pk: int) -> Response:
        product = selectors.product_get(pk=pk)
        form = ProductInput(
            data=request.data, partial=True, context={"request": request}
        )
        form.is_valid(raise_exception=True)
        if not form.validated_data:
            raise NoFieldsProvided()
        product = services.product_update(
            product=product,
            staff=acting_staff(request),
            changes=form.validated_data,
            request=request,
        )
        return Response(
            _with_absolute_image(request, [selectors.product_data(product)])[0]
        )

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        product = selectors.product_get(pk=pk)
        services.product_delete(
            product=product, staff=acting_staff(request), request=request
        )
        return Response(status=204)
