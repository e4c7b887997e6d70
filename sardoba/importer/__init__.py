"""Moving in: import the original backend's database (issue 10).

`import_original()` runs the steps in dependency order against one snapshot of
the original database. Every step is idempotent through `sardoba.models.
ImportedRow`, so the operator can import days before the switch and again in
its last minutes; a dry run does everything inside one transaction that is
rolled back, and copies no file.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

from django.db import transaction

from sardoba.importer.catalog import catalog_image_references, catalog_import
from sardoba.importer.content import news_image_references, news_import
from sardoba.importer.context import ImportContext
from sardoba.importer.inbox import (
    auth_log_import,
    broadcasts_import,
    devices_import,
    notifications_import,
)
from sardoba.importer.media import client_photo_references, media_copy
from sardoba.importer.money import wallets_import
from sardoba.importer.people import (
    cards_import,
    clients_import,
    deleted_phones_import,
    staff_import,
)
from sardoba.importer.report import ImportReport
from sardoba.importer.source import OriginalDatabase
from sardoba.importer.verify import verify

__all__ = ["ImportReport", "import_original"]


def _not_imported(ctx: ImportContext) -> None:
    """Tell the operator about original state that has no place here."""
    source = ctx.source
    if source.has("iiko_sync_jobs"):
        rows = source.fetch_all(
            "SELECT status, count(*) AS n FROM iiko_sync_jobs "
            "WHERE status <> 'success' GROUP BY status ORDER BY status"
        )
        for row in rows:
            ctx.report.warn(
                "iiko_sync_jobs",
                row["status"],
                f"{row['n']} unfinished iiko jobs not imported; sardoba queues its "
                "own sync at each sign-in",
            )
    if source.has("users", "pending_iiko_profile_update"):
        rows = source.fetch_all(
            "SELECT count(*) AS n FROM users WHERE pending_iiko_profile_update IS NOT NULL"
        )
        if rows and rows[0]["n"]:
            ctx.report.warn(
                "users",
                "-",
                f"{rows[0]['n']} clients had profile changes not yet sent to iiko; "
                "not imported: check them in iiko",
            )


def _steps(ctx: ImportContext) -> None:
    _not_imported(ctx)
    staff_import(ctx)
    clients_import(ctx)
    deleted_phones_import(ctx)
    cards_import(ctx)
    wallets_import(ctx)
    broadcasts_import(ctx)
    notifications_import(ctx)
    devices_import(ctx)
    auth_log_import(ctx)
    news_import(ctx)
    catalog_import(ctx)
    media_copy(
        ctx,
        client_photo_references()
        + news_image_references()
        + catalog_image_references(),
    )
    verify(ctx)


def import_original(
    *,
    database_url: str,
    write: Callable[[str], None],
    media_dir: Path | None = None,
    dry_run: bool = False,
    since: dt.datetime | None = None,
    batch_size: int = 1000,
) -> ImportReport:
    """Import the original database at `database_url`; return the report."""
    source = OriginalDatabase(database_url)
    report = ImportReport(version=source.version, dry_run=dry_run)
    ctx = ImportContext(
        source=source,
        report=report,
        write=write,
        media_dir=media_dir,
        dry_run=dry_run,
        since=since,
        batch_size=batch_size,
    )
    started = time.monotonic()
    write(f"Original database: schema version {source.version}")
    try:
        if dry_run:
            with transaction.atomic():
                _steps(ctx)
                transaction.set_rollback(True)
        else:
            _steps(ctx)
    finally:
        source.close()
        report.seconds = time.monotonic() - started
    return report
