"""`/auth/me`'s iiko sync: at most once per interval, and no cache call per request.

The cache key `iiko:sync:last:<id>` decides across processes; each process also
remembers until when an interval it has seen runs, so the app's hottest call
does not ask the cache on every request (docs/PERFORMANCE.md, round 4).
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from accounts.services import sign_in
from accounts.services.sign_in import SYNC_INTERVAL_SECONDS
from cashback.models import IikoJob, IikoJobStatus

ME = "/api/v1/auth/me"


def _syncs(user) -> int:
    """Sync jobs queued for `user`, each marked done (a pending one absorbs the next)."""
    jobs = IikoJob.objects.filter(client=user, operation="sync_user")
    jobs.update(status=IikoJobStatus.SUCCESS)
    return jobs.count()


def _key(user) -> str:
    return f"iiko:sync:last:{user.pk}"


def test_a_process_that_queued_a_sync_does_not_ask_the_cache_again(auth_client, user):
    assert auth_client.get(ME).status_code == 200
    assert _syncs(user) == 1
    cache.delete(_key(user))  # were the cache asked, it would queue a second one
    assert auth_client.get(ME).status_code == 200
    assert _syncs(user) == 1
    assert cache.get(_key(user)) is None


def test_the_sync_is_queued_again_once_the_interval_is_over(auth_client, user):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        auth_client.get(ME)
    assert _syncs(user) == 1
    later = start + dt.timedelta(seconds=SYNC_INTERVAL_SECONDS + 1)
    with time_machine.travel(later, tick=False):
        cache.delete(_key(user))  # what the key's expiry does (Redis keeps real time)
        auth_client.get(ME)
    assert _syncs(user) == 2


def test_another_processs_sync_is_remembered_until_its_interval_ends(auth_client, user):
    start = timezone.now()
    other_queued_at = start - dt.timedelta(seconds=100)
    with time_machine.travel(start, tick=False):
        cache.set(_key(user), other_queued_at.isoformat(), SYNC_INTERVAL_SECONDS)
        auth_client.get(ME)
        assert _syncs(user) == 0
        cache.delete(_key(user))
        auth_client.get(ME)  # remembered from the other process's timestamp
        assert _syncs(user) == 0
    ended = other_queued_at + dt.timedelta(seconds=SYNC_INTERVAL_SECONDS + 1)
    with time_machine.travel(ended, tick=False):
        auth_client.get(ME)
    assert _syncs(user) == 1


def test_an_unreadable_timestamp_is_not_remembered(auth_client, user):
    cache.set(_key(user), "x", SYNC_INTERVAL_SECONDS)
    auth_client.get(ME)
    cache.delete(_key(user))
    auth_client.get(ME)
    assert _syncs(user) == 1


@pytest.mark.django_db
def test_the_memo_is_bounded(monkeypatch):
    monkeypatch.setattr(sign_in, "SYNC_MEMO_MAX_CLIENTS", 3)
    now = timezone.now().timestamp()
    sign_in._sync_memo_set(1, now - 1)  # already over
    sign_in._sync_memo_set(2, now + 60)
    sign_in._sync_memo_set(3, now + 60)
    sign_in._sync_memo_set(4, now + 60)  # full: the expired one goes
    assert set(sign_in._SYNC_QUEUED_UNTIL) == {2, 3, 4}
    sign_in._sync_memo_set(5, now + 60)  # full of live ones: all go
    assert set(sign_in._SYNC_QUEUED_UNTIL) == {5}
