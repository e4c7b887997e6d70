from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cashback.models import IikoJob, IikoJobStatus
from tests.conftest import ON_REDIS

pytestmark = pytest.mark.django_db


def test_health_is_a_three_item_array(api_client):
    response = api_client.get("/api/v1/health")
    assert response.status_code == 200
    body = response.json()
    assert [item["name"] for item in body] == ["postgres", "redis", "queue"]
    assert body[0] == {
        "name": "postgres",
        "status": "healthy",
        "message": "DB reachable",
    }
    assert body[2] == {
        "name": "queue",
        "status": "healthy",
        "message": "iiko sync queue: 0 waiting, 0 paused",
    }


@pytest.mark.skipif(ON_REDIS, reason="the embedded default has no Redis")
def test_redis_is_degraded_on_local_memory(api_client):
    body = api_client.get("/api/v1/health").json()
    assert body[1] == {
        "name": "redis",
        "status": "degraded",
        "message": "Local memory cache in use, Redis not configured",
    }


@pytest.mark.redis
def test_redis_is_healthy_when_configured(api_client):
    body = api_client.get("/api/v1/health").json()
    assert body[1]["status"] == "healthy"


def test_queue_degrades_with_a_paused_job(api_client, user):
    IikoJob.objects.create(
        client=user, operation="sync_user", status=IikoJobStatus.PAUSED
    )
    IikoJob.objects.create(
        client=user, operation="flush_profile", next_retry_at=timezone.now()
    )
    body = api_client.get("/api/v1/health").json()
    assert body[2] == {
        "name": "queue",
        "status": "degraded",
        "message": "iiko sync queue: 1 waiting, 1 paused",
    }


def test_queue_degrades_with_a_stale_due_job(api_client, user):
    IikoJob.objects.create(
        client=user,
        operation="sync_user",
        next_retry_at=timezone.now() - dt.timedelta(minutes=11),
    )
    assert api_client.get("/api/v1/health").json()[2]["status"] == "degraded"


def test_liveness_touches_nothing(api_client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = api_client.get("/api/v1/health/live")
    assert response.json() == {"status": "ok"}
