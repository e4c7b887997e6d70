"""A broadcast's inbox copies, written by the database (`domain-rules.md` §10.3).

Reading every recipient into Python and sending the rows back as `bulk_create`
batches made the fan-out cost a round trip of every row twice; here each batch
is one `INSERT INTO <inbox> (...) SELECT ... FROM <clients>` that the database
runs on its own, so the cost no longer grows with Python work per client.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db import connections, router
from django.db.models import (
    Case,
    CharField,
    Expression,
    F,
    Max,
    Min,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from accounts.models import Client
from notifications.models import Broadcast, DeviceRegistration, Notification
from notifications.services.inbox import LANGUAGES

# Clients per INSERT ... SELECT: each statement is its own short transaction,
# so no lock or transaction spans the whole fan-out.
BROADCAST_FAN_OUT_BATCH_SIZE = 5000
DEFAULT_LANGUAGE = "ru"
_ALIAS_PREFIX = "copy_"  # keeps the SELECT's aliases clear of the client's fields


def client_preferred_language() -> Expression:
    """The outer client's inbox language, as a SQL expression on `Client`.

    The `language` of its latest device registration by (-updated_at, -id),
    `ru` when that language is not one of `LANGUAGES` or it has no device: the
    rule of `client_language` and of the personal sends, in one subquery per
    client (the check sits inside it, so the subquery runs once per row).
    """
    latest = (
        DeviceRegistration.objects.filter(client_id=OuterRef("pk"))
        .order_by("-updated_at", "-id")
        .annotate(
            allowed_language=Case(
                When(language__in=LANGUAGES, then=F("language")),
                default=Value(DEFAULT_LANGUAGE),
                output_field=CharField(),
            )
        )
        .values("allowed_language")[:1]
    )
    return Coalesce(
        Subquery(latest, output_field=CharField()),
        Value(DEFAULT_LANGUAGE),
        output_field=CharField(),
    )


def broadcast_copies_insert_sql(
    *, broadcast: Broadcast, clients: QuerySet[Client], using: str
) -> tuple[str, list[Any]]:
    """Build `INSERT INTO <inbox> (<columns>) SELECT ... FROM <clients>` and its params.

    One inbox row per client of `clients`, with the values `bulk_create` would
    have written for `Notification(client=..., broadcast=broadcast, ...)`: the
    columns come from `Notification._meta`, and every value but the client and
    its language comes from an unsaved template row, so model defaults and
    `auto_now_add` (`created_at`, now) apply as they do on a save. The SELECT
    is built by the ORM (so it is valid on SQLite and PostgreSQL alike) and
    only wrapped in the INSERT here, because the ORM has no INSERT ... SELECT.
    """
    template = Notification(
        broadcast=broadcast,
        title=broadcast.title,
        description=broadcast.description,
        notification_type=broadcast.notification_type,
        payload={},
    )
    per_client = {"client": F("pk"), "language": client_preferred_language()}
    fields = [f for f in Notification._meta.concrete_fields if not f.primary_key]
    selected = {
        f"{_ALIAS_PREFIX}{field.attname}": per_client[field.name]
        if field.name in per_client
        else Value(field.pre_save(template, add=True), output_field=field)
        for field in fields
    }
    select = clients.order_by("pk").annotate(**selected).values(*selected)
    compiler = select.query.get_compiler(using=using)
    select_sql, params = compiler.as_sql()
    # Map by alias, not by position: the INSERT's columns follow the SELECT's.
    column_of = {f"{_ALIAS_PREFIX}{field.attname}": field.column for field in fields}
    columns = [column_of[alias] for _, _, alias in compiler.select]
    if len(columns) != len(fields):
        raise AssertionError(f"unexpected SELECT columns: {columns}")
    quote = connections[using].ops.quote_name
    insert = "INSERT INTO {} ({}) {}".format(
        quote(Notification._meta.db_table),
        ", ".join(quote(column) for column in columns),
        select_sql,
    )
    return insert, list(params)


def _client_pk_ranges(
    clients: QuerySet[Client], batch_size: int
) -> Iterator[tuple[int, int]]:
    """Half-open `[start, stop)` pk ranges of at most `batch_size` ids each.

    The bounds are read once, so a client registering during the fan-out (a pk
    above today's highest) gets no copy. Sparse ids only cost empty ranges.
    """
    bounds = clients.order_by().aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return
    for start in range(bounds["low"], bounds["high"] + 1, batch_size):
        yield start, min(start + batch_size, bounds["high"] + 1)


def broadcast_copies_create(
    *,
    broadcast: Broadcast,
    clients: QuerySet[Client],
    batch_size: int = BROADCAST_FAN_OUT_BATCH_SIZE,
) -> int:
    """Copy `broadcast` into the inbox of each of `clients`; return rows written.

    One INSERT ... SELECT per range of `batch_size` client ids, each its own
    transaction in autocommit (a single statement needs no `atomic`), so no
    lock or transaction spans the fan-out. The statement count depends on the
    id span, never on the number of clients. Rings nothing.
    """
    using = router.db_for_write(Notification)
    created = 0
    with connections[using].cursor() as cursor:
        for start, stop in _client_pk_ranges(clients, batch_size):
            sql, params = broadcast_copies_insert_sql(
                broadcast=broadcast,
                clients=clients.filter(pk__gte=start, pk__lt=stop),
                using=using,
            )
            cursor.execute(sql, params)
            created += cursor.rowcount
    return created
