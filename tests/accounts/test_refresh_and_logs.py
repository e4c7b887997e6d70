"""Refresh (M4), concurrent verification and the no-secrets-in-logs guarantee."""

from __future__ import annotations

import logging
import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts.models import Client, OtpCode
from accounts.tokens import token_pair_issue
from tests.accounts.helpers import PHONE, assert_error, request_otp, verify_otp
from tests.conftest import ON_POSTGRES

pytestmark = pytest.mark.django_db


def _refresh(api_client, body):
    return api_client.post("/api/v1/auth/refresh", body)


def test_refresh_returns_a_flat_new_pair(api_client, user):
    refresh = token_pair_issue(actor=user).refresh_token
    response = _refresh(api_client, {"refresh_token": refresh, "refresh": "junk"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "refresh_token", "token_type"}
    assert body["token_type"] == "bearer"
    me = APIClient().get(
        "/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {body['access_token']}"
    )
    assert me.status_code == 200


def test_refresh_alias_key(api_client, manager):
    refresh = token_pair_issue(actor=manager).refresh_token
    assert _refresh(api_client, {"refresh": refresh}).status_code == 200


def test_refresh_token_is_not_single_use(api_client, user):
    refresh = token_pair_issue(actor=user).refresh_token
    for _ in range(3):
        assert _refresh(api_client, {"refresh_token": refresh}).status_code == 200


@pytest.mark.parametrize("body", [{}, {"refresh_token": ""}, {"refresh": None}])
def test_refresh_required(api_client, body):
    assert_error(_refresh(api_client, body), 400, "refresh_token_required")


def test_refresh_with_access_token_is_401(api_client, user):
    access = token_pair_issue(actor=user).access_token
    response = _refresh(api_client, {"refresh_token": access})
    assert_error(response, 401, "invalid_refresh_token")
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    ("_case", "change", "code"),
    [
        ("deleted", {"is_deleted": True}, "user_not_found"),
        ("deactivated", {"is_active": False}, "account_inactive"),
    ],
)
def test_refresh_refused_for_gone_accounts(api_client, user, _case, change, code):
    refresh = token_pair_issue(actor=user).refresh_token
    Client.objects.filter(pk=user.pk).update(**change)
    assert_error(_refresh(api_client, {"refresh_token": refresh}), 401, code)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_refreshes_with_one_token_all_succeed():
    user = Client.objects.create(phone=PHONE)
    refresh = token_pair_issue(actor=user).refresh_token
    results: list[int] = []
    barrier = threading.Barrier(4)

    def worker():
        barrier.wait()
        try:
            results.append(
                _refresh(APIClient(), {"refresh_token": refresh}).status_code
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200, 200, 200, 200]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_verifications_exactly_one_succeeds(settings):
    settings.OTP_STATIC_CODE = "4321"
    Client.objects.create(phone=PHONE)
    assert request_otp(APIClient()).status_code == 204
    results: list[int] = []
    barrier = threading.Barrier(2)

    def worker():
        barrier.wait()
        try:
            results.append(verify_otp(APIClient()).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 400]
    assert OtpCode.objects.get().consumed_at is not None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_per_phone_cap_exact_under_racing_requests(settings):
    """Eight workers (separate DB sessions, as separate processes would be) race."""
    settings.OTP_RESEND_COOLDOWN_SECONDS = 0
    settings.OTP_RATE_LIMIT_PER_HOUR = 3
    Client.objects.create(phone=PHONE)
    results: list[int] = []
    barrier = threading.Barrier(8)

    def worker(n):
        barrier.wait()
        try:
            results.append(
                request_otp(APIClient(REMOTE_ADDR=f"10.0.0.{n}")).status_code
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [204] * 3 + [429] * 5
    assert OtpCode.objects.count() == 3


@pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL")
def test_marker_sanity():
    assert connection.vendor == "postgresql"


def test_no_code_password_or_token_reaches_the_logs(
    api_client, user, manager, caplog, settings
):
    settings.OTP_STATIC_CODE = "86420975"  # long: no timestamp or id holds it by chance
    caplog.set_level(logging.DEBUG)
    # OTP flow, refresh, staff sign-in (good and bad), a 422 with a password
    request_otp(api_client)
    tokens = verify_otp(api_client, code="86420975").json()["tokens"]
    verify_otp(api_client, code="97531864")
    refreshed = _refresh(api_client, {"refresh_token": tokens["refresh_token"]}).json()
    api_client.post(
        "/api/v1/auth/staff/login", {"phone": manager.phone, "password": "manager-pass"}
    )
    api_client.post(
        "/api/v1/auth/staff/login",
        {"phone": manager.phone, "password": "wrong-pass-77"},
    )
    api_client.post("/api/v1/auth/staff/login", {"password": "lonely-pass-55"})
    text = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    for secret in (
        "86420975",
        "97531864",
        tokens["access_token"],
        tokens["refresh_token"],
        refreshed["access_token"],
        "manager-pass",
        "wrong-pass-77",
        "lonely-pass-55",
    ):
        assert secret not in text
    assert caplog.records  # something was logged at all
    # the dry-run SMS line names the phone masked only
    dry = [r for r in caplog.records if r.getMessage() == "sms dry run"]
    assert [r.phone for r in dry] == ["+998*****4567"]
    assert PHONE not in text


_WORKER = """
import json, os, sys
import django
django.setup()
from rest_framework.test import APIClient
codes = []
for n in range(4):
    client = APIClient(REMOTE_ADDR=f"10.1.{os.getpid() % 200}.{n}")
    r = client.post(
        "/api/v1/auth/client/request-otp",
        {"phone": sys.argv[1], "purpose": "login"},
        format="json",
    )
    codes.append(r.status_code)
print(json.dumps(codes))
"""


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_per_phone_cap_holds_across_two_processes(tmp_path):
    """Two server processes (same database and Redis) share the per-phone cap."""
    import json
    import os
    import subprocess
    import sys

    from django.conf import settings as django_settings

    Client.objects.create(phone=PHONE)
    db = django_settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sardoba.settings.test",
        "DATABASE_URL": (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
            f"/{db['NAME']}"
        ),
        "OTP_RATE_LIMIT_PER_HOUR": "3",
        "OTP_RESEND_COOLDOWN_SECONDS": "0",
        "OTP_STATIC_CODE": "4321",
    }
    if db.get("PASSWORD"):
        env["DATABASE_URL"] = env["DATABASE_URL"].replace(
            f"{db['USER']}@", f"{db['USER']}:{db['PASSWORD']}@"
        )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, PHONE],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=str(django_settings.BASE_DIR),
        )
        for _ in range(2)
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err[-2000:]
        results += json.loads(out.strip().splitlines()[-1])
    assert sorted(results) == [204] * 3 + [429] * 5
    assert OtpCode.objects.filter(phone=PHONE).count() == 3
