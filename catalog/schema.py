"""OpenAPI description of the Bearer access token (drf-spectacular extension).

Registered when the catalog app is ready: `JWTAuthentication` is the
`Authorization: Bearer <access token>` scheme; the lenient one of the public
reads is the same scheme, optional.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.JWTAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}


class OptionalBearerTokenScheme(BearerTokenScheme):
    """Public reads: a token is optional and a bad one is ignored."""

    target_class = "catalog.public_read.LenientJWTAuthentication"
    name = "bearerAuthOptional"

    def get_security_requirement(self, auto_schema: Any) -> list[dict[str, list[Any]]]:
        return [{self.name: []}, {}]
