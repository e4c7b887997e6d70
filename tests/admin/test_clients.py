"""Clients in the back office: list, search, filters, profile, read-only history."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.utils import timezone

from accounts.models import AuditEntry, Client, Staff
from cashback.models import EntryKind, IikoJob, LedgerEntry, Wallet
from cashback.services import card_create
from notifications.models import Notification
from tests.admin.factories import ledger_append, make_client

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/accounts/client/"


def _listed_phones(html: str) -> list[str]:
    return re.findall(r'class="field-phone_shown"><a href="[^"]+">([^<]+)</a>', html)


def test_list_hides_deleted_clients_and_shows_deactivated(admin_browser) -> None:
    # given
    make_client("+998901111111", name="Kept")
    make_client("+998902222222", name="Blocked", is_active=False)
    make_client(
        "+999000000001", name="Gone", is_deleted=True, deleted_at=timezone.now()
    )
    # when
    html = admin_browser.get(CHANGELIST).content.decode()
    # then
    assert sorted(_listed_phones(html)) == ["+998901111111", "+998902222222"]


def test_deleted_client_page_is_not_found(admin_browser) -> None:
    # given
    gone = make_client("+999000000001", is_deleted=True, deleted_at=timezone.now())
    # when
    response = admin_browser.get(f"/admin/accounts/client/{gone.pk}/change/")
    # then: the admin redirects to its index with "does not exist"
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("_case", "query", "expected"),
    [
        ("phone digits with spaces", "90 111 11 11", ["+998901111111"]),
        ("name, any case", "aziza", ["+998902222222"]),
        ("surname", "valiyev", ["+998901111111"]),
    ],
)
def test_search_by_phone_or_name(
    admin_browser, _case: str, query: str, expected: list[str]
) -> None:
    # given
    make_client("+998901111111", name="Ali", surname="Valiyev")
    make_client("+998902222222", name="Aziza")
    # when
    html = admin_browser.get(CHANGELIST, {"q": query}).content.decode()
    # then
    assert _listed_phones(html) == expected


def test_filters_level_waiter_active_and_registration_dates(
    admin_browser, waiter: Staff
) -> None:
    # given
    with time_machine.travel(dt.datetime(2026, 3, 1, 20, 0, tzinfo=dt.UTC), tick=False):
        gold = make_client("+998901111111", waiter=waiter)  # 2 March in Tashkent
    with time_machine.travel(dt.datetime(2026, 3, 5, 8, 0, tzinfo=dt.UTC), tick=False):
        make_client("+998902222222", is_active=False)
    ledger_append(gold, 20_000)  # 10 000 points: Gold

    # when / then
    def listed(**query: str) -> list[str]:
        return sorted(
            _listed_phones(admin_browser.get(CHANGELIST, query).content.decode())
        )

    assert listed(level="GOLD") == ["+998901111111"]
    assert listed(level="SILVER") == ["+998902222222"]
    assert listed(waiter=str(waiter.pk)) == ["+998901111111"]
    assert listed(is_active__exact="0") == ["+998902222222"]
    assert listed(
        created_at__date__gte="2026-03-02", created_at__date__lte="2026-03-02"
    ) == ["+998901111111"]
    assert listed(created_at__date__gte="2026-03-03") == ["+998902222222"]


def test_profile_shows_balance_cards_qr_ledger_and_inbox(
    admin_browser, user: Client
) -> None:
    # given
    older = card_create(client=user)
    newest = card_create(client=user)
    ledger_append(user, 15_000)
    ledger_append(user, -5_000, EntryKind.PAYMENT)
    # when
    html = admin_browser.get(
        f"/admin/accounts/client/{user.pk}/change/"
    ).content.decode()
    # then
    assert re.search(
        r'field-balance_column">.*?<div class="readonly">10000</div>', html, re.S
    )
    assert f'/admin/cashback/ledgerentry/?client={user.pk}"' in html
    assert f'/admin/cashback/ledgerentry/manual-credit/?client={user.pk}"' in html
    assert older.card_number in html
    assert f'data-card="{newest.card_number}"><svg' in html
    amounts = re.findall(r'<td class="field-amount">\s*<p>(-?\d+)</p>', html)
    assert amounts == ["-5000", "15000"]  # newest first
    assert Notification.objects.filter(client=user).count() == 2
    assert "Кешбек начислен" in html
    # the ledger and inbox are read-only: no inline form fields
    assert 'name="ledger-0-amount"' not in html
    assert 'name="notifications-0-title"' not in html


def test_client_times_render_in_tashkent(admin_browser) -> None:
    # given: 20:30 UTC is 01:30 the next day in Tashkent
    with time_machine.travel(
        dt.datetime(2026, 3, 1, 20, 30, tzinfo=dt.UTC), tick=False
    ):
        client = make_client("+998901111111")
    # when
    html = admin_browser.get(
        f"/admin/accounts/client/{client.pk}/change/"
    ).content.decode()
    # then
    assert "2 марта 2026 г. 1:30" in html


def test_client_cannot_be_added_or_deleted_through_forms(
    admin_browser, user: Client
) -> None:
    # when
    add = admin_browser.get("/admin/accounts/client/add/")
    delete = admin_browser.post(
        f"/admin/accounts/client/{user.pk}/delete/", {"post": "yes"}
    )
    # then
    assert (add.status_code, delete.status_code) == (403, 403)
    user.refresh_from_db()
    assert user.is_deleted is False
    assert Client.objects.count() == 1


def _profile_form(client: Client, **overrides: str) -> dict[str, str]:
    data = {
        "name": client.name or "",
        "surname": client.surname or "",
        "middle_name": client.middle_name or "",
        "date_of_birth": "",
        "gender": client.gender or "",
        "email": client.email or "",
        "waiter": str(client.waiter_id or ""),
        # the read-only inlines still send their management forms
        "ledger-TOTAL_FORMS": "0",
        "ledger-INITIAL_FORMS": "0",
        "notifications-TOTAL_FORMS": "0",
        "notifications-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_profile_edit_goes_through_the_service_and_is_audited(
    admin_browser, manager: Staff, waiter: Staff, user: Client
) -> None:
    # when
    response = admin_browser.post(
        f"/admin/accounts/client/{user.pk}/change/",
        _profile_form(
            user, surname="Karimov", date_of_birth="1990-05-17", waiter=str(waiter.pk)
        ),
    )
    # then
    assert response.status_code == 302, response.content.decode()[:3000]
    user.refresh_from_db()
    assert (user.surname, user.date_of_birth, user.waiter_id) == (
        "Karimov",
        dt.date(1990, 5, 17),
        waiter.pk,
    )
    audit = AuditEntry.objects.get()
    assert (audit.staff_id, audit.action, audit.entity, audit.entity_id) == (
        manager.pk,
        "update",
        "user",
        str(user.pk),
    )
    assert audit.changes == {
        "before": {"surname": "Valiyev", "date_of_birth": None, "waiter_id": None},
        "after": {
            "surname": "Karimov",
            "date_of_birth": "1990-05-17",
            "waiter_id": waiter.pk,
        },
    }
    # iiko learns the profile change through a job
    assert IikoJob.objects.filter(client=user, operation="flush_profile").exists()


@pytest.mark.parametrize(
    ("_case", "overrides", "field"),
    [
        ("blank name", {"name": " "}, "name"),
        ("bad e-mail", {"email": "not-an-email"}, "email"),
        ("deleted waiter", {"waiter": "__deleted__"}, "waiter"),
    ],
)
def test_profile_edit_refuses_bad_input(
    admin_browser, waiter: Staff, user: Client, _case: str, overrides: dict, field: str
) -> None:
    # given
    if overrides.get("waiter") == "__deleted__":
        Staff.objects.filter(pk=waiter.pk).update(deleted_at=timezone.now())
        overrides = {"waiter": str(waiter.pk)}
    # when
    response = admin_browser.post(
        f"/admin/accounts/client/{user.pk}/change/", _profile_form(user, **overrides)
    )
    # then
    assert response.status_code == 200
    assert f"errors field-{field}" in response.content.decode()
    user.refresh_from_db()
    assert (user.name, user.email, user.waiter_id) == ("Ali", None, None)
    assert not AuditEntry.objects.exists()


def test_ledger_rows_cannot_be_changed_through_the_client_page(
    admin_browser, user: Client
) -> None:
    # given
    entry = ledger_append(user, 15_000)
    # when: a valid profile post carrying a crafted ledger formset
    response = admin_browser.post(
        f"/admin/accounts/client/{user.pk}/change/",
        _profile_form(
            user,
            name="Alisher",
            **{
                "ledger-TOTAL_FORMS": "2",
                "ledger-INITIAL_FORMS": "1",
                "ledger-0-id": str(entry.pk),
                "ledger-0-amount": "999999",
                "ledger-0-balance_after": "999999",
                "ledger-0-DELETE": "on",
                "ledger-1-amount": "5000",
                "ledger-1-kind": "accrual",
            },
        ),
    )
    # then: the profile changed, the ledger did not
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.name == "Alisher"
    entry.refresh_from_db()
    assert (entry.amount, entry.balance_after) == (15_000, 15_000)
    assert LedgerEntry.objects.count() == 1
    assert Wallet.objects.get(client=user).balance == 15_000


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def test_manager_uploads_a_clients_photo_through_the_service(
    admin_browser, manager: Staff, user: Client
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts.models import FileKind, StoredFile

    # when
    response = admin_browser.post(
        f"/admin/accounts/client/{user.pk}/change/",
        {
            **_profile_form(user),
            "photo": SimpleUploadedFile("face.png", _png(), content_type="image/png"),
        },
    )
    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    stored = StoredFile.objects.get(owner=user, kind=FileKind.PROFILE_PHOTO)
    assert user.profile_photo_url == f"/api/v1/files/profile-photo/{stored.name}"
    assert stored.uploaded_by_id == manager.pk
    audit = AuditEntry.objects.get()
    assert audit.changes == {"after": {"profile_photo_url": user.profile_photo_url}}


def test_a_text_file_is_refused_as_a_photo_and_nothing_changes(
    admin_browser, user: Client
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts.models import StoredFile

    # when
    response = admin_browser.post(
        f"/admin/accounts/client/{user.pk}/change/",
        {
            **_profile_form(user),
            "photo": SimpleUploadedFile(
                "face.jpg", b"not an image", content_type="image/jpeg"
            ),
        },
    )
    # then
    assert response.status_code == 200
    assert "Неподдерживаемый тип файла." in response.content.decode()
    user.refresh_from_db()
    assert user.profile_photo_url is None
    assert not StoredFile.objects.exists()
    assert not AuditEntry.objects.exists()


def test_iiko_sync_action_runs_the_on_demand_sync(
    admin_browser, user: Client, settings
):
    # given: iiko is not configured here, so the sync answers with its error
    settings.IIKO_API_LOGIN = ""
    # when
    response = admin_browser.post(
        "/admin/accounts/client/",
        {"action": "clients_iiko_sync", "_selected_action": [str(user.pk)]},
        follow=True,
    )
    # then
    assert response.status_code == 200
    assert (
        f"{user.phone}: iiko integration is not configured" in response.content.decode()
    )
    assert not IikoJob.objects.exists()


def test_iiko_sync_action_links_the_client_and_reconciles(
    admin_browser, user: Client, settings, httpserver
):
    from tests.iiko.conftest import CARD_ADD, INFO, _configure, customer_json

    # given: iiko knows this phone with a wallet of 12,000
    _configure(settings, httpserver.url_for("/").rstrip("/"))
    httpserver.expect_request("/api/1/access_token").respond_with_json(
        {"token": "t", "expiresIn": 3600}
    )
    httpserver.expect_request(INFO).respond_with_json(customer_json())
    httpserver.expect_request(CARD_ADD).respond_with_json({"id": "card-1"})
    # when
    response = admin_browser.post(
        "/admin/accounts/client/",
        {"action": "clients_iiko_sync", "_selected_action": [str(user.pk)]},
        follow=True,
    )
    # then: linked, and the balance reconciled by a ledger entry
    assert f"{user.phone}: iiko OK" in response.content.decode()
    user.refresh_from_db()
    assert (user.iiko_customer_id, user.iiko_wallet_id) == ("cust-1", "w-main")
    entry = LedgerEntry.objects.get(client=user)
    assert (entry.kind, entry.amount) == (EntryKind.RECONCILIATION, 12000)


def test_iiko_sync_queue_action_queues_active_clients_only(admin_browser, user: Client):
    # given: one active and one deactivated client selected
    blocked = make_client(phone="+998901110022", is_active=False)
    # when
    response = admin_browser.post(
        "/admin/accounts/client/",
        {
            "action": "clients_iiko_sync_queue",
            "_selected_action": [str(user.pk), str(blocked.pk)],
        },
        follow=True,
    )
    # then
    assert "iiko sync queued: 1" in response.content.decode().lower()
    job = IikoJob.objects.get()
    assert (job.client_id, job.operation, job.status) == (
        user.pk,
        "sync_user",
        "pending",
    )
    assert AuditEntry.objects.get().changes == {"after": {"queued": 1}}
