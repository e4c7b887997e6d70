"""Delivery marks and replay selection (domain-rules §10.2), exhaustively."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from notifications.models import Notification
from notifications.services import (
    inbox_notifications_bulk_create,
    notifications_mark_sent,
    replay_claim,
)
from tests.conftest import ON_POSTGRES
from tests.notifications.factories import make_client

pytestmark = pytest.mark.django_db


def _rows(client, count, *, start=None):
    start = start or timezone.now() - dt.timedelta(hours=1)
    rows = []
    for index in range(count):
        row = Notification.objects.create(
            client=client, title=f"n{index}", description="d"
        )
        Notification.objects.filter(pk=row.pk).update(
            created_at=start + dt.timedelta(seconds=index)
        )
        rows.append(row.pk)
    return rows  # oldest first


def test_mark_sent_is_conditional_and_keeps_the_first_time():
    client = make_client()
    (pk,) = _rows(client, 1)
    assert notifications_mark_sent(client_id=client.pk, notification_ids=[pk]) == 1
    first = Notification.objects.get(pk=pk).sent_at
    assert notifications_mark_sent(client_id=client.pk, notification_ids=[pk]) == 0
    assert Notification.objects.get(pk=pk).sent_at == first


def test_mark_sent_never_touches_another_clients_row():
    owner, other = make_client(), make_client()
    (pk,) = _rows(owner, 1)
    assert notifications_mark_sent(client_id=other.pk, notification_ids=[pk]) == 0
    assert Notification.objects.get(pk=pk).is_sent is False


def test_replay_returns_the_most_recent_oldest_first_and_delivers_the_rest():
    client = make_client()
    ids = _rows(client, 5)
    other = _rows(make_client(), 2)
    rows = replay_claim(client_id=client.pk, limit=3)
    assert [row.pk for row in rows] == ids[2:]
    sent = set(Notification.objects.filter(is_sent=True).values_list("pk", flat=True))
    assert sent == set(ids[:2])  # the returned ones are marked by the caller
    assert not Notification.objects.filter(pk__in=other, is_sent=True).exists()


def test_replay_ties_on_created_at_are_broken_by_id():
    client = make_client()
    now = timezone.now()
    ids = [
        Notification.objects.create(client=client, title="n", description="d").pk
        for _ in range(3)
    ]
    Notification.objects.filter(pk__in=ids).update(created_at=now)
    rows = replay_claim(client_id=client.pk, limit=2)
    assert [row.pk for row in rows] == ids[1:]
    assert Notification.objects.get(pk=ids[0]).is_sent is True


def test_replay_with_limit_zero_sends_nothing_and_delivers_all():
    client = make_client()
    ids = _rows(client, 2)
    assert replay_claim(client_id=client.pk, limit=0) == []
    assert Notification.objects.filter(pk__in=ids, is_sent=True).count() == 2


def test_bulk_create_rings_each_batch_after_its_commit(
    monkeypatch, django_capture_on_commit_callbacks
):
    rings = []
    monkeypatch.setattr(
        "notifications.services.inbox.inbox_ring_many",
        lambda pairs: rings.append(list(pairs)),
    )
    clients = [make_client() for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        created = inbox_notifications_bulk_create(
            recipients=[(c.pk, "xx") for c in clients],
            title="t",
            description="d",
            notification_type="promo",
            batch_size=2,
        )
    assert created == 3
    assert [len(batch) for batch in rings] == [2, 1]
    assert set(Notification.objects.values_list("language", flat=True)) == {"ru"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_sockets_mark_a_row_sent_exactly_once():
    # given one undelivered row and 8 sockets marking it at once
    client = make_client()
    (pk,) = _rows(client, 1)
    barrier = threading.Barrier(8)
    changed = []

    def mark():
        try:
            barrier.wait()
            with transaction.atomic():
                changed.append(
                    notifications_mark_sent(client_id=client.pk, notification_ids=[pk])
                )
        finally:
            connection.close()

    threads = [threading.Thread(target=mark) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then exactly one UPDATE changed it
    assert ON_POSTGRES
    assert sorted(changed) == [0] * 7 + [1]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_registrations_of_one_new_token_keep_one_row_and_never_fail():
    from notifications.models import DeviceRegistration
    from notifications.services import device_register

    clients = [make_client() for _ in range(6)]
    barrier = threading.Barrier(len(clients))
    errors = []

    def register(client):
        try:
            barrier.wait()
            device_register(
                client=client,
                device_type="ios",
                device_token="same-token",
                language="uz",
                uses_websocket=True,
            )
        except Exception as exc:  # the assertion below shows it
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    device = DeviceRegistration.objects.get()
    assert device.device_token == "same-token"
    assert device.client_id in {c.pk for c in clients}
