"""`manage.py import_original`: move the original backend's database into sardoba.

See README, "Moving from the original backend", for the switch-over procedure.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from sardoba.importer import import_original


def _since(value: str) -> dt.datetime:
    """An ISO date or datetime; naive values are Tashkent time."""
    parsed = parse_datetime(value)
    if parsed is None:
        day = parse_date(value)
        if day is None:
            raise CommandError(f"--since: not an ISO date or datetime: {value!r}")
        parsed = dt.datetime.combine(day, dt.time.min)
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


class Command(BaseCommand):
    help = (
        "Import the original backend's PostgreSQL database (either schema version): "
        "staff, clients, cards, wallets and ledger, inbox, broadcasts, devices, auth "
        "log, news and media. Idempotent: a re-run imports only new or changed rows."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--database-url",
            required=True,
            help="postgres://user:password@host:port/name of the original database",
        )
        parser.add_argument(
            "--media-dir",
            type=Path,
            help="the original's media/ folder (profile_photos/, news_images/)",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="do everything in a transaction that is rolled back; copy no file",
        )
        parser.add_argument(
            "--since",
            type=_since,
            help="read only rows written at or after this ISO date/datetime",
        )
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument(
            "--report", type=Path, help="also write the full report as JSON here"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        media_dir = options["media_dir"]
        if media_dir is not None and not media_dir.is_dir():
            raise CommandError(f"--media-dir {media_dir} is not a directory")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be positive")
        report = import_original(
            database_url=options["database_url"],
            write=self.stdout.write,
            media_dir=media_dir,
            dry_run=options["dry_run"],
            since=options["since"],
            batch_size=options["batch_size"],
        )
        for line in report.render():
            self.stdout.write(line)
        if options["report"] is not None:
            with options["report"].open("w", encoding="utf-8") as stream:
                report.write_json(stream)
            self.stdout.write(f"Full report written to {options['report']}")
        if report.verified is False:
            raise CommandError("verification failed: see the lines above")
        self.stdout.write(
            self.style.SUCCESS(
                "Dry run finished: nothing was written."
                if report.dry_run
                else "Import finished and verified."
            )
        )
