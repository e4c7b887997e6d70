"""JSON log lines with the request id, and a filter that keeps secrets out of them.

`domain-rules.md` §17: no OTP codes, passwords, tokens, `Authorization` or
`Sec-WebSocket-Protocol` values reach a log; phones are masked but for their
last four digits.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
from typing import Any

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar(
    "request_id", default="-"
)

_STANDARD_ATTRS = set(
    logging.LogRecord("x", 0, "x", 0, "x", None, None).__dict__.keys()
) | {"message", "asctime", "request_id"}

_PHONE = re.compile(r"\+?\d[\d\s()-]{7,}\d")
_JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]*")
_BEARER = re.compile(r"(?i)bearer\s+[\w.\-~+/=]+")
_SECRET_KEYS = re.compile(
    r"(?i)(password|passwd|secret|token|authorization|otp|code|sec-websocket-protocol|subscriptionpassword)"
)


def mask_phone(phone: str) -> str:
    """`+998901234567` -> `+998*****4567`: keep the country code and four digits."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) <= 4:
        return "*" * len(digits)
    head = "+" + digits[:3] if phone.strip().startswith("+") else digits[:3]
    return head + "*" * max(len(digits) - 7, 1) + digits[-4:]


def redact_text(text: str) -> str:
    text = _JWT.sub("[token]", text)
    text = _BEARER.sub("Bearer [token]", text)
    return _PHONE.sub(lambda m: mask_phone(m.group(0)), text)


def redact_value(key: str, value: Any) -> Any:
    if _SECRET_KEYS.search(key) and key not in {"status_code", "code_name"}:
        return "[redacted]"
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(key, v) for v in value]
    return value


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class RedactFilter(logging.Filter):
    """Mask phones and tokens in the message and every extra field."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not drop the line
            message = str(record.msg)
        record.msg = redact_text(message)
        record.args = None
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD_ATTRS:
                record.__dict__[key] = redact_value(key, value)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = redact_text(self.formatException(record.exc_info))
        return json.dumps(entry, default=str, ensure_ascii=False)
