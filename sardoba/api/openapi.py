"""OpenAPI description of the Bearer JWT authentication (drf-spectacular).

Without it every authenticated view warns (drf_spectacular.W001), which fails
`check --deploy --fail-level WARNING` in CI.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class JWTAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.JWTAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
