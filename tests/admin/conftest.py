"""Back-office fixtures: a Django test client signed in as a manager."""

from __future__ import annotations

import pytest
from django.test import Client as DjangoClient

from accounts.models import Staff


@pytest.fixture
def admin_browser(manager: Staff) -> DjangoClient:
    """A test client with a real admin session of `manager` (password sign-in)."""
    browser = DjangoClient()
    response = browser.post(
        "/admin/login/",
        {"username": manager.phone, "password": "manager-pass", "next": "/admin/"},
    )
    assert response.status_code == 302, response.content
    return browser
