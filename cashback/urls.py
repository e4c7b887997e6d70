"""Routes of this app, mounted under /api/v1 (no trailing slash; ids digits only)."""

from django.urls import path

from cashback.views import cashback, iiko, reports

urlpatterns = [
    path("cashback/add", cashback.CashbackAddView.as_view(), name="cashback-add"),
    path("cashback/use", cashback.CashbackUseView.as_view(), name="cashback-use"),
    path(
        "cashback/user/<int:user_id>",
        cashback.ClientCashbackView.as_view(),
        name="cashback-user",
    ),
    path("cashback", cashback.CashbackListView.as_view(), name="cashback-list"),
    path(
        "cashback/loyalty-analytics",
        reports.LoyaltyAnalyticsView.as_view(),
        name="cashback-loyalty-analytics",
    ),
    path(
        "cashback/waiter-stats",
        reports.WaiterStatsView.as_view(),
        name="cashback-waiter-stats",
    ),
    path(
        "cashback/top-users", reports.TopUsersView.as_view(), name="cashback-top-users"
    ),
    path("stats/waiters", reports.StatsWaitersView.as_view(), name="stats-waiters"),
    path(
        "stats/users/top", reports.StatsTopUsersView.as_view(), name="stats-users-top"
    ),
    path(
        "dashboard/metrics",
        reports.DashboardMetricsView.as_view(),
        name="dashboard-metrics",
    ),
    path(
        "dashboard/activity",
        reports.DashboardActivityView.as_view(),
        name="dashboard-activity",
    ),
    path(
        "reports/users/export",
        reports.UsersExportView.as_view(),
        name="reports-users-export",
    ),
    path(
        "reports/cashback/export",
        reports.CashbackExportView.as_view(),
        name="reports-cashback-export",
    ),
    path("iiko/webhook", iiko.IikoWebhookView.as_view(), name="iiko-webhook"),
    path("iiko/check-user", iiko.IikoCheckUserView.as_view(), name="iiko-check-user"),
]
