"""Reporting figures (`domain-rules.md` §7): stats, analytics, dashboard, activity.

Reads only, each in a constant number of queries whatever the number of rows.
Clients are non-deleted client accounts; credit entries are positive entries of
any kind but `reconciliation`; event entries are all but `reconciliation`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from accounts.models import AuthAction, AuthLog, Client, Staff, StaffRole
from cashback.models import EntryKind, LedgerEntry, Level, Wallet
from cashback.rules import LEVELS, level_rule

LEVEL_LABELS: dict[str, tuple[str, str]] = {
    Level.SILVER: ("Silver", "#2563eb"),
    Level.GOLD: ("Gold", "#38bdf8"),
    Level.PREMIUM: ("Premium", "#f97316"),
    Level.VIP: ("Vip", "#22c55e"),
}
CREDIT = Q(amount__gt=0) & ~Q(kind=EntryKind.RECONCILIATION)
EVENT = ~Q(kind=EntryKind.RECONCILIATION)


def average(total: int, count: int) -> int:
    """`total / count` rounded half up to a whole unit; 0 when `count` is 0."""
    if not count:
        return 0
    return int((Decimal(total) / Decimal(count)).quantize(0, rounding=ROUND_HALF_UP))


def name_parts(client: Client) -> tuple[str, str]:
    """`first_name` and `last_name` for staff displays (`domain-rules.md` §3.6)."""
    name = (client.name or "").strip()
    surname = (client.surname or "").strip()
    if surname:
        return name, surname
    first, _, rest = name.partition(" ")
    return first, rest.strip()


def clients() -> QuerySet[Client]:
    return Client.objects.not_deleted()


def level_counts() -> dict[str, int]:
    """Clients per level, SILVER to VIP; a client without a wallet is SILVER."""
    rows = (
        Wallet.objects.filter(client__is_deleted=False)
        .exclude(level=Level.SILVER)
        .values("level")
        .annotate(n=Count("id"))
    )
    counts = {rule.level: 0 for rule in LEVELS}
    for row in rows:
        counts[row["level"]] = row["n"]
    counts[Level.SILVER] = clients().count() - sum(counts.values())
    return counts


def _wallet_totals() -> tuple[int, int]:
    totals = Wallet.objects.filter(client__is_deleted=False).aggregate(
        balance=Coalesce(Sum("balance"), 0), points=Coalesce(Sum("points"), 0)
    )
    return int(totals["balance"]), int(totals["points"])


def cashback_issued() -> int:
    """Every credit entry ever, deleted accounts included."""
    total = LedgerEntry.objects.filter(CREDIT).aggregate(s=Coalesce(Sum("amount"), 0))
    return int(total["s"])


def dashboard_metrics() -> dict[str, Any]:
    """`GET /dashboard/metrics` (`staff-api.md` §8.1)."""
    from news.models import NewsItem
    from sardoba.api.health import HEALTHY, health_components

    total_clients = clients().count()
    issued = cashback_issued()
    outstanding, _ = _wallet_totals()
    health = {c.name: c.status == HEALTHY for c in health_components()}
    counts = level_counts()
    return {
        "totalClients": total_clients,
        "activeWaiters": Staff.objects.not_deleted()
        .filter(role=StaffRole.WAITER, is_active=True)
        .count(),
        "cashbackIssued": issued,
        "cashbackOutstanding": outstanding,
        "avgCashbackPerUser": average(issued, total_clients),
        "newsCount": NewsItem.objects.active_at().count(),
        "loyaltyDistribution": [
            {"label": LEVEL_LABELS[lvl][0], "value": n, "color": LEVEL_LABELS[lvl][1]}
            for lvl, n in counts.items()
        ],
        "redisHealthy": health.get("redis", False),
        "postgresHealthy": health.get("postgres", False),
        "queueHealthy": health.get("queue", False),
    }


def _next_threshold() -> Case:
    whens = [
        When(level_now=rule.level, then=Value(LEVELS[i + 1].threshold))
        for i, rule in enumerate(LEVELS[:-1])
    ]
    return Case(*whens, default=Value(0), output_field=IntegerField())


def _user_brief(client: Any) -> dict[str, Any]:
    first, last = name_parts(client)
    points = client.points_now
    rule = level_rule(client.level_now)
    index = [r.level for r in LEVELS].index(rule.level)
    following = LEVELS[index + 1] if index + 1 < len(LEVELS) else None
    span = following.threshold - rule.threshold if following else 0
    progress = min(100 * max(points - rule.threshold, 0) // span, 100) if span else 100
    return {
        "id": client.pk,
        "name": client.name,
        "first_name": first,
        "last_name": last,
        "phone": client.phone,
        "cashback_balance": client.balance_now,
        "level": client.level_now,
        "loyalty": {
            "current_points": points,
            "current_level": client.level_now,
            "next_level": following.level if following else None,
            "next_level_threshold": following.threshold if following else None,
            "progress_percent": progress,
        },
        "is_active": client.is_active,
        "created_at": client.created_at,
    }


def _with_wallet(rows: QuerySet[Client]) -> QuerySet[Client]:
    return rows.annotate(
        points_now=Coalesce("wallet__points", 0),
        balance_now=Coalesce("wallet__balance", 0),
        level_now=Coalesce("wallet__level", Value(Level.SILVER)),
    )


def loyalty_analytics() -> dict[str, Any]:
    """`GET /cashback/loyalty-analytics` (`staff-api.md` §6.5)."""
    total = clients().count()
    balance, points = _wallet_totals()
    near = (
        _with_wallet(clients().filter(is_active=True))
        .exclude(level_now=Level.VIP)  # type: ignore[misc]
        .annotate(missing=_next_threshold() - Coalesce("wallet__points", 0))
        .order_by("missing", "id")[:5]
    )
    return {
        "tierCounts": [
            {"tier": LEVEL_LABELS[lvl][0], "users": n}
            for lvl, n in level_counts().items()
        ],
        "nearNextTier": [
            {"user": _user_brief(c), "missingPoints": max(c.missing, 0)} for c in near
        ],
        "averagePoints": average(points, total),
        "totalUsers": total,
        "totalCashbackBalance": balance,
        "averageCashbackBalance": average(balance, total),
    }


@dataclass(frozen=True, slots=True)
class WaiterFigures:
    staff_id: int
    staff_name: str
    clients_count: int
    transactions: int
    total_cashback: int


def waiter_figures() -> list[WaiterFigures]:
    """Every non-deleted waiter, by `clients_count` desc, then name (§6.6)."""
    waiters = Staff.objects.not_deleted().filter(role=StaffRole.WAITER)
    referred = dict(
        clients()
        .filter(waiter__isnull=False)
        .values("waiter_id")
        .annotate(n=Count("id"))
        .values_list("waiter_id", "n")
    )
    ledger = {
        row["client__waiter_id"]: row
        for row in LedgerEntry.objects.filter(
            client__is_deleted=False, client__waiter__isnull=False
        )
        .values("client__waiter_id")
        .annotate(
            transactions=Count("id", filter=EVENT),
            total=Coalesce(Sum("amount", filter=CREDIT), 0),
        )
    }
    figures = [
        WaiterFigures(
            staff_id=w.pk,
            staff_name=w.name,
            clients_count=referred.get(w.pk, 0),
            transactions=ledger.get(w.pk, {}).get("transactions", 0),
            total_cashback=int(ledger.get(w.pk, {}).get("total", 0)),
        )
        for w in waiters
    ]
    return sorted(figures, key=lambda f: (-f.clients_count, f.staff_name, f.staff_id))


def top_clients(*, limit: int) -> list[Client]:
    """Clients by credit total desc, then id, with `total_cashback`, `transactions`."""
    rows = _with_wallet(clients()).annotate(
        total_cashback=Coalesce(
            Sum(
                "ledger__amount",
                filter=Q(ledger__amount__gt=0)
                & ~Q(ledger__kind=EntryKind.RECONCILIATION),
            ),
            0,
        ),
        transactions=Count("ledger", filter=~Q(ledger__kind=EntryKind.RECONCILIATION)),
    )
    return list(rows.order_by("-total_cashback", "id")[:limit])


def top_user_item(client: Any) -> dict[str, Any]:
    first, last = name_parts(client)
    return {
        "user": {
            "id": client.pk,
            "name": client.name,
            "first_name": first,
            "last_name": last,
            "phone": client.phone,
            "waiter_id": client.waiter_id,
            "level": client.level_now,
            "cashback_balance": client.balance_now,
        },
        "total_cashback": int(client.total_cashback),
        "transactions": client.transactions,
    }


ACTIVITY_SIZE = 10
_AUTH_TEXTS: dict[str, tuple[str, str, str]] = {
    AuthAction.LOGIN: ("auth", "Staff login for {phone}", "success"),
    AuthAction.FAILED_LOGIN: ("auth", "Failed login attempt for {phone}", "error"),
    AuthAction.OTP_REQUEST: ("otp", "OTP requested for {phone}", "success"),
    AuthAction.OTP_VERIFICATION: ("otp", "OTP verified for {phone}", "success"),
    AuthAction.OTP_FAILED: ("otp", "OTP verification failed for {phone}", "warning"),
    AuthAction.RATE_LIMITED: ("otp", "Rate limit reached for {phone}", "warning"),
}


def _auth_item(row: AuthLog) -> dict[str, Any]:
    kind, text, status = _AUTH_TEXTS[row.action]
    if row.action == AuthAction.RATE_LIMITED and row.meta.get("scope") == "staff_login":
        kind = "auth"
    return {
        "id": f"auth-{row.pk}",
        "type": kind,
        "description": text.format(phone=row.phone),
        "created_at": row.created_at,
        "status": status,
    }


def _ledger_item(entry: LedgerEntry) -> dict[str, Any]:
    if entry.amount > 0:
        text = f"Cashback granted: {entry.amount} UZS for user #{entry.client_id}"
        if entry.staff_id is not None:
            text += f" by staff #{entry.staff_id}"
        status = "success"
    else:
        text = f"Cashback deducted: {-entry.amount} UZS for user #{entry.client_id}"
        status = "warning"
    return {
        "id": f"cashback-{entry.pk}",
        "type": "cashback",
        "description": text,
        "created_at": entry.created_at,
        "status": status,
    }


def dashboard_activity() -> list[dict[str, Any]]:
    """The 10 newest auth-log rows, event entries and news creations (§8.2)."""
    from news.models import NewsItem

    auth = AuthLog.objects.filter(action__in=list(_AUTH_TEXTS)).order_by(
        "-created_at", "-id"
    )[:ACTIVITY_SIZE]
    entries = LedgerEntry.objects.filter(EVENT).order_by("-created_at", "-id")[
        :ACTIVITY_SIZE
    ]
    news = NewsItem.objects.order_by("-created_at", "-id")[:ACTIVITY_SIZE]
    items = [_auth_item(r) for r in auth] + [_ledger_item(e) for e in entries]
    items += [
        {
            "id": f"news-{n.pk}",
            "type": "news",
            "description": f"News published: {n.title}",
            "created_at": n.created_at,
            "status": "success",
        }
        for n in news
    ]
    items.sort(key=lambda item: item["created_at"], reverse=True)
    return items[:ACTIVITY_SIZE]


def ledger_for_export(
    *, date_from: dt.date | None, date_to: dt.date | None
) -> QuerySet[LedgerEntry]:
    """Entries for the cashback report, oldest first; dates are Tashkent days."""
    from django.utils import timezone

    entries = LedgerEntry.objects.select_related("client", "staff")
    tz = timezone.get_current_timezone()
    if date_from is not None:
        start = dt.datetime.combine(date_from, dt.time.min, tzinfo=tz)
        entries = entries.filter(created_at__gte=start)
    if date_to is not None:
        end = dt.datetime.combine(
            date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz
        )
        entries = entries.filter(created_at__lt=end)
    return entries.order_by("created_at", "id")


def clients_for_export() -> QuerySet[Client]:
    return _with_wallet(clients()).select_related("waiter").order_by("id")
