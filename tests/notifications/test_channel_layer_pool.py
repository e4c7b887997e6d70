"""The Redis channel layer waits for a pooled connection instead of failing.

channels_redis builds one redis-py pool per host and event loop; redis-py's
asyncio `ConnectionPool` stops at 100 connections and raises
`MaxConnectionsError` beyond, so a burst of sockets joining their groups in one
process failed. The layer of `sardoba.channel_layer` uses a blocking pool.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
from django.conf import settings
from django.utils.module_loading import import_string
from redis.asyncio import BlockingConnectionPool
from redis.exceptions import ConnectionError as RedisConnectionError

from sardoba.channel_layer import RedisChannelLayer

BURST = 1000  # sockets joining at once, ten times redis-py's default pool


def _layer(**overrides):
    """A layer as configured, under a prefix of its own (flushed at the end)."""
    layer_settings = settings.CHANNEL_LAYERS["default"]
    config = {
        **layer_settings["CONFIG"],
        "prefix": f"test-pool-{uuid.uuid4().hex}",
        **overrides,
    }
    return import_string(layer_settings["BACKEND"])(**config)


async def _members(layer, group):
    return await layer.connection(0).zcard(f"{layer.prefix}:group:{group}")


async def _join_all(layer, group, count):
    channels = [await layer.new_channel() for _ in range(count)]
    await asyncio.gather(*(layer.group_add(group, name) for name in channels))
    return channels


def test_the_pool_is_a_blocking_pool_with_the_host_options():
    # given
    layer = RedisChannelLayer(
        hosts=[{"address": "redis://127.0.0.1:6379/11", "socket_timeout": 15}],
        pool_max_connections=7,
        pool_timeout=3.5,
    )
    # when (a pool connects lazily: no Redis needed)
    pool = layer.create_pool(0)
    # then
    assert type(pool) is BlockingConnectionPool
    assert pool.max_connections == 7
    assert pool.timeout == 3.5
    assert pool.connection_kwargs["socket_timeout"] == 15
    assert pool.connection_kwargs["db"] == 11


@pytest.mark.redis
@pytest.mark.asyncio
async def test_the_configured_layer_serves_a_connect_burst_larger_than_its_pool():
    # given the layer as configured (before: MaxConnectionsError past 100)
    layer = _layer()
    try:
        # when a burst of sockets joins the broadcasts group at once
        await _join_all(layer, "broadcasts", BURST)
        # then every one of them is a member
        assert await _members(layer, "broadcasts") == BURST
    finally:
        await layer.flush()


@pytest.mark.redis
@pytest.mark.asyncio
async def test_a_pool_of_two_connections_serves_many_concurrent_joins():
    # given
    layer = _layer(pool_max_connections=2)
    try:
        # when
        await _join_all(layer, "broadcasts", 200)
        # then the joins waited their turn
        assert await _members(layer, "broadcasts") == 200
        pool = layer.connection(0).connection_pool
        assert pool.max_connections == 2
    finally:
        await layer.flush()


@pytest.mark.redis
@pytest.mark.asyncio
async def test_a_join_fails_after_the_pool_timeout_when_no_connection_frees_up():
    # given a pool of one connection, held elsewhere
    layer = _layer(pool_max_connections=1, pool_timeout=0.1)
    pool = layer.connection(0).connection_pool
    held = await pool.get_connection()
    try:
        # when / then: an error the consumer turns into a 1011 close, not a hang
        with pytest.raises(RedisConnectionError, match="No connection available"):
            await layer.group_add("broadcasts", await layer.new_channel())
    finally:
        await pool.release(held)
        await layer.flush()
