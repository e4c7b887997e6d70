"""`GET /health` (`staff-api.md` §8.3) and the liveness probe."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import connection
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

HEALTHY, DEGRADED, DOWN = "healthy", "degraded", "down"
QUEUE_STALE_AFTER = dt.timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class Component:
    name: str
    status: str
    message: str


def database_health() -> Component:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return Component("postgres", DOWN, "Database query failed")
    return Component("postgres", HEALTHY, "DB reachable")


def cache_health() -> Component:
    if not settings.REDIS_URL:
        return Component(
            "redis", DEGRADED, "Local memory cache in use, Redis not configured"
        )
    try:
        from django_redis import get_redis_connection

        get_redis_connection("default").ping()
    except Exception:
        return Component(
            "redis", DEGRADED, "Redis not responding, local fallback active"
        )
    return Component("redis", HEALTHY, "Cache backend responding")


def queue_health() -> Component:
    from cashback.models import IikoJob, IikoJobStatus

    try:
        now = timezone.now()
        pending = IikoJob.objects.filter(
            status__in=[IikoJobStatus.PENDING, IikoJobStatus.FAILED]
        )
        waiting = pending.count()
        paused = IikoJob.objects.filter(status=IikoJobStatus.PAUSED).count()
        stale = pending.filter(next_retry_at__lt=now - QUEUE_STALE_AFTER).exists()
    except Exception:
        return Component("queue", DEGRADED, "iiko sync queue: state unknown")
    status = DEGRADED if paused or stale else HEALTHY
    return Component(
        "queue", status, f"iiko sync queue: {waiting} waiting, {paused} paused"
    )


def health_components() -> list[Component]:
    return [database_health(), cache_health(), queue_health()]


_HealthItem = inline_serializer(
    "HealthComponent",
    many=True,
    fields={
        "name": serializers.CharField(),
        "status": serializers.ChoiceField(choices=[HEALTHY, DEGRADED, DOWN]),
        "message": serializers.CharField(),
    },
)


class HealthView(APIView):
    authentication_classes: list[type] = []
    permission_classes: list[type] = []

    @extend_schema(responses=_HealthItem, tags=["health"])
    def get(self, request: Request) -> Response:
        return Response([asdict(c) for c in health_components()])


class LivenessView(APIView):
    authentication_classes: list[type] = []
    permission_classes: list[type] = []

    @extend_schema(
        responses=inline_serializer(
            "Liveness", fields={"status": serializers.CharField()}
        ),
        tags=["health"],
    )
    def get(self, request: Request) -> Response:
        return Response({"status": "ok"})
