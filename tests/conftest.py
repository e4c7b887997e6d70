"""Shared fixtures: API clients with real tokens, the cache cleared per test."""

from __future__ import annotations

import contextlib
import os

import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.models import Client, Staff, StaffRole
from accounts.tokens import token_pair_issue

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
ON_REDIS = bool(os.environ.get("REDIS_URL"))


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    skip_redis = pytest.mark.skip(reason="needs Redis (set REDIS_URL)")
    for item in items:
        if "postgres" in item.keywords and not ON_POSTGRES:
            item.add_marker(skip_pg)
        if "redis" in item.keywords and not ON_REDIS:
            item.add_marker(skip_redis)


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    from accounts.services.sign_in import sync_throttle_memo_clear
    from accounts.tokens import verified_access_tokens_forget

    with contextlib.suppress(Exception):  # a test may have stopped Redis on purpose
        cache.clear()
    # What a process remembers beside the cache goes with it (ids are reused).
    sync_throttle_memo_clear()
    verified_access_tokens_forget()


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


def bearer(client: APIClient, actor: Client | Staff) -> APIClient:
    """Authenticate `client` with a real access token of `actor`."""
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {token_pair_issue(actor=actor).access_token}"
    )
    return client


@pytest.fixture
def user(db) -> Client:
    return Client.objects.create(phone="+998901234567", name="Ali", surname="Valiyev")


@pytest.fixture
def manager(db) -> Staff:
    from accounts.services.staff import staff_create

    return staff_create(
        phone="+998900000001",
        name="Manager",
        password="manager-pass",
        role=StaffRole.MANAGER,
    )


@pytest.fixture
def waiter(db) -> Staff:
    from accounts.services.staff import staff_create

    return staff_create(
        phone="+998900000002",
        name="Dilnoza",
        password="waiter-pass",
        role=StaffRole.WAITER,
        branch_id=139235,
        referral_code="K7P2QX",
    )


@pytest.fixture
def auth_client(user: Client) -> APIClient:
    return bearer(APIClient(), user)


@pytest.fixture
def manager_client(manager: Staff) -> APIClient:
    return bearer(APIClient(), manager)


@pytest.fixture
def waiter_client(waiter: Staff) -> APIClient:
    return bearer(APIClient(), waiter)
