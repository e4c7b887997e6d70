"""Locally generated loyalty cards (`domain-rules.md` §6.7)."""

from __future__ import annotations

import secrets

from django.db import IntegrityError, transaction

from accounts.models import Client
from cashback.models import Card

_MAX_ATTEMPTS = 10


def _digits(count: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(count))


def card_create(*, client: Client) -> Card:
    """Create a card `8600` + 12 digits with a 20-digit track, both unique."""
    for _ in range(_MAX_ATTEMPTS):
        try:
            with transaction.atomic():
                return Card.objects.create(
                    client=client,
                    card_number="8600" + _digits(12),
                    card_track=_digits(20),
                )
        except IntegrityError:
            continue
    raise RuntimeError("could not generate a unique card number")


def card_ensure_for_client(*, client: Client) -> Card:
    """Return the client's newest card, creating one when the client has none."""
    card = Card.objects.filter(client_id=client.pk).order_by("created_at", "id").last()
    return card if card is not None else card_create(client=client)
