"""CSV exports of the back office, streamed so a large table never sits in memory.

The columns are those of the report files (`cashback.exports`), so a manager gets
the same file from the admin panel's reports and from a selection here.

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

from accounts.models import Client
from cashback.exports import (
    CASHBACK_HEADER,
    USERS_HEADER,
    cashback_row,
    iterate,
    user_row,
)
from cashback.models import LedgerEntry
from cashback.reports import clients_for_export
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


def clients_csv(clients: QuerySet[Client]) -> StreamingHttpResponse:
    """The users report's columns (`cashback.exports`) for the given clients."""
    rows = clients_for_export().filter(pk__in=clients.values("pk"))
    return csv_response(
        filename=f"clients-{_stamp()}.csv",
        header=USERS_HEADER,
        rows=(user_row(client) for client in iterate(rows)),
    )


def ledger_csv(entries: QuerySet[LedgerEntry]) -> StreamingHttpResponse:
    """The cashback report's columns (`cashback.exports`) for the given entries."""
    rows = entries.select_related("client", "staff").order_by("created_at", "id")
    return csv_response(
        filename=f"ledger-{_stamp()}.csv",
        header=CASHBACK_HEADER,
        rows=(cashback_row(entry) for entry in iterate(rows)),
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
