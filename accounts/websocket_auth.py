"""Channels middleware: the client of the handshake's `Authorization: Bearer`.

The token is read only from that header (`mobile-api.md` §7.1): never from the
query string, the `Sec-WebSocket-Protocol` value or a frame. Any failure (no or
bad token, a staff token, a deleted or deactivated client) leaves
`AnonymousUser`, and the consumer refuses before accept.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from django.contrib.auth.models import AnonymousUser

from accounts.authentication import bearer_token_from_header
from accounts.models import Client
from sardoba.exceptions import ApplicationError


@database_sync_to_async
def _client_from_token(token: str) -> Client | None:
    from accounts.tokens import access_token_authenticate

    try:
        actor = access_token_authenticate(token)
    except ApplicationError:
        return None
    return actor if isinstance(actor, Client) else None


class JWTAuthMiddleware:
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        raw = dict(scope.get("headers", [])).get(b"authorization", b"")
        token = bearer_token_from_header(raw.decode("latin-1")) if raw else None
        client = await _client_from_token(token) if token else None
        scope = {**scope, "user": client or AnonymousUser()}
        return await self.inner(scope, receive, send)
