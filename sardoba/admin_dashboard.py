"""Reads behind the back-office home page: the dashboard figures and chart series.

Figures follow `domain-rules.md` §7 (the same as `GET /dashboard/metrics`); days
are calendar days in Asia/Tashkent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from accounts.models import Client, Staff, StaffRole
from cashback.models import EntryKind, LedgerEntry, Level, Wallet
from news.models import NewsItem
from sardoba.api.health import HEALTHY, Component, health_components

TASHKENT = ZoneInfo("Asia/Tashkent")
CHART_DAYS = 30

LEVEL_LABELS = {
    Level.SILVER: ("Silver", "#2563eb"),
    Level.GOLD: ("Gold", "#38bdf8"),
    Level.PREMIUM: ("Premium", "#f97316"),
    Level.VIP: ("Vip", "#22c55e"),
}


@dataclass(frozen=True, slots=True)
class LevelCount:
    label: str
    value: int
    color: str


@dataclass(frozen=True, slots=True)
class DashboardMetrics:
    total_clients: int
    active_waiters: int
    cashback_issued: int
    cashback_outstanding: int
    avg_cashback_per_user: int
    news_count: int
    loyalty_distribution: list[LevelCount]
    health: list[Component] = field(default_factory=list)

    def healthy(self, name: str) -> bool:
        return any(c.name == name and c.status == HEALTHY for c in self.health)


@dataclass(frozen=True, slots=True)
class DailyCashback:
    day: dt.date
    issued: int
    redeemed: int


@dataclass(frozen=True, slots=True)
class DailyCount:
    day: dt.date
    value: int


def _credit_entries() -> Q:
    return Q(amount__gt=0) & ~Q(kind=EntryKind.RECONCILIATION)


def clients_per_level() -> list[LevelCount]:
    """Non-deleted clients per level, SILVER to VIP; no wallet yet counts as SILVER."""
    rows = (
        Client.objects.not_deleted()
        .annotate(level=Coalesce("wallet__level", Value(Level.SILVER.value)))
        .values("level")
        .annotate(n=Count("id"))
    )
    counts = {row["level"]: row["n"] for row in rows}
    return [
        LevelCount(label=label, value=counts.get(level, 0), color=color)
        for level, (label, color) in LEVEL_LABELS.items()
    ]


def dashboard_metrics() -> DashboardMetrics:
    """The figures of `GET /dashboard/metrics` with the health components."""
    total_clients = Client.objects.not_deleted().count()
    issued = LedgerEntry.objects.filter(_credit_entries()).aggregate(
        s=Coalesce(Sum("amount"), 0)
    )["s"]
    outstanding = Wallet.objects.filter(client__is_deleted=False).aggregate(
        s=Coalesce(Sum("balance"), 0)
    )["s"]
    average = (
        int((Decimal(issued) / total_clients).quantize(Decimal(1), ROUND_HALF_UP))
        if total_clients
        else 0
    )
    return DashboardMetrics(
        total_clients=total_clients,
        active_waiters=Staff.objects.not_deleted()
        .filter(role=StaffRole.WAITER, is_active=True)
        .count(),
        cashback_issued=issued,
        cashback_outstanding=outstanding,
        avg_cashback_per_user=average,
        news_count=NewsItem.objects.active_at().count(),
        loyalty_distribution=clients_per_level(),
        health=health_components(),
    )


def _days(today: dt.date, days: int) -> list[dt.date]:
    return [today - dt.timedelta(days=n) for n in range(days - 1, -1, -1)]


def _window_start(days: int) -> tuple[list[dt.date], dt.datetime]:
    today = timezone.now().astimezone(TASHKENT).date()
    calendar = _days(today, days)
    start = dt.datetime.combine(calendar[0], dt.time.min, tzinfo=TASHKENT)
    return calendar, start


def cashback_per_day(days: int = CHART_DAYS) -> list[DailyCashback]:
    """Credit and debit sums (debits as positive numbers) per Tashkent day.

    Reconciliation entries are neither issued nor redeemed cashback.
    """
    calendar, start = _window_start(days)
    rows = (
        LedgerEntry.objects.filter(created_at__gte=start)
        .exclude(kind=EntryKind.RECONCILIATION)
        .annotate(day=TruncDate("created_at", tzinfo=TASHKENT))
        .values("day")
        .annotate(
            issued=Coalesce(Sum("amount", filter=Q(amount__gt=0)), 0),
            redeemed=Coalesce(Sum("amount", filter=Q(amount__lt=0)), 0),
        )
    )
    by_day = {row["day"]: row for row in rows}
    return [
        DailyCashback(
            day=day,
            issued=int(by_day[day]["issued"]) if day in by_day else 0,
            redeemed=-int(by_day[day]["redeemed"]) if day in by_day else 0,
        )
        for day in calendar
    ]


def clients_new_per_day(days: int = CHART_DAYS) -> list[DailyCount]:
    """Registrations per Tashkent day of the clients not deleted since."""
    calendar, start = _window_start(days)
    rows = (
        Client.objects.not_deleted()
        .filter(created_at__gte=start)
        .annotate(day=TruncDate("created_at", tzinfo=TASHKENT))
        .values("day")
        .annotate(n=Count("id"))
    )
    by_day = {row["day"]: row["n"] for row in rows}
    return [DailyCount(day=day, value=by_day.get(day, 0)) for day in calendar]
