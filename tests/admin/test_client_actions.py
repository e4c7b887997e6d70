"""Client actions: each goes through its service and is audited; nothing else changes."""

from __future__ import annotations

import pytest

from accounts.models import AuditEntry, Client
from cashback.models import EntryKind, IikoJob, LedgerEntry, Wallet
from notifications.models import Notification
from tests.admin.factories import ledger_append, make_client

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/accounts/client/"


def _act(browser, action: str, clients: list[Client], **extra: str):
    return browser.post(
        CHANGELIST,
        {"action": action, "_selected_action": [c.pk for c in clients], **extra},
    )


def test_deactivate_and_reactivate_through_the_service(
    admin_browser, manager, user
) -> None:
    # when
    response = _act(admin_browser, "clients_deactivate", [user])
    # then
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_active is False
    audit = AuditEntry.objects.get()
    assert (audit.staff_id, audit.action, audit.entity, audit.entity_id) == (
        manager.pk,
        "status",
        "user",
        str(user.pk),
    )
    assert audit.changes == {
        "before": {"is_active": True},
        "after": {"is_active": False},
    }
    # when: again, nothing changes and nothing is audited
    _act(admin_browser, "clients_deactivate", [user])
    assert AuditEntry.objects.count() == 1
    # when
    _act(admin_browser, "clients_reactivate", [user])
    user.refresh_from_db()
    assert user.is_active is True
    assert AuditEntry.objects.count() == 2


def test_gift_flag_set_and_clear(admin_browser, user) -> None:
    # when
    _act(admin_browser, "clients_gift_set", [user])
    # then
    assert Wallet.objects.get(client=user).giftget is True
    assert not LedgerEntry.objects.exists()
    # when
    _act(admin_browser, "clients_gift_clear", [user])
    # then
    assert Wallet.objects.get(client=user).giftget is False
    assert list(
        AuditEntry.objects.order_by("id").values_list("changes", flat=True)
    ) == [
        {"before": {"giftget": False}, "after": {"giftget": True}},
        {"before": {"giftget": True}, "after": {"giftget": False}},
    ]


def test_manual_credit_asks_then_credits_each_client_once(
    admin_browser, manager, user
) -> None:
    # given
    other = make_client("+998902222222")
    # when: the action first shows its form
    page = _act(admin_browser, "clients_manual_credit", [user, other])
    html = page.content.decode()
    # then
    assert page.status_code == 200
    assert 'name="amount"' in html
    assert not LedgerEntry.objects.exists()
    key = html.split('name="key" value="')[1].split('"')[0]
    # when: submitted twice (a double click)
    form = {
        "apply": "1",
        "amount": "15000",
        "source": "MANUAL",
        "branch_id": "139235",
        "description": "Birthday",
        "key": key,
    }
    first = _act(admin_browser, "clients_manual_credit", [user, other], **form)
    _act(admin_browser, "clients_manual_credit", [user, other], **form)
    # then
    assert first.status_code == 302
    entries = LedgerEntry.objects.order_by("client_id")
    assert [
        (e.client_id, e.kind, e.amount, e.staff_id, e.branch_id, e.description)
        for e in entries
    ] == [
        (user.pk, EntryKind.MANUAL_CREDIT, 15_000, manager.pk, 139235, "Birthday"),
        (other.pk, EntryKind.MANUAL_CREDIT, 15_000, manager.pk, 139235, "Birthday"),
    ]
    assert Wallet.objects.get(client=user).balance == 15_000
    assert (
        Notification.objects.filter(notification_type="cashback_accrual").count() == 2
    )


@pytest.mark.parametrize("amount", ["0", "-5", "1.5", ""])
def test_manual_credit_refuses_bad_amounts(admin_browser, user, amount: str) -> None:
    # when
    response = _act(
        admin_browser,
        "clients_manual_credit",
        [user],
        apply="1",
        amount=amount,
        source="MANUAL",
        key="k1",
    )
    # then
    assert response.status_code == 200
    assert 'class="form-row errors field-amount"' in response.content.decode()
    assert not LedgerEntry.objects.exists()


def test_manual_credit_to_a_deactivated_client_is_refused_by_the_service(
    admin_browser, user
) -> None:
    # given
    Client.objects.filter(pk=user.pk).update(is_active=False)
    # when
    response = _act(
        admin_browser,
        "clients_manual_credit",
        [user],
        apply="1",
        amount="1000",
        source="MANUAL",
        key="k2",
    )
    # then
    assert response.status_code == 302
    assert not LedgerEntry.objects.exists()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("заблокирован" in m for m in messages)


def test_send_notification_to_selected_active_clients(
    admin_browser, manager, user
) -> None:
    # given
    blocked = make_client("+998902222222", is_active=False)
    # when
    page = _act(admin_browser, "clients_notify", [user, blocked])
    sent = _act(
        admin_browser,
        "clients_notify",
        [user, blocked],
        apply="1",
        title="Salom",
        description="Yangi menyu",
        language="uz",
    )
    # then
    assert page.status_code == 200
    assert sent.status_code == 302
    note = Notification.objects.get()
    assert (note.client_id, note.title, note.description, note.language) == (
        user.pk,
        "Salom",
        "Yangi menyu",
        "uz",
    )
    assert AuditEntry.objects.get(action="notification_send").staff_id == manager.pk


def test_delete_account_asks_then_deletes_like_the_app(admin_browser, user) -> None:
    # given
    ledger_append(user, 10_000)
    # when
    page = _act(admin_browser, "clients_delete", [user])
    # then
    assert page.status_code == 200
    user.refresh_from_db()
    assert user.is_deleted is False
    # when
    _act(admin_browser, "clients_delete", [user], apply="1")
    # then
    user.refresh_from_db()
    assert user.is_deleted is True
    assert user.phone.startswith("+999")
    assert LedgerEntry.objects.filter(client=user).count() == 1
    assert IikoJob.objects.filter(client=user, operation="mark_deleted").exists()
    assert AuditEntry.objects.filter(
        action="delete", entity="user", entity_id=str(user.pk)
    ).exists()
