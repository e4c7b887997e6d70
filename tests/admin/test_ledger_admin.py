"""The ledger in the back office is read-only: no add, change or delete, ever."""

from __future__ import annotations

import pytest

from cashback.models import LedgerEntry, Wallet
from tests.admin.factories import ledger_append

pytestmark = pytest.mark.django_db


def test_ledger_rows_cannot_be_added_changed_or_deleted(admin_browser, user) -> None:
    # given
    entry = ledger_append(user, 15_000)
    base = "/admin/cashback/ledgerentry"
    # when
    listing = admin_browser.get(f"{base}/")
    add = admin_browser.post(
        f"{base}/add/", {"client": user.pk, "amount": "5", "kind": "accrual"}
    )
    change = admin_browser.post(f"{base}/{entry.pk}/change/", {"amount": "999999"})
    delete = admin_browser.post(f"{base}/{entry.pk}/delete/", {"post": "yes"})
    bulk = admin_browser.post(
        f"{base}/",
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    # then
    assert listing.status_code == 200
    assert (add.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    assert bulk.status_code in (200, 302)
    entry.refresh_from_db()
    assert (entry.amount, entry.balance_after) == (15_000, 15_000)
    assert LedgerEntry.objects.count() == 1
    assert Wallet.objects.get(client=user).balance == 15_000
    assert 'value="delete_selected"' not in listing.content.decode()
