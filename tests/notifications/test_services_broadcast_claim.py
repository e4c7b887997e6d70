"""Claiming a process's copies of a broadcast in bulk (`broadcast_copies_claim`)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from notifications.models import Broadcast, Notification
from notifications.services import broadcast_copies_claim
from tests.notifications.factories import make_client

pytestmark = pytest.mark.django_db


def _broadcast():
    return Broadcast.objects.create(title="Aksiya", description="-20%")


def _copy(broadcast, client):
    return Notification.objects.create(
        client=client,
        broadcast=broadcast,
        title=broadcast.title,
        description=broadcast.description,
        notification_type="broadcast",
    )


def _sent(pks):
    return dict(Notification.objects.filter(pk__in=pks).values_list("pk", "is_sent"))


def test_claim_returns_each_clients_copy_marked_sent_in_one_select_and_one_update(
    django_assert_num_queries,
):
    # given three asked clients, a client not asked, and another broadcast's copy
    broadcast, other_broadcast = _broadcast(), _broadcast()
    clients = [make_client() for _ in range(3)]
    copies = {client.pk: _copy(broadcast, client).pk for client in clients}
    not_asked = _copy(broadcast, make_client()).pk
    other = _copy(other_broadcast, clients[0]).pk
    # when
    with django_assert_num_queries(2):
        claimed = broadcast_copies_claim(
            broadcast_id=broadcast.pk, client_ids=[c.pk for c in clients]
        )
    # then
    assert {client_id: row.pk for client_id, row in claimed.items()} == copies
    assert _sent([*copies.values(), not_asked, other]) == {
        **dict.fromkeys(copies.values(), True),
        not_asked: False,
        other: False,
    }
    assert not Notification.objects.filter(is_sent=True, sent_at__isnull=True).exists()


def test_claim_keeps_the_sent_at_of_a_copy_another_socket_delivered():
    # given one copy already delivered an hour ago
    broadcast = _broadcast()
    delivered_client, fresh_client = make_client(), make_client()
    delivered = _copy(broadcast, delivered_client)
    fresh = _copy(broadcast, fresh_client)
    earlier = timezone.now() - dt.timedelta(hours=1)
    Notification.objects.filter(pk=delivered.pk).update(is_sent=True, sent_at=earlier)
    # when
    claimed = broadcast_copies_claim(
        broadcast_id=broadcast.pk, client_ids=[delivered_client.pk, fresh_client.pk]
    )
    # then both frames go out, and the first delivery time stands
    assert {row.pk for row in claimed.values()} == {delivered.pk, fresh.pk}
    assert Notification.objects.get(pk=delivered.pk).sent_at == earlier
    fresh.refresh_from_db()
    assert fresh.is_sent is True
    assert fresh.sent_at > earlier


def test_claim_reads_and_marks_in_chunks_of_bounded_size(django_assert_num_queries):
    # given five clients and chunks of two
    broadcast = _broadcast()
    clients = [make_client() for _ in range(5)]
    pks = [_copy(broadcast, client).pk for client in clients]
    # when: a SELECT and an UPDATE per chunk
    with django_assert_num_queries(6) as captured:
        claimed = broadcast_copies_claim(
            broadcast_id=broadcast.pk,
            client_ids=[c.pk for c in reversed(clients)],
            chunk_size=2,
        )
    # then
    assert len(claimed) == 5
    assert _sent(pks) == dict.fromkeys(pks, True)
    selects = [q["sql"] for q in captured.captured_queries if "SELECT" in q["sql"]]
    assert len(selects) == 3


def test_claim_without_undelivered_copies_only_reads(django_assert_num_queries):
    # given a client whose copy is delivered and a client without a copy
    broadcast = _broadcast()
    delivered_client, absent_client = make_client(), make_client()
    delivered = _copy(broadcast, delivered_client)
    Notification.objects.filter(pk=delivered.pk).update(
        is_sent=True, sent_at=timezone.now()
    )
    # when
    with django_assert_num_queries(1):
        claimed = broadcast_copies_claim(
            broadcast_id=broadcast.pk,
            client_ids=[delivered_client.pk, absent_client.pk],
        )
    # then
    assert list(claimed) == [delivered_client.pk]


def test_claim_of_a_client_with_two_copies_takes_the_oldest():
    broadcast = _broadcast()
    client = make_client()
    first, second = _copy(broadcast, client), _copy(broadcast, client)
    claimed = broadcast_copies_claim(broadcast_id=broadcast.pk, client_ids=[client.pk])
    assert claimed[client.pk].pk == first.pk
    assert _sent([first.pk, second.pk]) == {first.pk: True, second.pk: False}


def test_claim_of_no_clients_runs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert broadcast_copies_claim(broadcast_id=1, client_ids=[]) == {}
