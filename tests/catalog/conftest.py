from __future__ import annotations

import pytest

from catalog.cache import cache_reset_state
from tests.catalog import menus


@pytest.fixture(autouse=True)
def _cache_state():
    cache_reset_state()
    yield
    cache_reset_state()


@pytest.fixture
def upstream(httpserver, settings):
    """MyResto on loopback: both instances and their stop lists."""
    settings.MENU_API_URL = httpserver.url_for("/tashkent/api/v1/menu")
    settings.MENU_GIJDUVON_API_URL = httpserver.url_for("/gijduvon/api/v1/menu")
    settings.STOP_LIST_API_URL = httpserver.url_for("/tashkent/api/v1/menu/stop-lists")
    settings.STOP_LIST_GIJDUVON_API_URL = httpserver.url_for(
        "/gijduvon/api/v1/menu/stop-lists"
    )
    settings.MENU_HTTP_TIMEOUT = 2
    return httpserver


def serve_all(httpserver, *, main=None, gijduvon=None, stops=None):
    httpserver.expect_request("/tashkent/api/v1/menu").respond_with_json(
        main if main is not None else menus.main_menu()
    )
    httpserver.expect_request("/gijduvon/api/v1/menu").respond_with_json(
        gijduvon if gijduvon is not None else menus.gijduvon_menu()
    )
    stops = stops or {}
    for store in (menus.SEVERNIY, menus.MK5, menus.GEOFIZIKA):
        httpserver.expect_request(
            f"/tashkent/api/v1/menu/stop-lists/{store}"
        ).respond_with_json(menus.stoplist(stops.get(store, {})))
    httpserver.expect_request(
        f"/gijduvon/api/v1/menu/stop-lists/{menus.GIJDUVON}"
    ).respond_with_json(menus.stoplist(stops.get(menus.GIJDUVON, {})))
