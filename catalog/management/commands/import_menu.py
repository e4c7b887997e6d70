"""`manage.py import_menu`: fill the local catalog from the MyResto menus."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from catalog.sync import catalog_sync, menu_pull
from sardoba.exceptions import ServiceUnavailable

_BAR_WIDTH = 30


class Command(BaseCommand):
    help = "Import categories and products from the configured MyResto menus."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write("Fetching the menus...")
        try:
            menu = menu_pull()
        except ServiceUnavailable as exc:
            raise CommandError(
                "The menu upstream is unavailable (or MENU_API_URL is empty); "
                "the catalog was not changed."
            ) from exc
        result = catalog_sync(staff=None, menu=menu, progress=self._progress)
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(
                "Imported: categories created {categories_created}, updated "
                "{categories_updated}; products created {products_created}, updated "
                "{products_updated}, deactivated {products_removed}.".format(
                    **result.as_response()
                )
            )
        )

    def _progress(self, done: int, total: int) -> None:
        filled = _BAR_WIDTH * done // max(total, 1)
        bar = "#" * filled + "-" * (_BAR_WIDTH - filled)
        self.stdout.write(f"\r[{bar}] {done}/{total} categories", ending="")
        self.stdout.flush()
