"""No secret reaches a log line; phones are masked but for four digits."""

from __future__ import annotations

import io
import json
import logging

import pytest

from accounts.tokens import token_pair_issue
from sardoba.logging import JsonFormatter, RedactFilter, RequestIdFilter, mask_phone


@pytest.fixture
def log_stream():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(old_level)


def test_mask_phone_keeps_four_digits():
    assert mask_phone("+998901234567") == "+998*****4567"


@pytest.mark.django_db
def test_tokens_phones_and_secret_fields_are_redacted(log_stream, user):
    access = token_pair_issue(actor=user).access_token
    log = logging.getLogger("sardoba.test")
    log.info("got header Bearer %s for +998901234567", access)
    log.info(
        "login", extra={"password": "hunter22", "otp": "1234", "phone": "+998901234567"}
    )
    lines = [json.loads(line) for line in log_stream.getvalue().splitlines()]
    text = log_stream.getvalue()
    assert access not in text
    assert "hunter22" not in text
    assert "+998901234567" not in text
    assert lines[0]["message"] == "got header Bearer [token] for +998*****4567"
    assert lines[1]["password"] == "[redacted]"
    assert lines[1]["otp"] == "[redacted]"
    assert lines[1]["phone"] == "+998*****4567"


def test_lines_carry_the_current_request_id(log_stream):
    from sardoba.logging import request_id_var

    token = request_id_var.set("req-42")
    try:
        logging.getLogger("sardoba.test").info("inside a request")
    finally:
        request_id_var.reset(token)
    logging.getLogger("sardoba.test").info("outside a request")
    first, second = (json.loads(line) for line in log_stream.getvalue().splitlines())
    assert (first["request_id"], second["request_id"]) == ("req-42", "-")
