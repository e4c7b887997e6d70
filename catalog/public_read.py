"""Views that are public for reads and manager-only for writes.

Public reads (`GET /news`, `/catalog/*`) never fail on a stale or broken token:
the mobile app may send one, and a 401 there would sign the guest out. A valid
token is still read, so a manager's `GET /news` sees every item.
"""

from __future__ import annotations

from typing import Any, cast

from rest_framework.exceptions import APIException
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from accounts.authentication import JWTAuthentication
from accounts.models import Staff
from sardoba.api.permissions import IsManager
from sardoba.exceptions import ApplicationError

_READ_METHODS = ("GET", "HEAD", "OPTIONS")


class LenientJWTAuthentication(JWTAuthentication):
    """A valid Bearer token authenticates; a bad one leaves the caller anonymous."""

    def authenticate(self, request: Request) -> Any:
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
