"""The audit trail of staff writes and the validation log (`staff-api.md` §13)."""

from __future__ import annotations

from typing import Any

from accounts.models import (
    AuditEntry,
    AuthAction,
    AuthLog,
    Client,
    Staff,
    ValidationLogEntry,
)
from sardoba.api.request_meta import client_ip, user_agent

AUTH_STATUSES: dict[str, str] = {
    AuthAction.OTP_VERIFICATION: "success",
    AuthAction.OTP_FAILED: "failed",
    AuthAction.RATE_LIMITED: "blocked",
    AuthAction.LOGIN: "success",
    AuthAction.FAILED_LOGIN: "failed",
    AuthAction.LOGOUT: "success",
}

_HIDDEN_FIELDS = ("password", "secret", "token", "code")


def _scrub(values: dict[str, Any] | None) -> dict[str, Any]:
    if not values:
        return {}
    return {
        key: "[hidden]"
        if any(word in key.lower() for word in _HIDDEN_FIELDS) and value != "changed"
        else value
        for key, value in values.items()
    }


def audit_record(
    *,
    staff: Staff | None,
    action: str,
    entity: str,
    entity_id: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    request: Any = None,
) -> AuditEntry:
    """Record one successful staff write: who, what, which fields before and after.

    Passwords and secrets never appear: fields named like them are hidden.
    """
    changes: dict[str, Any] = {}
    if before is not None:
        changes["before"] = _scrub(before)
    if after is not None:
        changes["after"] = _scrub(after)
    return AuditEntry.objects.create(
        staff=staff if isinstance(staff, Staff) else None,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        changes=changes,
        ip=client_ip(request) if request is not None else None,
    )


def validation_log_store(*, request: Any, errors: list[dict[str, Any]]) -> None:
    """Store a 422: locations, messages and types only, never values."""
    actor = getattr(request, "user", None)
    actor_type = getattr(actor, "actor_type", None)
    ValidationLogEntry.objects.create(
        method=str(getattr(request, "method", ""))[:8],
        path=str(getattr(request, "path", ""))[:255],
        errors=[
            {"loc": e["loc"], "msg": str(e["msg"])[:255], "type": e["type"]}
            for e in errors
        ],
        actor_type=actor_type,
        actor_id=getattr(actor, "pk", None) if actor_type else None,
        ip=client_ip(request),
    )


def auth_log_write(
    *,
    action: str,
    phone: str = "",
    actor: Client | Staff | None = None,
    actor_type: str | None = None,
    request: Any = None,
    purpose: str | None = None,
    status: str | None = None,
    meta: dict[str, Any] | None = None,
) -> AuthLog:
    """Append one auth-log row (`domain-rules.md` §9); never codes or passwords."""
    if actor_type is None:
        actor_type = "staff" if isinstance(actor, Staff) else "user"
    meta = dict(meta or {})
    if purpose is not None:
        meta.setdefault("purpose", purpose)
    return AuthLog.objects.create(
        actor_type=actor_type,
        actor_id=getattr(actor, "pk", None),
        phone=phone or "",
        action=action,
        status=status or AUTH_STATUSES.get(action, "sent"),
        purpose=purpose,
        ip=client_ip(request) if request is not None else None,
        user_agent=user_agent(request) if request is not None else "",
        meta=meta,
    )
