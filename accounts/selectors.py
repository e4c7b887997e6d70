"""Reads of the identity side, scoped to the requester."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from accounts.exceptions import Forbidden, UserNotFound, WaiterNotFound
from accounts.models import AuthAction, AuthLog, Client, DeletedPhone, Staff, StaffRole
from cashback.models import Card
from cashback.selectors import cards_for_client, ledger_list_for_client, wallet_view
from cashback.serializers import TransactionOut
from sardoba.api.rendering import datetime_render
from sardoba.api.request_meta import absolute_url


def client_profile_queryset() -> QuerySet[Client]:
    """Clients with their wallet joined and cards prefetched oldest first."""
    return Client.objects.select_related("wallet").prefetch_related(
        Prefetch("cards", queryset=Card.objects.order_by("created_at", "id"))
    )


def client_profile_get(*, client_id: int) -> Client:
    return client_profile_queryset().get(pk=client_id)


def client_profile_complete(*, client: Client) -> Client:
    """`client` ready for the profile: cards prefetched oldest first (one query).

    For the request's own client, which the token check loaded with its wallet
    joined: reading it again would cost two more queries on `/auth/me`.
    """
    cards = cards_for_client(client_id=client.pk)
    for card in cards:
        Card.client.field.set_cached_value(card, client)  # type: ignore[attr-defined]
    # Stored as `prefetch_related` stores a prefetched relation, so that
    # `client.cards.all()` answers from it without a query.
    prefetched = client.cards.all()  # type: ignore[attr-defined]
    prefetched._result_cache = cards
    prefetched._prefetch_done = True
    if not hasattr(client, "_prefetched_objects_cache"):
        client._prefetched_objects_cache = {}  # type: ignore[attr-defined]
    client._prefetched_objects_cache["cards"] = prefetched  # type: ignore[attr-defined]
    return client


def client_list_for_staff(
    *,
    staff: Staff,
    search: str | None = None,
    loyalty: str | None = None,
    waiter_id: Any = None,
) -> QuerySet[Client]:
    """Non-deleted clients, newest first; a waiter sees only the clients they referred."""
    clients = client_profile_queryset().filter(is_deleted=False)
    if waiter_id not in (None, ""):
        try:
            waiter_pk = int(waiter_id)
        except (TypeError, ValueError) as exc:
            raise Forbidden() if staff.is_waiter else WaiterNotFound() from exc
        if staff.is_waiter and waiter_pk != staff.pk:
            raise Forbidden()
        clients = clients.filter(waiter_id=waiter_pk)
    if staff.is_waiter:
        clients = clients.filter(waiter_id=staff.pk)
    if search and search.strip():
        text = search.strip()
        condition = Q(name__icontains=text) | Q(surname__icontains=text)
        condition |= Q(phone__icontains=text)
        digits = re.sub(r"\D", "", text)
        if digits and not re.search(r"[^\d\s()+-]", text):  # a phone, as typed
            condition |= Q(phone__contains=digits)
        clients = clients.filter(condition)
    if loyalty and loyalty.strip():
        clients = clients.filter(wallet__level=loyalty.strip().upper())
    return clients.order_by("-created_at", "-id")


def client_get_for_manager(*, client_id: int) -> Client:
    client = client_profile_queryset().filter(pk=client_id, is_deleted=False).first()
    if client is None:
        raise UserNotFound()
    return client


def client_detail_extras(*, client: Client, request: Any = None) -> dict[str, Any]:
    """The detail-only keys of `staff-api.md` §1.4 user detail."""
    from accounts.serializers import StaffOut

    waiter = None
    if client.waiter_id is not None:
        waiter = StaffOut(staff_with_counts().get(pk=client.waiter_id)).data
    files = [
        {
            "id": f.pk,
            "kind": f.kind,
            "name": f.name,
            "url": absolute_url(request, f.url),
            "mime_type": f.mime_type,
            "size": f.size,
            "owner_id": f.owner_id,
            "uploaded_by": f.uploaded_by_id,
            "created_at": datetime_render(f.created_at),
        }
        for f in client.files.all().order_by("-created_at", "-id")
    ]
    return {
        "email": client.email,
        "gender": client.gender,
        "is_deleted": client.is_deleted,
        "waiter": waiter,
        "loyalty": wallet_view(client=client).loyalty.as_dict(),
        "transactions": TransactionOut(
            ledger_list_for_client(client_id=client.pk), many=True
        ).data,
        "files": files,
    }


def staff_with_counts() -> QuerySet[Staff]:
    return Staff.objects.annotate(
        clients_count=Count(
            "referred_clients", filter=Q(referred_clients__is_deleted=False)
        )
    )


def staff_list(
    *, search: str | None = None, role: str | None = None
) -> QuerySet[Staff]:
    """Non-deleted staff of both roles, newest first (`staff-api.md` §3.5)."""
    rows = staff_with_counts().filter(deleted_at__isnull=True)
    if role and role.strip().upper() in StaffRole.values:
        rows = rows.filter(role=role.strip().upper())
    if search and search.strip():
        text = search.strip()
        rows = rows.filter(
            Q(name__icontains=text)
            | Q(phone__icontains=text)
            | Q(referral_code__icontains=text)
        )
    return rows.order_by("-created_at", "-id")


def waiter_list(*, search: str | None = None, branch_id: Any = None) -> QuerySet[Staff]:
    rows = staff_list(search=search, role=StaffRole.WAITER)
    if branch_id not in (None, ""):
        try:
            rows = rows.filter(branch_id=int(branch_id))
        except (TypeError, ValueError):
            rows = rows.none()
    return rows


def waiter_get(*, waiter_id: int) -> Staff:
    waiter = (
        staff_with_counts()
        .filter(pk=waiter_id, role=StaffRole.WAITER, deleted_at__isnull=True)
        .first()
    )
    if waiter is None:
        raise WaiterNotFound()
    return waiter


OTP_ACTIONS = (
    AuthAction.OTP_REQUEST,
    AuthAction.OTP_VERIFICATION,
    AuthAction.OTP_FAILED,
)


def auth_log_list(
    *,
    action: str | None = None,
    actor_type: str | None = None,
    phone: str | None = None,
) -> QuerySet[AuthLog]:
    rows = AuthLog.objects.all()
    if action:
        rows = rows.filter(action=action.strip().upper())
    if actor_type:
        rows = rows.filter(actor_type=actor_type.strip().lower())
    if phone:
        rows = rows.filter(phone__contains=phone.strip())
    return rows.order_by("-created_at", "-id")


def otp_log_list(*, user_id: Any = None) -> QuerySet[AuthLog]:
    """OTP rows of the auth log; with `user_id`, that client's (old phones too)."""
    rows = AuthLog.objects.filter(
        Q(action__in=OTP_ACTIONS)
        | Q(action=AuthAction.RATE_LIMITED, purpose__isnull=False)
    )
    if user_id not in (None, ""):
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return rows.none()
        phones = list(
            DeletedPhone.objects.filter(client_id=pk).values_list("phone", flat=True)
        )
        phones += list(Client.objects.filter(pk=pk).values_list("phone", flat=True))
        rows = rows.filter(Q(actor_type="user", actor_id=pk) | Q(phone__in=phones))
    return rows.order_by("-created_at", "-id")


def auth_log_actors(rows: list[AuthLog]) -> dict[tuple[str, int], Client | Staff]:
    """The actors of a page of log rows, in two queries."""
    client_ids = {r.actor_id for r in rows if r.actor_type == "user" and r.actor_id}
    staff_ids = {r.actor_id for r in rows if r.actor_type == "staff" and r.actor_id}
    actors: dict[tuple[str, int], Client | Staff] = {}
    if client_ids:
        for c in Client.objects.filter(pk__in=client_ids):
            actors["user", c.pk] = c
    if staff_ids:
        for s in Staff.objects.filter(pk__in=staff_ids):
            actors["staff", s.pk] = s
    return actors
