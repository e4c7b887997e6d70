"""Background objects for cashback tests; money always through the services."""

from __future__ import annotations

import itertools
from typing import Any

from accounts.models import Client, Staff
from cashback.services import iiko_wallet_event_apply, manual_credit_create
from cashback.services.iiko_events import wallet_event_parse

_phones = itertools.count(100000000)


def make_client(**overrides: Any) -> Client:
    values: dict[str, Any] = {
        "phone": f"+998{next(_phones):09d}",
        "name": "Guest",
        "surname": "Testov",
    }
    values.update(overrides)
    return Client.objects.create(**values)


def credit(client: Client, amount: int, *, staff: Staff | None = None, **kw: Any):
    return manual_credit_create(
        client=client,
        staff=staff,
        amount=amount,
        source=kw.pop("source", "MANUAL"),
        **kw,
    ).entry


def iiko_event(client: Client, transaction_type: str, **fields: Any) -> dict[str, Any]:
    """Apply a wallet event for `client` (matched by phone) through the service."""
    payload = {"transactionType": transaction_type, "phone": client.phone, **fields}
    return iiko_wallet_event_apply(client=client, event=wallet_event_parse(payload))
