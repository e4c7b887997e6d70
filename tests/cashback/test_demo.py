"""`cashback/demo.py`: months of history of every kind, idempotent, audit-clean."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone

from cashback import demo
from cashback.audit import wallet_audit
from cashback.models import EntryKind, LedgerEntry
from tests.cashback.factories import credit, make_client

pytestmark = pytest.mark.django_db


def test_demo_history_is_realistic_idempotent_and_exact(manager):
    # given: demo clients, one of which already has money
    clients = [make_client() for _ in range(20)]
    credit(clients[0], 100)
    # when
    demo.seed(io.StringIO())
    entries = LedgerEntry.objects.count()
    demo.seed(io.StringIO())
    # then
    assert LedgerEntry.objects.count() == entries
    assert LedgerEntry.objects.filter(client=clients[0]).count() == 1
    kinds = set(LedgerEntry.objects.values_list("kind", flat=True))
    assert kinds == set(EntryKind.values)
    oldest = LedgerEntry.objects.order_by("created_at").first().created_at
    assert (timezone.now() - oldest).days > 90
    assert wallet_audit() == []
    for client in clients[1:]:
        dates = list(
            LedgerEntry.objects.filter(client=client)
            .order_by("id")
            .values_list("created_at", flat=True)
        )
        assert dates == sorted(dates)
