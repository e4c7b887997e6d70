from __future__ import annotations

import pytest
from rest_framework.test import APIClient

WEBHOOK_SECRET = "s3cret-webhook-value"


@pytest.fixture
def iiko_secret(settings) -> str:
    settings.IIKO_WEBHOOK_SECRET = WEBHOOK_SECRET
    return WEBHOOK_SECRET


@pytest.fixture
def iiko_client(iiko_secret) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_WEBHOOK_SECRET=iiko_secret)
    return client
