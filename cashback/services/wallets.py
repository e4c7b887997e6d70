from __future__ import annotations

from django.db import IntegrityError, transaction

from accounts.models import Client
from cashback.models import Wallet


def wallet_get_or_create(*, client: Client) -> Wallet:
    """Return the client's wallet, creating it race-safely (one per client).

    Two racing first credits both try the insert; the unique key lets exactly one
    win and the other reads the winner's row.
    """
    wallet = Wallet.objects.filter(client_id=client.pk).first()
    if wallet is not None:
        return wallet
    try:
        with transaction.atomic():
            return Wallet.objects.create(client=client)
    except IntegrityError:
        return Wallet.objects.get(client_id=client.pk)
