"""Cross-cutting HTTP middleware: request ids, canonical paths, CORS, JSON 500s."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import patch_vary_headers

from sardoba.logging import request_id_var
from sardoba.messages import message_texts

logger = logging.getLogger("sardoba.api")

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestIdMiddleware:
    """Take `X-Correlation-ID` (or make one), log under it and echo it back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Correlation-ID", "")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Correlation-ID"] = request_id
        return response


class CanonicalPathMiddleware:
    """Serve `/api/v1/x/` exactly like `/api/v1/x`: rewrite, never redirect."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if path.startswith("/api/") and len(path) > 1 and path.endswith("/"):
            request.path_info = path.rstrip("/") or "/"
            request.path = request.path[
                : len(request.path) - (len(path) - len(request.path_info))
            ]
        return self.get_response(request)

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponse | None:
        return api_server_error(request, exception)


def api_server_error(request: HttpRequest, exception: Exception) -> HttpResponse | None:
    """Answer an unhandled failure under `/api/` with the JSON 500 envelope."""
    if not request.path.startswith("/api/"):
        return None
    logger.exception("unhandled error", exc_info=exception)
    return JsonResponse(
        {"detail": message_texts("server_error"), "code": "server_error"}, status=500
    )


class CorsMiddleware:
    """Add CORS headers only for the origins listed in `CORS_ORIGINS`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        origin = request.headers.get("Origin")
        allowed = origin is not None and (
            origin in settings.CORS_ORIGINS or "*" in settings.CORS_ORIGINS
        )
        if (
            allowed
            and request.method == "OPTIONS"
            and request.headers.get("Access-Control-Request-Method")
        ):
            response = HttpResponse(status=204)
        else:
            response = self.get_response(request)
        if allowed:
            response["Access-Control-Allow-Origin"] = origin
            response["Access-Control-Allow-Credentials"] = "true"
            response["Access-Control-Allow-Headers"] = (
                "Authorization, Content-Type, X-Correlation-ID, Idempotency-Key"
            )
            response["Access-Control-Allow-Methods"] = (
                "GET, POST, PUT, PATCH, DELETE, OPTIONS"
            )
            # Added to, not replacing, a view's Vary (Accept-Encoding on gzip bodies).
            patch_vary_headers(response, ("Origin",))
        return response
