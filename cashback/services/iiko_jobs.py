"""Claiming and running iiko jobs (`domain-rules.md` §13.3).

Several workers may run: a claim locks due job rows with `skip_locked` and the
client rows with `skip_locked` too, so one client never has two running jobs.
Runs happen outside any transaction; every outcome update is conditional on the
job still being ours (a job recovered from a lost worker is not overwritten).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Client, Staff
from cashback.iiko import (
    IikoBusy,
    IikoClient,
    IikoError,
    IikoNotConfigured,
    IikoTimeout,
)
from cashback.models import IikoJob, IikoJobOperation, IikoJobStatus
from cashback.services.iiko_sync import (
    SyncReport,
    TopupNotPossible,
    client_mark_deleted,
    client_profile_flush,
    client_sync,
    ledger_entry_topup,
)

logger = logging.getLogger(__name__)

RUNNING_STALE_AFTER = dt.timedelta(seconds=120)
TRANSIENT_DELAY = dt.timedelta(seconds=10)
BACKOFF_BASE_SECONDS = 15
BACKOFF_CAP_SECONDS = 30 * 60
_MERGED = {IikoJobOperation.SYNC_USER, IikoJobOperation.FLUSH_PROFILE}
_DUE = [IikoJobStatus.PENDING, IikoJobStatus.FAILED]


@dataclass
class JobRun:
    """The outcome of one run: the job's new status, the report, the error text."""

    status: str
    report: SyncReport = field(default_factory=SyncReport)
    error: str | None = None


def iiko_job_backoff(*, attempts: int) -> dt.timedelta:
    """15 s × 2^(attempts − 1), capped at 30 minutes."""
    exponent = min(max(attempts, 1) - 1, 20)
    return dt.timedelta(
        seconds=min(BACKOFF_BASE_SECONDS * 2**exponent, BACKOFF_CAP_SECONDS)
    )


def _failure_fields(
    *, attempts: int, error: str, now: dt.datetime
) -> dict[str, object]:
    paused = attempts >= settings.IIKO_SYNC_MAX_ATTEMPTS
    return {
        "status": IikoJobStatus.PAUSED if paused else IikoJobStatus.FAILED,
        "attempts": attempts,
        "next_retry_at": None if paused else now + iiko_job_backoff(attempts=attempts),
        "last_error": error[:1000],
        "locked_by": None,
        "locked_at": None,
        "updated_at": now,
    }


def iiko_jobs_recover(*, now: dt.datetime | None = None) -> int:
    """Fail jobs left `running` for more than 120 s (their worker was lost).

    The lost run counts as an attempt, so a job that kills its worker pauses.
    """
    now = now or timezone.now()
    recovered = 0
    stale = IikoJob.objects.filter(
        status=IikoJobStatus.RUNNING, locked_at__lt=now - RUNNING_STALE_AFTER
    )
    for job in stale:
        recovered += IikoJob.objects.filter(
            pk=job.pk, status=IikoJobStatus.RUNNING, locked_at=job.locked_at
        ).update(
            **_failure_fields(
                attempts=job.attempts + 1,
                error="the worker running this job was lost",
                now=now,
            )
        )
    return recovered


def iiko_jobs_claim(*, worker_id: str, limit: int = 1) -> list[IikoJob]:
    """Claim up to `limit` due jobs, at most one per client and none for a busy client."""
    now = timezone.now()
    iiko_jobs_recover(now=now)
    with transaction.atomic():
        busy = IikoJob.objects.filter(status=IikoJobStatus.RUNNING).values("client_id")
        candidates = list(
            IikoJob.objects.select_for_update(skip_locked=True)
            .filter(status__in=_DUE)
            .filter(Q(next_retry_at__isnull=True) | Q(next_retry_at__lte=now))
            .exclude(client_id__in=busy)
            .order_by("next_retry_at", "id")[: max(limit, 1) * 4]
        )
        first_per_client: dict[int, IikoJob] = {}
        for job in candidates:
            first_per_client.setdefault(job.client_id, job)
        wanted = list(first_per_client)[: max(limit, 1)]
        # The client row is the per-client mutex of claims; re-check "busy" once held.
        locked = set(
            Client.objects.select_for_update(skip_locked=True)
            .filter(pk__in=wanted)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        still_busy = set(
            IikoJob.objects.filter(
                status=IikoJobStatus.RUNNING, client_id__in=locked
            ).values_list("client_id", flat=True)
        )
        chosen = [
            first_per_client[pk]
            for pk in wanted
            if pk in locked and pk not in still_busy
        ]
        IikoJob.objects.filter(pk__in=[job.pk for job in chosen]).update(
            status=IikoJobStatus.RUNNING,
            locked_by=worker_id,
            locked_at=now,
            updated_at=now,
        )
    for job in chosen:
        job.status, job.locked_by, job.locked_at = IikoJobStatus.RUNNING, worker_id, now
    return chosen


def iiko_job_claim_for_client(
    *, client: Client, worker_id: str, deadline: float
) -> IikoJob | None:
    """Claim a `sync_user` for one client now (the on-demand sync).

    Waits for a running job of that client to end until `deadline`, returning
    None if it did not. Takes over the client's pending `sync_user` when there is one.
    """
    while True:
        with transaction.atomic():
            Client.objects.select_for_update().filter(pk=client.pk).first()
            if not IikoJob.objects.filter(
                client_id=client.pk, status=IikoJobStatus.RUNNING
            ).exists():
                now = timezone.now()
                job = (
                    IikoJob.objects.select_for_update()
                    .filter(
                        client_id=client.pk,
                        operation=IikoJobOperation.SYNC_USER,
                        status=IikoJobStatus.PENDING,
                    )
                    .first()
                )
                if job is None:
                    return IikoJob.objects.create(
                        client=client,
                        phone=client.phone,
                        operation=IikoJobOperation.SYNC_USER,
                        status=IikoJobStatus.RUNNING,
                        locked_by=worker_id,
                        locked_at=now,
                        next_retry_at=now,
                    )
                job.status, job.locked_by, job.locked_at = (
                    IikoJobStatus.RUNNING,
                    worker_id,
                    now,
                )
                job.save(
                    update_fields=["status", "locked_by", "locked_at", "updated_at"]
                )
                return job
        if time.monotonic() + 0.25 >= deadline:
            return None
        time.sleep(0.25)


def _job_is_ours(job: IikoJob, worker_id: str) -> bool:
    """Touch `locked_at` of a job we still hold; False if it was taken from us."""
    return bool(
        IikoJob.objects.filter(
            pk=job.pk, status=IikoJobStatus.RUNNING, locked_by=worker_id
        ).update(locked_at=timezone.now())
    )


def _job_succeed(job: IikoJob, worker_id: str) -> None:
    now = timezone.now()
    IikoJob.objects.filter(
        pk=job.pk, status=IikoJobStatus.RUNNING, locked_by=worker_id
    ).update(
        status=IikoJobStatus.SUCCESS,
        completed_at=now,
        last_error=None,
        locked_by=None,
        locked_at=None,
        updated_at=now,
    )


def _job_fail(job: IikoJob, worker_id: str, error: str) -> str:
    """Use an attempt: `failed` with backoff, or `paused` after the last attempt."""
    fields = _failure_fields(attempts=job.attempts + 1, error=error, now=timezone.now())
    IikoJob.objects.filter(
        pk=job.pk, status=IikoJobStatus.RUNNING, locked_by=worker_id
    ).update(**fields)
    return str(fields["status"])


@transaction.atomic
def iiko_job_requeue(
    *,
    job: IikoJob,
    worker_id: str | None,
    error: str | None,
    reset_attempts: bool = False,
) -> None:
    """Put a job back to `pending` (no attempt used), due soon.

    A `sync_user`/`flush_profile` whose client already has a pending job of the
    same operation is merged into it instead (its payload keys fill the
    other's gaps) and its own row removed, as `iiko_job_enqueue` would have.
    `worker_id` None takes any non-running job (the admin's retry).
    """
    mine = IikoJob.objects.select_for_update().filter(pk=job.pk)
    mine = (
        mine.filter(status=IikoJobStatus.RUNNING, locked_by=worker_id)
        if worker_id is not None
        else mine.exclude(status=IikoJobStatus.RUNNING)
    )
    current = mine.first()
    if current is None:
        return
    if current.operation in _MERGED:
        sibling = (
            IikoJob.objects.select_for_update()
            .filter(
                client_id=current.client_id,
                operation=current.operation,
                status=IikoJobStatus.PENDING,
            )
            .exclude(pk=current.pk)
            .first()
        )
        if sibling is not None:
            sibling.payload = {**current.payload, **sibling.payload}
            sibling.save(update_fields=["payload", "updated_at"])
            current.delete()
            return
    now = timezone.now()
    current.status = IikoJobStatus.PENDING
    current.next_retry_at = now if reset_attempts else now + TRANSIENT_DELAY
    current.locked_by = current.locked_at = None
    current.last_error = error[:1000] if error else current.last_error
    if reset_attempts:
        current.attempts = 0
    current.save()


def _operation_run(job: IikoJob, iiko: IikoClient) -> SyncReport:
    client = Client.objects.get(pk=job.client_id)
    payload = job.payload or {}
    if job.operation == IikoJobOperation.SYNC_USER:
        _, report = client_sync(
            client=client,
            iiko=iiko,
            allow_create=bool(payload.get("allow_create", True)),
        )
        return report
    if job.operation == IikoJobOperation.FLUSH_PROFILE:
        return client_profile_flush(client=client, iiko=iiko, payload=payload)
    if job.operation == IikoJobOperation.MARK_DELETED:
        return client_mark_deleted(client=client, iiko=iiko, payload=payload)
    if job.operation == IikoJobOperation.WALLET_TOPUP:
        return ledger_entry_topup(job=job, iiko=iiko)
    raise ValueError(f"unknown iiko job operation {job.operation!r}")


def iiko_job_run(
    *, job: IikoJob, worker_id: str, deadline: float | None = None
) -> JobRun:
    """Run a claimed job outside any transaction and record its outcome (§13.3).

    Success -> `success`; `IikoBusy` (or the caller's `deadline` passing) ->
    `pending` without using an attempt; any other error -> `failed` with
    backoff, `paused` after `IIKO_SYNC_MAX_ATTEMPTS`.
    """
    if not _job_is_ours(job, worker_id):
        return JobRun(status="lost", error="the job was taken over")
    try:
        report = _operation_run(job, IikoClient(deadline=deadline))
    except IikoError as exc:
        transient = isinstance(exc, IikoBusy | IikoNotConfigured) or (
            isinstance(exc, IikoTimeout)
            and deadline is not None
            and time.monotonic() >= deadline - 0.5
        )
        if transient:
            iiko_job_requeue(job=job, worker_id=worker_id, error=str(exc))
            return JobRun(status=IikoJobStatus.PENDING, error=str(exc))
        return JobRun(status=_job_fail(job, worker_id, str(exc)), error=str(exc))
    except TopupNotPossible as exc:
        return JobRun(status=_job_fail(job, worker_id, str(exc)), error=str(exc))
    except Exception as exc:
        logger.exception("iiko job #%s (%s) crashed", job.pk, job.operation)
        error = f"internal error ({type(exc).__name__})"
        return JobRun(status=_job_fail(job, worker_id, error), error=error)
    _job_succeed(job, worker_id)
    return JobRun(status=IikoJobStatus.SUCCESS, report=report)


def iiko_job_retry(
    *, job: IikoJob, staff: Staff | None = None, request: object = None
) -> bool:
    """Reset a `paused` or `failed` job to `pending`, due now, attempts reset.

    The admin's "retry" action; audited as a `sync` of the job's client.
    Returns False (and changes nothing) for a job in any other status.
    """
    from accounts.services.logs import audit_record

    if job.status not in (IikoJobStatus.PAUSED, IikoJobStatus.FAILED):
        return False
    before = {"job_id": job.pk, "status": job.status, "attempts": job.attempts}
    iiko_job_requeue(job=job, worker_id=None, error=None, reset_attempts=True)
    audit_record(
        staff=staff,
        action="sync",
        entity="user",
        entity_id=job.client_id,
        before=before,
        after={"job_id": job.pk, "status": IikoJobStatus.PENDING, "attempts": 0},
        request=request,
    )
    return True
