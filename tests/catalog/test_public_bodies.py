"""Cached public bodies of `/news` and `/catalog/live`: gzip, ETag, memo, expiry.

The bodies are cached as bytes (with their gzip) in the shared cache and in a
per-process memo keyed by the namespace version; these tests pin what the
mobile app sees and that the memo never outlives the shared entry.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json

import pytest
import time_machine
from django.core.cache import cache, caches
from model_bakery import baker

from catalog.cache import CATALOG, rendered_memo_clear
from catalog.models import Category, Product
from catalog.services import catalog_cache_invalidate
from news.models import NewsItem

pytestmark = pytest.mark.django_db

PUBLIC_BODIES = ["/api/v1/news", "/api/v1/catalog/live"]
T0 = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def content(settings):
    """Local-menu mode with one product, and one news item."""
    settings.MENU_API_URL = ""
    grill = baker.make(Category, name="Shashlik", image_url="/api/v1/files/c.jpg")
    product = baker.make(
        Product, category=grill, name="Qo'y", price=35000, image_url="/api/v1/p.jpg"
    )
    baker.make(NewsItem, title="Yangi menyu", description="Bahorgi taomlar " * 20)
    return product


@pytest.fixture
def locmem(settings):
    """The in-process cache, whose expiry time-machine moves (Redis has its clock)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "public-bodies",
        }
    }
    caches["default"].clear()  # LocMem storage outlives the settings change


def app_get(client, path, **headers):
    """GET as the mobile app does: it always accepts gzip."""
    return client.get(path, HTTP_ACCEPT_ENCODING="gzip", **headers)


def gunzip_json(response):
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    return json.loads(gzip.decompress(response.content))


def live_price(client) -> int:
    body = gunzip_json(app_get(client, "/api/v1/catalog/live"))
    return body["categories"][0]["items"][0]["prices"][0]["price"]


@pytest.mark.parametrize("path", PUBLIC_BODIES)
def test_gzip_body_decompresses_to_exactly_the_identity_body(api_client, content, path):
    # given / when: rendered for a gzip request, then served from the cache
    first = app_get(api_client, path)
    identity = api_client.get(path)
    again = app_get(api_client, path)
    # then
    assert identity.status_code == 200
    assert "Content-Encoding" not in identity
    assert identity["Content-Type"] == "application/json"
    assert identity["Vary"] == "Accept-Encoding"
    for gzipped in (first, again):
        assert gzipped["Content-Encoding"] == "gzip"
        assert gzipped["Vary"] == "Accept-Encoding"
        assert gzipped["Content-Type"] == "application/json"
        assert gzip.decompress(gzipped.content) == identity.content
        assert int(gzipped["Content-Length"]) == len(gzipped.content)
    assert len(first.content) < len(identity.content)
    assert identity.json() == json.loads(gzip.decompress(first.content))


@pytest.mark.parametrize(
    ("_case", "accept_encoding", "gzipped"),
    [
        ("absent", None, False),
        ("identity only", "identity", False),
        ("gzip refused", "gzip;q=0", False),
        ("other codings", "br, deflate", False),
        ("among others", "br, gzip;q=0.5", True),
        ("upper case", "GZIP", True),
        ("legacy name", "x-gzip", True),
    ],
)
def test_gzip_only_when_accepted(api_client, content, _case, accept_encoding, gzipped):
    headers = (
        {} if accept_encoding is None else {"HTTP_ACCEPT_ENCODING": accept_encoding}
    )
    api_client.get("/api/v1/news", HTTP_ACCEPT_ENCODING="gzip")  # cached
    response = api_client.get("/api/v1/news", **headers)
    assert response.status_code == 200
    assert response.has_header("Content-Encoding") is gzipped
    raw = gzip.decompress(response.content) if gzipped else response.content
    assert [n["title"] for n in json.loads(raw)] == ["Yangi menyu"]


@pytest.mark.parametrize("path", PUBLIC_BODIES)
def test_project_middleware_still_applies(api_client, content, settings, path):
    settings.CORS_ORIGINS = ["https://admin.sardoba.uz"]
    response = app_get(
        api_client,
        path,
        HTTP_ORIGIN="https://admin.sardoba.uz",
        HTTP_X_CORRELATION_ID="req-42",
    )
    assert response["X-Correlation-ID"] == "req-42"
    assert response["Access-Control-Allow-Origin"] == "https://admin.sardoba.uz"
    assert response["X-Content-Type-Options"] == "nosniff"
    # CORS adds to the view's Vary instead of replacing it
    assert response["Vary"] == "Accept-Encoding, Origin"
    gunzip_json(response)


@pytest.mark.parametrize("path", PUBLIC_BODIES)
def test_matching_if_none_match_is_304(api_client, content, path):
    # given
    first = app_get(api_client, path)
    etag = first["ETag"]
    assert etag.startswith('W/"')
    assert api_client.get(path)["ETag"] == etag  # one tag for both encodings
    # when
    same = app_get(api_client, path, HTTP_IF_NONE_MATCH=f'"other", {etag}')
    other = app_get(api_client, path, HTTP_IF_NONE_MATCH='W/"other"')
    # then
    assert same.status_code == 304
    assert same.content == b""
    assert same["ETag"] == etag
    assert same["Vary"] == "Accept-Encoding"
    assert other.status_code == 200
    assert gzip.decompress(other.content) == gzip.decompress(first.content)


def test_local_menu_write_shows_at_once_through_the_memo(
    api_client, manager_client, content, django_capture_on_commit_callbacks
):
    assert live_price(api_client) == 35000
    etag = app_get(api_client, "/api/v1/catalog/live")["ETag"]
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.patch(f"/api/v1/catalog/products/{content.pk}", {"price": 36000})
    assert live_price(api_client) == 36000
    fresh = app_get(api_client, "/api/v1/catalog/live", HTTP_IF_NONE_MATCH=etag)
    assert fresh.status_code == 200


def test_a_bump_by_another_worker_bypasses_this_workers_memo(
    api_client, content, settings, django_assert_num_queries
):
    # given: this worker has the body memoised, and the database changed since
    assert live_price(api_client) == 35000
    Product.objects.filter(pk=content.pk).update(price=37000)
    with django_assert_num_queries(0):
        assert live_price(api_client) == 35000
    # when: another worker invalidates (only the shared version changes), and
    # this worker's reuse of the version it read has lapsed
    caches["default"].set(f"version:{CATALOG}", "bumped-by-worker-2", None)
    settings.CACHE_VERSION_MEMO_SECONDS = 0
    # then
    assert live_price(api_client) == 37000


def test_a_worker_reuses_the_version_it_read_until_the_memo_lapses(
    api_client, content, settings
):
    settings.CACHE_VERSION_MEMO_SECONDS = 3600
    assert live_price(api_client) == 35000
    Product.objects.filter(pk=content.pk).update(price=37000)
    # another worker's bump is not read while the version memo lasts
    caches["default"].set(f"version:{CATALOG}", "bumped-by-worker-2", None)
    assert live_price(api_client) == 35000
    # this worker's own invalidation is seen at once
    catalog_cache_invalidate()
    assert live_price(api_client) == 37000


def test_a_flushed_shared_cache_never_revives_an_old_memoised_body(
    api_client, content, settings
):
    # given
    assert live_price(api_client) == 35000
    Product.objects.filter(pk=content.pk).update(price=38000)
    # when: Redis restarts empty (or is flushed): every version is gone, and
    # the version this worker read is no longer reused
    cache.clear()
    settings.CACHE_VERSION_MEMO_SECONDS = 0
    # then: the versions start afresh instead of reusing the memo's
    assert live_price(api_client) == 38000


def test_memoised_body_is_not_served_past_its_shared_expiry(
    api_client, content, locmem, settings, django_assert_num_queries
):
    settings.MENU_RESPONSE_CACHE_TTL = 5  # the local menu expires with the body
    with time_machine.travel(T0, tick=False):
        assert live_price(api_client) == 35000
    Product.objects.filter(pk=content.pk).update(price=39000)
    with (
        time_machine.travel(T0 + dt.timedelta(seconds=4.9), tick=False),
        django_assert_num_queries(0),
    ):
        assert live_price(api_client) == 35000
    with time_machine.travel(T0 + dt.timedelta(seconds=5), tick=False):
        assert live_price(api_client) == 39000


def test_a_worker_memoising_a_shared_body_keeps_its_expiry(
    api_client, content, locmem, settings
):
    settings.MENU_RESPONSE_CACHE_TTL = 5
    # given: worker 1 rendered the body at T0 (shared entry expires at T0 + 5 s)
    with time_machine.travel(T0, tick=False):
        assert live_price(api_client) == 35000
    # when: worker 2, with an empty memo, picks it from the shared cache at T0 + 3 s
    rendered_memo_clear()
    with time_machine.travel(T0 + dt.timedelta(seconds=3), tick=False):
        assert live_price(api_client) == 35000
    Product.objects.filter(pk=content.pk).update(price=39500)
    # then: its memo ends with the shared entry, not 5 s after it was read
    with time_machine.travel(T0 + dt.timedelta(seconds=5.5), tick=False):
        assert live_price(api_client) == 39500
