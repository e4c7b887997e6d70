"""Small helpers shared by the accounts API tests."""

from __future__ import annotations

from typing import Any

PHONE = "+998901234567"


def request_otp(
    api_client: Any, phone: str = PHONE, purpose: str = "login", **extra: Any
):
    return api_client.post(
        "/api/v1/auth/client/request-otp", {"phone": phone, "purpose": purpose}, **extra
    )


def verify_otp(
    api_client: Any,
    code: str = "4321",
    phone: str = PHONE,
    purpose: str = "login",
    **fields: Any,
):
    body = {"phone": phone, "code": code, "purpose": purpose, **fields}
    return api_client.post("/api/v1/auth/client/verify-otp", body)


def assert_error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert set(body["detail"]) == {"uz", "ru", "en"}
