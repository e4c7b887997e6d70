"""Views that are public for reads and manager-only for writes.

Public reads (`GET /news`, `/catalog/*`) never fail on a stale or broken token:
the mobile app may send one, and a 401 there would sign the guest out. A valid
staff token is still read, so a manager's `GET /news` sees every item.

Cached public bodies (`GET /news`, `/catalog/live`) are answered by
`cached_body_response`: gzip when the request accepts it, `Vary:
Accept-Encoding` always, and 304 for a matching `If-None-Match`.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from rest_framework.exceptions import APIException
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from accounts.authentication import JWTAuthentication, bearer_token_from_header
from accounts.models import Staff
from catalog.cache import RenderedBody
from sardoba.api.permissions import IsManager
from sardoba.exceptions import ApplicationError

_READ_METHODS = ("GET", "HEAD", "OPTIONS")


def _claimed_actor_type(token: str) -> tuple[bool, Any]:
    """`(readable, actor type)` from the token's payload, its signature unchecked.

    Reads the payload segment exactly as PyJWT does (base64url, then JSON) and
    the actor type as `accounts.tokens` does (`actor_type`, else `type`).
    """
    parts = token.split(".")
    if len(parts) != 3:
        return False, None
    segment = parts[1]
    try:
        payload = json.loads(
            base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        )
    except (ValueError, binascii.Error):
        return False, None
    if not isinstance(payload, dict):
        return False, None
    return True, payload.get("actor_type") or payload.get("type")


class LenientJWTAuthentication(JWTAuthentication):
    """A valid staff token authenticates; any other caller stays anonymous.

    Public reads differ only for staff (a manager sees inactive news), so a
    token whose payload does not claim the STAFF actor type is not verified and
    its client is not loaded from the database: the mobile app sends its
    client token on every public read, and checking it would cost a signature
    check and a query for an answer that cannot change. This is safe because
    skipping can only ever give the public view, which every caller gets
    anyway: a valid token can only yield a staff member when its (signed)
    payload claims STAFF, and the payload read here is the one that would be
    verified, so a verified non-STAFF token yields a client (public view) and
    a bad one yields anonymous (public view). A payload that claims STAFF, or
    one this cannot read, is verified and its subject loaded as before.
    """

    def authenticate(self, request: Request) -> Any:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        token = bearer_token_from_header(header) if header else None
        if token is None:
            return None
        readable, actor_type = _claimed_actor_type(token)
        if readable and actor_type != "STAFF":
            return None
        try:
            return super().authenticate(request)
        except (ApplicationError, APIException):
            return None


class PublicReadManagerWriteMixin:
    """GET is open to anyone (lenient token); other methods need a manager."""

    def initialize_request(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        self._public_read = request.method in _READ_METHODS
        return super().initialize_request(request, *args, **kwargs)  # type: ignore[misc]

    def get_authenticators(self) -> list[Any]:
        if getattr(self, "_public_read", False):
            return [LenientJWTAuthentication()]
        return super().get_authenticators()  # type: ignore[misc]

    def get_permissions(self) -> list[BasePermission]:
        if getattr(self, "_public_read", False):
            return []
        return [IsManager()]


def actor_is_manager(request: Request) -> bool:
    actor = getattr(request, "user", None)
    return isinstance(actor, Staff) and actor.is_manager


def acting_staff(request: Any) -> Staff:
    """The staff member behind a request whose permission check required one."""
    return cast(Staff, request.user)


def public_base_url(request: HttpRequest) -> str:
    """The base of the absolute URLs in a public body, part of its cache key."""
    return settings.PUBLIC_API_URL or request.build_absolute_uri("/")


def _accepts_gzip(request: HttpRequest) -> bool:
    for coding in request.META.get("HTTP_ACCEPT_ENCODING", "").split(","):
        name, _, params = coding.partition(";")
        if name.strip().lower() not in ("gzip", "x-gzip"):
            continue
        quality = params.strip().lower().removeprefix("q=").strip()
        try:
            return not quality or float(quality) > 0
        except ValueError:
            return False
    return False


def _etag_matches(request: HttpRequest, etag: str) -> bool:
    header = request.META.get("HTTP_IF_NONE_MATCH", "")
    if not header:
        return False
    opaque = etag.removeprefix("W/")
    return any(
        tag.strip() == "*" or tag.strip().removeprefix("W/") == opaque
        for tag in header.split(",")
    )


def cached_body_response(request: HttpRequest, body: RenderedBody) -> HttpResponse:
    """Answer with a cached JSON body: gzip if accepted, 304 on a matching ETag.

    The ETag is weak (one tag for both encodings of the same JSON), so
    `If-None-Match` is compared weakly, as RFC 9110 §13.1.2 asks.
    """
    response: HttpResponse
    if _etag_matches(request, body.etag):
        response = HttpResponseNotModified()
    elif _accepts_gzip(request):
        response = HttpResponse(body.gzipped, content_type="application/json")
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(body.identity, content_type="application/json")
    response["ETag"] = body.etag
    patch_vary_headers(response, ("Accept-Encoding",))
    return response
