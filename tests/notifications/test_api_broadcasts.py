"""Manager broadcasts and personal sends (staff-api §12) through the API."""

from __future__ import annotations

import pytest

from accounts.models import AuditEntry
from notifications.models import Broadcast, DeviceRegistration, Notification
from notifications.services import broadcast_create
from tests.notifications.factories import make_client

pytestmark = pytest.mark.django_db

LIST = "/api/v1/notifications"
SEND = "/api/v1/notifications/send"


def _rings(monkeypatch):
    """Record the doorbell calls the services make after commit."""
    calls = []
    monkeypatch.setattr(
        "notifications.services.inbox.inbox_ring_many",
        lambda pairs: calls.append(("many", list(pairs))),
    )
    monkeypatch.setattr(
        "notifications.services.broadcasts.broadcast_ring",
        lambda broadcast_id: calls.append(("broadcast", broadcast_id)),
    )
    return calls


def test_create_fans_out_to_active_clients_in_their_language(
    manager_client, manager, monkeypatch, django_capture_on_commit_callbacks
):
    # given
    uz = make_client()
    DeviceRegistration.objects.create(client=uz, device_type="ios", language="uz")
    ru = make_client()
    make_client(is_active=False)
    make_client(is_deleted=True)
    rings = _rings(monkeypatch)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(LIST, {"title": "Aksiya", "description": "-20%"})
    # then
    assert response.status_code == 200
    broadcast = Broadcast.objects.get()
    body = response.json()
    assert body == {
        "id": broadcast.pk,
        "title": "Aksiya",
        "description": "-20%",
        "created_at": body["created_at"],
        "recipients_count": 2,
    }
    assert body["created_at"].endswith("+05:00")
    copies = {n.client_id: n for n in Notification.objects.filter(broadcast=broadcast)}
    assert set(copies) == {uz.pk, ru.pk}
    assert (copies[uz.pk].language, copies[ru.pk].language) == ("uz", "ru")
    assert {c.notification_type for c in copies.values()} == {"broadcast"}
    assert rings == [("broadcast", broadcast.pk)]
    entry = AuditEntry.objects.get(action="notification_broadcast_create")
    assert (entry.staff_id, entry.entity_id) == (manager.pk, str(broadcast.pk))


def test_fan_out_writes_in_batches(manager, monkeypatch):
    clients = [make_client() for _ in range(5)]
    broadcast = broadcast_create(
        staff=manager, title="t", description="d", batch_size=2
    )
    assert broadcast.recipients_count == 5
    assert Notification.objects.filter(broadcast=broadcast).count() == 5
    assert set(Notification.objects.values_list("client_id", flat=True)) == {
        c.pk for c in clients
    }


def test_clients_registered_later_do_not_get_earlier_broadcasts(manager_client):
    make_client()
    manager_client.post(LIST, {"title": "t", "description": "d"})
    late = make_client()
    assert not Notification.objects.filter(client=late).exists()


@pytest.mark.parametrize(
    ("_case", "body", "field"),
    [
        ("no title", {"description": "d"}, "title"),
        ("no description", {"title": "t"}, "description"),
        ("long title", {"title": "x" * 256, "description": "d"}, "title"),
    ],
)
def test_create_validates(manager_client, _case, body, field):
    make_client()
    response = manager_client.post(LIST, body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", field]
    assert not Broadcast.objects.exists()
    assert not Notification.objects.exists()


def test_list_is_envelope_p_newest_first(manager_client, manager):
    first = broadcast_create(staff=manager, title="a", description="d")
    second = broadcast_create(staff=manager, title="b", description="d")
    body = manager_client.get(LIST + "?page=1&page_size=1").json()
    assert body["pagination"] == {"page": 1, "size": 1, "total": 2}
    assert [item["id"] for item in body["items"]] == [second.pk]
    assert manager_client.get(LIST + "?page=2&size=1").json()["items"][0]["id"] == (
        first.pk
    )


def test_list_query_count_is_constant(
    manager_client, manager, django_assert_num_queries
):
    for count in (1, 10):
        while Broadcast.objects.count() < count:
            broadcast_create(staff=manager, title="t", description="d")
        # auth (staff row), the count, the page
        with django_assert_num_queries(3):
            assert manager_client.get(LIST).status_code == 200


def test_get_one_and_404(manager_client, manager):
    broadcast = broadcast_create(staff=manager, title="t", description="d")
    response = manager_client.get(f"{LIST}/{broadcast.pk}")
    assert response.status_code == 200
    assert response.json()["id"] == broadcast.pk
    missing = manager_client.get(f"{LIST}/{broadcast.pk + 1}")
    assert missing.status_code == 404
    assert missing.json()["code"] == "notification_not_found"


@pytest.mark.parametrize("method", ["put", "patch"])
def test_edit_updates_the_copies_without_pushing(
    manager_client, manager, monkeypatch, method, django_capture_on_commit_callbacks
):
    # given a broadcast with a read copy
    client = make_client()
    broadcast = broadcast_create(staff=manager, title="t", description="d")
    Notification.objects.filter(client=client).update(is_read=True)
    rings = _rings(monkeypatch)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = getattr(manager_client, method)(
            f"{LIST}/{broadcast.pk}", {"title": "new"}
        )
    # then
    assert response.status_code == 200
    assert response.json()["title"] == "new"
    assert response.json()["description"] == "d"
    copy = Notification.objects.get(client=client)
    assert (copy.title, copy.description, copy.is_read) == ("new", "d", True)
    assert rings == []
    entry = AuditEntry.objects.get(action="notification_broadcast_update")
    assert entry.changes == {
        "before": {"title": "t", "description": "d"},
        "after": {"title": "new", "description": "d"},
    }


def test_edit_without_fields_is_400(manager_client, manager):
    broadcast = broadcast_create(staff=manager, title="t", description="d")
    response = manager_client.patch(f"{LIST}/{broadcast.pk}", {})
    assert response.status_code == 400
    assert response.json()["code"] == "no_fields_provided"
    assert not AuditEntry.objects.filter(
        action="notification_broadcast_update"
    ).exists()


def test_delete_removes_the_copies(manager_client, manager):
    client = make_client()
    broadcast = broadcast_create(staff=manager, title="t", description="d")
    personal = Notification.objects.create(client=client, title="p", description="d")
    response = manager_client.delete(f"{LIST}/{broadcast.pk}")
    assert response.status_code == 204
    assert not Broadcast.objects.exists()
    assert list(Notification.objects.values_list("pk", flat=True)) == [personal.pk]
    assert AuditEntry.objects.filter(action="notification_broadcast_delete").exists()
    assert manager_client.delete(f"{LIST}/{broadcast.pk}").status_code == 404


def test_send_creates_personal_rows_and_lists_skipped(
    manager_client, manager, monkeypatch, django_capture_on_commit_callbacks
):
    # given
    ok = make_client()
    DeviceRegistration.objects.create(client=ok, device_type="ios", language="uz")
    inactive = make_client(is_active=False)
    deleted = make_client(is_deleted=True)
    rings = _rings(monkeypatch)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            SEND,
            {
                "userIds": [ok.pk, ok.pk, 999999, inactive.pk, deleted.pk],
                "title": "Hi",
                "description": "Text",
                "notificationType": "promo",
                "payload": {"a": 1},
            },
        )
    # then
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "created": 1,
        "skipped": [999999, inactive.pk, deleted.pk],
    }
    row = Notification.objects.get()
    assert (row.client_id, row.title, row.description) == (ok.pk, "Hi", "Text")
    assert (row.notification_type, row.payload, row.language) == (
        "promo",
        {"a": 1},
        "uz",
    )
    assert rings == [("many", [(ok.pk, row.pk)])]
    assert AuditEntry.objects.filter(action="notification_send").exists()


def test_send_accepts_snake_case_and_a_language_override(manager_client):
    client = make_client()
    response = manager_client.post(
        SEND,
        {
            "user_ids": [client.pk],
            "title": "t",
            "description": "d",
            "notification_type": "x",
            "language": "uz",
        },
    )
    assert response.json()["created"] == 1
    row = Notification.objects.get()
    assert (row.notification_type, row.language, row.payload) == ("x", "uz", {})


@pytest.mark.parametrize(
    ("_case", "body", "field"),
    [
        ("no ids", {"title": "t", "description": "d"}, "userIds"),
        ("no title", {"userIds": [1], "description": "d"}, "title"),
        ("bad ids", {"userIds": ["x"], "title": "t", "description": "d"}, "userIds"),
        (
            "bad language",
            {"userIds": [1], "title": "t", "description": "d", "language": "en"},
            "language",
        ),
    ],
)
def test_send_validates(manager_client, _case, body, field):
    response = manager_client.post(SEND, body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][:2] == ["body", field]
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    ("_case", "method", "url"),
    [
        ("list", "get", LIST),
        ("create", "post", LIST),
        ("one", "get", LIST + "/1"),
        ("edit", "patch", LIST + "/1"),
        ("delete", "delete", LIST + "/1"),
        ("send", "post", SEND),
    ],
)
def test_manager_routes_role_matrix(
    api_client, auth_client, waiter_client, _case, method, url
):
    make_client()
    anonymous = getattr(api_client, method)(url)
    assert anonymous.status_code == 401
    client = getattr(auth_client, method)(url)
    assert (client.status_code, client.json()["code"]) == (403, "permission_denied")
    waiter = getattr(waiter_client, method)(url)
    assert (waiter.status_code, waiter.json()["code"]) == (403, "managers_only")
    assert not Broadcast.objects.exists()
    assert not Notification.objects.exists()


def test_openapi_schema_shows_the_notification_routes():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = schema["paths"]
    for path in (
        "/api/v1/notifications",
        "/api/v1/notifications/{broadcast_id}",
        "/api/v1/notifications/send",
        "/api/v1/notifications/clients",
        "/api/v1/notifications/clients/{notification_id}/read",
        "/api/v1/notifications/register-token",
    ):
        assert path in paths
    assert "requestBody" in paths["/api/v1/notifications/send"]["post"]
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }


@pytest.mark.parametrize(
    ("_case", "change", "code"),
    [
        ("deactivated", {"is_active": False}, "account_inactive"),
        ("deleted", {"deleted_at": "2026-01-01T00:00:00+05:00"}, "staff_not_found"),
    ],
)
def test_deactivated_or_deleted_manager_is_401(
    manager_client, manager, _case, change, code
):
    from accounts.models import Staff

    make_client()
    Staff.objects.filter(pk=manager.pk).update(**change)
    response = manager_client.post(LIST, {"title": "t", "description": "d"})
    assert response.status_code == 401
    assert response.json()["code"] == code
    assert not Broadcast.objects.exists()
    assert not Notification.objects.exists()
