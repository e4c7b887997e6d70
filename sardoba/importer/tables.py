"""The generic step: copy one original table into one local model, in batches."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction

from sardoba.importer.context import ImportContext
from sardoba.importer.mapping import RowMap, fingerprint, sequences_reset


@dataclass(frozen=True)
class Skip:
    """A row that is not imported, and why (listed in the report)."""

    reason: str


Builder = Callable[[dict[str, Any]], "dict[str, Any] | Skip"]


@dataclass
class TableStep:
    table: str  # the original table
    model: type[models.Model]
    columns: tuple[str, ...]
    build: Builder  # original row -> local field values, or Skip
    keep_ids: bool = True  # give the local row the original id when it is free
    label: str | None = None


def table_import(ctx: ImportContext, step: TableStep) -> dict[int, int]:
    """Import new and changed rows of `step.table`; return original -> local ids.

    One transaction per batch. A row whose fingerprint matches the mapping is
    left alone; a changed one updates its local row; a new one is inserted,
    keeping the original id when `keep_ids` and no local row holds it.
    """
    label = step.label or step.table
    if not ctx.source.has(step.table):
        ctx.write(f"{label:<24} absent in this version, skipped")
        return {}
    stats = ctx.report.stats(label)
    where = ctx.source.since_filter(step.table, ctx.since)
    total = ctx.source.count(step.table, where)
    mapping = RowMap(step.table)
    query = ctx.source.select(step.table, step.columns, where=where)
    done = 0
    for rows in ctx.source.stream(query, size=ctx.batch_size):
        with transaction.atomic():
            _batch_import(ctx, step, mapping, rows)
        done += len(rows)
        stats.read += len(rows)
        ctx.progress(label, done, total)
    if total == 0:
        ctx.progress(label, 0, 0)
    if step.keep_ids and not ctx.dry_run:  # setval is not transactional
        sequences_reset(step.model)
    return mapping.local_ids()


def _batch_import(
    ctx: ImportContext, step: TableStep, mapping: RowMap, rows: list[dict[str, Any]]
) -> None:
    label = step.label or step.table
    stats = ctx.report.stats(label)
    ids = [row["id"] for row in rows]
    mapped = mapping.lookup(ids)
    taken: set[int] = set()
    if step.keep_ids:
        mine = {m.local_id for m in mapped.values()}
        taken = (
            set(
                step.model._default_manager.filter(pk__in=ids).values_list(
                    "pk", flat=True
                )
            )
            - mine
        )
    new: list[tuple[int, str, models.Model]] = []
    records: list[tuple[int, int | None, str, dict[str, Any]]] = []
    for row in rows:
        fp = fingerprint(row)
        known = mapped.get(row["id"])
        if known is not None and known.fingerprint == fp:
            stats.unchanged += 1
            continue
        result = step.build(row)
        if isinstance(result, Skip):
            ctx.report.skip(label, row["id"], result.reason)
            continue
        if known is not None and known.local_id is not None:
            step.model._default_manager.filter(pk=known.local_id).update(**result)
            records.append((row["id"], known.local_id, fp, {}))
            stats.updated += 1
            continue
        obj = step.model(**result)
        if step.keep_ids and row["id"] not in taken:
            obj.pk = row["id"]
        new.append((row["id"], fp, obj))
    step.model._default_manager.bulk_create([obj for _, _, obj in new])
    for original_id, fp, obj in new:
        records.append((original_id, obj.pk, fp, {}))
    stats.created += len(new)
    mapping.record(records)
