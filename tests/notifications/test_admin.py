"""Django admin: compose and send through the services; inbox rows read-only."""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient

from accounts.models import AuditEntry
from notifications.models import Broadcast, Notification
from notifications.services import broadcast_create
from tests.notifications.factories import make_client

pytestmark = pytest.mark.django_db

COMPOSE = "/admin/notifications/notification/compose/"


@pytest.fixture
def admin_http(manager):
    http = HttpClient()
    http.force_login(manager)
    return http


def test_compose_page_renders(admin_http):
    response = admin_http.get(COMPOSE)
    assert response.status_code == 200
    assert b"Compose a notification" in response.content


def test_compose_to_selected_clients_by_id_and_phone(admin_http, manager):
    # given
    by_id, by_phone = make_client(), make_client()
    inactive = make_client(is_active=False)
    bystander = make_client()
    # when
    response = admin_http.post(
        COMPOSE,
        {
            "title": "Hi",
            "description": "Text",
            "recipients": f"{by_id.pk}, {by_phone.phone}\n{inactive.pk}",
            "notification_type": "promo",
            "payload": '{"a": 1}',
            "language": "uz",
        },
    )
    # then
    assert response.status_code == 302
    rows = Notification.objects.order_by("client_id")
    assert [r.client_id for r in rows] == sorted([by_id.pk, by_phone.pk])
    assert {(r.notification_type, r.language) for r in rows} == {("promo", "uz")}
    assert rows[0].payload == {"a": 1}
    assert not Notification.objects.filter(client=bystander).exists()
    assert AuditEntry.objects.get(action="notification_send").staff_id == manager.pk


def test_compose_to_everyone_is_a_broadcast(admin_http):
    clients = [make_client() for _ in range(3)]
    response = admin_http.post(
        COMPOSE, {"title": "All", "description": "d", "everyone": "on", "payload": "{}"}
    )
    assert response.status_code == 302
    broadcast = Broadcast.objects.get()
    assert broadcast.recipients_count == 3
    assert set(
        Notification.objects.filter(broadcast=broadcast).values_list(
            "client_id", flat=True
        )
    ) == {c.pk for c in clients}


@pytest.mark.parametrize(
    ("_case", "data"),
    [
        ("no recipients", {"title": "t", "description": "d", "payload": "{}"}),
        (
            "unknown phone",
            {
                "title": "t",
                "description": "d",
                "recipients": "+998000",
                "payload": "{}",
            },
        ),
        (
            "payload not an object",
            {"title": "t", "description": "d", "recipients": "1", "payload": "[1]"},
        ),
    ],
)
def test_compose_rejects_bad_input(admin_http, _case, data):
    make_client()
    response = admin_http.post(COMPOSE, data)
    assert response.status_code == 200  # the form again, with its errors
    assert not Notification.objects.exists()
    assert not Broadcast.objects.exists()


def test_inbox_rows_are_read_only_and_filterable(admin_http):
    client = make_client()
    row = Notification.objects.create(client=client, title="t", description="d")
    listing = admin_http.get(
        "/admin/notifications/notification/?is_read__exact=0&is_sent__exact=0"
    )
    assert listing.status_code == 200
    assert b"Compose and send" in listing.content
    change = admin_http.post(
        f"/admin/notifications/notification/{row.pk}/change/", {"title": "x"}
    )
    assert change.status_code == 403
    assert admin_http.get("/admin/notifications/notification/add/").status_code == 403
    row.refresh_from_db()
    assert row.title == "t"


def test_broadcast_edit_and_delete_go_through_the_services(admin_http, manager):
    client = make_client()
    broadcast = broadcast_create(staff=manager, title="t", description="d")
    url = f"/admin/notifications/broadcast/{broadcast.pk}/change/"
    response = admin_http.post(url, {"title": "new", "description": "d"})
    assert response.status_code == 302
    assert Notification.objects.get(client=client).title == "new"
    assert AuditEntry.objects.filter(action="notification_broadcast_update").exists()
    delete = admin_http.post(
        f"/admin/notifications/broadcast/{broadcast.pk}/delete/", {"post": "yes"}
    )
    assert delete.status_code == 302
    assert not Notification.objects.exists()
    assert not Broadcast.objects.exists()


def test_waiters_cannot_use_the_admin(waiter):
    http = HttpClient()
    http.force_login(waiter)
    response = http.get(COMPOSE)
    assert response.status_code == 302  # to the admin login
    assert "/admin/login/" in response["Location"]


def test_demo_seed_is_idempotent():
    import io

    from notifications import demo

    clients = [make_client() for _ in range(2)]
    for _ in range(2):
        demo.seed(io.StringIO())
    assert Broadcast.objects.count() == 1
    for client in clients:
        titles = sorted(
            Notification.objects.filter(client=client).values_list("title", flat=True)
        )
        assert titles == sorted(
            [demo.BROADCAST_TITLE, *(title for title, _, _ in demo.PERSONAL)]
        )
