"""Delete log rows past their retention (`domain-rules.md` §2.2, §9)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from accounts.models import AuditEntry, AuthLog, ValidationLogEntry
from accounts.services.otp import otp_purge


class Command(BaseCommand):
    help = (
        "Purge auth, validation and audit logs older than LOG_RETENTION_DAYS and "
        "OTP code rows older than OTP_RETENTION_DAYS."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        cutoff = timezone.now() - timedelta(days=settings.LOG_RETENTION_DAYS)
        counts = {
            "auth log": AuthLog.objects.filter(created_at__lt=cutoff).delete()[0],
            "validation log": ValidationLogEntry.objects.filter(
                created_at__lt=cutoff
            ).delete()[0],
            "audit log": AuditEntry.objects.filter(created_at__lt=cutoff).delete()[0],
            "otp codes": otp_purge(),
        }
        for name, count in counts.items():
            self.stdout.write(f"{name}: {count} deleted")
