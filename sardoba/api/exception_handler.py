"""The only DRF exception handler: every error leaves in the spec's envelope.

Two shapes (`mobile-api.md` §4.1): a localized `{"detail": {uz, ru, en}, "code"}`
and, for field validation, `{"detail": [{"loc", "msg", "type"}], "code":
"validation_error"}` with status 422. The request body is never echoed.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions as drf
from rest_framework.response import Response

from sardoba.exceptions import ApplicationError
from sardoba.messages import message_texts

logger = logging.getLogger("sardoba.api")

# DRF's own errors mapped to rows of the message table.
_DRF_CODES: dict[type[drf.APIException], tuple[str, int]] = {
    drf.NotAuthenticated: ("not_authenticated", 401),
    drf.AuthenticationFailed: ("invalid_token", 401),
    drf.PermissionDenied: ("permission_denied", 403),
    drf.NotFound: ("not_found", 404),
    drf.MethodNotAllowed: ("method_not_allowed", 405),
    drf.Throttled: ("rate_limited", 429),
    drf.UnsupportedMediaType: ("validation_error", 422),
    drf.ParseError: ("validation_error", 422),
}


def error_body(code: str, **values: object) -> dict[str, Any]:
    """Return the localized error body of `code`."""
    return {"detail": message_texts(code, **values), "code": code}


def error_response(
    code: str, status: int, headers: dict[str, str] | None = None, **values: object
) -> Response:
    response = Response(error_body(code, **values), status=status)
    for key, value in (headers or {}).items():
        response[key] = value
    if status == 401:
        response["WWW-Authenticate"] = "Bearer"
    return response


def _location(request: Any) -> str:
    return "query" if request is not None and request.method == "GET" else "body"


def flatten_validation_errors(detail: Any, prefix: list[Any]) -> list[dict[str, Any]]:
    """Turn DRF's nested error detail into `[{"loc", "msg", "type"}]`."""
    items: list[dict[str, Any]] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            loc = prefix if key == "non_field_errors" else [*prefix, key]
            items.extend(flatten_validation_errors(value, loc))
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if isinstance(value, dict | list):
                items.extend(flatten_validation_errors(value, [*prefix, index]))
            else:
                items.extend(flatten_validation_errors(value, prefix))
    else:
        items.append(
            {
                "loc": prefix,
                "msg": str(detail),
                "type": getattr(detail, "code", None) or "invalid",
            }
        )
    return items


def validation_response(items: list[dict[str, Any]], request: Any = None) -> Response:
    from sardoba.api.validation_log import validation_log_record

    validation_log_record(request=request, errors=items)
    return Response({"detail": items, "code": "validation_error"}, status=422)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    request = context.get("request")
    if isinstance(exc, ApplicationError):
        return error_response(exc.code, exc.status, exc.headers, **exc.values)
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        exc = drf.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = drf.ValidationError(
            detail=exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )

    if isinstance(exc, drf.ValidationError):
        loc = [_location(request)]
        return validation_response(flatten_validation_errors(exc.detail, loc), request)
    if isinstance(exc, drf.ParseError | drf.UnsupportedMediaType):
        item = {"loc": ["body"], "msg": str(exc.detail), "type": exc.default_code}
        return validation_response([item], request)
    if isinstance(exc, drf.APIException):
        for exc_class, (code, status) in _DRF_CODES.items():
            if isinstance(exc, exc_class):
                headers = {}
                wait = getattr(exc, "wait", None)
                if code == "rate_limited":
                    wait_seconds = max(int(wait or 60), 1)
                    headers["Retry-After"] = str(wait_seconds)
                    return error_response(
                        code, status, headers, N=max(-(-wait_seconds // 60), 1)
                    )
                return error_response(code, status, headers)
        # Any other APIException: a client error we did not name.
        status = exc.status_code
        code = "server_error" if status >= 500 else "not_found"
        return error_response(code, status)
    return None
