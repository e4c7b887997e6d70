"""Input forms of the admin panel (`staff-api.md` §9.3) and output shapes."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from news.models import NewsItem

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PRIORITY_NAMES = {"low": 0, "normal": 1, "medium": 1, "high": 2, "urgent": 3}
OWN_MEDIA_PREFIX = "/api/v1/files/"


def _tashkent() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


@extend_schema_field(OpenApiTypes.STR)
class WindowDateField(serializers.Field):
    """`YYYY-MM-DD` (a Tashkent day), an ISO datetime, `""` or null (no bound).

    A date-only start is the first second of its day, a date-only end the last
    (23:59:59), so an end date keeps the item visible the whole day.
    """

    default_error_messages = {"invalid": "Enter a date (YYYY-MM-DD) or a datetime."}

    def __init__(self, *, end_of_day: bool, **kwargs: Any) -> None:
        self.end_of_day = end_of_day
        super().__init__(required=False, allow_null=True, **kwargs)

    def validate_empty_values(self, data: Any) -> tuple[bool, Any]:
        if data == "":
            return True, None
        return super().validate_empty_values(data)

    def to_internal_value(self, data: Any) -> dt.datetime:
        if not isinstance(data, str):
            self.fail("invalid")
        text = data.strip()
        if _DATE_ONLY.match(text):
            try:
                day = dt.date.fromisoformat(text)
            except ValueError:
                self.fail("invalid")
            at = dt.time(23, 59, 59) if self.end_of_day else dt.time(0, 0)
            return dt.datetime.combine(day, at, tzinfo=_tashkent())
        try:
            value = parse_datetime(text)
        except ValueError:
            value = None
        if value is None:
            self.fail("invalid")
        if value.tzinfo is None:
            value = value.replace(tzinfo=_tashkent())
        return value

    def to_representation(self, value: Any) -> Any:
        return value


@extend_schema_field(
    {"oneOf": [{"type": "integer", "minimum": 0, "maximum": 3}, {"type": "string"}]}
)
class PriorityField(serializers.Field):
    """0–3, a numeric string, or low/normal/medium/high/urgent; empty means 0."""

    default_error_messages = {"invalid": "Priority must be 0-3 or a priority name."}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, allow_null=True, **kwargs)

    def validate_empty_values(self, data: Any) -> tuple[bool, Any]:
        if data is serializers.empty:
            return super().validate_empty_values(data)
        if data is None or (isinstance(data, str) and not data.strip()):
            return True, 0
        return False, data

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, str):
            text = data.strip().lower()
            if text in _PRIORITY_NAMES:
                return _PRIORITY_NAMES[text]
            data = int(text) if text.isdigit() else -1
        if not isinstance(data, int) or not 0 <= data <= 3:
            self.fail("invalid")
        return int(data)

    def to_representation(self, value: Any) -> Any:
        return value


def own_media_relative(value: str | None, request: Any) -> str | None:
    """Store a URL of this server's own media as its path; keep any other URL."""
    if not value:
        return None
    value = value.strip()
    parts = urlsplit(value)
    if not parts.scheme:
        return value
    hosts = set()
    if settings.PUBLIC_API_URL:
        hosts.add(urlsplit(settings.PUBLIC_API_URL).netloc)
    if request is not None:
        hosts.add(request.get_host())
    if parts.netloc in hosts and parts.path.startswith(OWN_MEDIA_PREFIX):
        return parts.path
    return value


class NewsInput(serializers.Serializer):
    title = serializers.CharField(max_length=255)
    description = serializers.CharField()
    image_url = serializers.CharField(
        max_length=500, required=False, allow_null=True, allow_blank=True
    )
    starts_at = WindowDateField(end_of_day=False)
    ends_at = WindowDateField(end_of_day=True)
    priority = PriorityField()

    def validate_image_url(self, value: str | None) -> str | None:
        return own_media_relative(value, self.context.get("request"))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        item: NewsItem | None = self.instance
        starts = attrs.get("starts_at", item.starts_at if item else None)
        ends = attrs.get("ends_at", item.ends_at if item else None)
        if starts and ends and ends < starts:
            raise serializers.ValidationError(
                {"ends_at": "The end must not be before the start."}
            )
        return attrs


class NewsItemOut(serializers.Serializer):
    """`mobile-api.md` §5.6 (documentation of the rendered shape)."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    image_url = serializers.CharField(allow_null=True)
    starts_at = serializers.DateTimeField(allow_null=True)
    ends_at = serializers.DateTimeField(allow_null=True)
    priority = serializers.IntegerField()
    is_active = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class NewsPageOut(serializers.Serializer):
    data = NewsItemOut(many=True)  # type: ignore[assignment]  # documents the key
    total = serializers.IntegerField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()


class NewsImageOut(serializers.Serializer):
    image_url = serializers.CharField()
    url = serializers.CharField()
    id = serializers.IntegerField()
    name = serializers.CharField()


class FileRecordOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    url = serializers.CharField()
    type = serializers.CharField()
    kind = serializers.CharField()
    size = serializers.IntegerField()
    referenced_by = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()


class PaginationOut(serializers.Serializer):
    page = serializers.IntegerField()
    size = serializers.IntegerField()
    total = serializers.IntegerField()


class FilePageOut(serializers.Serializer):
    pagination = PaginationOut()
    items = FileRecordOut(many=True)
