"""The cached `/news` body as the mobile app reads it: client token, gzip.

The app sends its client token and `Accept-Encoding: gzip` on every read. The
body comes from the per-process memo or the shared cache without a query, and
every news write, through the API or a service, shows on the next read.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json

import pytest
from django.core.cache import caches
from django.utils import timezone
from model_bakery import baker

from catalog.cache import NEWS
from news.models import NewsItem
from news.services import news_create, news_delete, news_update

pytestmark = pytest.mark.django_db


def news_titles(client) -> list[str]:
    response = client.get("/api/v1/news", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    return [row["title"] for row in json.loads(gzip.decompress(response.content))]


@pytest.mark.parametrize("path", ["/api/v1/news", "/api/v1/catalog/live"])
def test_a_client_token_reads_cached_bodies_without_queries(
    auth_client, settings, path, django_assert_num_queries
):
    # given
    settings.MENU_API_URL = ""
    baker.make(NewsItem, title="Yangi menyu")
    assert auth_client.get(path).status_code == 200
    # when / then
    with django_assert_num_queries(0):
        response = auth_client.get(path, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200


def test_a_manager_token_still_sees_inactive_news(
    auth_client, manager_client, api_client
):
    # given: the public body is cached
    baker.make(NewsItem, title="ended", ends_at=timezone.now() - dt.timedelta(days=1))
    baker.make(NewsItem, title="live")
    assert news_titles(auth_client) == ["live"]
    # when
    staff = manager_client.get("/api/v1/news", HTTP_ACCEPT_ENCODING="gzip")
    # then: the manager's list is rendered for them, neither cached nor gzipped
    assert staff.status_code == 200
    assert not staff.has_header("Content-Encoding")
    assert sorted(row["title"] for row in staff.json()) == ["ended", "live"]
    assert news_titles(api_client) == ["live"]


def test_api_writes_show_on_the_next_read_through_the_memo(
    auth_client, manager_client, django_capture_on_commit_callbacks
):
    assert news_titles(auth_client) == []
    with django_capture_on_commit_callbacks(execute=True):
        created = manager_client.post(
            "/api/v1/news", {"title": "t", "description": "d"}
        ).json()
    assert news_titles(auth_client) == ["t"]
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.patch(f"/api/v1/news/{created['id']}", {"title": "u"})
    assert news_titles(auth_client) == ["u"]
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.delete(f"/api/v1/news/{created['id']}")
    assert news_titles(auth_client) == []


def test_service_writes_show_on_the_next_read_through_the_memo(
    auth_client, manager, django_capture_on_commit_callbacks
):
    assert news_titles(auth_client) == []
    with django_capture_on_commit_callbacks(execute=True):
        item = news_create(staff=manager, title="t", description="d")
    assert news_titles(auth_client) == ["t"]
    with django_capture_on_commit_callbacks(execute=True):
        news_update(item=item, staff=manager, changes={"title": "u"})
    assert news_titles(auth_client) == ["u"]
    with django_capture_on_commit_callbacks(execute=True):
        news_delete(item=item, staff=manager)
    assert news_titles(auth_client) == []


def test_a_bump_by_another_worker_bypasses_this_workers_memo(
    auth_client, settings, django_assert_num_queries
):
    # given: this worker has the body memoised, and the database changed since
    baker.make(NewsItem, title="old")
    assert news_titles(auth_client) == ["old"]
    NewsItem.objects.update(title="new")
    with django_assert_num_queries(0):
        assert news_titles(auth_client) == ["old"]
    # when: another worker's write bumps only the shared version, and this
    # worker's reuse of the version it read (a second) has lapsed
    caches["default"].set(f"version:{NEWS}", "bumped-by-worker-2", None)
    settings.CACHE_VERSION_MEMO_SECONDS = 0
    # then
    assert news_titles(auth_client) == ["new"]


def test_paged_form_is_not_the_cached_body(api_client):
    baker.make(NewsItem, title="a")
    api_client.get("/api/v1/news", HTTP_ACCEPT_ENCODING="gzip")
    response = api_client.get("/api/v1/news?page=1", HTTP_ACCEPT_ENCODING="gzip")
    assert not response.has_header("Content-Encoding")
    assert [row["title"] for row in response.json()["data"]] == ["a"]
