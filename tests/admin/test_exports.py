"""CSV exports of clients and of the ledger (admin actions)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine

from accounts.models import Client, Staff
from cashback.models import EntryKind, LedgerEntry
from tests.admin.factories import ledger_append, make_client

pytestmark = pytest.mark.django_db


def _rows(response) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))


def test_clients_export_of_the_selection(admin_browser, waiter: Staff) -> None:
    # given
    with time_machine.travel(
        dt.datetime(2026, 3, 1, 20, 30, tzinfo=dt.UTC), tick=False
    ):
        ali = make_client(
            "+998901111111", name="=HYPERLINK(1)", surname="Valiyev", waiter=waiter
        )
    make_client("+998902222222", name="Not selected")
    ledger_append(ali, 20_000)
    # when
    response = admin_browser.post(
        "/admin/accounts/client/",
        {"action": "clients_export_csv", "_selected_action": [ali.pk]},
    )
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="clients-')
    [row] = _rows(response)
    assert row == {
        "id": str(ali.pk),
        "name": "'=HYPERLINK(1)",
        "surname": "Valiyev",
        "middle name": "",
        "phone": "+998901111111",
        "date of birth": "",
        "level": "GOLD",
        "points": "10000",
        "balance": "20000",
        "waiter id": str(waiter.pk),
        "waiter name": "Dilnoza",
        "active": "true",
        "registered at": "2026-03-02T01:30:00+05:00",
    }


def test_ledger_export_of_selected_clients(admin_browser, user: Client) -> None:
    # given
    other = make_client("+998902222222")
    ledger_append(user, 15_000)
    ledger_append(user, -5_000, EntryKind.PAYMENT)
    ledger_append(other, 1_000)
    # when
    response = admin_browser.post(
        "/admin/accounts/client/",
        {"action": "clients_ledger_export_csv", "_selected_action": [user.pk]},
    )
    # then
    rows = _rows(response)
    assert [(r["kind"], r["amount"], r["balance after"]) for r in rows] == [
        ("manual_credit", "15000", "15000"),
        ("payment", "-5000", "10000"),
    ]
    assert {r["phone"] for r in rows} == {"+998901234567"}
    assert rows[0]["created at"].endswith("+05:00")
    assert LedgerEntry.objects.count() == 3  # nothing written by an export


def test_export_query_count_is_constant(
    admin_browser, django_assert_max_num_queries
) -> None:
    # given
    clients = [make_client(f"+99890111{n:04d}") for n in range(30)]
    for client in clients[:10]:
        ledger_append(client, 1_000)
    # when / then: session, user, selection, one select_related query
    with django_assert_max_num_queries(8):
        response = admin_browser.post(
            "/admin/accounts/client/",
            {
                "action": "clients_export_csv",
                "select_across": "1",
                "_selected_action": [clients[0].pk],
            },
        )
        rows = _rows(response)
    assert len(rows) == 30


def test_ledger_admin_exports_the_selected_entries(admin_browser, user: Client) -> None:
    # given
    first = ledger_append(user, 15_000)
    ledger_append(user, 1_000)
    # when
    response = admin_browser.post(
        "/admin/cashback/ledgerentry/",
        {"action": "ledger_export_csv", "_selected_action": [first.pk]},
    )
    # then
    assert response.status_code == 200
    [row] = _rows(response)
    assert (row["id"], row["amount"], row["balance after"]) == (
        str(first.pk),
        "15000",
        "15000",
    )
