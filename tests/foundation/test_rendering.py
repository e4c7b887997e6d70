"""The plain renderers of the hot shapes equal REST framework's rendering.

`CardOut`, `TransactionOut`, `TransactionWithUserOut` and `ClientProfileOut`
delegate `to_representation` to plain functions (sardoba/api/rendering.py);
their declared fields still define the OpenAPI schema. Every object below is
rendered both ways, field by field through REST framework and by the function,
and the two must be the same, keys and order included.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import RequestFactory

from accounts.models import Client
from accounts.serializers import ClientListItemOut, ClientProfileOut, first_last_name
from cashback.selectors import ledger_list_for_client
from cashback.serializers import CardOut, TransactionOut, TransactionWithUserOut
from cashback.services import card_create
from sardoba.api.rendering import declared_representation
from tests.cashback.factories import credit, make_client


def _same(serializer, instance) -> None:
    fast = serializer.to_representation(instance)
    reference = declared_representation(serializer, instance)
    assert list(fast.items()) == list(reference.items())


def _profiled(client: Client) -> Client:
    from accounts.selectors import client_profile_get

    return client_profile_get(client_id=client.pk)


@pytest.mark.django_db
def test_cards_render_as_declared():
    client = make_client()
    for card in (card_create(client=client), card_create(client=client)):
        card.iiko_card_id = None if card.pk % 2 else "iiko-7"
        _same(CardOut(), card)


@pytest.mark.django_db
def test_transactions_render_as_declared(manager):
    client = make_client()
    credit(client, 15000, staff=manager, branch_id=139235, description="Tushlik")
    credit(client, 8000)  # no staff, no branch
    entries = list(ledger_list_for_client(client_id=client.pk).select_related("client"))
    assert {e.staff_id is None for e in entries} == {True, False}
    for entry in entries:
        _same(TransactionOut(), entry)
        _same(TransactionWithUserOut(), entry)


@pytest.mark.django_db
def test_an_entry_time_is_rendered_in_the_project_time_zone():
    client = make_client()
    entry = credit(client, 1000)
    entry.created_at = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    assert TransactionOut().to_representation(entry)["created_at"] == (
        "2026-01-02T08:04:05+05:00"
    )


@pytest.mark.django_db
def test_profiles_render_as_declared(manager):
    request = RequestFactory().get("/api/v1/auth/me", HTTP_HOST="testserver")
    bare = make_client(name=None, surname=None)  # no wallet, no card, no photo
    full = make_client(
        name="Dilnoza",
        middle_name="Azizovna",
        email="d@example.uz",
        gender="female",
        date_of_birth=dt.date(1990, 5, 17),
        profile_photo_url="/api/v1/files/profile-photo/abc.jpg",
        waiter=manager,
    )
    credit(full, 27000)
    card_create(client=full)
    card_create(client=full)
    for client in (_profiled(bare), _profiled(full)):
        _same(ClientProfileOut(context={"request": request}), client)
        listed = ClientListItemOut(context={"request": request})
        reference = declared_representation(listed, client)
        for key in ("email", "gender", "is_deleted"):
            reference.pop(key)
        assert list(listed.to_representation(client).items()) == list(reference.items())
        assert (reference["first_name"], reference["last_name"]) == first_last_name(
            client
        )


@pytest.mark.django_db
def test_inbox_items_render_as_declared(user):
    from notifications.models import Notification
    from notifications.serializers import InboxItemOut

    unsent = Notification.objects.create(
        client=user, title="Keshbek", description="+15 000", notification_type=None
    )
    sent = Notification.objects.create(
        client=user,
        title="Aksiya",
        description="Yangi menyu",
        notification_type="cashback_accrual",
        payload={"amount": "15000"},
        language="uz",
        is_read=True,
        is_sent=True,
        sent_at=dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC),
    )
    for row in (unsent, sent):
        _same(InboxItemOut(), row)


@pytest.mark.parametrize(
    "value",
    [
        dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        dt.datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=dt.UTC),
        dt.datetime(
            2026, 6, 30, 23, 59, 59, tzinfo=dt.timezone(dt.timedelta(hours=-3))
        ),
        dt.datetime(2026, 1, 2, 3, 4, 5),  # naive
        dt.datetime(1, 1, 1, 0, 0, 1, tzinfo=dt.UTC),
    ],
)
@pytest.mark.parametrize("zone", ["Asia/Tashkent", "UTC", "America/New_York"])
def test_datetimes_render_as_rest_framework_renders_them(value, zone):
    from django.utils import timezone
    from rest_framework import serializers

    from sardoba.api.rendering import datetime_render

    with timezone.override(zone):
        try:
            expected = serializers.DateTimeField().to_representation(value)
        except serializers.ValidationError:
            expected = None
        if expected is None:
            with pytest.raises(serializers.ValidationError):
                datetime_render(value)
        else:
            assert datetime_render(value) == expected
