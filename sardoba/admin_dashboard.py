"""Reads behind the back-office home page: the dashboard figures and chart series.

The figures are those of `GET /dashboard/metrics` (`cashback.reports`, the one
definition of `domain-rules.md` §7); the chart series are per Asia/Tashkent day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from accounts.models import Client
from cashback import reports
from cashback.models import EntryKind, LedgerEntry
from sardoba.api.health import Component, health_components

TASHKENT = ZoneInfo("Asia/Tashkent")
CHART_DAYS = 30

FIGURES = (
    "totalClients",
    "activeWaiters",
    "cashbackIssued",
    "cashbackOutstanding",
    "avgCashbackPerUser",
    "newsCount",
)


@dataclass(frozen=True, slots=True)
class LevelCount:
    label: str
    value: int
    color: str


@dataclass(frozen=True, slots=True)
class DashboardMetrics:
    """`GET /dashboard/metrics` figures, with the health components' messages."""

    figures: dict[str, int]
    loyalty_distribution: list[LevelCount]
    health: list[Component] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class DailyCashback:
    day: dt.date
    issued: int
    redeemed: int


@dataclass(frozen=True, slots=True)
class DailyCount:
    day: dt.date
    value: int


def dashboard_metrics() -> DashboardMetrics:
    """The figures of `GET /dashboard/metrics` (`cashback.reports`), and health."""
    metrics = reports.dashboard_metrics()
    return DashboardMetrics(
        figures={key: int(metrics[key]) for key in FIGURES},
        loyalty_distribution=[
            LevelCount(label=i["label"], value=int(i["value"]), color=i["color"])
            for i in metrics["loyaltyDistribution"]
        ],
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
