"""Sessions survive the switch: tokens minted by the original work after the import."""

from __future__ import annotations

import datetime as dt

import jwt
import pytest
from django.conf import settings

from tests.importer.conftest import run_import

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _original_token(**claims) -> str:
    """An access token as the original's later version minted it: no actor_type, no iat."""
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=30)
    return jwt.encode(
        {**claims, "exp": expires}, settings.JWT_SECRET_KEY, algorithm="HS256"
    )


def test_client_token_of_the_original_is_accepted_by_auth_me(
    original, original_media, api_client
):
    run_import(original, "--media-dir", str(original_media))

    response = api_client.get(
        "/api/v1/auth/me",
        HTTP_AUTHORIZATION=f"Bearer {_original_token(sub='10', type='CLIENT')}",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["type"] == "CLIENT"
    assert (body["profile"]["id"], body["profile"]["phone"]) == (10, "+998901234567")
    assert body["profile"]["cashback_balance"] == 27016


def test_staff_token_of_the_original_is_accepted_by_auth_me(
    original, original_media, api_client
):
    run_import(original, "--media-dir", str(original_media))
    token = _original_token(sub="1", type="STAFF", role="MANAGER")

    response = api_client.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["type"], body["profile"]["id"]) == ("STAFF", 1)


def test_token_of_a_deleted_client_is_refused(original, original_media, api_client):
    run_import(original, "--media-dir", str(original_media))

    response = api_client.get(
        "/api/v1/auth/me",
        HTTP_AUTHORIZATION=f"Bearer {_original_token(sub='13', type='CLIENT')}",
    )

    assert response.status_code == 401
