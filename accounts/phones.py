"""Phone normalisation (`domain-rules.md` §1): one identity however it was typed."""

from __future__ import annotations

import re

from accounts.exceptions import InvalidPhone

_NON_DIGITS = re.compile(r"\D")


def _digits(raw: object) -> str:
    return _NON_DIGITS.sub("", raw) if isinstance(raw, str) else ""


def client_phone_normalize(raw: object) -> str:
    """Return `+998XXXXXXXXX` or raise `InvalidPhone` (422 `invalid_phone`)."""
    digits = _digits(raw)
    if len(digits) == 12 and digits.startswith("998"):
        return "+" + digits
    if len(digits) == 9:
        return "+998" + digits
    raise InvalidPhone()


def staff_phone_normalize(raw: object) -> str:
    """Like the client rule, but keep a foreign number of 7-15 digits as `+digits`."""
    try:
        return client_phone_normalize(raw)
    except InvalidPhone:
        digits = _digits(raw)
        if 7 <= len(digits) <= 15:
            return "+" + digits
        raise
