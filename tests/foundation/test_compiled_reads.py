"""Precompiled hot reads (`sardoba.compiled_reads`) return what the ORM returns.

The token check, `/auth/me`'s cards and ledger, M8's ledger and M9's inbox run
SQL compiled once per connection. Each is compared here, field by field and
relation by relation, with the plain queryset it replaces, on both backends.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import Client
from accounts.selectors import client_profile_complete
from accounts.tokens import actor_load
from cashback.models import Card, Wallet
from cashback.selectors import (
    card_list_for_client,
    cards_for_client,
    ledger_entries_for_client,
    ledger_list_for_client,
)
from cashback.services import card_create
from notifications.models import Notification
from notifications.selectors import inbox_list_for_client
from sardoba.compiled_reads import CompiledRead, concrete_attnames
from tests.cashback.factories import credit, make_client


def _fields(instance) -> dict:
    return {name: getattr(instance, name) for name in concrete_attnames(type(instance))}


def _no_queries():
    return CaptureQueriesContext(connection)


@pytest.mark.django_db
def test_rows_equal_the_querysets_rows_for_any_argument():
    clients = [make_client(), make_client(name=None), make_client(email="a@b.uz")]
    read = CompiledRead(
        lambda pk: Client.objects.filter(pk=pk).values_list(*concrete_attnames(Client))
    )
    for client in clients:
        expected = list(
            Client.objects.filter(pk=client.pk).values_list(*concrete_attnames(Client))
        )
        assert read.rows(client.pk) == expected
        assert isinstance(read.rows(client.pk)[0][1], dt.datetime)  # converted
    assert read.rows(max(c.pk for c in clients) + 1000) == []


@pytest.mark.django_db
def test_the_queryset_is_built_once_per_connection():
    client = make_client()
    builds = []

    def build(pk):
        builds.append(pk)
        return Client.objects.filter(pk=pk).values_list("pk")

    read = CompiledRead(build)
    assert [read.rows(client.pk) for _ in range(3)] == [[(client.pk,)]] * 3
    assert len(builds) == 1


@pytest.mark.django_db
def test_an_id_beyond_64_bits_matches_nothing_instead_of_failing():
    make_client()
    read = CompiledRead(lambda pk: Client.objects.filter(pk=pk).values_list("pk"))
    assert read.rows(2**70) == []
    assert read.rows(-(2**70)) == []


@pytest.mark.django_db
def test_a_build_that_does_not_pass_its_argument_is_refused():
    read = CompiledRead(lambda pk: Client.objects.filter(pk=1).values_list("pk"))
    with pytest.raises(ValueError, match="at least once"):
        read.rows(1)


@pytest.mark.django_db
def test_an_argument_used_twice_gets_the_real_value_in_both_places():
    one, two = make_client(), make_client()
    both = CompiledRead(
        lambda pk: Client.objects.filter(pk=pk)
        .exclude(pk__in=Client.objects.exclude(pk=pk).values("pk"))
        .values_list("pk")
    )
    # With only one place filled in, the other would hold the sentinel and
    # the exclusion would drop every row.
    assert both.rows(one.pk) == [(one.pk,)]
    assert both.rows(two.pk) == [(two.pk,)]


@pytest.mark.django_db
def test_the_token_checks_client_and_wallet_equal_a_joined_load(manager):
    rich = make_client(email="x@y.uz", date_of_birth=dt.date(1990, 1, 2))
    credit(rich, 12000, staff=manager)
    bare = make_client()  # no wallet
    assert not Wallet.objects.filter(client=bare).exists()

    loaded = actor_load(actor_type="CLIENT", subject=str(rich.pk))
    reference = Client.objects.select_related("wallet").get(pk=rich.pk)
    with _no_queries() as ctx:
        assert _fields(loaded) == _fields(reference)
        assert _fields(loaded.wallet) == _fields(reference.wallet)
        assert loaded.wallet.client is loaded
    assert ctx.captured_queries == []
    assert loaded._state.adding is False
    assert loaded._state.db == "default"

    lone = actor_load(actor_type="CLIENT", subject=str(bare.pk))
    with _no_queries() as ctx, pytest.raises(Client.wallet.RelatedObjectDoesNotExist):
        lone.wallet  # noqa: B018 (cached as missing, as select_related leaves it)
    assert ctx.captured_queries == []


@pytest.mark.django_db
def test_the_token_checks_staff_equals_the_orm(manager):
    loaded = actor_load(actor_type="STAFF", subject=str(manager.pk))
    assert _fields(loaded) == _fields(type(manager).objects.get(pk=manager.pk))


@pytest.mark.django_db
@pytest.mark.parametrize("limit", [0, 10, 3])
def test_ledger_entries_equal_the_joined_queryset(manager, limit):
    client = make_client()
    for amount in range(1000, 13000, 1000):  # 12 entries, some by staff
        credit(client, amount, staff=manager if amount % 2000 else None)
    other = make_client()
    credit(other, 500)

    got = ledger_entries_for_client(client_id=client.pk, limit=limit)
    expected = list(ledger_list_for_client(client_id=client.pk))
    expected = expected[:limit] if limit else expected
    assert [_fields(e) for e in got] == [_fields(e) for e in expected]
    with _no_queries() as ctx:
        staffs = [(e.staff and _fields(e.staff)) for e in got]
    assert ctx.captured_queries == []
    assert staffs == [(e.staff and _fields(e.staff)) for e in expected]
    assert {s is None for s in staffs} == {True, False}


@pytest.mark.django_db
def test_cards_equal_the_queryset_and_are_prefetched_for_the_profile():
    client = make_client()
    for _ in range(3):
        card_create(client=client)
    card_create(client=make_client())
    assert [_fields(c) for c in cards_for_client(client_id=client.pk)] == [
        _fields(c) for c in card_list_for_client(client_id=client.pk)
    ]
    loaded = actor_load(actor_type="CLIENT", subject=str(client.pk))
    client_profile_complete(client=loaded)
    with _no_queries() as ctx:
        cards = list(loaded.cards.all())
        assert all(card.client is loaded for card in cards)
    assert ctx.captured_queries == []
    assert [c.pk for c in cards] == list(
        Card.objects.filter(client=client)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)
    )


@pytest.mark.django_db
@pytest.mark.parametrize("limit", [1, 50, 7])
def test_inbox_page_equals_the_queryset(limit):
    client = make_client()
    for i in range(60):
        Notification.objects.create(
            client=client, title=f"t{i}", description="d", is_read=i % 3 == 0
        )
    Notification.objects.create(client=make_client(), title="x", description="d")
    page = inbox_list_for_client(client=client, limit=limit)
    expected = Notification.objects.filter(client=client).order_by(
        "-created_at", "-id"
    )[:limit]
    assert [_fields(n) for n in page.items] == [_fields(n) for n in expected]
    assert page.unread_count == 40
    assert inbox_list_for_client(client=make_client(), limit=limit).unread_count == 0
    all_read = make_client()
    Notification.objects.create(
        client=all_read, title="r", description="d", is_read=True
    )
    read_page = inbox_list_for_client(client=all_read, limit=limit)
    assert (len(read_page.items), read_page.unread_count) == (1, 0)


@pytest.mark.postgres
@pytest.mark.django_db
def test_on_postgresql_a_compiled_read_runs_as_a_prepared_statement():
    client = make_client()
    read = CompiledRead(
        lambda pk: Client.objects.filter(pk=pk).values_list("pk", "surname")
    )
    with CaptureQueriesContext(connection) as ctx:
        assert read.rows(client.pk) == [(client.pk, client.surname)]
        assert read.rows(client.pk) == [(client.pk, client.surname)]
    assert len(ctx.captured_queries) == 2  # still seen by query counting
    assert f'"accounts_client"."id" = {client.pk}' in ctx.captured_queries[1]["sql"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert [s for s in prepared if '"accounts_client"."surname"' in s]


def _device_rows() -> list[tuple]:
    from notifications.models import DeviceRegistration

    return list(
        DeviceRegistration.objects.order_by("pk").values_list(
            "pk", "client_id", "device_type", "device_token", "language", "updated_at"
        )
    )


@pytest.mark.django_db
def test_a_compiled_update_does_what_the_querysets_update_does():
    from notifications.models import DeviceRegistration
    from sardoba.compiled_reads import DATETIME, INT, TEXT, CompiledUpdate

    owner, other = make_client(), make_client()
    for client in (owner, other):
        for kind, token in (("android", f"t-{client.pk}"), ("ios", None)):
            DeviceRegistration.objects.create(
                client=client, device_type=kind, device_token=token, language="uz"
            )

    def build(token, client_id, language, now):
        changes = {"client_id": client_id, "language": language, "updated_at": now}
        return DeviceRegistration.objects.filter(device_token=token), changes

    touch = CompiledUpdate(build, arguments=(TEXT, INT, TEXT, DATETIME))
    when = dt.datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=dt.UTC)
    with transaction.atomic():  # the ORM's update, then undone
        updated = DeviceRegistration.objects.filter(
            device_token=f"t-{other.pk}"
        ).update(client_id=owner.pk, language="ru", updated_at=when)
        expected = _device_rows()
        transaction.set_rollback(True)
    assert expected != _device_rows()
    assert touch.execute(f"t-{other.pk}", owner.pk, "ru", when) == updated == 1
    assert _device_rows() == expected
    assert touch.execute("no-such-token", owner.pk, "ru", when) == 0
    with pytest.raises(TypeError, match="None"):  # Django would write IS NULL
        touch.execute(None, owner.pk, "ru", when)
    with pytest.raises(ValueError, match="64 bits"):  # it would be stored
        touch.execute(f"t-{owner.pk}", 2**70, "ru", when)
    assert _device_rows() == expected


@pytest.mark.django_db
def test_a_compiled_update_refuses_a_build_that_drops_an_argument():
    from notifications.models import DeviceRegistration
    from sardoba.compiled_reads import DATETIME, TEXT, CompiledUpdate

    def build(token, now):
        rows = DeviceRegistration.objects.filter(device_token=token)
        return rows, {"language": "ru"}  # `now` never used

    with pytest.raises(ValueError, match="at least once"):
        CompiledUpdate(build, arguments=(TEXT, DATETIME)).execute(
            "t", dt.datetime.now(dt.UTC)
        )


@pytest.mark.postgres
@pytest.mark.django_db
def test_on_postgresql_a_compiled_update_runs_as_a_prepared_statement():
    from notifications.models import DeviceRegistration
    from sardoba.compiled_reads import TEXT, CompiledUpdate

    DeviceRegistration.objects.create(
        client=make_client(), device_type="android", device_token="prep", language="uz"
    )
    touch = CompiledUpdate(
        lambda token, language: (
            DeviceRegistration.objects.filter(device_token=token),
            {"language": language},
        ),
        arguments=(TEXT, TEXT),
    )
    assert touch.execute("prep", "ru") == 1
    assert DeviceRegistration.objects.get(device_token="prep").language == "ru"
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert [
        s for s in prepared if s.startswith('UPDATE "notifications_deviceregistration"')
    ]
