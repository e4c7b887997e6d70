"""CSV exports of the back office, streamed so a large table never sits in memory.

Text cells that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR)
are prefixed with `'` unless they are a plain signed number (a phone); numbers are written as numbers. Times are Asia/Tashkent.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone

from accounts.models import Client, branch_label
from cashback.models import LedgerEntry, Level
from sardoba.admin_labels import label

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+")  # a phone like +998901234567 runs nothing


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if (
        isinstance(value, str)
        and value.startswith(_FORMULA_START)
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def csv_response(
    *, filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(header)  # BOM: Excel reads UTF-8 Cyrillic
        for row in rows:
            yield writer.writerow([_cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M")


CLIENT_HEADER = (
    "id",
    "phone",
    "name",
    "surname",
    "middle_name",
    "date_of_birth",
    "gender",
    "email",
    "waiter_id",
    "waiter_name",
    "level",
    "balance",
    "points",
    "giftget",
    "is_active",
    "created_at",
)


def _client_rows(clients: QuerySet[Client]) -> Iterator[tuple[Any, ...]]:
    for c in clients.select_related("wallet", "waiter").order_by("id").iterator(2000):
        wallet = getattr(c, "wallet", None)
        yield (
            c.pk,
            c.phone,
            c.name,
            c.surname,
            c.middle_name,
            c.date_of_birth,
            c.gender,
            c.email,
            c.waiter_id,
            c.waiter.name if c.waiter else None,
            wallet.level if wallet else Level.SILVER,
            wallet.balance if wallet else 0,
            wallet.points if wallet else 0,
            wallet.giftget if wallet else False,
            c.is_active,
            c.created_at,
        )


LEDGER_HEADER = (
    "id",
    "created_at",
    "client_id",
    "client_phone",
    "kind",
    "source",
    "amount",
    "balance_before",
    "balance_after",
    "points_earned",
    "branch_id",
    "branch",
    "staff_id",
    "description",
)


def _ledger_rows(entries: QuerySet[LedgerEntry]) -> Iterator[tuple[Any, ...]]:
    for e in (
        entries.select_related("client").order_by("created_at", "id").iterator(2000)
    ):
        yield (
            e.pk,
            e.created_at,
            e.client_id,
            e.client.phone,
            e.kind,
            e.source,
            e.amount,
            e.balance_before,
            e.balance_after,
            e.points_earned,
            e.branch_id,
            branch_label(e.branch_id),
            e.staff_id,
            e.description,
        )


def clients_csv(clients: QuerySet[Client]) -> StreamingHttpResponse:
    return csv_response(
        filename=f"clients-{_stamp()}.csv",
        header=CLIENT_HEADER,
        rows=_client_rows(clients),
    )


def ledger_csv(entries: QuerySet[LedgerEntry]) -> StreamingHttpResponse:
    return csv_response(
        filename=f"ledger-{_stamp()}.csv",
        header=LEDGER_HEADER,
        rows=_ledger_rows(entries),
    )


# Admin actions ------------------------------------------------------------------


def clients_export_csv(
    modeladmin: Any, request: HttpRequest, queryset: QuerySet[Client]
) -> StreamingHttpResponse:
    return clients_csv(queryset)


clients_export_csv.short_description = label(  # type: ignore[attr-defined]
    "Export selected clients (CSV)",
    "Выгрузить выбранных клиентов (CSV)",
    "Tanlangan mijozlarni yuklab olish (CSV)",
)


def clients_ledger_export_csv(
    modeladmin: Any, request: HttpRequest, queryset: QuerySet[Client]
) -> StreamingHttpResponse:
    return ledger_csv(LedgerEntry.objects.filter(client__in=queryset))


clients_ledger_export_csv.short_description = label(  # type: ignore[attr-defined]
    "Export the ledger of selected clients (CSV)",
    "Выгрузить операции выбранных клиентов (CSV)",
    "Tanlangan mijozlar operatsiyalarini yuklab olish (CSV)",
)


def ledger_export_csv(
    modeladmin: Any, request: HttpRequest, queryset: QuerySet[LedgerEntry]
) -> StreamingHttpResponse:
    return ledger_csv(queryset)


ledger_export_csv.short_description = label(  # type: ignore[attr-defined]
    "Export selected entries (CSV)",
    "Выгрузить выбранные операции (CSV)",
    "Tanlangan operatsiyalarni yuklab olish (CSV)",
)
