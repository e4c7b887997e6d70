"""Django admin: the ledger is read-only; the manual credit form uses the service."""

from __future__ import annotations

import pytest
from django.test import Client as DjangoClient

from accounts.models import AuditEntry
from cashback.models import AppendOnlyViolation, IikoJob, LedgerEntry, Wallet
from tests.cashback.factories import credit

pytestmark = pytest.mark.django_db

LEDGER = "/admin/cashback/ledgerentry/"


@pytest.fixture
def admin_browser(manager) -> DjangoClient:
    browser = DjangoClient()
    browser.force_login(manager)
    return browser


def test_ledger_list_with_filters_and_totals(admin_browser, user, manager):
    credit(user, 5000, staff=manager, branch_id=139235)
    credit(user, 700)
    response = admin_browser.get(LEDGER, {"client": user.pk, "branch": "139235"})
    assert response.status_code == 200
    assert response.context["totals"] == {
        "entries": 1,
        "credits": 5000,
        "debits": 0,
        "net": 5000,
    }
    for query in (
        {"kind__exact": "manual_credit"},
        {"source__exact": "MANUAL"},
        {"staff__id__exact": manager.pk},
        {"q": "Valiyev"},
    ):
        assert admin_browser.get(LEDGER, query).status_code == 200


def test_ledger_rows_cannot_be_added_changed_or_deleted(admin_browser, user):
    entry = credit(user, 5000)
    assert admin_browser.get(LEDGER + "add/").status_code == 403
    assert (
        admin_browser.post(f"{LEDGER}{entry.pk}/change/", {"amount": 1}).status_code
        == 403
    )
    assert (
        admin_browser.post(f"{LEDGER}{entry.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    bulk = admin_browser.post(
        LEDGER,
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    assert LedgerEntry.objects.get(pk=entry.pk).amount == 5000


def test_model_refuses_update_and_delete(user):
    entry = credit(user, 5000)
    entry.amount = 1
    with pytest.raises(AppendOnlyViolation):
        entry.save()
    with pytest.raises(AppendOnlyViolation):
        entry.delete()
    with pytest.raises(AppendOnlyViolation):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=1)
    with pytest.raises(AppendOnlyViolation):
        LedgerEntry.objects.all().delete()
    assert LedgerEntry.objects.get(pk=entry.pk).amount == 5000


def test_manual_credit_form_goes_through_the_service(admin_browser, user, manager):
    page = admin_browser.get(LEDGER + "manual-credit/", {"client": user.pk})
    assert page.status_code == 200
    key = page.context["form"].initial["idempotency_key"]
    form = {
        "client": user.pk,
        "amount": 15000,
        "source": "MANUAL",
        "branch_id": "139350",
        "description": "Birthday",
        "idempotency_key": key,
    }
    first = admin_browser.post(LEDGER + "manual-credit/", form)
    again = admin_browser.post(LEDGER + "manual-credit/", form)  # a double submit
    assert (first.status_code, again.status_code) == (302, 302)
    entry = LedgerEntry.objects.get()
    assert (entry.amount, entry.staff, entry.branch_id, entry.description) == (
        15000,
        manager,
        139350,
        "Birthday",
    )
    assert Wallet.objects.get(client=user).balance == 15000
    assert IikoJob.objects.get(ledger_entry=entry).operation == "wallet_topup"
    assert AuditEntry.objects.get().action == "cashback.add"


def test_manual_credit_form_refuses_an_inactive_client(admin_browser, user):
    user.is_active = False
    user.save(update_fields=["is_active"])
    response = admin_browser.post(
        LEDGER + "manual-credit/",
        {"client": user.pk, "amount": 5, "source": "MANUAL", "idempotency_key": "k"},
    )
    assert response.status_code == 200
    assert "This account is blocked" in response.content.decode()
    assert not LedgerEntry.objects.exists()


def test_wallet_and_card_admin_are_read_only(admin_browser, user):
    from cashback.services import card_create

    credit(user, 100)
    card_create(client=user)
    wallet = Wallet.objects.get(client=user)
    assert admin_browser.get("/admin/cashback/wallet/").status_code == 200
    page = admin_browser.get(f"/admin/cashback/wallet/{wallet.pk}/change/")
    assert page.status_code == 200
    assert f"?client={user.pk}" in page.content.decode()
    assert (
        admin_browser.post(
            f"/admin/cashback/wallet/{wallet.pk}/change/", {"balance": 1}
        ).status_code
        == 403
    )
    assert admin_browser.get("/admin/cashback/card/").status_code == 200
    assert admin_browser.get("/admin/cashback/card/add/").status_code == 403
    assert Wallet.objects.get(client=user).balance == 100


def test_waiters_have_no_admin(waiter):
    browser = DjangoClient()
    browser.force_login(waiter)
    assert browser.get(LEDGER).status_code == 302
