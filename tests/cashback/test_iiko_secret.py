"""The shared secret of `/iiko/*` (`staff-api.md` §16.1) and check-user (§16.3)."""

from __future__ import annotations

import logging

import pytest
from rest_framework.test import APIClient

from cashback.models import LedgerEntry

pytestmark = pytest.mark.django_db

PATHS = ["/api/v1/iiko/webhook", "/api/v1/iiko/check-user"]


def _body(user, **extra):
    return {
        "id": "s1",
        "transactionType": "Accrual",
        "sum": 100,
        "phone": user.phone,
        **extra,
    }


@pytest.mark.parametrize("path", PATHS)
def test_unset_secret_answers_503(settings, user, path):
    settings.IIKO_WEBHOOK_SECRET = ""
    response = APIClient().post(
        path, _body(user, subscriptionPassword=""), format="json"
    )
    assert response.status_code == 503
    assert response.json() == {"detail": "Webhook is not configured"}
    assert not LedgerEntry.objects.exists()


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    ("_case", "headers", "extra"),
    [
        ("none", {}, {}),
        ("wrong header", {"HTTP_X_WEBHOOK_SECRET": "nope"}, {}),
        ("wrong bearer", {"HTTP_AUTHORIZATION": "Bearer nope"}, {}),
        ("wrong password", {}, {"subscriptionPassword": "nope"}),
        ("prefix of the secret", {"HTTP_X_WEBHOOK_SECRET": "s3cret"}, {}),
    ],
)
def test_wrong_or_missing_secret_answers_401(
    iiko_secret, user, path, _case, headers, extra
):
    response = APIClient().post(path, _body(user, **extra), format="json", **headers)
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid webhook secret"}
    assert not LedgerEntry.objects.exists()


@pytest.mark.parametrize(
    ("_case", "headers", "extra"),
    [
        ("header", {"HTTP_X_WEBHOOK_SECRET": "s3cret-webhook-value"}, {}),
        ("bearer", {"HTTP_AUTHORIZATION": "Bearer s3cret-webhook-value"}, {}),
        ("bare authorization", {"HTTP_AUTHORIZATION": "s3cret-webhook-value"}, {}),
        ("subscriptionPassword", {}, {"subscriptionPassword": "s3cret-webhook-value"}),
    ],
)
def test_each_way_of_giving_the_secret_works(iiko_secret, user, _case, headers, extra):
    response = APIClient().post(
        PATHS[0], _body(user, **extra), format="json", **headers
    )
    assert response.status_code == 200
    assert LedgerEntry.objects.get().amount == 100


def test_subscription_password_is_never_logged(iiko_secret, user, caplog):
    with caplog.at_level(logging.DEBUG):
        APIClient().post(
            PATHS[0], _body(user, subscriptionPassword=iiko_secret), format="json"
        )
    assert "iiko webhook" in caplog.text
    assert iiko_secret not in caplog.text
    assert "subscriptionPassword" not in caplog.text


def test_check_user_finds_the_client(iiko_client, user):
    user.iiko_customer_id = "cust-9"
    user.save(update_fields=["iiko_customer_id"])
    response = iiko_client.post(PATHS[1], {"phone": "901234567"}, format="json")
    assert response.status_code == 200
    assert response.json() == {
        "id": str(user.pk),
        "phone": user.phone,
        "customerId": "cust-9",
    }


@pytest.mark.parametrize(
    ("_case", "body", "status", "detail"),
    [
        (
            "no identifier",
            {},
            400,
            "customerId, walletId or phone is required to locate the user",
        ),
        ("unknown", {"customerId": "x"}, 404, "User not found"),
        ("invalid phone", {"phone": "12"}, 404, "User not found"),
    ],
)
def test_check_user_refusals(iiko_client, user, _case, body, status, detail):
    response = iiko_client.post(PATHS[1], body, format="json")
    assert (response.status_code, response.json()) == (status, {"detail": detail})


def test_check_user_with_an_empty_body(iiko_client):
    response = iiko_client.post(PATHS[1], b"", content_type="application/json")
    assert response.status_code == 400


def test_any_accept_header_still_gets_json(iiko_client, user):
    response = iiko_client.post(
        PATHS[0], _body(user), format="json", HTTP_ACCEPT="text/plain"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
