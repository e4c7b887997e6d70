"""OpenAPI description of the Bearer access token (drf-spectacular extension).

Registered when the catalog app is ready: the lenient authentication of the
public reads is the Bearer scheme of `sardoba.api.openapi`, made optional.
"""

from __future__ import annotations

from typing import Any

from sardoba.api.openapi import JWTAuthenticationScheme


class OptionalBearerTokenScheme(JWTAuthenticationScheme):
    """Public reads: a token is optional and a bad one is ignored."""

    target_class = "catalog.public_read.LenientJWTAuthentication"
    name = "bearerAuthOptional"

    def get_security_requirement(self, auto_schema: Any) -> list[dict[str, list[Any]]]:
        return [{self.name: []}, {}]
