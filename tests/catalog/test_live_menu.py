"""GET /catalog/live (mobile M13, `domain-rules.md` §14) against loopback MyResto."""

from __future__ import annotations

import threading
import time

import pytest
from model_bakery import baker

from catalog.models import Category, Product
from tests.catalog import menus
from tests.catalog.conftest import serve_all

pytestmark = pytest.mark.django_db


def _prices(body, item_id):
    for category in body["categories"]:
        for item in category["items"]:
            if item["id"] == item_id:
                return item["prices"]
    raise AssertionError(item_id)


def test_merges_both_instances_with_stop_lists(api_client, upstream):
    # given
    serve_all(
        upstream,
        stops={menus.SEVERNIY: {"3051": 0, "4001": 3}, menus.GIJDUVON: {"7001": -1}},
    )
    base = upstream.url_for("/")
    # when
    response = api_client.get("/api/v1/catalog/live")
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert [c["slug"] for c in body["categories"]] == ["shashlik", "ichimliklar", "osh"]
    shashlik = body["categories"][0]
    assert shashlik["id"] == "12"
    assert shashlik["name"] == "Shashlik"
    assert shashlik["thumbnail"] == "https://cdn.myresto.online/c/12.png"
    assert [i["id"] for i in shashlik["items"]] == ["3051", "3052"]
    lamb = shashlik["items"][0]
    assert lamb == {
        "id": "3051",
        "name": "Qo'y go'shti shashlik",
        "images": [
            "https://cdn.myresto.online/i/3051-s.jpg",
            "https://cdn.myresto.online/i/3051.jpg",
        ],
        "prices": [
            {
                "storeId": 139235,
                "storeName": "Sardoba_Geofizika",
                "price": 35000,
                "disabled": False,
            },
            {
                "storeId": 139350,
                "storeName": "Sardoba_Severniy",
                "price": 35000,
                "disabled": True,
            },
            {
                "storeId": 139458,
                "storeName": "Sardoba_5MK",
                "price": 36000,
                "disabled": False,
            },
            {
                "storeId": 157757,
                "storeName": "Sardoba_Gijduvon",
                "price": 30000,
                "disabled": False,
            },
        ],
    }
    assert shashlik["items"][1]["images"] == [base + "uploads/3052.jpg"]
    assert _prices(body, "7001") == [
        {
            "storeId": 157757,
            "storeName": "Sardoba_Gijduvon",
            "price": 40000,
            "disabled": True,
        }
    ]
    assert [p["disabled"] for p in _prices(body, "4001")] == [False, False]
    assert body["categories"][2]["thumbnail"] is None
    served = {c["id"] for c in body["categories"]}
    assert "14" not in served  # hidden category
    assert "15" not in served  # only hidden items


def test_response_is_cached(api_client, upstream):
    serve_all(upstream)
    first = api_client.get("/api/v1/catalog/live").json()
    calls = len(upstream.log)
    second = api_client.get("/api/v1/catalog/live").json()
    assert second == first
    assert len(upstream.log) == calls


def test_no_upstream_and_no_cache_gives_success_false(api_client, upstream):
    upstream.expect_request("/tashkent/api/v1/menu").respond_with_data(
        "down", status=503
    )
    upstream.expect_request("/gijduvon/api/v1/menu").respond_with_data(
        "<html>", status=200
    )
    response = api_client.get("/api/v1/catalog/live")
    assert response.status_code == 200
    assert response.json() == {"success": False, "categories": []}


def test_failed_upstream_serves_the_last_good_body(api_client, upstream, settings):
    # given: a good response, then the response cache expires and MyResto breaks
    serve_all(upstream)
    good = api_client.get("/api/v1/catalog/live").json()
    from django.core.cache import cache

    cache.delete_many(
        ["menu:live", "menu:raw:139350,139458,139235", "menu:raw:157757"]
        + [f"menu:stoplist:{s}" for s in settings.STORE_IDS]
    )
    upstream.clear()
    upstream.expect_request("/tashkent/api/v1/menu").respond_with_data("", status=500)
    upstream.expect_request("/gijduvon/api/v1/menu").respond_with_data("", status=500)
    # when
    response = api_client.get("/api/v1/catalog/live")
    # then
    assert response.status_code == 200
    assert response.json() == good


def test_hanging_upstreams_fall_back_within_the_timeout(api_client, upstream, settings):
    # given: every upstream hangs longer than MENU_HTTP_TIMEOUT
    settings.MENU_HTTP_TIMEOUT = 0.3
    release = threading.Event()

    def hang(request):
        release.wait(timeout=5)
        from werkzeug import Response

        return Response("{}", content_type="application/json")

    upstream.expect_request("/tashkent/api/v1/menu").respond_with_handler(hang)
    upstream.expect_request("/gijduvon/api/v1/menu").respond_with_handler(hang)
    # when
    try:
        response = api_client.get("/api/v1/catalog/live")
    finally:
        # let the (single-threaded) loopback server drain before the next test
        release.set()
        for _ in range(100):
            if len(upstream.log) >= 2:
                break
            time.sleep(0.05)
    # then
    assert response.status_code == 200
    assert response.json() == {"success": False, "categories": []}


def test_local_mode_serves_the_local_catalog(api_client, settings):
    # given
    settings.MENU_API_URL = ""
    settings.STORE_IDS = [139350, 139235]
    drinks = baker.make(
        Category, name="Ichimliklar", slug="", position=2, image_url=None
    )
    grill = baker.make(
        Category,
        name="Shashlik",
        slug="shashlik",
        position=1,
        image_url="/api/v1/files/news_images/c-1.jpg",
    )
    baker.make(Category, name="Bo'sh", position=0)
    inactive = baker.make(Category, name="Yopiq", position=0, is_active=False)
    baker.make(Product, category=inactive, name="X", price=1000)
    lamb = baker.make(
        Product,
        category=grill,
        name="Qo'y",
        price=35000,
        image_url="/api/v1/files/news_images/p-1.jpg",
    )
    baker.make(Product, category=grill, name="Off", price=1000, is_active=False)
    tea = baker.make(Product, category=drinks, name="Choy", price=5000, image_url=None)
    # when
    body = api_client.get("/api/v1/catalog/live").json()
    # then
    assert body == {
        "success": True,
        "categories": [
            {
                "id": str(grill.pk),
                "name": "Shashlik",
                "slug": "shashlik",
                "thumbnail": "http://testserver/api/v1/files/news_images/c-1.jpg",
                "items": [
                    {
                        "id": str(lamb.pk),
                        "name": "Qo'y",
                        "images": [
                            "http://testserver/api/v1/files/news_images/p-1.jpg"
                        ],
                        "prices": [
                            {
                                "storeId": 139235,
                                "storeName": "Sardoba_Geofizika",
                                "price": 35000,
                                "disabled": False,
                            },
                            {
                                "storeId": 139350,
                                "storeName": "Sardoba_Severniy",
                                "price": 35000,
                                "disabled": False,
                            },
                        ],
                    }
                ],
            },
            {
                "id": str(drinks.pk),
                "name": "Ichimliklar",
                "slug": "ichimliklar",
                "thumbnail": None,
                "items": [
                    {
                        "id": str(tea.pk),
                        "name": "Choy",
                        "images": [],
                        "prices": [
                            {
                                "storeId": 139235,
                                "storeName": "Sardoba_Geofizika",
                                "price": 5000,
                                "disabled": False,
                            },
                            {
                                "storeId": 139350,
                                "storeName": "Sardoba_Severniy",
                                "price": 5000,
                                "disabled": False,
                            },
                        ],
                    }
                ],
            },
        ],
    }


def test_local_mode_follows_manager_edits(
    api_client, manager_client, settings, django_capture_on_commit_callbacks
):
    settings.MENU_API_URL = ""
    product = baker.make(
        Product, category=baker.make(Category, name="Osh"), name="Osh", price=30000
    )
    assert (
        api_client.get("/api/v1/catalog/live").json()["categories"][0]["items"][0][
            "prices"
        ][0]["price"]
        == 30000
    )
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.patch(f"/api/v1/catalog/products/{product.pk}", {"price": 32000})
    body = api_client.get("/api/v1/catalog/live").json()
    assert body["categories"][0]["items"][0]["prices"][0]["price"] == 32000


def test_a_failed_stop_list_without_last_good_serves_the_menu_uncached(
    api_client, upstream
):
    # given: menus answer, one stop list is broken, nothing cached yet
    upstream.expect_request("/tashkent/api/v1/menu").respond_with_json(
        menus.main_menu()
    )
    upstream.expect_request("/gijduvon/api/v1/menu").respond_with_json(
        menus.gijduvon_menu()
    )
    upstream.expect_request(
        f"/tashkent/api/v1/menu/stop-lists/{menus.SEVERNIY}"
    ).respond_with_data("oops", status=500)
    upstream.expect_request(
        "/tashkent/api/v1/menu/stop-lists/139458"
    ).respond_with_json(menus.stoplist({}))
    upstream.expect_request(
        "/tashkent/api/v1/menu/stop-lists/139235"
    ).respond_with_json(menus.stoplist({"3051": 0}))
    upstream.expect_request(
        "/gijduvon/api/v1/menu/stop-lists/157757"
    ).respond_with_json(menus.stoplist({}))
    # when
    body = api_client.get("/api/v1/catalog/live").json()
    # then: the menu is served, the known stop list applied, and nothing is kept
    assert body["success"] is True
    assert _prices(body, "3051")[0] == {
        "storeId": 139235,
        "storeName": "Sardoba_Geofizika",
        "price": 35000,
        "disabled": True,
    }
    from catalog.cache import cache_get

    assert cache_get("menu:live") is None
    assert cache_get("menu:live:last_good") is None


def test_one_menu_down_without_last_good_serves_the_other(api_client, upstream):
    upstream.expect_request("/tashkent/api/v1/menu").respond_with_data("", status=500)
    upstream.expect_request("/gijduvon/api/v1/menu").respond_with_json(
        menus.gijduvon_menu()
    )
    body = api_client.get("/api/v1/catalog/live").json()
    assert body["success"] is True
    assert [c["slug"] for c in body["categories"]] == ["shashlik", "osh"]
    assert [p["storeId"] for p in _prices(body, "3051")] == [157757]


def test_unknown_store_is_named_by_its_digits(api_client, upstream):
    data = menus.menu(
        [
            menus.category(
                "1", "A", "a", [menus.item("1", "X", [menus.price(4242, 100)])]
            )
        ]
    )
    serve_all(upstream, main=data, gijduvon=menus.menu([]))
    body = api_client.get("/api/v1/catalog/live").json()
    assert _prices(body, "1") == [
        {"storeId": 4242, "storeName": "4242", "price": 100, "disabled": False}
    ]
