"""A cashback ledger entry reaches a connected client as a frame (domain §10.1)."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction

from cashback.services import ledger_entry_append, reconciliation_append, wallet_lock
from notifications.models import DeviceRegistration
from sardoba.asgi import application
from tests.notifications.factories import access_token, make_client

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@database_sync_to_async
def _client(language):
    client = make_client()
    DeviceRegistration.objects.create(
        client=client, device_type="ios", language=language
    )
    return client, access_token(client)


@database_sync_to_async
def _append(client, amount):
    with transaction.atomic():
        wallet = wallet_lock(client=client)
        return ledger_entry_append(wallet=wallet, kind="accrual", amount=amount).pk


async def _connect(token):
    communicator = WebsocketCommunicator(
        application,
        "/api/v1/notifications/ws",
        headers=[(b"authorization", f"Bearer {token}".encode())],
    )
    assert (await communicator.connect())[0] is True
    return communicator


async def test_accrual_arrives_in_the_clients_language():
    client, token = await _client("uz")
    communicator = await _connect(token)
    await _append(client, 15000)
    frame = json.loads(await communicator.receive_from(timeout=3))
    assert frame["title"] == "Cashback qo‘shildi"
    assert frame["description"] == "+15000 so‘m hisobingizga cashback qo‘shildi!"
    assert frame["type"] == "cashback_accrual"
    assert frame["language"] == "uz"
    assert frame["payload"] == {"type": "cashback_accrual", "amount": "15000"}
    await communicator.disconnect()


async def test_reconciliation_sends_no_frame():
    client, token = await _client("ru")
    communicator = await _connect(token)

    @database_sync_to_async
    def reconcile():
        with transaction.atomic():
            wallet = wallet_lock(client=client)
            reconciliation_append(wallet=wallet, target_balance=5000)

    await reconcile()
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()
