"""Stats, analytics, dashboard and exports (`staff-api.md` §6.5-6.7, §7, §8, §15)."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from accounts.models import AuthAction, AuthLog, StaffRole
from accounts.services.staff import staff_create
from cashback.models import Wallet
from news.models import NewsItem
from tests.cashback.factories import credit, iiko_event, make_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def population(user, waiter, manager):
    """Ali (waiter's, GOLD 27,000), Bek (waiter's, paid), Vali (no waiter), a deleted one."""
    user.waiter = waiter
    user.save(update_fields=["waiter"])
    iiko_event(user, "Accrual", id="a1", sum=12000)
    iiko_event(user, "Accrual", id="a2", sum=15000)
    bek = make_client(name="Bek", surname=None, waiter=waiter)
    credit(bek, 40000, staff=manager)
    iiko_event(bek, "PayFromWallet", id="p1", sum=35000, balance=0)
    vali = make_client(name="Vali Karimov", surname=None)
    credit(vali, 1000)
    gone = make_client(waiter=waiter)
    credit(gone, 500)
    gone.is_deleted = True
    gone.save(update_fields=["is_deleted"])
    return {"ali": user, "bek": bek, "vali": vali, "gone": gone}


def test_waiter_stats(manager_client, waiter, population):
    other = staff_create(phone="+998900000009", name="Aziz", role=StaffRole.WAITER)
    response = manager_client.get("/api/v1/cashback/waiter-stats")
    assert response.json() == [
        {
            "staff_id": waiter.pk,
            "staff_name": "Dilnoza",
            "clients_count": 2,
            "transactions": 4,
            "total_cashback": 12000 + 15000 + 40000,
        },
        {
            "staff_id": other.pk,
            "staff_name": "Aziz",
            "clients_count": 0,
            "transactions": 0,
            "total_cashback": 0,
        },
    ]
    assert manager_client.get("/api/v1/stats/waiters").json() == [
        {"waiter_id": waiter.pk, "waiter_name": "Dilnoza", "total_cashback": 67000},
        {"waiter_id": other.pk, "waiter_name": "Aziz", "total_cashback": 0},
    ]


def test_top_users(manager_client, waiter, population):
    body = manager_client.get("/api/v1/cashback/top-users?limit=2").json()
    bek, ali = population["bek"], population["ali"]
    assert body == [
        {
            "user": {
                "id": bek.pk,
                "name": "Bek",
                "first_name": "Bek",
                "last_name": "",
                "phone": bek.phone,
                "waiter_id": waiter.pk,
                "level": "GOLD",
                "cashback_balance": 0,
            },
            "total_cashback": 40000,
            "transactions": 2,
        },
        {
            "user": {
                "id": ali.pk,
                "name": "Ali",
                "first_name": "Ali",
                "last_name": "Valiyev",
                "phone": ali.phone,
                "waiter_id": waiter.pk,
                "level": "GOLD",
                "cashback_balance": 27000,
            },
            "total_cashback": 27000,
            "transactions": 2,
        },
    ]
    top = manager_client.get("/api/v1/stats/users/top?limit=500").json()
    assert top[2] == {
        "user_id": population["vali"].pk,
        "user_name": "Vali Karimov",
        "phone": population["vali"].phone,
        "total_cashback": 1000,
    }
    assert len(top) == 3  # deleted clients are not ranked
    assert len(manager_client.get("/api/v1/cashback/top-users?limit=0").json()) == 1


def test_loyalty_analytics(manager_client, population):
    body = manager_client.get("/api/v1/cashback/loyalty-analytics").json()
    assert body["tierCounts"] == [
        {"tier": "Silver", "users": 1},
        {"tier": "Gold", "users": 2},
        {"tier": "Premium", "users": 0},
        {"tier": "Vip", "users": 0},
    ]
    assert body["totalUsers"] == 3
    assert body["totalCashbackBalance"] == 27000 + 0 + 1000
    assert body["averageCashbackBalance"] == 9333
    assert body["averagePoints"] == round((13500 + 20000 + 500) / 3)
    near = body["nearNextTier"]
    assert [n["missingPoints"] for n in near] == [9500, 20000, 26500]
    first = near[0]["user"]
    assert (first["first_name"], first["last_name"]) == ("Vali", "Karimov")
    assert first["loyalty"] == {
        "current_points": 500,
        "current_level": "SILVER",
        "next_level": "GOLD",
        "next_level_threshold": 10000,
        "progress_percent": 5,
    }
    assert first["created_at"].endswith("+05:00")


def test_dashboard_metrics(manager_client, population, waiter):
    NewsItem.objects.create(title="Now")
    body = manager_client.get("/api/v1/dashboard/metrics").json()
    assert body["totalClients"] == 3
    assert body["activeWaiters"] == 1
    assert body["cashbackIssued"] == 12000 + 15000 + 40000 + 1000 + 500
    assert body["cashbackOutstanding"] == 28000
    assert body["avgCashbackPerUser"] == round(68500 / 3)
    assert body["newsCount"] == 1
    assert body["loyaltyDistribution"] == [
        {"label": "Silver", "value": 1, "color": "#2563eb"},
        {"label": "Gold", "value": 2, "color": "#38bdf8"},
        {"label": "Premium", "value": 0, "color": "#f97316"},
        {"label": "Vip", "value": 0, "color": "#22c55e"},
    ]
    assert body["postgresHealthy"] is True
    assert isinstance(body["redisHealthy"], bool)
    assert isinstance(body["queueHealthy"], bool)


def test_dashboard_metrics_with_no_clients(manager_client):
    body = manager_client.get("/api/v1/dashboard/metrics").json()
    assert (body["totalClients"], body["avgCashbackPerUser"]) == (0, 0)


def test_dashboard_activity(manager_client, manager, user):
    AuthLog.objects.create(
        actor_type="staff",
        phone="+998901112233",
        action=AuthAction.LOGIN,
        status="success",
    )
    AuthLog.objects.create(
        actor_type="staff",
        phone="+998901112233",
        action=AuthAction.RATE_LIMITED,
        status="blocked",
        meta={"scope": "staff_login"},
    )
    credit(user, 35000, staff=manager)
    iiko_event(
        user, "PayFromWallet", id="p", sum=35000, balance=100
    )  # +100 recon hidden
    NewsItem.objects.create(title="Plov day")
    body = manager_client.get("/api/v1/dashboard/activity").json()
    texts = [(i["type"], i["description"], i["status"]) for i in body]
    assert texts == [
        ("news", "News published: Plov day", "success"),
        ("cashback", f"Cashback deducted: 35000 UZS for user #{user.pk}", "warning"),
        (
            "cashback",
            f"Cashback granted: 35000 UZS for user #{user.pk} by staff #{manager.pk}",
            "success",
        ),
        ("auth", "Rate limit reached for +998901112233", "warning"),
        ("auth", "Staff login for +998901112233", "success"),
    ]
    assert body[0]["id"].startswith("news-")
    assert body[1]["id"].startswith("cashback-")
    assert all(i["created_at"].endswith("+05:00") for i in body)


def test_activity_keeps_ten(manager_client, user):
    for n in range(12):
        credit(user, n + 1)
    assert len(manager_client.get("/api/v1/dashboard/activity").json()) == 10


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/cashback/waiter-stats",
        "/api/v1/stats/waiters",
        "/api/v1/cashback/top-users",
        "/api/v1/stats/users/top",
        "/api/v1/cashback/loyalty-analytics",
        "/api/v1/dashboard/activity",
    ],
)
def test_list_query_counts_are_constant(
    manager_client, manager, path, django_assert_num_queries
):
    def grow(n):
        for _ in range(n):
            waiter = staff_create(
                phone=f"+99891{make_client().pk:07d}", name="W", role=StaffRole.WAITER
            )
            client = make_client(waiter=waiter)
            credit(client, 100, staff=manager)
            AuthLog.objects.create(
                actor_type="staff",
                phone="+998901112233",
                action=AuthAction.LOGIN,
                status="success",
            )
            NewsItem.objects.create(title="n")

    grow(2)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        manager_client.get(path)
    grow(12)
    with django_assert_num_queries(len(small.captured_queries)):
        manager_client.get(path)


def test_users_export_csv(manager_client, population):
    response = manager_client.get("/api/v1/reports/users/export")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="users.csv"'
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff"))))
    assert rows[0][:4] == ["id", "name", "surname", "middle name"]
    assert len(rows) == 4  # header + three non-deleted clients
    ali = next(r for r in rows if r[0] == str(population["ali"].pk))
    assert ali[6:11] == [
        "GOLD",
        "13500",
        "27000",
        str(population["ali"].waiter_id),
        "Dilnoza",
    ]


def test_cashback_export_xlsx_with_dates(manager_client, population):
    response = manager_client.get(
        "/api/v1/reports/cashback/export?from=2000-01-01&to=2999-12-31"
    )
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert 'filename="cashback.xlsx"' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("id", "created at", "client id")
    assert len(rows) == 1 + 7
    empty = manager_client.get(
        "/api/v1/reports/cashback/export?format=csv&to=2000-01-01"
    )
    assert len(b"".join(empty.streaming_content).decode().splitlines()) == 1


@pytest.mark.parametrize("query", ["format=pdf", "from=01.02.2025", "to=yesterday"])
def test_export_bad_query_is_422(manager_client, query):
    response = manager_client.get("/api/v1/reports/cashback/export?" + query)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_users_export_xlsx(manager_client, population):
    response = manager_client.get("/api/v1/reports/users/export?format=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.max_row == 4
    assert Wallet.objects.count() == 4


def test_exports_defuse_formulas_and_control_characters(manager_client, manager):
    client = make_client(name="=HYPERLINK(1)", surname="Bad\x01name")
    credit(client, 100, staff=manager, description="@SUM(A1)")
    csv_body = b"".join(
        manager_client.get("/api/v1/reports/users/export").streaming_content
    ).decode()
    assert "'=HYPERLINK(1)" in csv_body
    response = manager_client.get("/api/v1/reports/cashback/export?format=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    row = list(sheet.iter_rows(values_only=True))[1]
    assert row[3] == "'=HYPERLINK(1) Badname"
    assert row[13] == "'@SUM(A1)"
