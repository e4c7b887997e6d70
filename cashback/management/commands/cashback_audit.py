"""`manage.py cashback_audit`: recompute every wallet from its ledger."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cashback.audit import wallet_audit


class Command(BaseCommand):
    help = "Check every wallet against its ledger; exit non-zero on any mismatch."

    def handle(self, *args: Any, **options: Any) -> None:
        problems = wallet_audit()
        for problem in problems:
            self.stderr.write(f"client #{problem.client_id}: {problem.problem}")
        if problems:
            raise CommandError(
                f"{len(problems)} mismatch(es) between wallets and ledger"
            )
        self.stdout.write(self.style.SUCCESS("ledger and wallets agree"))
