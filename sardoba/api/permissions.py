"""Route guards: the role is read from the database row, never from the token."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from sardoba.exceptions import ManagersOnly, PermissionDenied


def _actor(request: Request) -> Any:
    return getattr(request, "user", None)


class _RequiresActor(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        from rest_framework.exceptions import NotAuthenticated

        if _actor(request) is None:
            raise NotAuthenticated()
        return self.allowed(_actor(request))

    def allowed(self, actor: Any) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError


class IsClient(_RequiresActor):
    """A client token; a staff token gets 403 `permission_denied`."""

    def allowed(self, actor: Any) -> bool:
        if actor.actor_type != "CLIENT":
            raise PermissionDenied()
        return True


class IsStaff(_RequiresActor):
    """A manager or a waiter; a client token gets 403 `permission_denied`."""

    def allowed(self, actor: Any) -> bool:
        if actor.actor_type != "STAFF":
            raise PermissionDenied()
        return True


class IsManager(IsStaff):
    """A manager; a waiter gets 403 `managers_only`."""

    def allowed(self, actor: Any) -> bool:
        super().allowed(actor)
        if not actor.is_manager:
            raise ManagersOnly()
        return True


class IsClientOrStaff(_RequiresActor):
    def allowed(self, actor: Any) -> bool:
        return True
