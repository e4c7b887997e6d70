"""Fill the embedded database with demo data; safe to run again.

Each app contributes a `demo.py` with `seed(stdout)`; they run in dependency
order. Refuses to run under production settings and never resets a password
someone changed.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

DEMO_APPS = ("accounts", "cashback", "news", "catalog", "notifications")


class Command(BaseCommand):
    help = "Create idempotent demo data (staff, clients, balances, news, catalog)."

    def handle(self, *args: Any, **options: Any) -> None:
        module = settings.SETTINGS_MODULE or os.environ.get(
            "DJANGO_SETTINGS_MODULE", ""
        )
        if module.endswith("production"):
            raise CommandError("seed_demo refuses to run under production settings.")
        for app in DEMO_APPS:
            try:
                module = importlib.import_module(f"{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.demo":
                    raise
                continue
            module.seed(self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
