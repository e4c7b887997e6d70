"""HTTP for news (mobile M12, `staff-api.md` §9): thin handlers over services."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.cache import NEWS, RenderedBody, namespace_key, rendered_body
from catalog.public_read import (
    PublicReadManagerWriteMixin,
    acting_staff,
    actor_is_manager,
    cached_body_response,
    public_base_url,
)
from news import selectors, services
from news.exceptions import NoFieldsProvided
from news.serializers import NewsInput, NewsItemOut, NewsPageOut
from sardoba.api.pagination import PageRequest, envelope_d
from sardoba.api.request_meta import absolute_url


def news_render(request: Request, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {**row, "image_url": absolute_url(request, row["image_url"])} for row in rows
    ]


def news_render_items(request: Request, items: list[Any]) -> list[dict[str, Any]]:
    now = timezone.now()
    return news_render(request, [selectors.news_item_data(i, now) for i in items])


def news_public_body(request: Request) -> RenderedBody:
    """The public bare-array `/news` body, cached 60 s per public base URL.

    Bytes and their gzip are cached under the news namespace, whose version is
    read before the list, so any news write shows on the next request.
    """
    key = namespace_key(NEWS, f"news:body:{public_base_url(request)}")

    def render() -> bytes:
        rows = news_render(request, selectors.news_public_list_refresh())
        return JSONRenderer().render(rows)

    return rendered_body(key, selectors.PUBLIC_TTL, render)


class NewsListView(PublicReadManagerWriteMixin, APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("page", int, required=False),
            OpenApiParameter("page_size", int, required=False),
        ],
        responses={200: NewsItemOut(many=True)},
        description="Bare array without `page`; envelope D (NewsPageOut) with it.",
    )
    def get(self, request: Request) -> HttpResponse:
        paged = "page" in request.query_params
        page = PageRequest.from_query(request.query_params)
        if actor_is_manager(request):
            rows = selectors.news_all_for_manager()
            if paged:
                return Response(
                    envelope_d(rows, page, lambda r: news_render_items(request, r))
                )
            return Response(news_render_items(request, list(rows)))
        if not paged:
            return cached_body_response(request, news_public_body(request))
        public = selectors.news_public_list()
        return Response(envelope_d(public, page, lambda r: news_render(request, r)))

    @extend_schema(request=NewsInput, responses={200: NewsItemOut})
    def post(self, request: Request) -> Response:
        form = NewsInput(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        item = services.news_create(
            staff=acting_staff(request), request=request, **form.validated_data
        )
        return Response(news_render_items(request, [item])[0])


class NewsDetailView(PublicReadManagerWriteMixin, APIView):
    @extend_schema(responses={200: NewsItemOut})
    def get(self, request: Request, pk: int) -> Response:
        item = selectors.news_get(pk=pk, include_inactive=actor_is_manager(request))
        return Response(news_render_items(request, [item])[0])

    @extend_schema(request=NewsInput, responses={200: NewsItemOut})
    def put(self, request: Request, pk: int) -> Response:
        return self._update(request, pk)

    @extend_schema(request=NewsInput, responses={200: NewsItemOut})
    def patch(self, request: Request, pk: int) -> Response:
        return self._update(request, pk)

    def _update(self, request: Request, pk: int) -> Response:
        item = selectors.news_get(pk=pk, include_inactive=True)
        form = NewsInput(
            item, data=request.data, partial=True, context={"request": request}
        )
        form.is_valid(raise_exception=True)
        if not form.validated_data:
            raise NoFieldsProvided()
        item = services.news_update(
            item=item,
            staff=acting_staff(request),
            changes=form.validated_data,
            request=request,
        )
        return Response(news_render_items(request, [item])[0])

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        item = selectors.news_get(pk=pk, include_inactive=True)
        services.news_delete(item=item, staff=acting_staff(request), request=request)
        return Response(status=204)


__all__ = ["NewsDetailView", "NewsListView", "NewsPageOut"]
