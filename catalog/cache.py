"""Best-effort cache for the public reads (`domain-rules.md` §8).

Every call goes to the configured cache (Redis when `REDIS_URL` is set) and never
raises: when the cache fails (Redis down, a timeout) the error is logged, the
value falls back to a per-process memory cache, and the caller computes the value
from the database or the upstreams as if nothing were cached. After a failure the
shared cache is skipped for `CACHE_RETRY_SECONDS` (so a dead Redis costs one
timeout, not one per request) and then tried again, so service recovers by
itself when Redis returns.

Namespaces ("news", "catalog") are invalidated by replacing a version kept in
the cache and carried in every key of the namespace (`news:public:v<version>`).
Versions are random tokens, never reused: a missing version (a fresh or flushed
Redis) gets a new one rather than falling back to a shared default, so a key
built before a flush can never match again. A bump that could not reach Redis
is replayed on the first call that reaches it again, so no stale entry outlives
an outage.

Values must be JSON-shaped (dicts, lists, strings, numbers): django-redis stores
them with its JSON serializer, never as pickles.

Rendered response bodies (`rendered_body`) are also held in a small
per-process memo in front of the shared cache, keyed by the versioned key and
kept no longer than the shared entry, and the namespace versions are reused
for a second (`namespace_version`), so a hot public read costs two dictionary
lookups.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
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
        caches["default"].set(_version_key(namespace), _new_version(), None)
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


def _new_version() -> str:
    return secrets.token_hex(8)


def _version_get_or_start(backend: Any, key: str) -> Any:
    value = backend.get(key)
    if value is None:
        # `add` keeps a version another process started meanwhile.
        backend.add(key, _new_version(), None)
        value = backend.get(key)
    return value


def _version_memo_seconds() -> float:
    return float(getattr(settings, "CACHE_VERSION_MEMO_SECONDS", 1.0))


# namespace -> (version, monotonic time it was read). A process reuses a version
# it read from the shared cache for `CACHE_VERSION_MEMO_SECONDS` (1 s): reading
# it was the one shared-cache round trip left on a hot public read, and an edit
# made through another process reaches this one at most that much later. An
# edit made through this process is seen at once (`namespace_invalidate`).
_version_memo: dict[str, tuple[str, float]] = {}


def namespace_version(namespace: str) -> str:
    """The current version of `namespace`, to be carried in its keys.

    A namespace without a version (never bumped, or the cache was flushed) gets
    a new random one, so keys built before a flush are never valid again.
    """
    memo = _version_memo.get(namespace)
    if memo is not None and time.monotonic() - memo[1] < _version_memo_seconds():
        return memo[0]
    key = _version_key(namespace)
    try:
        value = str(_shared_call("get", key, lambda c: _version_get_or_start(c, key)))
    except _Unavailable:
        return str(_version_get_or_start(_fallback, key))
    _version_memo[namespace] = (value, time.monotonic())
    return value


def namespace_key(namespace: str, key: str) -> str:
    """`key` with the current version of `namespace` appended (`news:public:v3`)."""
    return f"{key}:v{namespace_version(namespace)}"


def namespace_invalidate(namespace: str) -> None:
    """Make every key of `namespace` unreachable (bump its version)."""
    key = _version_key(namespace)
    stamp = _new_version()
    _version_memo.pop(namespace, None)
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
    """Forget failures, the memory fallback and the rendered-body memo."""
    with _lock:
        _state["down_until"] = 0.0
        _state["pending_bumps"].clear()
    _version_memo.clear()
    _fallback.clear()
    rendered_memo_clear()


# Rendered bodies ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RenderedBody:
    """A response body, its gzip encoding and weak ETag, valid until `expires_at`.

    `expires_at` is wall-clock time (`time.time()`), the moment the shared cache
    entry it came from expires.
    """

    identity: bytes
    gzipped: bytes
    etag: str
    expires_at: float

    @classmethod
    def render(cls, identity: bytes, expires_at: float) -> RenderedBody:
        """Compress and tag `identity` once, when it is rendered."""
        digest = hashlib.blake2b(identity, digest_size=12).hexdigest()
        return cls(
            identity=identity,
            gzipped=gzip.compress(identity, compresslevel=6, mtime=0),
            etag=f'W/"{digest}"',
            expires_at=expires_at,
        )

    def as_stored(self) -> dict[str, Any]:
        """The JSON shape of the shared cache entry (bytes travel as text)."""
        return {
            "body": self.identity.decode(),
            "gzip": base64.b64encode(self.gzipped).decode("ascii"),
            "etag": self.etag,
            "expires_at": self.expires_at,
        }

    @classmethod
    def from_stored(cls, stored: Any) -> RenderedBody | None:
        """Read a shared cache entry; None when it is not one `as_stored` wrote."""
        try:
            return cls(
                identity=stored["body"].encode(),
                gzipped=base64.b64decode(stored["gzip"]),
                etag=str(stored["etag"]),
                expires_at=float(stored["expires_at"]),
            )
        except (TypeError, KeyError, ValueError, AttributeError):
            return None


# Bodies held per process: a few public base URLs times two namespaces, each up
# to ~250 KB (identity plus gzip), with room for a version or two in flight.
RENDERED_MEMO_MAX_ENTRIES = 16

_memo: OrderedDict[str, RenderedBody] = OrderedDict()
_memo_lock = threading.Lock()


def _memo_get(key: str, now: float) -> RenderedBody | None:
    body = _memo.get(key)
    if body is None:
        return None
    if now >= body.expires_at:
        with _memo_lock:
            _memo.pop(key, None)
        return None
    return body


def _memo_put(key: str, body: RenderedBody, now: float) -> None:
    with _memo_lock:
        for stale in [k for k, v in _memo.items() if now >= v.expires_at]:
            del _memo[stale]
        _memo[key] = body
        _memo.move_to_end(key)
        while len(_memo) > RENDERED_MEMO_MAX_ENTRIES:
            _memo.popitem(last=False)


def rendered_memo_clear() -> None:
    """Empty this process's memo of rendered bodies (tests; a fresh worker)."""
    with _memo_lock:
        _memo.clear()


def rendered_body(
    key: str, timeout: float, render: Callable[[], bytes]
) -> RenderedBody:
    """The body cached under the versioned `key`, rendered when missing.

    Looks in this process's memo, then in the shared cache, then calls
    `render()` and stores the result for `timeout` seconds. `key` must carry
    its namespace version (`namespace_key`): a bump anywhere changes the key
    every process builds, so the memo is never invalidated, only bypassed. A
    body is memoised only until the expiry of the shared entry it came from,
    and never longer than `timeout` on this process's clock, so no process
    serves a body the shared cache would no longer hold.
    """
    now = time.time()
    body = _memo_get(key, now)
    if body is not None:
        return body
    body = RenderedBody.from_stored(cache_get(key))
    if body is None:
        body = RenderedBody.render(render(), now + timeout)
        cache_set(key, body.as_stored(), timeout)
    elif body.expires_at > now + timeout:
        body = replace(body, expires_at=now + timeout)
    if now < body.expires_at:
        _memo_put(key, body, now)
    return body
