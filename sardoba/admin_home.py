"""The context of the back-office home page: figures, health and charts."""

from __future__ import annotations

from typing import Any

from sardoba.admin_charts import (
    Series,
    daily_bar_chart,
    horizontal_bar_chart,
    legend,
    thousands,
)
from sardoba.admin_dashboard import (
    CHART_DAYS,
    cashback_per_day,
    clients_new_per_day,
    dashboard_metrics,
)
from sardoba.admin_labels import label

ISSUED_COLOR, REDEEMED_COLOR, CLIENTS_COLOR = "#16a34a", "#f97316", "#2563eb"


FIGURE_LABELS = {
    "totalClients": label("Clients", "Клиенты", "Mijozlar"),
    "activeWaiters": label("Active waiters", "Активные официанты", "Faol ofitsiantlar"),
    "cashbackIssued": label("Cashback issued", "Начислено кешбэка", "Berilgan keshbek"),
    "cashbackOutstanding": label(
        "Cashback on balances", "Кешбэк на балансах", "Balanslardagi keshbek"
    ),
    "avgCashbackPerUser": label(
        "Average per client", "В среднем на клиента", "Mijozga o‘rtacha"
    ),
    "newsCount": label(
        "News shown now", "Новостей в показе", "Ko‘rsatilayotgan yangiliklar"
    ),
}


def dashboard_context() -> dict[str, Any]:
    metrics = dashboard_metrics()
    cashback = cashback_per_day()
    newcomers = clients_new_per_day()
    days = [row.day for row in cashback]
    money = [
        Series(
            str(label("Issued", "Начислено", "Berilgan")),
            ISSUED_COLOR,
            [r.issued for r in cashback],
        ),
        Series(
            str(label("Redeemed", "Списано", "Ishlatilgan")),
            REDEEMED_COLOR,
            [r.redeemed for r in cashback],
        ),
    ]
    clients = [
        Series(
            str(label("New clients", "Новые клиенты", "Yangi mijozlar")),
            CLIENTS_COLOR,
            [r.value for r in newcomers],
        )
    ]
    levels = [(i.label, i.value, i.color) for i in metrics.loyalty_distribution]
    titles = {
        "cashback": str(label("Cashback per day", "Кешбэк по дням", "Kunlik keshbek")),
        "clients": str(
            label(
                "New clients per day", "Новые клиенты по дням", "Kunlik yangi mijozlar"
            )
        ),
        "levels": str(
            label(
                "Clients per level", "Клиенты по уровням", "Darajalar bo‘yicha mijozlar"
            )
        ),
    }
    return {
        "chart_cashback_title": titles["cashback"],
        "chart_clients_title": titles["clients"],
        "chart_levels_title": titles["levels"],
        "dashboard_figures": [
            (key, FIGURE_LABELS[key], thousands(value))
            for key, value in metrics.figures.items()
        ],
        "dashboard_health": metrics.health,
        "dashboard_days_label": label(
            f"last {CHART_DAYS} days",
            f"последние {CHART_DAYS} дней",
            f"oxirgi {CHART_DAYS} kun",
        ),
        "chart_cashback": daily_bar_chart(
            title=titles["cashback"],
            days=days,
            series=money,
            css_id="chart-cashback",
        ),
        "chart_cashback_legend": legend(money),
        "chart_cashback_totals": (
            thousands(sum(r.issued for r in cashback)),
            thousands(sum(r.redeemed for r in cashback)),
        ),
        "chart_clients": daily_bar_chart(
            title=titles["clients"],
            days=days,
            series=clients,
            css_id="chart-clients",
        ),
        "chart_clients_total": thousands(sum(r.value for r in newcomers)),
        "chart_levels": horizontal_bar_chart(
            title=titles["levels"],
            items=levels,
            css_id="chart-levels",
        ),
    }
