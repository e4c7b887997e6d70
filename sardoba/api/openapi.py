"""OpenAPI: the bearer scheme of `accounts.authentication.JWTAuthentication`.

Without an extension drf-spectacular warns (W001) on every view using it, and
`check --deploy --fail-level WARNING` fails. Imported by `SardobaConfig.ready`.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class JWTAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.JWTAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
