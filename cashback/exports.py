"""The report files of `staff-api.md` §15: CSV (streamed) and XLSX (openpyxl)."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from cashback.models import LedgerEntry

USERS_HEADER = (
    "id",
    "name",
    "surname",
    "middle name",
    "phone",
    "date of birth",
    "level",
    "points",
    "balance",
    "waiter id",
    "waiter name",
    "active",
    "registered at",
)
CASHBACK_HEADER = (
    "id",
    "created at",
    "client id",
    "client name",
    "phone",
    "kind",
    "source",
    "amount",
    "balance after",
    "branch id",
    "branch",
    "staff id",
    "staff name",
    "description",
)
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_CHUNK = 500


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str | None) -> str:
    """Free text typed by people: never read as a spreadsheet formula."""
    text = value or ""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _local(value: Any) -> str:
    return timezone.localtime(value).isoformat() if value else ""


def user_row(client: Any) -> list[Any]:
    """One users-report row; `client` is annotated by `clients_for_export`."""
    waiter = client.waiter
    return [
        client.pk,
        _text(client.name),
        _text(client.surname),
        _text(client.middle_name),
        client.phone,
        client.date_of_birth.strftime("%d.%m.%Y") if client.date_of_birth else "",
        client.level_now,
        client.points_now,
        client.balance_now,
        client.waiter_id or "",
        _text(waiter.name) if waiter is not None else "",
        client.is_active,
        _local(client.created_at),
    ]


def cashback_row(entry: LedgerEntry) -> list[Any]:
    return [
        entry.pk,
        _local(entry.created_at),
        entry.client_id,
        _text(entry.client.full_name),
        entry.client.phone,
        entry.kind,
        entry.source,
        entry.amount,
        entry.balance_after,
        entry.branch_id if entry.branch_id is not None else "",
        entry.branch or "",
        entry.staff_id or "",
        _text(entry.staff.name) if entry.staff is not None else "",
        _text(entry.description),
    ]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_stream(header: Iterable[str], rows: Iterable[list[Any]]) -> Iterator[bytes]:
    """Yield a UTF-8 CSV with a byte-order mark, row by row."""
    writer = csv.writer(_Echo())
    yield "\ufeff".encode()
    yield writer.writerow(list(header)).encode()
    for row in rows:
        yield writer.writerow(row).encode()


def xlsx_file(title: str, header: Iterable[str], rows: Iterable[list[Any]]) -> Any:
    """Write a streaming (write-only) workbook to a temporary file, rewound."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.append(list(header))
    for row in rows:
        sheet.append(
            [ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row]
        )
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    workbook.save(handle)
    handle.seek(0)
    return handle


def iterate(queryset: Any) -> Iterator[Any]:
    """Rows of a queryset fetched in chunks (select_related kept)."""
    return queryset.iterator(chunk_size=_CHUNK)
