"""DRF authentication: a Bearer access token, its subject reloaded every request."""

from __future__ import annotations

from typing import Any

from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from accounts.models import Client, Staff
from accounts.tokens import access_token_authenticate


def bearer_token_from_header(value: str) -> str | None:
    """Return the token of `Bearer <token>` (scheme in any case), else None."""
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


class JWTAuthentication(BaseAuthentication):
    """No header or another scheme -> anonymous; a bad Bearer token -> 401."""

    def authenticate(self, request: Request) -> tuple[Client | Staff, Any] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        token = bearer_token_from_header(header) if header else None
        if token is None:
            return None
        return access_token_authenticate(token), None

    def authenticate_header(self, request: Request) -> str:
        return "Bearer"
