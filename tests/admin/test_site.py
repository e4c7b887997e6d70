"""The back-office site: who gets in, sign-in throttle and auth log, the dashboard."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client as DjangoClient

from accounts.models import AuthAction, AuthLog, Client, Staff, StaffRole
from accounts.services.staff import staff_create
from cashback.models import EntryKind
from cashback.services import ledger_entry_append, reconciliation_append, wallet_lock

pytestmark = pytest.mark.django_db


def _login(phone: str, password: str) -> tuple[DjangoClient, object]:
    browser = DjangoClient()
    response = browser.post(
        "/admin/login/", {"username": phone, "password": password, "next": "/admin/"}
    )
    return browser, response


def test_manager_signs_in_with_phone_as_typed_and_it_is_logged(manager: Staff) -> None:
    # when
    browser, response = _login("90 000 00 01", "manager-pass")
    # then
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert browser.get("/admin/").status_code == 200
    row = AuthLog.objects.get(action=AuthAction.LOGIN)
    assert (row.phone, row.actor_type, row.actor_id, row.status) == (
        "+998900000001",
        "staff",
        manager.pk,
        "success",
    )
    manager.refresh_from_db()
    assert manager.last_login_at is not None


@pytest.mark.parametrize(
    ("_case", "phone", "password", "reason"),
    [
        ("unknown phone", "+998911111111", "whatever-pass", "unknown_phone"),
        ("wrong password", "+998900000001", "wrong-pass", "wrong_password"),
    ],
)
def test_refused_sign_in_is_logged_with_its_reason(
    manager: Staff, waiter: Staff, _case: str, phone: str, password: str, reason: str
) -> None:
    # when
    browser, response = _login(phone, password)
    # then
    assert response.status_code == 200
    assert "errornote" in response.content.decode()
    assert browser.get("/admin/").status_code == 302
    row = AuthLog.objects.get(action=AuthAction.FAILED_LOGIN)
    assert (row.phone, row.status, row.meta) == (
        phone,
        "failed",
        {"reason": reason},
    )
    assert password not in str(row.meta)
    assert not AuthLog.objects.filter(action=AuthAction.LOGIN).exists()


def test_waiter_with_the_right_password_is_refused(waiter: Staff) -> None:
    # when
    browser, response = _login(waiter.phone, "waiter-pass")
    # then: the shared staff sign-in accepted the password; the back office did not
    assert response.status_code == 200
    assert "errornote" in response.content.decode()
    assert browser.get("/admin/").status_code == 302
    assert not AuthLog.objects.filter(action=AuthAction.FAILED_LOGIN).exists()


@pytest.mark.parametrize(
    ("_case", "change", "reason"),
    [
        ("deactivated", {"is_active": False}, "inactive"),
        (
            "deleted",
            {"deleted_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)},
            "unknown_phone",
        ),
    ],
)
def test_deactivated_or_deleted_manager_is_refused(
    manager: Staff, _case: str, change: dict, reason: str
) -> None:
    # given
    Staff.objects.filter(pk=manager.pk).update(**change)
    # when
    _, response = _login(manager.phone, "manager-pass")
    # then
    assert response.status_code == 200
    assert AuthLog.objects.get(action=AuthAction.FAILED_LOGIN).meta["reason"] == reason


def test_manager_without_password_is_refused() -> None:
    # given
    staff_create(phone="+998900000009", name="No pass", role=StaffRole.MANAGER)
    # when
    _, response = _login("+998900000009", "")
    _, response = _login("+998900000009", "anything-here")
    # then
    assert response.status_code == 200
    assert (
        AuthLog.objects.get(action=AuthAction.FAILED_LOGIN).meta["reason"]
        == "no_password"
    )


def test_sixth_attempt_is_throttled_before_the_password_is_checked(
    manager: Staff, settings
) -> None:
    # given
    settings.LOGIN_RATE_LIMIT_PER_WINDOW = 5
    settings.RATE_LIMIT_BLOCK_MINUTES = 15
    start = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            _login("+998900000001", "wrong-pass")
    # when: the right password, still inside the window
    with time_machine.travel(start + dt.timedelta(minutes=14), tick=False):
        browser, response = _login("+998900000001", "manager-pass")
    # then
    assert response.status_code == 200
    assert re.search(r"попробуйте снова через \d+ минут", response.content.decode())
    assert browser.get("/admin/").status_code == 302
    assert AuthLog.objects.filter(action=AuthAction.FAILED_LOGIN).count() == 5
    blocked = AuthLog.objects.get(action=AuthAction.RATE_LIMITED)
    assert (blocked.phone, blocked.status, blocked.meta["scope"]) == (
        "+998900000001",
        "blocked",
        "staff_login",
    )
    assert not AuthLog.objects.filter(action=AuthAction.LOGIN).exists()
    # and when the window has passed, the right password works again
    with time_machine.travel(start + dt.timedelta(minutes=15, seconds=1), tick=False):
        browser, response = _login("+998900000001", "manager-pass")
    assert response.status_code == 302


def test_throttle_counts_per_phone(manager: Staff, settings) -> None:
    # given: five failures for another phone
    settings.LOGIN_RATE_LIMIT_PER_WINDOW = 5
    for _ in range(5):
        _login("+998911111111", "wrong-pass")
    # when
    _, response = _login("+998900000001", "manager-pass")
    # then
    assert response.status_code == 302


@pytest.mark.parametrize("actor", ["anonymous", "waiter"])
def test_non_managers_are_sent_to_the_login_page(actor: str, waiter: Staff) -> None:
    # given
    browser = DjangoClient()
    if actor == "waiter":
        browser.force_login(waiter)
    # when
    response = browser.get("/admin/")
    # then
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_client_cannot_reach_admin_with_a_token(auth_client) -> None:
    # when: a client's bearer token means nothing to the admin
    response = auth_client.get("/admin/")
    # then
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_manager_session_ends_when_manager_is_deactivated(
    admin_browser, manager
) -> None:
    # given
    Staff.objects.filter(pk=manager.pk).update(is_active=False)
    # when
    response = admin_browser.get("/admin/")
    # then
    assert response.status_code == 302


def _credit(client: Client, amount: int, kind: str = EntryKind.MANUAL_CREDIT) -> None:
    from django.db import transaction

    with transaction.atomic():
        wallet = wallet_lock(client=client)
        ledger_entry_append(wallet=wallet, kind=kind, amount=amount)


def test_dashboard_shows_figures_health_and_svg_charts(
    admin_browser, waiter: Staff, user: Client
) -> None:
    # given
    other = Client.objects.create(phone="+998901234568", name="Vali")
    _credit(user, 20_000)
    _credit(user, -5_000, EntryKind.PAYMENT)
    _credit(other, 10_000)
    from django.db import transaction

    with transaction.atomic():
        reconciliation_append(wallet=wallet_lock(client=other), target_balance=50_000)
    # when
    response = admin_browser.get("/admin/")
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Бэк-офис | Sardoba</title>" in html
    figures = dict(
        re.findall(r'data-figure="(\w+)"><span class="value">([^<]+)</span>', html)
    )
    assert figures == {
        "totalClients": "2",
        "activeWaiters": "1",
        "cashbackIssued": "30\u202f000",
        "cashbackOutstanding": "65\u202f000",
        "avgCashbackPerUser": "15\u202f000",
        "newsCount": "0",
    }
    for name in ("postgres", "redis", "queue"):
        assert f'data-component="{name}"' in html
    for chart in ("chart-cashback", "chart-clients", "chart-levels"):
        assert f'<svg id="{chart}"' in html
    # today's bars: issued 30 000, redeemed 5 000 (the reconciliation is neither)
    assert "Начислено: 30\u202f000</title>" in html
    assert "Списано: 5\u202f000</title>" in html
    assert "Новые клиенты: 2</title>" in html
    # 20 000 so'm earn 10 000 points: Gold; 10 000 so'm: 5 000 points, Silver
    assert "Silver: 1</title>" in html
    assert "Gold: 1</title>" in html
    assert "Vip: 0</title>" in html


def test_dashboard_days_are_tashkent_days(admin_browser, user: Client) -> None:
    # given: 20:30 UTC on 1 March is 01:30 on 2 March in Tashkent
    with time_machine.travel(
        dt.datetime(2026, 3, 1, 20, 30, tzinfo=dt.UTC), tick=False
    ):
        _credit(user, 7_000)
    # when
    with time_machine.travel(dt.datetime(2026, 3, 3, 6, 0, tzinfo=dt.UTC), tick=False):
        html = admin_browser.get("/admin/").content.decode()
    # then
    assert "02.03.2026 · Начислено: 7\u202f000</title>" in html
    assert "01.03.2026 · Начислено: 0</title>" in html


def test_admin_speaks_uzbek_when_chosen(admin_browser) -> None:
    # when
    response = admin_browser.post(
        "/admin/language", {"language": "uz", "next": "/admin/"}
    )
    html = admin_browser.get("/admin/").content.decode()
    # then
    assert response.status_code == 302
    assert "Kunlik keshbek" in html
    assert 'lang="uz"' in html


def test_admin_static_files_are_served_by_the_application(settings) -> None:
    # given: `make run` (DEBUG) finds them in the apps; production serves the
    # collected STATIC_ROOT. daphne itself serves no static files.
    settings.WHITENOISE_USE_FINDERS = True
    # when
    response = DjangoClient().get("/static/admin/css/base.css")
    # then
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
