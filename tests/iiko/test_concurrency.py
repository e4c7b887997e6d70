"""Several workers on PostgreSQL: no job runs twice, no client has two running jobs."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection, transaction

from cashback.models import IikoJob, IikoJobStatus
from cashback.services import iiko_job_enqueue
from cashback.services.iiko_jobs import iiko_job_run, iiko_jobs_claim
from tests.iiko.conftest import CREATE, make_client, received

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _in_threads(work, names):
    barrier = threading.Barrier(len(names))
    errors: list[BaseException] = []

    def run(name):
        try:
            barrier.wait()
            work(name)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []


def test_racing_claims_take_each_job_once_and_each_client_once():
    # given: 20 clients with two due jobs each
    clients = [make_client(phone=f"+99890200{i:04d}") for i in range(20)]
    with transaction.atomic():
        for client in clients:
            iiko_job_enqueue(client=client, operation="sync_user")
            iiko_job_enqueue(client=client, operation="mark_deleted", payload={})
    claims: dict[str, list[tuple[int, int]]] = {"w1": [], "w2": []}

    def work(name):
        for _ in range(10):
            claims[name] += [
                (j.pk, j.client_id) for j in iiko_jobs_claim(worker_id=name, limit=3)
            ]

    # when
    _in_threads(work, ["w1", "w2"])
    # then: nothing finished, so exactly one job per client is running
    everything = claims["w1"] + claims["w2"]
    assert len({pk for pk, _ in everything}) == len(everything) == 20
    assert Counter(cid for _, cid in everything) == Counter({c.pk: 1 for c in clients})
    assert IikoJob.objects.filter(status=IikoJobStatus.RUNNING).count() == 20


def test_two_workers_deliver_every_job_exactly_once(iiko):
    # given: twelve deletions to tell iiko about, two per client
    clients = [
        make_client(
            phone=f"+99900000{i:04d}", is_deleted=True, iiko_customer_id=f"cust-{i}"
        )
        for i in range(6)
    ]
    with transaction.atomic():
        for client in clients:
            for n in (1, 2):
                iiko_job_enqueue(
                    client=client,
                    operation="mark_deleted",
                    payload={"released_phone": f"+99890300{n:04d}"},
                )
    iiko.expect_request(CREATE).respond_with_json({"id": "ok"})

    def work(name):
        while True:
            jobs = iiko_jobs_claim(worker_id=name, limit=2)
            if (
                not jobs
                and not IikoJob.objects.exclude(status=IikoJobStatus.SUCCESS).exists()
            ):
                return
            for job in jobs:
                iiko_job_run(job=job, worker_id=name)

    # when
    _in_threads(work, ["w1", "w2"])
    # then
    assert set(IikoJob.objects.values_list("status", flat=True)) == {"success"}
    sent = Counter((body["id"], body["comment"]) for body in received(iiko, CREATE))
    assert sent == Counter(
        {(f"cust-{i}", f"+99890300{n:04d}"): 1 for i in range(6) for n in (1, 2)}
    )
