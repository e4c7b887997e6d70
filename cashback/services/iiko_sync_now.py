"""The manager's sync (`staff-api.md` §14): one client now, or everyone queued."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from accounts.models import Client, Staff
from cashback.iiko import iiko_is_configured
from cashback.models import IikoJob, IikoJobOperation, IikoJobStatus
from cashback.services.iiko_jobs import iiko_job_claim_for_client, iiko_job_run

SYNC_NOW_BUDGET_SECONDS = 15.0
NOT_CONFIGURED = "iiko integration is not configured"
CLIENT_MISSING = "User not found or deleted"
NO_ANSWER = "iiko did not answer in time"


@dataclass
class SyncNowResult:
    """The `staff-api.md` §14.1 body of an on-demand sync."""

    user_id: int
    success: bool = False
    changed_fields: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    operations: list[dict[str, str]] = field(default_factory=list)
    phone: str | None = None
    iiko_customer_id: str | None = None
    iiko_wallet_id: str | None = None

    @property
    def updated(self) -> bool:
        return bool(self.changed_fields)


def _sync_now_error(exc_text: str | None, status: str) -> str:
    if status == IikoJobStatus.PENDING or (exc_text or "").startswith("iiko did not"):
        return NO_ANSWER
    return exc_text or "iiko sync failed"


def client_sync_now(
    *, staff: Staff, client_id: int, request: object = None
) -> SyncNowResult:
    """Run `sync_user` for one client now, waiting at most 15 s (§14.1).

    Managers may sync any client, a waiter only the clients they referred
    (anyone else's looks "not found"). A run cut short by the budget goes back
    to the queue for the worker. A successful run is audited (`sync`, `user`).
    """
    from accounts.services.logs import audit_record

    deadline = time.monotonic() + SYNC_NOW_BUDGET_SECONDS
    result = SyncNowResult(user_id=client_id)
    client = Client.objects.not_deleted().filter(pk=client_id).first()
    if client is None or (not staff.is_manager and client.waiter_id != staff.pk):
        result.error = CLIENT_MISSING
        return result
    result.phone = client.phone
    result.iiko_customer_id, result.iiko_wallet_id = (
        client.iiko_customer_id,
        client.iiko_wallet_id,
    )
    if not iiko_is_configured():
        result.error = NOT_CONFIGURED
        return result
    worker_id = f"sync-now:{staff.pk}:{uuid.uuid4().hex[:12]}"
    job = iiko_job_claim_for_client(
        client=client, worker_id=worker_id, deadline=deadline
    )
    if job is None:
        result.error = "A sync of this client is already running"
        return result
    run = iiko_job_run(job=job, worker_id=worker_id, deadline=deadline)
    before = {
        "iiko_customer_id": client.iiko_customer_id,
        "iiko_wallet_id": client.iiko_wallet_id,
    }
    client.refresh_from_db()
    result.iiko_customer_id, result.iiko_wallet_id = (
        client.iiko_customer_id,
        client.iiko_wallet_id,
    )
    result.changed_fields = run.report.changed_fields
    result.warnings = run.report.warnings
    result.operations = run.report.operations
    result.success = run.status == IikoJobStatus.SUCCESS
    if not result.success:
        result.error = _sync_now_error(run.error, run.status)
        return result
    audit_record(
        staff=staff,
        action="sync",
        entity="user",
        entity_id=client.pk,
        before=before,
        after={
            "iiko_customer_id": client.iiko_customer_id,
            "iiko_wallet_id": client.iiko_wallet_id,
            "changed_fields": result.changed_fields,
        },
        request=request,
    )
    return result


def clients_sync_queue(*, staff: Staff, request: object = None) -> int:
    """Queue one `sync_user` per active client (§14.2); return how many are queued.

    A client that already has a pending `sync_user` keeps that one (merged).
    """
    from accounts.services.logs import audit_record

    now = timezone.now()
    clients = Client.objects.active().order_by("pk").values_list("pk", "phone")
    with transaction.atomic():
        queued = 0
        batch: list[IikoJob] = []
        for pk, phone in clients.iterator(chunk_size=1000):
            queued += 1
            batch.append(
                IikoJob(
                    client_id=pk,
                    phone=phone,
                    operation=IikoJobOperation.SYNC_USER,
                    payload={},
                    next_retry_at=now,
                )
            )
            if len(batch) >= 1000:
                IikoJob.objects.bulk_create(batch, ignore_conflicts=True)
                batch = []
        if batch:
            IikoJob.objects.bulk_create(batch, ignore_conflicts=True)
        audit_record(
            staff=staff,
            action="sync",
            entity="user",
            entity_id=None,
            after={"queued": queued},
            request=request,
        )
    return queued
