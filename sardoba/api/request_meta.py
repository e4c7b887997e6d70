"""Facts about the caller: client IP (`domain-rules.md` §2.3) and user agent."""

from __future__ import annotations

from typing import Any

from django.conf import settings


def client_ip(request: Any) -> str | None:
    """The socket peer, or the address `TRUSTED_PROXY_COUNT` hops from the right."""
    meta = getattr(request, "META", {})
    peer = meta.get("REMOTE_ADDR") or None
    hops = settings.TRUSTED_PROXY_COUNT
    if hops <= 0:
        return peer
    forwarded = [
        p.strip() for p in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()
    ]
    if len(forwarded) >= hops:
        return forwarded[-hops]
    return peer


def user_agent(request: Any) -> str:
    return str(getattr(request, "META", {}).get("HTTP_USER_AGENT", ""))[:255]


def absolute_url(request: Any, relative: str | None) -> str | None:
    """Build an absolute media URL from `PUBLIC_API_URL`, else the request host."""
    if not relative:
        return None
    if relative.startswith(("http://", "https://")):
        return relative
    if settings.PUBLIC_API_URL:
        base = settings.PUBLIC_API_URL
        # PUBLIC_API_URL may already carry /api/v1; avoid doubling it.
        if base.endswith("/api/v1") and relative.startswith("/api/v1"):
            base = base[: -len("/api/v1")]
        return base + relative
    if request is not None and hasattr(request, "build_absolute_uri"):
        return request.build_absolute_uri(relative)
    return relative
