"""Fuzz /api/v1/openapi.json with schemathesis, as every role.

Every operation of the schema gets generated requests (bounded: FUZZ_EXAMPLES
per operation, derandomized so CI is repeatable), each sent anonymously and
with the real access token of a client, a waiter and a manager, through the
WSGI handler in process; each request's writes are rolled back, so a deleted
account or a spent balance does not narrow the cases that follow. No answer may be a 500, and every error must be in
the envelope of mobile-api §4.1 (the plain-string `detail` of `/iiko/*` is
accepted there, staff-api §16). 502/503 are documented answers when an upstream
or a secret is not configured; 500 never is. The number of requests sent is printed at the end of the run.
"""

from __future__ import annotations

import json
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings

from accounts.tokens import token_pair_issue

pytestmark = pytest.mark.postgres  # the PostgreSQL + Redis pass of CI runs it

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
SENT = {"requests": 0, "operations": set()}


@pytest.fixture
def api_schema(db):
    # As Django's test client does: keep the test's connection (and its
    # transaction) open across the handler's request signals.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi(
            "/api/v1/openapi.json?format=json", get_wsgi_application()
        )
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def role_headers(db, user, waiter, manager) -> dict[str, dict[str, str]]:
    def auth(actor) -> dict[str, str]:
        return {"Authorization": f"Bearer {token_pair_issue(actor=actor).access_token}"}

    return {
        "anonymous": {},
        "client": auth(user),
        "waiter": auth(waiter),
        "manager": auth(manager),
    }


def envelope_problems(path: str, status: int, body: bytes) -> list[str]:
    """What is wrong with an error body (empty list: it is the envelope)."""
    if status < 400:
        return []
    try:
        data = json.loads(body)
    except ValueError:
        return [f"{status} body is not JSON"]
    if not isinstance(data, dict) or "detail" not in data:
        return [f"{status} body has no detail"]
    if path.startswith("/api/v1/iiko/") and isinstance(data["detail"], str):
        return []  # iiko's own plain-string errors (staff-api §16)
    problems = []
    if not isinstance(data.get("code"), str):
        problems.append(f"{status} body has no code")
    detail = data["detail"]
    if isinstance(detail, dict):
        if not {"uz", "ru", "en"} <= detail.keys():
            problems.append(f"{status} detail lacks uz/ru/en")
    elif isinstance(detail, list):
        if status != 422 or data.get("code") != "validation_error":
            problems.append(f"{status} list detail outside 422 validation_error")
        for item in detail:
            if not {"loc", "msg", "type"} <= set(item):
                problems.append("422 item lacks loc/msg/type")
    else:
        problems.append(f"{status} detail is neither object nor list")
    return problems


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_500_and_every_error_in_the_envelope(case, role_headers):
    for role, headers in role_headers.items():
        with transaction.atomic():  # each request's writes are undone: no state leaks
            response = case.call(headers=headers)
            transaction.set_rollback(True)
        SENT["requests"] += 1
        SENT["operations"].add(case.operation.label)
        where = f"{role}: {case.method} {case.formatted_path}"
        # 502/503 are documented answers (an upstream or a secret not configured);
        # a 500 is an unhandled failure.
        assert response.status_code != 500, f"{where} -> 500"
        problems = envelope_problems(
            case.formatted_path, response.status_code, response.content
        )
        assert not problems, f"{where}: {problems}"


def pytest_fuzz_summary() -> str:
    return (
        f"schemathesis fuzz: {SENT['requests']} requests over "
        f"{len(SENT['operations'])} operations x 4 roles"
    )
