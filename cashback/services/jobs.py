"""Recording iiko jobs (`domain-rules.md` §13.3); the worker runs them."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Client
from cashback.models import IikoJob, IikoJobOperation, IikoJobStatus, LedgerEntry

_MERGED = {IikoJobOperation.SYNC_USER, IikoJobOperation.FLUSH_PROFILE}


def iiko_job_enqueue(
    *,
    client: Client,
    operation: str,
    payload: dict[str, Any] | None = None,
    ledger_entry: LedgerEntry | None = None,
) -> IikoJob:
    """Record a job in the caller's transaction.

    `sync_user` and `flush_profile` merge into the client's pending job of the
    same operation (payload keys are merged, the newest value wins);
    `wallet_topup` is unique per ledger entry.
    """
    payload = payload or {}
    if operation in _MERGED:
        for _ in range(3):
            existing = (
                IikoJob.objects.select_for_update()
                .filter(
                    client=client, operation=operation, status=IikoJobStatus.PENDING
                )
                .first()
            )
            if existing is not None:
                existing.payload = {**existing.payload, **payload}
                existing.phone = client.phone
                existing.save(update_fields=["payload", "phone", "updated_at"])
                return existing
            try:
                with transaction.atomic():
                    return IikoJob.objects.create(
                        client=client,
                        phone=client.phone,
                        operation=operation,
                        payload=payload,
                        next_retry_at=timezone.now(),
                    )
            except IntegrityError:
                continue  # a racing request created it: merge into that one
        raise RuntimeError("could not record the iiko job")
    if operation == IikoJobOperation.WALLET_TOPUP and ledger_entry is not None:
        job, _ = IikoJob.objects.get_or_create(
            operation=operation,
            ledger_entry=ledger_entry,
            defaults={
                "client": client,
                "phone": client.phone,
                "payload": payload,
                "next_retry_at": timezone.now(),
            },
        )
        return job
    return IikoJob.objects.create(
        client=client,
        phone=client.phone,
        operation=operation,
        payload=payload,
        ledger_entry=ledger_entry,
        next_retry_at=timezone.now(),
    )
