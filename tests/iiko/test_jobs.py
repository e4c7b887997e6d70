"""The job queue: claiming, outcomes, backoff, pausing, merging, recovery, the worker."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from accounts.models import AuditEntry
from cashback.models import IikoJob, IikoJobOperation, IikoJobStatus
from cashback.services import iiko_job_enqueue
from cashback.services.iiko_jobs import (
    iiko_job_backoff,
    iiko_job_retry,
    iiko_job_run,
    iiko_jobs_claim,
    iiko_jobs_recover,
)
from sardoba.api.health import queue_health
from tests.iiko.conftest import CREATE, INFO, customer_json, make_client, paths

pytestmark = pytest.mark.django_db
MOMENT = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("attempts", "seconds"),
    [(1, 15), (2, 30), (3, 60), (7, 960), (8, 1800), (20, 1800)],
)
def test_backoff(attempts, seconds):
    assert iiko_job_backoff(attempts=attempts) == dt.timedelta(seconds=seconds)


def test_recording_a_job_calls_nothing(iiko):
    # given / when: what a sign-in or a profile change records
    client = make_client()
    iiko_job_enqueue(client=client, operation="sync_user")
    iiko_job_enqueue(client=client, operation="flush_profile", payload={"name": "x"})
    # then
    assert iiko.log == []
    assert IikoJob.objects.filter(status=IikoJobStatus.PENDING).count() == 2


def test_pending_jobs_merge_per_client_and_operation():
    client = make_client()
    first = iiko_job_enqueue(
        client=client, operation="flush_profile", payload={"name": 1}
    )
    second = iiko_job_enqueue(
        client=client, operation="flush_profile", payload={"email": 2}
    )
    assert first.pk == second.pk
    assert IikoJob.objects.get().payload == {"name": 1, "email": 2}


def test_claim_takes_one_job_per_client_and_skips_busy_clients():
    # given
    a, b, c = (make_client(phone=f"+99890111000{i}") for i in range(3))
    a_sync = iiko_job_enqueue(client=a, operation="sync_user")
    iiko_job_enqueue(client=a, operation="mark_deleted", payload={})
    b_job = iiko_job_enqueue(client=b, operation="sync_user")
    running = iiko_job_enqueue(client=c, operation="mark_deleted", payload={})
    iiko_job_enqueue(client=c, operation="sync_user")
    IikoJob.objects.filter(pk=running.pk).update(
        status="running", locked_by="w0", locked_at=dt.datetime.now(dt.UTC)
    )
    # when
    claimed = iiko_jobs_claim(worker_id="w1", limit=10)
    # then
    assert sorted(job.pk for job in claimed) == sorted([a_sync.pk, b_job.pk])
    assert iiko_jobs_claim(worker_id="w2", limit=10) == []


def test_failure_uses_an_attempt_and_backs_off_then_pauses(iiko, settings):
    # given: iiko answers 500 to everything but the token
    settings.IIKO_SYNC_MAX_ATTEMPTS = 2
    client = make_client()
    iiko.expect_request(INFO).respond_with_json({}, status=500)
    with time_machine.travel(MOMENT, tick=False) as traveller:
        job = iiko_job_enqueue(client=client, operation="sync_user")
        # when
        [claimed] = iiko_jobs_claim(worker_id="w1")
        first = iiko_job_run(job=claimed, worker_id="w1")
        job.refresh_from_db()
        # then
        assert (first.status, job.status, job.attempts) == ("failed", "failed", 1)
        assert job.next_retry_at == MOMENT + dt.timedelta(seconds=15)
        assert job.last_error == "iiko answered 500"
        assert iiko_jobs_claim(worker_id="w1") == []  # not due yet
        traveller.move_to(MOMENT + dt.timedelta(seconds=16))
        [claimed] = iiko_jobs_claim(worker_id="w1")
        iiko_job_run(job=claimed, worker_id="w1")
    job.refresh_from_db()
    assert (job.status, job.attempts, job.next_retry_at) == ("paused", 2, None)
    assert queue_health().status == "degraded"


def test_transient_condition_goes_back_to_pending_without_an_attempt(iiko):
    client = make_client()
    iiko.expect_request(INFO).respond_with_json({}, status=429)
    iiko_job_enqueue(client=client, operation="sync_user")
    [claimed] = iiko_jobs_claim(worker_id="w1")
    run = iiko_job_run(job=claimed, worker_id="w1")
    job = IikoJob.objects.get()
    assert (run.status, job.status, job.attempts, job.locked_by) == (
        "pending",
        "pending",
        0,
        None,
    )


def test_transient_requeue_merges_into_a_newer_pending_job(iiko):
    # given: while the job ran, the client changed the profile again
    client = make_client(iiko_customer_id="cust-1")
    iiko.expect_request(CREATE).respond_with_json({}, status=429)
    iiko_job_enqueue(client=client, operation="flush_profile", payload={"name": 1})
    [claimed] = iiko_jobs_claim(worker_id="w1")
    newer = iiko_job_enqueue(
        client=client, operation="flush_profile", payload={"email": 2}
    )
    # when
    iiko_job_run(job=claimed, worker_id="w1")
    # then
    assert list(IikoJob.objects.values_list("pk", "status", "payload")) == [
        (newer.pk, "pending", {"name": 1, "email": 2})
    ]


def test_stuck_running_jobs_are_recovered_after_120_seconds():
    client = make_client()
    old = iiko_job_enqueue(client=client, operation="sync_user")
    IikoJob.objects.filter(pk=old.pk).update(
        status="running", locked_by="gone", locked_at=MOMENT
    )
    other = iiko_job_enqueue(
        client=make_client(phone="+998905550000"), operation="sync_user"
    )
    IikoJob.objects.filter(pk=other.pk).update(
        status="running", locked_by="alive", locked_at=MOMENT + dt.timedelta(seconds=60)
    )
    with time_machine.travel(MOMENT + dt.timedelta(seconds=121), tick=False):
        recovered = iiko_jobs_recover()
    old.refresh_from_db()
    other.refresh_from_db()
    assert recovered == 1
    assert (old.status, old.attempts, old.locked_by) == ("failed", 1, None)
    assert other.status == "running"


def test_a_taken_over_job_is_not_run(iiko):
    client = make_client()
    iiko_job_enqueue(client=client, operation="sync_user")
    [claimed] = iiko_jobs_claim(worker_id="w1")
    IikoJob.objects.filter(pk=claimed.pk).update(locked_by="w2")
    assert iiko_job_run(job=claimed, worker_id="w1").status == "lost"
    assert iiko.log == []


@pytest.mark.parametrize("status", ["paused", "failed"])
def test_admin_retry_resets_to_pending(status):
    client = make_client()
    job = iiko_job_enqueue(client=client, operation="mark_deleted", payload={})
    IikoJob.objects.filter(pk=job.pk).update(
        status=status, attempts=8, next_retry_at=None
    )
    job.refresh_from_db()
    iiko_job_retry(job=job)
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("pending", 0)
    assert job.next_retry_at is not None


def test_admin_retry_action(admin_client_for_manager, manager):
    client = make_client()
    job = iiko_job_enqueue(client=client, operation="mark_deleted", payload={})
    IikoJob.objects.filter(pk=job.pk).update(status="paused", attempts=8)
    response = admin_client_for_manager.post(
        "/admin/cashback/iikojob/",
        {"action": "retry_jobs", "_selected_action": [job.pk]},
    )
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("pending", 0)
    audit = AuditEntry.objects.get()
    assert (audit.staff_id, audit.action, audit.entity_id) == (
        manager.pk,
        "sync",
        str(client.pk),
    )
    assert (
        admin_client_for_manager.get(
            "/admin/cashback/iikojob/?status__exact=pending"
        ).status_code
        == 200
    )


@pytest.fixture
def admin_client_for_manager(client, manager):
    client.force_login(manager)
    return client


def test_worker_once_without_configuration_leaves_jobs_pending(settings, httpserver):
    settings.IIKO_API_BASE_URL = httpserver.url_for("/").rstrip("/")
    client = make_client()
    iiko_job_enqueue(client=client, operation="sync_user")
    out = StringIO()
    call_command("iiko_worker", "--once", stdout=out)
    assert "not configured" in out.getvalue()
    assert IikoJob.objects.get().status == "pending"
    assert httpserver.log == []


def test_worker_once_delivers_jobs(iiko):
    # given: a registration and a deletion waiting
    client = make_client(name="Ali")
    gone = make_client(
        phone="+999000000001", is_deleted=True, iiko_customer_id="cust-9"
    )
    iiko_job_enqueue(client=client, operation="sync_user")
    iiko_job_enqueue(
        client=gone,
        operation="mark_deleted",
        payload={"released_phone": "+998901110000"},
    )
    iiko.expect_request(INFO).respond_with_json(customer_json(cards=[]))
    iiko.expect_request(CREATE).respond_with_json({"id": "cust-9"})
    # when
    call_command("iiko_worker", "--once", "--batch", "5", stdout=StringIO())
    # then
    assert set(IikoJob.objects.values_list("operation", "status")) == {
        (IikoJobOperation.SYNC_USER, "success"),
        (IikoJobOperation.MARK_DELETED, "success"),
    }
    assert paths(iiko).count(CREATE) == 1


def test_retry_leaves_other_statuses_alone():
    client = make_client()
    job = iiko_job_enqueue(client=client, operation="mark_deleted", payload={})
    IikoJob.objects.filter(pk=job.pk).update(status="success")
    job.refresh_from_db()
    assert iiko_job_retry(job=job) is False
    job.refresh_from_db()
    assert job.status == "success"
    assert not AuditEntry.objects.exists()


def test_retry_of_a_paused_sync_merges_into_the_pending_one():
    client = make_client()
    paused = iiko_job_enqueue(client=client, operation="sync_user", payload={"a": 1})
    IikoJob.objects.filter(pk=paused.pk).update(status="paused", attempts=8)
    pending = iiko_job_enqueue(client=client, operation="sync_user", payload={"b": 2})
    paused.refresh_from_db()
    iiko_job_retry(job=paused)
    assert list(IikoJob.objects.values_list("pk", "status", "payload")) == [
        (pending.pk, "pending", {"a": 1, "b": 2})
    ]
