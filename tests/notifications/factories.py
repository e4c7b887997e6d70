"""Background objects for the notification tests."""

from __future__ import annotations

import itertools
from typing import Any

from accounts.models import Client
from accounts.tokens import token_pair_issue

_phones = itertools.count(1_000_000)


def make_client(**overrides: Any) -> Client:
    values = {"phone": f"+99893{next(_phones):07d}", "name": "Guest"}
    values.update(overrides)
    return Client.objects.create(**values)


def access_token(actor: Any) -> str:
    return token_pair_issue(actor=actor).access_token
