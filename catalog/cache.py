"""Best-effort cache for the public reads (`domain-rules.md` §8).

Every call goes to the configured cache (Redis when `REDIS_URL` is set) and never
raises: when the cache fails (Redis down, a timeout) the error is logged, the
value falls back to a per-process memory cache, and the caller computes the value
from the database or the upstreams as if nothing were cached. After a failure the
shared cache is skipped for `CACHE_RETRY_SECONDS` (so a dead Redis costs one
timeout, not one per request) and then tried again, so service recovers by
itself when Redis returns.

Namespaces ("news", "catalog") are invalidated by bumping a version number kept
in the cache and carried in every key of the namespace (`news:public:v<n>`).
A bump that could not reach Redis is replayed on the first call that reaches it
again, so no stale entry outlives an outage.

Values must be JSON-shaped (dicts, lists, strings, numbers): django-redis stores
them with its JSON serializer, never as pickles.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache

logger = logging.getLogger("sardoba.cache")

NEWS = "news"
CATALOG = "catalog"

_fallback = LocMemCache("sardoba-cache-fallback", {"OPTIONS": {"MAX_ENTRIES": 2000}})
_lock = threading.Lock()
_state: dict[str, Any] = {"down_until": 0.0, "pending_bumps": set()}


def _retry_seconds() -> float:
    return float(getattr(settings, "CACHE_RETRY_SECONDS", 5))


def _shared_usable() -> bool:
    return time.monotonic() >= _state["down_until"]


def _shared_failed(operation: str, key: str, exc: Exception) -> None:
    with _lock:
        _state["down_until"] = time.monotonic() + _retry_seconds()
    logger.warning(
        "cache %s failed for %s; serving without the shared cache: %s",
        operation,
        key,
        exc.__class__.__name__,
    )


def _replay_pending_bumps() -> None:
    pending = set(_state["pending_bumps"])
    for namespace in pending:
        caches["default"].set(_version_key(namespace), time.time_ns(), None)
    with _lock:
        _state["pending_bumps"] -= pending


def _shared_call(operation: str, key: str, call: Callable[[Any], Any]) -> Any:
    """Run `call(cache)` on the shared cache; raise `_Unavailable` on any failure."""
    if not _shared_usable():
        raise _Unavailable
    try:
        backend = caches["default"]
        if _state["pending_bumps"]:
            _replay_pending_bumps()
        return call(backend)
    except Exception as exc:  # any backend error means "no cache"
        _shared_failed(operation, key, exc)
        raise _Unavailable from exc


class _Unavailable(Exception):
    pass


def cache_get(key: str) -> Any:
    """Return the cached value of `key`, or None when absent or the cache fails."""
    try:
        return _shared_call("get", key, lambda c: c.get(key))
    except _Unavailable:
        return _fallback.get(key)


def cache_set(key: str, value: Any, timeout: float | None) -> None:
    """Store `value` (JSON-shaped) for `timeout` seconds (None: no expiry)."""
    try:
        _shared_call("set", key, lambda c: c.set(key, value, timeout))
    except _Unavailable:
        _fallback.set(key, value, timeout)


def _version_key(namespace: str) -> str:
    return f"version:{namespace}"


def namespace_version(namespace: str) -> str:
    """The current version of `namespace`, to be carried in its keys."""
    key = _version_key(namespace)
    try:
        value = _shared_call("get", key, lambda c: c.get(key))
    except _Unavailable:
        value = _fallback.get(key)
    return str(value or 0)


def namespace_key(namespace: str, key: str) -> str:
    """`key` with the current version of `namespace` appended (`news:public:v3`)."""
    return f"{key}:v{namespace_version(namespace)}"


def namespace_invalidate(namespace: str) -> None:
    """Make every key of `namespace` unreachable (bump its version)."""
    key = _version_key(namespace)
    stamp = time.time_ns()
    _fallback.set(key, stamp, None)
    try:
        _shared_call("set", key, lambda c: c.set(key, stamp, None))
    except _Unavailable:
        with _lock:
            _state["pending_bumps"].add(namespace)


def cached_json(key: str, timeout: float, compute: Callable[[], Any]) -> Any:
    """Return the cached value of `key`, computing and storing it when missing."""
    value = cache_get(key)
    if value is None:
        value = compute()
        cache_set(key, value, timeout)
    return value


def cache_reset_state() -> None:
    """Forget failures and the memory fallback (tests, and after reconfiguring)."""
    with _lock:
        _state["down_until"] = 0.0
        _state["pending_bumps"].clear()
    _fallback.clear()
