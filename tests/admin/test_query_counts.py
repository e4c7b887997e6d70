"""Back-office lists run a constant number of queries however many rows they show."""

from __future__ import annotations

import pytest

from accounts.models import Client, Staff, StaffRole
from accounts.services.staff import staff_create
from tests.admin.factories import ledger_append

pytestmark = pytest.mark.django_db


def _clients(count: int, start: int, waiter: Staff) -> None:
    for n in range(start, start + count):
        client = Client.objects.create(phone=f"+9989011{n:05d}", waiter=waiter)
        ledger_append(client, 1_000)


def _count_queries(browser, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert browser.get(url).status_code == 200
    return len(captured)


def test_client_list_query_count_is_constant(admin_browser, waiter: Staff) -> None:
    # given
    _clients(3, 0, waiter)
    few = _count_queries(admin_browser, "/admin/accounts/client/")
    _clients(20, 100, waiter)
    # when
    many = _count_queries(admin_browser, "/admin/accounts/client/")
    # then
    assert many == few


def test_staff_list_query_count_is_constant(admin_browser) -> None:
    # given
    def waiters(start: int, count: int) -> None:
        for n in range(start, start + count):
            staff_create(
                phone=f"+99893000{n:04d}",
                name=f"W{n}",
                role=StaffRole.WAITER,
                referral_code=f"CODE{n:04d}",
            )

    waiters(0, 2)
    few = _count_queries(admin_browser, "/admin/accounts/staff/")
    waiters(100, 15)
    # when
    many = _count_queries(admin_browser, "/admin/accounts/staff/")
    # then
    assert many == few


def test_dashboard_query_count_is_constant(admin_browser, waiter: Staff) -> None:
    # given
    _clients(2, 0, waiter)
    few = _count_queries(admin_browser, "/admin/")
    _clients(15, 100, waiter)
    # when
    many = _count_queries(admin_browser, "/admin/")
    # then
    assert many == few
