"""createstaff, createsuperuser, purge_logs and the demo seed."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from accounts.models import (
    AuditEntry,
    AuthLog,
    Client,
    OtpCode,
    Staff,
    ValidationLogEntry,
)
from accounts.services.logs import auth_log_write
from tests.accounts.helpers import request_otp

pytestmark = pytest.mark.django_db


def _run(*args, **kwargs):
    out = io.StringIO()
    call_command(*args, stdout=out, **kwargs)
    return out.getvalue()


def _login(phone, password):
    return APIClient().post(
        "/api/v1/auth/staff/login", {"phone": phone, "password": password}
    )


def test_createstaff_without_questions_then_update():
    out = _run(
        "createstaff",
        "--phone",
        "998 90 777 66 55",
        "--name",
        "Boss",
        "--password",
        "s3cret-pass",
    )
    staff = Staff.objects.get()
    assert (staff.phone, staff.role, staff.name) == ("+998907776655", "MANAGER", "Boss")
    assert "s3cret-pass" not in out
    assert "Created manager" in out
    assert _login("+998907776655", "s3cret-pass").status_code == 200
    # a rerun updates the same account
    out = _run(
        "createstaff",
        "--phone",
        "+998907776655",
        "--password",
        "an0ther-pass",
        "--role",
        "waiter",
        "--branch",
        "139235",
    )
    staff.refresh_from_db()
    assert Staff.objects.count() == 1
    assert (staff.role, staff.branch_id, staff.name) == ("WAITER", 139235, "Boss")
    assert staff.referral_code
    assert "Updated waiter" in out
    assert "an0ther-pass" not in out


def test_createstaff_prompts_only_for_missing(monkeypatch):
    asked = []
    monkeypatch.setattr("builtins.input", lambda label: asked.append(label) or "Ops")
    monkeypatch.setattr(
        "getpass.getpass", lambda label: asked.append(label) or "pr0mpted-pass"
    )
    _run("createstaff", "--phone", "+998907776655")
    assert asked == ["Name: ", "Password: "]
    assert Staff.objects.get().check_password("pr0mpted-pass")


def test_createstaff_rejects_bad_input():
    with pytest.raises(CommandError):
        _run("createstaff", "--phone", "12", "--name", "X", "--password", "s3cret-pass")
    with pytest.raises(CommandError):
        _run(
            "createstaff",
            "--phone",
            "+998907776655",
            "--name",
            "X",
            "--password",
            "123",
        )
    assert not Staff.objects.exists()


def test_createsuperuser_makes_a_manager(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "sup3r-pass")
    call_command(
        "createsuperuser",
        "--no-input",
        "--phone",
        "+998907776644",
        "--name",
        "Root",
        stdout=io.StringIO(),
    )
    staff = Staff.objects.get()
    assert staff.is_manager
    assert staff.is_staff
    assert _login("+998907776644", "sup3r-pass").status_code == 200


def test_purge_logs(user, manager, settings):
    settings.OTP_STATIC_CODE = "4321"
    old = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    with time_machine.travel(old, tick=False):
        request_otp(APIClient())
        auth_log_write(action="LOGIN", actor=manager, phone=manager.phone)
        AuditEntry.objects.create(staff=manager, action="update", entity="user")
        ValidationLogEntry.objects.create(method="POST", path="/x", errors=[])
    with time_machine.travel(old + dt.timedelta(days=8), tick=False):
        _run("purge_logs")
        assert not OtpCode.objects.exists()
        assert AuthLog.objects.count() == 2
    with time_machine.travel(old + dt.timedelta(days=181), tick=False):
        out = _run("purge_logs")
    assert not AuthLog.objects.exists()
    assert not AuditEntry.objects.exists()
    assert not ValidationLogEntry.objects.exists()
    assert "auth log: 2 deleted" in out


def test_seed_demo_is_idempotent_and_keeps_changed_passwords(settings):
    from accounts import demo

    out = io.StringIO()
    demo.seed(out)
    assert "+998900000001 / password manager-demo" in out.getvalue()
    manager = Staff.objects.get(phone="+998900000001")
    manager.set_password("changed-pass")
    manager.save()
    demo.seed(io.StringIO())
    assert Staff.objects.count() == 3
    assert Client.objects.count() == 10
    manager.refresh_from_db()
    assert manager.check_password("changed-pass")
    assert Client.objects.filter(waiter__isnull=False).count() == 6


def test_openapi_schema_describes_the_identity_routes(api_client):
    import json

    body = json.loads(api_client.get("/api/v1/openapi.json?format=json").content)
    for route in (
        "/api/v1/auth/client/request-otp",
        "/api/v1/auth/client/verify-otp",
        "/api/v1/auth/refresh",
        "/api/v1/users/{user_id}",
        "/api/v1/waiters/{waiter_id}",
        "/api/v1/logs/audit",
    ):
        assert route in body["paths"], route
    verify = body["paths"]["/api/v1/auth/client/verify-otp"]["post"]
    assert "200" in verify["responses"]
