"""The iiko access token: cached per expiry, one fetch at a time, refreshed on 401/403."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.core.cache import cache

from cashback.iiko import (
    TOKEN_CACHE_KEY,
    TOKEN_LOCK_KEY,
    IikoBusy,
    IikoClient,
    IikoRejected,
    IikoTimeout,
)
from tests.iiko.conftest import (
    CREATE,
    INFO,
    ORG,
    TOKEN,
    paths,
)


@pytest.fixture
def locmem_cache(settings):
    """Expiry follows the frozen clock only in the memory cache (Redis keeps real time)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "iiko-tests",
        }
    }
    cache.clear()


def test_token_is_fetched_once_and_cached_until_shortly_before_expiry(
    iiko, locmem_cache
):
    # given
    iiko.expect_request(INFO).respond_with_json({}, status=404)
    start = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        # when
        IikoClient().customer_info(phone="+998901112233")
        IikoClient().customer_info(phone="+998901112233")
        traveller.move_to(start + dt.timedelta(seconds=3569))
        IikoClient().customer_info(phone="+998901112233")
        first_round = paths(iiko).count(TOKEN)
        traveller.move_to(start + dt.timedelta(seconds=3571))
        IikoClient().customer_info(phone="+998901112233")
    # then
    assert first_round == 1
    assert paths(iiko).count(TOKEN) == 2
    assert [
        req.headers["Authorization"] for req, _ in iiko.log if req.path == INFO
    ] == ["Bearer tok-1"] * 4


def test_short_expiry_is_cached_at_least_30_seconds(iiko, locmem_cache):
    # given
    iiko.clear()
    iiko.expect_request(TOKEN).respond_with_json({"token": "tok-s", "expiresIn": 10})
    iiko.expect_request(INFO).respond_with_json({}, status=404)
    start = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        IikoClient().customer_info(phone="+998901112233")
        # when
        traveller.move_to(start + dt.timedelta(seconds=29))
        IikoClient().customer_info(phone="+998901112233")
    # then
    assert paths(iiko).count(TOKEN) == 1


@pytest.mark.redis
def test_token_ttl_in_redis_is_expiry_minus_30_seconds(iiko):
    iiko.expect_request(INFO).respond_with_json({}, status=404)
    IikoClient().customer_info(phone="+998901112233")
    assert 3560 <= cache.ttl(TOKEN_CACHE_KEY) <= 3570


@pytest.mark.parametrize("status", [401, 403])
def test_refused_token_is_refetched_once_and_the_call_retried_once(iiko, status):
    # given: iiko refuses the cached token once
    cache.set(TOKEN_CACHE_KEY, "tok-old", 600)
    iiko.expect_oneshot_request(INFO).respond_with_json({}, status=status)
    iiko.expect_request(INFO).respond_with_json({"id": "cust-1"})
    # when
    customer = IikoClient().customer_info(phone="+998901112233")
    # then
    assert customer.id == "cust-1"
    auth = [req.headers["Authorization"] for req, _ in iiko.log if req.path == INFO]
    assert auth == ["Bearer tok-old", "Bearer tok-1"]
    assert paths(iiko).count(TOKEN) == 1
    assert cache.get(TOKEN_CACHE_KEY) == "tok-1"


def test_second_refusal_is_terminal(iiko):
    # given
    iiko.expect_request(CREATE).respond_with_json(
        {"errorDescription": "no"}, status=403
    )
    # when / then
    with pytest.raises(IikoRejected):
        IikoClient().customer_create_or_update(profile={"phone": "+998901112233"})
    assert paths(iiko).count(CREATE) == 2
    assert paths(iiko).count(TOKEN) == 2


def test_bad_api_login_is_terminal(settings, httpserver):
    # given
    settings.IIKO_API_BASE_URL = httpserver.url_for("/").rstrip("/")
    settings.IIKO_API_LOGIN, settings.IIKO_ORGANIZATION_ID = "wrong", ORG
    httpserver.expect_request(TOKEN).respond_with_json(
        {"errorDescription": "Login wrong is not authorized"}, status=401
    )
    # when / then
    with pytest.raises(IikoRejected, match="not authorized"):
        IikoClient().customer_info(phone="+998901112233")
    assert paths(httpserver) == [TOKEN]


def test_access_token_read_timeout_is_retried_once(raw_iiko):
    server = raw_iiko("stall")
    with pytest.raises(IikoTimeout):
        IikoClient().customer_info(phone="+998901112233")
    assert server.connections == 2


def test_token_fetch_held_elsewhere_is_transient(iiko, settings):
    # given: another process holds the fetch lock and never finishes
    settings.IIKO_CONNECT_TIMEOUT = 0.1
    settings.IIKO_READ_TIMEOUT = 0.1
    cache.add(TOKEN_LOCK_KEY, "someone-else", 60)
    # when / then
    with pytest.raises(IikoBusy):
        IikoClient().customer_info(phone="+998901112233")
    assert iiko.log == []


def test_token_fetched_by_another_process_meanwhile_is_used(iiko, settings):
    # given: another process holds the fetch lock and caches its token shortly
    cache.add(TOKEN_LOCK_KEY, "someone-else", 60)
    iiko.expect_request(INFO).respond_with_json({}, status=404)
    timer = threading.Timer(0.2, cache.set, args=(TOKEN_CACHE_KEY, "tok-other", 600))
    timer.start()
    # when
    IikoClient().customer_info(phone="+998901112233")
    timer.join()
    # then
    assert paths(iiko) == [INFO]
    assert iiko.log[0][0].headers["Authorization"] == "Bearer tok-other"
