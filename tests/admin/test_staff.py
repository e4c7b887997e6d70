"""Staff in the back office: create, edit, passwords, codes, soft delete, self-protection."""

from __future__ import annotations

import re

import pytest

from accounts.models import AuditEntry, Client, Staff, StaffRole
from accounts.services.staff import staff_create
from tests.admin.factories import ledger_append

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/accounts/staff/"


def _change_url(staff: Staff) -> str:
    return f"/admin/accounts/staff/{staff.pk}/change/"


def _form(staff: Staff, **overrides: str) -> dict[str, str]:
    data = {
        "name": staff.name,
        "role": staff.role,
        "branch_id": str(staff.branch_id or ""),
        "is_active": "on" if staff.is_active else "",
        "new_password1": "",
        "new_password2": "",
    }
    data.update(overrides)
    return {
        k: v for k, v in data.items() if v != "" or k.startswith(("new_", "branch"))
    }


def test_create_waiter_with_password_gets_a_referral_code(
    admin_browser, manager: Staff
) -> None:
    # when
    response = admin_browser.post(
        "/admin/accounts/staff/add/",
        {
            "phone": "90 555 44 33",
            "name": " Sardor ",
            "role": "WAITER",
            "branch_id": "139235",
            "password1": "secret-123",
            "password2": "secret-123",
        },
    )
    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    staff = Staff.objects.get(phone="+998905554433")
    assert (staff.name, staff.role, staff.branch_id) == (
        "Sardor",
        StaffRole.WAITER,
        139235,
    )
    assert re.fullmatch(r"[A-Z0-9]{6}", staff.referral_code or "")
    assert staff.check_password("secret-123")
    audit = AuditEntry.objects.get(action="create", entity="staff")
    assert (audit.staff_id, audit.entity_id) == (manager.pk, str(staff.pk))
    assert "secret-123" not in str(audit.changes)


@pytest.mark.parametrize(
    ("_case", "overrides", "field"),
    [
        ("passwords differ", {"password2": "other-123"}, "password2"),
        ("password too short", {"password1": "abc", "password2": "abc"}, "password1"),
        ("phone taken", {"phone": "+998900000002"}, "phone"),
        ("bad phone", {"phone": "12"}, "phone"),
    ],
)
def test_create_refuses_bad_input(
    admin_browser, waiter: Staff, _case: str, overrides: dict, field: str
) -> None:
    # given
    data = {
        "phone": "+998905554433",
        "name": "New",
        "role": "MANAGER",
        "password1": "secret-123",
        "password2": "secret-123",
        **overrides,
    }
    before = Staff.objects.count()
    # when
    response = admin_browser.post("/admin/accounts/staff/add/", data)
    # then
    assert response.status_code == 200
    assert f'class="form-row errors field-{field}' in response.content.decode()
    assert Staff.objects.count() == before
    assert not AuditEntry.objects.exists()


def test_edit_role_branch_and_password_through_the_service(
    admin_browser, waiter: Staff
) -> None:
    # when
    response = admin_browser.post(
        _change_url(waiter),
        _form(
            waiter,
            branch_id="157757",
            new_password1="fresh-pass",
            new_password2="fresh-pass",
        ),
    )
    # then
    assert response.status_code == 302
    waiter.refresh_from_db()
    assert waiter.branch_id == 157757
    assert waiter.check_password("fresh-pass")
    audit = AuditEntry.objects.get()
    assert (audit.action, audit.entity, audit.entity_id) == (
        "update",
        "staff",
        str(waiter.pk),
    )
    assert audit.changes == {
        "before": {"branch_id": 139235},
        "after": {"branch_id": 157757, "password": "changed"},
    }


@pytest.mark.parametrize(
    ("_case", "overrides"),
    [("demote", {"role": "WAITER"}), ("deactivate", {"is_active": ""})],
)
def test_manager_cannot_demote_or_deactivate_self(
    admin_browser, manager: Staff, _case: str, overrides: dict
) -> None:
    # when
    response = admin_browser.post(_change_url(manager), _form(manager, **overrides))
    # then
    assert response.status_code == 200
    assert "Нельзя удалить, заблокировать или понизить" in response.content.decode()
    manager.refresh_from_db()
    assert (manager.role, manager.is_active) == (StaffRole.MANAGER, True)
    assert not AuditEntry.objects.exists()


def test_manager_cannot_delete_self(admin_browser, manager: Staff) -> None:
    # when
    page = admin_browser.get(f"/admin/accounts/staff/{manager.pk}/delete/")
    post = admin_browser.post(
        f"/admin/accounts/staff/{manager.pk}/delete/", {"post": "yes"}
    )
    action = admin_browser.post(
        CHANGELIST, {"action": "soft_delete_selected", "_selected_action": [manager.pk]}
    )
    # then
    assert (page.status_code, post.status_code, action.status_code) == (403, 403, 302)
    manager.refresh_from_db()
    assert manager.deleted_at is None
    assert not AuditEntry.objects.exists()


def test_delete_is_soft_and_keeps_clients_and_ledger(
    admin_browser, waiter: Staff
) -> None:
    # given
    client = Client.objects.create(phone="+998901111111", waiter=waiter)
    ledger_append(client, 10_000)
    # when
    response = admin_browser.post(
        f"/admin/accounts/staff/{waiter.pk}/delete/", {"post": "yes"}
    )
    # then
    assert response.status_code == 302
    waiter.refresh_from_db()
    assert waiter.deleted_at is not None
    assert waiter.referral_code == "K7P2QX"  # retired with the row, never reissued
    client.refresh_from_db()
    assert client.waiter_id == waiter.pk
    html = admin_browser.get(CHANGELIST).content.decode()
    assert 'class="field-phone">+998900000002<' not in html
    assert 'class="field-phone">+998900000001<' in html
    # the phone is free again
    staff_create(phone="+998900000002", name="Again", password="again-pass")


def test_deactivate_reactivate_and_regenerate_actions(
    admin_browser, waiter: Staff, manager: Staff
) -> None:
    # when
    admin_browser.post(
        CHANGELIST,
        {"action": "deactivate_selected", "_selected_action": [waiter.pk, manager.pk]},
    )
    # then: the waiter is deactivated, the acting manager is not
    waiter.refresh_from_db()
    manager.refresh_from_db()
    assert (waiter.is_active, manager.is_active) == (False, True)
    # when
    admin_browser.post(
        CHANGELIST, {"action": "reactivate_selected", "_selected_action": [waiter.pk]}
    )
    admin_browser.post(
        CHANGELIST,
        {"action": "regenerate_referral_codes", "_selected_action": [waiter.pk]},
    )
    # then
    waiter.refresh_from_db()
    assert waiter.is_active is True
    assert waiter.referral_code != "K7P2QX"
    assert re.fullmatch(r"[A-Z0-9]{6}", waiter.referral_code)
    assert [
        (a.action, a.changes)
        for a in AuditEntry.objects.order_by("id")
        if a.action != "regenerate_referral"
    ] == [
        ("update", {"before": {"is_active": True}, "after": {"is_active": False}}),
        ("update", {"before": {"is_active": False}, "after": {"is_active": True}}),
    ]
    regenerated = AuditEntry.objects.get(action="regenerate_referral")
    # the audit hides fields named like codes
    assert regenerated.changes == {
        "before": {"referral_code": "[hidden]"},
        "after": {"referral_code": "[hidden]"},
    }


def test_waiter_page_shows_referred_clients_and_totals(
    admin_browser, waiter: Staff
) -> None:
    # given
    first = Client.objects.create(phone="+998901111111", name="Ali", waiter=waiter)
    Client.objects.create(phone="+998902222222", waiter=waiter)
    Client.objects.create(phone="+998903333333")  # not referred
    ledger_append(first, 12_000)
    ledger_append(first, -2_000, "payment")
    # when
    html = admin_browser.get(_change_url(waiter)).content.decode()
    listed = admin_browser.get(CHANGELIST).content.decode()
    # then
    assert re.search(
        r"Клиентов: <strong>2</strong> · Начислено кешбэка: <strong>12000</strong> · "
        r"Операций: <strong>2</strong>",
        html,
    )
    assert "+998901111111 · Ali" in html
    assert f'?waiter={waiter.pk}"' in html
    assert re.search(r'class="field-clients_count">2<', listed)


def test_admin_history_is_read_only(admin_browser, waiter: Staff) -> None:
    # given: one change through the admin writes Django's history
    admin_browser.post(_change_url(waiter), _form(waiter, name="Renamed"))
    from django.contrib.admin.models import LogEntry

    entry = LogEntry.objects.get()
    # when
    listing = admin_browser.get("/admin/admin/logentry/")
    edit = admin_browser.post(
        f"/admin/admin/logentry/{entry.pk}/change/", {"object_repr": "x"}
    )
    delete = admin_browser.post(
        f"/admin/admin/logentry/{entry.pk}/delete/", {"post": "yes"}
    )
    # then
    assert listing.status_code == 200
    assert "Renamed" in listing.content.decode()
    assert (edit.status_code, delete.status_code) == (403, 403)
    assert LogEntry.objects.count() == 1
