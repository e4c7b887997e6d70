"""State shared by the steps of one import run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sardoba.importer.report import ImportReport
from sardoba.importer.source import OriginalDatabase


@dataclass
class ImportContext:
    source: OriginalDatabase
    report: ImportReport
    write: Callable[[str], None]
    media_dir: Path | None = None
    dry_run: bool = False
    since: dt.datetime | None = None
    batch_size: int = 1000
    # original id -> local id, filled as the tables are imported
    staff_ids: dict[int, int] = field(default_factory=dict)
    client_ids: dict[int, int] = field(default_factory=dict)
    deleted_client_ids: set[int] = field(default_factory=set)
    broadcast_ids: dict[int, int] = field(default_factory=dict)
    category_ids: dict[int, int] = field(default_factory=dict)
    _bars: dict[str, int] = field(default_factory=dict)

    def progress(self, table: str, done: int, total: int) -> None:
        """A progress line when the bar grows: `table [#####-----] done/total`."""
        width = 30
        filled = width if total <= 0 else min(width, width * done // total)
        if self._bars.get(table) == filled and done < total:
            return  # at most one line per step of the bar
        self._bars[table] = filled
        self.write(
            f"{table:<24} [{'#' * filled}{'-' * (width - filled)}] {done}/{total}"
        )
