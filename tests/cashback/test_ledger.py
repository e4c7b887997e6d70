"""The ledger writer: balance, points, level, gift flag, notification, invariants."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from cashback.models import LedgerEntry, Wallet
from cashback.services import (
    NegativeBalance,
    ledger_entry_append,
    reconciliation_append,
    wallet_lock,
)
from notifications.models import DeviceRegistration, Notification

pytestmark = pytest.mark.django_db


def _append(client, **kw):
    with transaction.atomic():
        wallet = wallet_lock(client=client)
        return ledger_entry_append(wallet=wallet, **kw), wallet


def test_example_a_two_accruals_and_a_level_change(user):
    _append(user, kind="accrual", amount=12000, source="ORDER")
    entry, _ = _append(user, kind="accrual", amount=15000, source="ORDER")
    wallet = Wallet.objects.get(client=user)
    assert (wallet.balance, wallet.points, wallet.level) == (27000, 13500, "GOLD")
    assert (entry.balance_before, entry.balance_after, entry.points_earned) == (
        12000,
        27000,
        7500,
    )
    assert entry.description == "Cashback accrual"


def test_gift_flag_on_first_minus_35000_only(user):
    _append(user, kind="manual_credit", amount=35000)
    assert Wallet.objects.get(client=user).giftget is False
    _append(user, kind="correction", amount=-35000)
    assert Wallet.objects.get(client=user).giftget is True


def test_reconciliation_sets_no_gift_flag_and_notifies_no_one(user):
    _append(user, kind="manual_credit", amount=35000)
    Notification.objects.all().delete()
    with transaction.atomic():
        entry = reconciliation_append(wallet=wallet_lock(client=user), target_balance=0)
    wallet = Wallet.objects.get(client=user)
    assert entry.amount == -35000
    assert wallet.giftget is False
    assert not Notification.objects.exists()


def test_notification_in_the_clients_language(user, django_capture_on_commit_callbacks):
    DeviceRegistration.objects.create(client=user, device_type="android", language="uz")
    with django_capture_on_commit_callbacks() as callbacks:
        _append(user, kind="accrual", amount=15000)
        _append(user, kind="payment", amount=-5000)
    spent, accrual = Notification.objects.order_by("-id")
    assert (accrual.title, accrual.description) == (
        "Cashback qo‘shildi",
        "+15000 so‘m hisobingizga cashback qo‘shildi!",
    )
    assert accrual.payload == {"type": "cashback_accrual", "amount": "15000"}
    assert (spent.notification_type, spent.payload) == (
        "cashback_spent",
        {"type": "cashback_spent", "amount": "-5000"},
    )
    assert spent.description == "-5000 so‘m cashbackdan ishlatildi"
    assert len(callbacks) == 2


def test_balance_never_goes_negative(user):
    _append(user, kind="accrual", amount=1000)
    with pytest.raises(NegativeBalance):
        _append(user, kind="payment", amount=-1001)
    assert Wallet.objects.get(client=user).balance == 1000
    assert LedgerEntry.objects.count() == 1


def test_duplicate_event_key_changes_nothing(user):
    _append(user, kind="accrual", amount=1000, iiko_event_key="evt-1")
    with transaction.atomic():
        wallet = wallet_lock(client=user)
        with pytest.raises(IntegrityError):
            ledger_entry_append(
                wallet=wallet, kind="accrual", amount=1000, iiko_event_key="evt-1"
            )
    wallet = Wallet.objects.get(client=user)
    assert (wallet.balance, LedgerEntry.objects.count()) == (1000, 1)
