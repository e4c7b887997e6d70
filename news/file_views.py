"""HTTP for news images and the media library (`staff-api.md` §10)."""

from __future__ import annotations

from django.http import FileResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import StoredFile
from catalog.public_read import PublicReadManagerWriteMixin, acting_staff
from news import files
from news.exceptions import FileNotFound
from news.serializers import FilePageOut, NewsImageOut
from sardoba.api.pagination import PageRequest, envelope_p
from sardoba.api.permissions import IsManager
from sardoba.api.request_meta import absolute_url

MEDIA_CACHE_CONTROL = "public, max-age=31536000, immutable"
_UPLOAD_PARTS = ("image", "file", "news_image")


class NewsImageUploadView(APIView):
    permission_classes = [IsManager]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {"image": {"type": "string", "format": "binary"}},
            }
        },
        responses={201: NewsImageOut},
    )
    def post(self, request: Request) -> Response:
        upload = next(
            (request.FILES[p] for p in _UPLOAD_PARTS if p in request.FILES), None
        )
        record = files.news_image_store(
            upload=upload, staff=acting_staff(request), request=request
        )
        url = absolute_url(request, record.url)
        return Response(
            {"image_url": url, "url": url, "id": record.pk, "name": record.name},
            status=201,
        )


@extend_schema_view(post=extend_schema(exclude=True))
class NewsImageUploadAliasView(NewsImageUploadView):
    """`/files/news-images`, `/files/news-image`, `/files/news_image` (undocumented)."""


class NewsImageFileView(PublicReadManagerWriteMixin, APIView):
    @extend_schema(responses={(200, "image/jpeg"): bytes})
    def get(self, request: Request, file_name: str) -> FileResponse:
        handle, content_type = files.news_image_open(file_name)
        response = FileResponse(handle, content_type=content_type)
        response["Cache-Control"] = MEDIA_CACHE_CONTROL
        return response

    @extend_schema(responses={204: None})
    def delete(self, request: Request, file_name: str) -> Response:
        files.news_image_delete(
            name=file_name, staff=acting_staff(request), request=request
        )
        return Response(status=204)


def file_record_render(
    request: Request, records: list[StoredFile]
) -> list[dict[str, object]]:
    references = files.stored_file_references(records)
    return [
        {
            "id": r.pk,
            "name": r.name,
            "url": absolute_url(request, r.url),
            "type": r.mime_type,
            "kind": r.kind,
            "size": r.size,
            "referenced_by": references[r.pk],
            "created_at": timezone.localtime(r.created_at).isoformat(),
        }
        for r in records
    ]


class FileListView(APIView):
    permission_classes = [IsManager]

    @extend_schema(
        parameters=[
            OpenApiParameter("page", int, required=False),
            OpenApiParameter("page_size", int, required=False),
            OpenApiParameter(
                "kind", str, required=False, enum=["news_image", "profile_photo"]
            ),
        ],
        responses={200: FilePageOut},
    )
    def get(self, request: Request) -> Response:
        rows = files.stored_file_list(kind=request.query_params.get("kind") or None)
        page = PageRequest.from_query(request.query_params)
        return Response(
            envelope_p(rows, page, lambda r: file_record_render(request, r))
        )


class FileDetailView(APIView):
    permission_classes = [IsManager]

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        record = StoredFile.objects.filter(pk=pk).first()
        if record is None:
            raise FileNotFound()
        files.stored_file_delete(
            record=record, staff=acting_staff(request), request=request
        )
        return Response(status=204)
