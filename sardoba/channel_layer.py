"""channels_redis's layer on a connection pool that waits when it is full.

channels_redis 4.3 builds one pool per host and event loop in
`channels_redis.utils.create_pool`, always redis-py's plain `ConnectionPool`
(`ConnectionPool.from_url(address, **host)`). In redis-py 8 that pool holds at
most 100 connections by default and raises `MaxConnectionsError` for the
101st command in flight: thousands of sockets connecting to one process at once
(two `group_add` each) failed, and so did their `group_discard`. A
`max_connections` in the host dict only moves the limit, and one connection per
socket of a burst would exhaust Redis's `maxclients` across processes instead.
redis-py's `BlockingConnectionPool` has the same limit, but a command past it
waits for a free connection and fails only after `pool_timeout` seconds.
"""

from __future__ import annotations

from typing import Any

from channels_redis.core import RedisChannelLayer as BaseRedisChannelLayer
from redis.asyncio import BlockingConnectionPool


class RedisChannelLayer(BaseRedisChannelLayer):
    """`channels_redis.core.RedisChannelLayer` with a `BlockingConnectionPool`.

    `pool_max_connections` caps the connections of each pool (per host and
    event loop); `pool_timeout` is how long a command waits for one before
    raising redis-py's `ConnectionError` (a host dict's own `max_connections`
    and `timeout` win). Hosts are URL dicts (`address` plus connection options)
    or connection keyword dicts; Sentinel is not supported.
    """

    def __init__(
        self,
        *args: Any,
        pool_max_connections: int = 100,
        pool_timeout: float = 10.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.pool_max_connections = pool_max_connections
        self.pool_timeout = pool_timeout

    def create_pool(self, index: int) -> BlockingConnectionPool:
        host = dict(self.hosts[index])
        if "master_name" in host:
            raise ValueError("Redis Sentinel hosts are not supported by this layer")
        host.setdefault("max_connections", self.pool_max_connections)
        host.setdefault("timeout", self.pool_timeout)
        address = host.pop("address", None)
        if address is None:
            return BlockingConnectionPool(**host)
        return BlockingConnectionPool.from_url(address, **host)
