"""Redis going down while the server runs (`domain-rules.md` §8, issue 5).

Starts its own `redis-server` on a free loopback port, points the cache at it,
stops it mid-test and starts it again: the shared Redis is never touched.
"""

from __future__ import annotations

import gzip
import json
import shutil
import socket
import subprocess
import time

import pytest
import redis
from model_bakery import baker

from catalog.cache import cache_reset_state
from catalog.models import Category, Product
from catalog.services import product_update
from news.models import NewsItem
from news.services import news_create
from tests.catalog.conftest import serve_all

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        shutil.which("redis-server") is None, reason="needs redis-server"
    ),
]


REDIS_SERVER = shutil.which("redis-server") or "redis-server"


class OwnRedis:
    def __init__(self, workdir):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.workdir = workdir
        self.process: subprocess.Popen | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        for _ in range(100):
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def stored_keys(self):
        return {k.decode() for k in redis.Redis.from_url(self.url).keys("*")}


@pytest.fixture
def own_redis(tmp_path, settings):
    server = OwnRedis(tmp_path)
    server.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": server.url,
            "KEY_PREFIX": "t",
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SERIALIZER": "django_redis.serializers.json.JSONSerializer",
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
        }
    }
    settings.CACHE_RETRY_SECONDS = 0
    cache_reset_state()
    yield server
    server.stop()
    cache_reset_state()


def _public_reads(client):
    news = client.get("/api/v1/news")
    categories = client.get("/api/v1/catalog/categories")
    products = client.get("/api/v1/catalog/products")
    live = client.get("/api/v1/catalog/live")
    for response in (news, categories, products, live):
        assert response.status_code == 200
    return news.json(), categories.json(), products.json(), live.json()


def test_endpoints_survive_redis_going_down_and_recover(
    api_client, own_redis, settings, manager, django_capture_on_commit_callbacks
):
    # given: local menu mode, data, and everything cached in Redis as JSON
    settings.MENU_API_URL = ""
    baker.make(NewsItem, title="Birinchi", description="d")
    grill = baker.make(Category, name="Shashlik")
    baker.make(Product, category=grill, name="Qo'y", price=35000)
    _public_reads(api_client)
    keys = own_redis.stored_keys()
    assert any(":news:public:v" in k for k in keys)
    assert any(":categories:all:v" in k for k in keys)
    assert any(":menu:live:local:v" in k for k in keys)
    raw = redis.Redis.from_url(own_redis.url).get(
        next(k for k in keys if ":news:public:v" in k)
    )
    assert raw.startswith(b"[{")  # JSON, not a pickle

    # when: Redis dies and the data changes meanwhile
    own_redis.stop()
    with django_capture_on_commit_callbacks(execute=True):  # its invalidation
        news_create(staff=manager, title="Ikkinchi", description="d", priority=3)
    baker.make(Product, category=grill, name="Tovuq", price=25000)
    from catalog.services import catalog_cache_invalidate

    catalog_cache_invalidate()

    # then: every endpoint answers from the database
    news, categories, products, live = _public_reads(api_client)
    assert [n["title"] for n in news] == ["Ikkinchi", "Birinchi"]
    assert [c["name"] for c in categories] == ["Shashlik"]
    assert sorted(p["name"] for p in products) == ["Qo'y", "Tovuq"]
    assert len(live["categories"][0]["items"]) == 2

    # when: Redis comes back
    own_redis.start()
    news, _, products, live = _public_reads(api_client)

    # then: answers stay right and the cache is filled again
    assert [n["title"] for n in news] == ["Ikkinchi", "Birinchi"]
    assert len(products) == 2
    assert any(":news:public:v" in k for k in own_redis.stored_keys())


def test_live_menu_comes_from_the_upstreams_while_redis_is_down(
    api_client, own_redis, upstream
):
    serve_all(upstream)
    own_redis.stop()
    body = api_client.get("/api/v1/catalog/live").json()
    assert body["success"] is True
    assert [c["slug"] for c in body["categories"]] == ["shashlik", "ichimliklar", "osh"]
    own_redis.start()
    assert api_client.get("/api/v1/catalog/live").json() == body
    assert "t:1:menu:live" in own_redis.stored_keys()


def _app_reads(client):
    """`/news` and `/catalog/live` as the app reads them (gzip), decoded."""
    bodies = []
    for path in ("/api/v1/news", "/api/v1/catalog/live"):
        response = client.get(path, HTTP_ACCEPT_ENCODING="gzip")
        assert response.status_code == 200
        assert response["Content-Encoding"] == "gzip"
        bodies.append(json.loads(gzip.decompress(response.content)))
    return bodies


def test_memoised_bodies_stay_right_while_redis_goes_down_and_back(
    api_client, own_redis, settings, manager, django_capture_on_commit_callbacks
):
    # given: both bodies rendered, in Redis and in this process's memo
    settings.MENU_API_URL = ""
    grill = baker.make(Category, name="Shashlik")
    lamb = baker.make(Product, category=grill, name="Qo'y", price=35000)
    baker.make(NewsItem, title="Birinchi", description="d")
    _app_reads(api_client)
    assert any(":news:body:" in k for k in own_redis.stored_keys())
    assert any(":menu:live:body:" in k for k in own_redis.stored_keys())

    # when: Redis dies, then news and the menu change (their bumps cannot reach it)
    own_redis.stop()
    with django_capture_on_commit_callbacks(execute=True):
        news_create(staff=manager, title="Ikkinchi", description="d", priority=3)
        product_update(product=lamb, staff=manager, changes={"price": 36000})

    # then: both answer 200 with the new data
    news, live = _app_reads(api_client)
    assert [n["title"] for n in news] == ["Ikkinchi", "Birinchi"]
    assert live["categories"][0]["items"][0]["prices"][0]["price"] == 36000

    # when / then: Redis comes back with the old entries gone, and all stays right
    own_redis.start()
    news, live = _app_reads(api_client)
    assert [n["title"] for n in news] == ["Ikkinchi", "Birinchi"]
    assert live["categories"][0]["items"][0]["prices"][0]["price"] == 36000


@pytest.fixture
def dead_cache(settings):
    """The cache points at a loopback port where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {
                "SERIALIZER": "django_redis.serializers.json.JSONSerializer",
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
        }
    }
    cache_reset_state()
    yield
    cache_reset_state()


def test_writes_and_reads_work_with_the_cache_unreachable(
    api_client, manager_client, dead_cache, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        created = manager_client.post(
            "/api/v1/news", {"title": "t", "description": "d"}
        )
        category = manager_client.post("/api/v1/catalog/categories", {"name": "Osh"})
    assert created.status_code == 200
    assert category.status_code == 200
    assert [n["title"] for n in api_client.get("/api/v1/news").json()] == ["t"]
    assert [c["name"] for c in api_client.get("/api/v1/catalog/categories").json()] == [
        "Osh"
    ]
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.patch(f"/api/v1/news/{created.json()['id']}", {"title": "u"})
    assert [n["title"] for n in api_client.get("/api/v1/news").json()] == ["u"]
    gzipped = api_client.get("/api/v1/news", HTTP_ACCEPT_ENCODING="gzip")
    assert gzipped.status_code == 200
    assert [n["title"] for n in json.loads(gzip.decompress(gzipped.content))] == ["u"]
