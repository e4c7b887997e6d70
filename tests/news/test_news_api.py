"""News over the API: mobile M12 and `staff-api.md` §9."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from model_bakery import baker

from accounts.models import AuditEntry
from news.models import NewsItem

pytestmark = pytest.mark.django_db

TASHKENT = dt.timezone(dt.timedelta(hours=5))
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


def _news(**kw):
    kw.setdefault("description", "Bahorgi taomlar")
    return baker.make(NewsItem, **kw)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_public_list_is_a_bare_array_of_active_items_sorted(frozen, api_client):
    # given
    low = _news(title="low", priority=0, image_url="/api/v1/files/news_images/a-1.jpg")
    high = _news(title="high", priority=2, starts_at=NOW - dt.timedelta(days=1))
    _news(title="ended", priority=3, ends_at=NOW - dt.timedelta(seconds=1))
    _news(title="future", priority=3, starts_at=NOW + dt.timedelta(hours=1))
    # when
    response = api_client.get("/api/v1/news")
    # then
    assert response.status_code == 200
    body = response.json()
    assert [row["id"] for row in body] == [high.pk, low.pk]
    assert body[1] == {
        "id": low.pk,
        "title": "low",
        "description": "Bahorgi taomlar",
        "image_url": "http://testserver/api/v1/files/news_images/a-1.jpg",
        "starts_at": None,
        "ends_at": None,
        "priority": 0,
        "is_active": True,
        "created_at": "2026-03-10T17:00:00+05:00",
    }
    assert body[0]["starts_at"] == "2026-03-09T17:00:00+05:00"


def test_public_list_ignores_a_broken_token(api_client):
    _news(title="x")
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    response = api_client.get("/api/v1/news")
    assert response.status_code == 200
    assert [r["title"] for r in response.json()] == ["x"]


def test_window_opening_and_closing_shows_within_the_ttl(api_client, settings):
    # The TTL is checked with the in-process cache, whose clock time-machine moves
    # (Redis expires keys on its own clock; see the next test for its TTL).
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    }
    # given: an item that starts in 30 s and ends 2 minutes later
    with time_machine.travel(NOW, tick=False):
        item = _news(
            starts_at=NOW + dt.timedelta(seconds=30),
            ends_at=NOW + dt.timedelta(seconds=150),
        )
        assert api_client.get("/api/v1/news").json() == []
    # when / then: within 60 s of the start it is served
    with time_machine.travel(NOW + dt.timedelta(seconds=91), tick=False):
        assert [r["id"] for r in api_client.get("/api/v1/news").json()] == [item.pk]
    # and within 60 s of the end it is gone
    with time_machine.travel(NOW + dt.timedelta(seconds=212), tick=False):
        assert api_client.get("/api/v1/news").json() == []


def test_paged_form_for_public_and_manager(frozen, api_client, manager_client):
    # given
    active = _news(title="a")
    ended = _news(title="e", ends_at=NOW - dt.timedelta(days=1))
    # when
    public = api_client.get("/api/v1/news?page=1&page_size=4").json()
    staff = manager_client.get("/api/v1/news?page=1&page_size=20").json()
    # then
    assert public["total"] == 1
    assert public["page"] == 1
    assert public["page_size"] == 4
    assert [r["id"] for r in public["data"]] == [active.pk]
    assert staff["total"] == 2
    assert {(r["id"], r["is_active"]) for r in staff["data"]} == {
        (active.pk, True),
        (ended.pk, False),
    }


def test_waiter_sees_only_active(frozen, waiter_client):
    _news(title="e", ends_at=NOW - dt.timedelta(days=1))
    assert waiter_client.get("/api/v1/news").json() == []


def test_detail_hides_inactive_from_public_not_from_manager(
    frozen, api_client, manager_client
):
    ended = _news(ends_at=NOW - dt.timedelta(days=1))
    response = api_client.get(f"/api/v1/news/{ended.pk}")
    assert response.status_code == 404
    assert response.json()["code"] == "news_not_found"
    staff = manager_client.get(f"/api/v1/news/{ended.pk}")
    assert staff.status_code == 200
    assert staff.json()["is_active"] is False


def test_create_accepts_the_admin_panel_forms(frozen, manager_client, manager):
    # when
    response = manager_client.post(
        "/api/v1/news",
        {
            "title": "Yangi menyu",
            "description": "Bahorgi taomlar",
            "starts_at": "2026-03-01",
            "ends_at": "2026-03-10",
            "priority": "high",
            "image_url": "http://testserver/api/v1/files/news_images/abc-1.jpg",
        },
    )
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["starts_at"] == "2026-03-01T00:00:00+05:00"
    assert body["ends_at"] == "2026-03-10T23:59:59+05:00"
    assert body["priority"] == 2
    assert body["is_active"] is True
    item = NewsItem.objects.get(pk=body["id"])
    assert item.image_url == "/api/v1/files/news_images/abc-1.jpg"
    assert item.created_by == manager
    entry = AuditEntry.objects.get(entity="news", action="create")
    assert entry.staff == manager
    assert entry.entity_id == str(item.pk)


@pytest.mark.parametrize(
    ("_case", "priority", "expected"),
    [
        ("missing", None, 0),
        ("empty", "", 0),
        ("digit", "3", 3),
        ("normal", "normal", 1),
        ("medium", "medium", 1),
        ("urgent", "urgent", 3),
        ("int", 1, 1),
    ],
)
def test_priority_forms(manager_client, _case, priority, expected):
    payload = {"title": "t", "description": "d"}
    if _case != "missing":
        payload["priority"] = priority
    response = manager_client.post("/api/v1/news", payload)
    assert response.status_code == 200
    assert response.json()["priority"] == expected


@pytest.mark.parametrize(
    ("_case", "payload"),
    [
        ("blank title", {"title": " ", "description": "d"}),
        ("no description", {"title": "t"}),
        ("bad priority", {"title": "t", "description": "d", "priority": 7}),
        ("bad date", {"title": "t", "description": "d", "starts_at": "tomorrow"}),
        (
            "end before start",
            {
                "title": "t",
                "description": "d",
                "starts_at": "2026-03-02",
                "ends_at": "2026-03-01",
            },
        ),
    ],
)
def test_create_refuses_bad_input(manager_client, _case, payload):
    response = manager_client.post("/api/v1/news", payload)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert not NewsItem.objects.exists()
    assert not AuditEntry.objects.exists()


def test_put_and_patch_are_partial_and_clear_with_empty(frozen, manager_client):
    # given
    item = _news(
        title="old",
        starts_at=NOW - dt.timedelta(days=1),
        ends_at=NOW + dt.timedelta(days=1),
        image_url="/api/v1/files/news_images/x-1.jpg",
    )
    # when
    put = manager_client.put(
        f"/api/v1/news/{item.pk}", {"id": 999, "title": "new", "ends_at": ""}
    )
    patch = manager_client.patch(
        f"/api/v1/news/{item.pk}", {"starts_at": None, "image_url": ""}
    )
    # then
    assert put.status_code == 200
    assert put.json()["title"] == "new"
    assert put.json()["ends_at"] is None
    assert patch.status_code == 200
    item.refresh_from_db()
    assert (item.title, item.description) == ("new", "Bahorgi taomlar")
    assert item.starts_at is None
    assert item.ends_at is None
    assert item.image_url is None
    entry = AuditEntry.objects.filter(action="update").order_by("pk").first()
    assert entry.changes == {
        "before": {"title": "old", "ends_at": "2026-03-11T17:00:00+05:00"},
        "after": {"title": "new", "ends_at": None},
    }


def test_update_and_delete_unknown_are_404(manager_client):
    assert (
        manager_client.patch("/api/v1/news/999", {"title": "x"}).json()["code"]
        == "news_not_found"
    )
    response = manager_client.delete("/api/v1/news/999")
    assert response.status_code == 404
    assert response.json()["code"] == "news_not_found"


def test_delete(manager_client, manager):
    item = _news()
    response = manager_client.delete(f"/api/v1/news/{item.pk}")
    assert response.status_code == 204
    assert not NewsItem.objects.exists()
    assert AuditEntry.objects.get(action="delete", entity="news").staff == manager


@pytest.mark.parametrize(
    ("_case", "client_fixture", "status", "code"),
    [
        ("anonymous", "api_client", 401, "not_authenticated"),
        ("client", "auth_client", 403, "permission_denied"),
        ("waiter", "waiter_client", 403, "managers_only"),
    ],
)
def test_writes_need_a_manager(request, _case, client_fixture, status, code):
    client = request.getfixturevalue(client_fixture)
    item = _news(title="keep")
    for response in (
        client.post("/api/v1/news", {"title": "t", "description": "d"}),
        client.patch(f"/api/v1/news/{item.pk}", {"title": "changed"}),
        client.delete(f"/api/v1/news/{item.pk}"),
    ):
        assert response.status_code == status
        assert response.json()["code"] == code
    item.refresh_from_db()
    assert item.title == "keep"
    assert NewsItem.objects.count() == 1
    assert not AuditEntry.objects.exists()


def test_deactivated_manager_is_refused(manager_client, manager):
    manager.is_active = False
    manager.save(update_fields=["is_active"])
    response = manager_client.post("/api/v1/news", {"title": "t", "description": "d"})
    assert response.status_code == 401
    assert not NewsItem.objects.exists()


def test_public_list_query_count_is_constant(api_client, django_assert_num_queries):
    for i in range(3):
        _news(title=f"n{i}")
    with django_assert_num_queries(1):
        api_client.get("/api/v1/news")
    for i in range(10):
        _news(title=f"m{i}")
    from news.services import news_cache_invalidate

    news_cache_invalidate()
    with django_assert_num_queries(1):
        assert len(api_client.get("/api/v1/news").json()) == 13
    with django_assert_num_queries(0):
        api_client.get("/api/v1/news")


def test_manager_list_query_count_is_constant(
    manager_client, django_assert_num_queries
):
    for i in range(3):
        _news(title=f"n{i}")
    with django_assert_num_queries(3):
        manager_client.get("/api/v1/news?page=1&page_size=20")
    for i in range(10):
        _news(title=f"m{i}")
    with django_assert_num_queries(3):
        manager_client.get("/api/v1/news?page=1&page_size=20")


def test_writes_invalidate_the_public_cache(
    api_client, manager_client, django_capture_on_commit_callbacks
):
    assert api_client.get("/api/v1/news").json() == []
    with django_capture_on_commit_callbacks(execute=True):
        created = manager_client.post(
            "/api/v1/news", {"title": "t", "description": "d"}
        ).json()
    assert [r["title"] for r in api_client.get("/api/v1/news").json()] == ["t"]
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.patch(f"/api/v1/news/{created['id']}", {"title": "u"})
    assert [r["title"] for r in api_client.get("/api/v1/news").json()] == ["u"]
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.delete(f"/api/v1/news/{created['id']}")
    assert api_client.get("/api/v1/news").json() == []


def test_trailing_slash_is_served(api_client):
    assert api_client.get("/api/v1/news/").status_code == 200


@pytest.mark.redis
def test_public_list_ttl_in_redis_is_60_seconds(api_client):
    from django.core.cache import cache

    _news(title="x")
    api_client.get("/api/v1/news")
    keys = list(cache.keys("news:public:v*"))
    assert len(keys) == 1
    assert 55 <= cache.ttl(keys[0]) <= 60


def test_date_only_end_keeps_the_item_the_whole_tashkent_day(api_client, manager):
    from news.services import news_create

    # given: an item ending "2026-03-10" (a Tashkent day), created that morning
    with time_machine.travel(
        dt.datetime(2026, 3, 10, 8, 0, tzinfo=TASHKENT), tick=False
    ):
        from news.serializers import WindowDateField

        ends = WindowDateField(end_of_day=True).to_internal_value("2026-03-10")
        news_create(staff=manager, title="today", description="d", ends_at=ends)
    # when / then: still shown late in the evening, gone after midnight Tashkent
    with time_machine.travel(
        dt.datetime(2026, 3, 10, 23, 0, tzinfo=TASHKENT), tick=False
    ):
        assert [r["title"] for r in api_client.get("/api/v1/news").json()] == ["today"]
    with time_machine.travel(
        dt.datetime(2026, 3, 11, 0, 1, tzinfo=TASHKENT), tick=False
    ):
        from news.services import news_cache_invalidate

        news_cache_invalidate()
        assert api_client.get("/api/v1/news").json() == []


def test_manager_without_page_gets_a_bare_array_of_all(frozen, manager_client):
    older = _news(title="old", ends_at=NOW - dt.timedelta(days=1))
    with time_machine.travel(NOW + dt.timedelta(minutes=1), tick=False):
        newer = _news(title="new", priority=0)
    body = manager_client.get("/api/v1/news").json()
    assert [(r["id"], r["is_active"]) for r in body] == [
        (newer.pk, True),
        (older.pk, False),
    ]
