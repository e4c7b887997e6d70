"""Property tests: random sequences of credits and iiko events keep the invariants."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cashback.audit import wallet_audit
from cashback.models import LedgerEntry, Wallet
from cashback.services import pending_echo_record
from tests.cashback.factories import credit, iiko_event, make_client

pytestmark = pytest.mark.django_db

TYPES = [
    "Accrual",
    "PayFromWallet",
    "Correction",
    "RefillWallet",
    "RefillWalletFromOrder",
    "WelcomeBonus",
    "SimplePush",
]

credit_op = st.tuples(st.just("credit"), st.integers(1, 200_000))
event_op = st.tuples(
    st.just("event"),
    st.sampled_from(TYPES),
    st.one_of(
        st.none(),
        st.integers(-100_000, 100_000),
        st.floats(-1000, 1000).map(lambda f: round(f, 2)),
    ),
    st.one_of(st.none(), st.integers(-10, 300_000)),
    st.integers(0, 6),  # event id: repeats are redeliveries
    st.booleans(),  # with an order id
)
echo_op = st.tuples(st.just("echo"), st.integers(1, 50_000))
operations = st.lists(st.one_of(credit_op, event_op, echo_op), min_size=1, max_size=25)


def _check(client, points_before):
    wallet = Wallet.objects.get(client=client)
    entries = LedgerEntry.objects.filter(client=client)
    total = entries.aggregate(s=Sum("amount"))["s"] or 0
    last = entries.order_by("-id").first()
    assert wallet.balance == total
    assert wallet.balance == (last.balance_after if last else 0)
    assert wallet.balance >= 0
    assert wallet.points >= points_before
    return wallet.points


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
def test_random_sequences_keep_the_ledger_exact(ops):
    client = make_client()
    points = 0
    seen_responses = {}
    for op in ops:
        if op[0] == "credit":
            credit(client, op[1])
        elif op[0] == "echo":
            entry = credit(client, op[1])
            pending_echo_record(client=client, amount=op[1], ledger_entry=entry)
            iiko_event(client, "RefillWallet", id=f"echo-{entry.pk}", sum=op[1])
        else:
            _, kind, amount, balance, event_id, order = op
            key = f"{client.pk}-{event_id}"
            fields = {"id": key, "sum": amount, "balance": balance}
            if order:
                fields["orderId"] = "o"
            entries_before = LedgerEntry.objects.filter(client=client).count()
            response = iiko_event(client, kind, **fields)
            if key in seen_responses:  # a redelivery: first response, nothing applied
                assert response == seen_responses[key]
                assert (
                    LedgerEntry.objects.filter(client=client).count() == entries_before
                )
            seen_responses.setdefault(key, response)
        points = _check(client, points)
    assert wallet_audit() == []


def test_audit_command_is_clean_after_real_operations(user, capsys):
    credit(user, 5000)
    iiko_event(user, "PayFromWallet", id="p", sum=9000, balance=0)
    call_command("cashback_audit")
    assert "ledger and wallets agree" in capsys.readouterr().out


def test_audit_command_fails_on_a_drifted_wallet(user):
    from django.core.management.base import CommandError

    credit(user, 5000)
    Wallet.objects.filter(client=user).update(balance=4000)  # drift behind its back
    with pytest.raises(CommandError, match="mismatch"):
        call_command("cashback_audit")
    problems = [m.problem for m in wallet_audit()]
    assert problems == [
        "balance 4000 != ledger sum 5000",
        "balance 4000 != last balance_after 5000",
    ]
