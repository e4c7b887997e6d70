"""The id mapping that makes the import idempotent and resumable."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models

from sardoba.models import ImportedRow


def fingerprint(row: dict[str, Any]) -> str:
    """A stable hash of an original row: a changed row gets a new one."""
    text = json.dumps(row, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


class RowMap:
    """Original ids of one original table and the local rows they became."""

    def __init__(self, table: str) -> None:
        self.table = table

    def lookup(self, original_ids: Iterable[int]) -> dict[int, ImportedRow]:
        rows = ImportedRow.objects.filter(
            table=self.table, original_id__in=list(original_ids)
        )
        return {row.original_id: row for row in rows}

    def local_ids(self) -> dict[int, int]:
        """Every mapped original id -> local id (for the small or id-keyed tables)."""
        rows = (
            ImportedRow.objects.filter(table=self.table, local_id__isnull=False)
            .values_list("original_id", "local_id")
            .iterator(chunk_size=5000)
        )
        return {original_id: local_id for original_id, local_id in rows if local_id}

    def record(
        self, rows: Iterable[tuple[int, int | None, str, dict[str, Any]]]
    ) -> None:
        """Insert or refresh (original id, local id, fingerprint, extra) rows."""
        objects = [
            ImportedRow(
                table=self.table,
                original_id=original_id,
                local_id=local_id,
                fingerprint=fp,
                extra=extra,
            )
            for original_id, local_id, fp, extra in rows
        ]
        if objects:
            ImportedRow.objects.bulk_create(
                objects,
                update_conflicts=True,
                unique_fields=["table", "original_id"],
                update_fields=["local_id", "fingerprint", "extra", "imported_at"],
            )


@contextmanager
def original_timestamps(*model_classes: type[models.Model]) -> Iterator[None]:
    """Let the import write the original `created_at`/`updated_at` values.

    Django fills `auto_now`/`auto_now_add` fields on every save; imported rows
    keep the times users saw in the original instead. The fields are switched
    off only for the duration of the block (a management command, one thread)
    and always restored. The caller must then set those fields itself.
    """
    fields = [
        field
        for model in model_classes
        for field in model._meta.concrete_fields
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    ]
    saved = [(field, field.auto_now, field.auto_now_add) for field in fields]  # type: ignore[attr-defined]
    for field in fields:
        field.auto_now = field.auto_now_add = False  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add  # type: ignore[attr-defined]


def sequences_reset(*model_classes: type[models.Model]) -> None:
    """Move id sequences past imported ids, which were inserted explicitly."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(model_classes))
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
