"""API conventions of `mobile-api.md` §2 and §4 that every route shares."""

from __future__ import annotations

import pytest
from django.urls import path
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from sardoba.exceptions import ApplicationError, RateLimited
from sardoba.messages import MESSAGES

pytestmark = pytest.mark.django_db


class _Echo(serializers.Serializer):
    amount = serializers.IntegerField()
    password = serializers.CharField()


class _ProbeView(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    def get(self, request):
        kind = request.query_params.get("kind")
        if kind == "domain":
            raise ApplicationError(code="invalid_otp", status=400)
        if kind == "rate":
            raise RateLimited(retry_after=61)
        if kind == "boom":
            raise RuntimeError("database connect failure with secret")
        return Response({"amount": 15000})

    def post(self, request):
        s = _Echo(data=request.data)
        s.is_valid(raise_exception=True)
        return Response({"ok": True})


urlpatterns = [path("api/v1/_probe", _ProbeView.as_view())]


@pytest.fixture
def probe_urls(settings):
    import sardoba.urls

    settings.ROOT_URLCONF = __name__
    global urlpatterns
    urlpatterns = [
        path("api/v1/_probe", _ProbeView.as_view()),
        *sardoba.urls.urlpatterns,
    ]
    return settings


def test_unknown_api_path_is_a_json_404(api_client):
    # when
    response = api_client.get("/api/v1/does-not-exist")
    # then
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {
        "detail": {"uz": "Topilmadi.", "ru": "Не найдено.", "en": "Not found"},
        "code": "not_found",
    }


def test_unknown_api_path_is_json_for_post_too(api_client):
    response = api_client.post("/api/v1/nothing/here", {"a": 1}, format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_wrong_method_is_a_json_405(api_client):
    response = api_client.delete("/api/v1/health")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert set(response.json()["detail"]) == {"uz", "ru", "en"}


def test_trailing_slash_is_served_not_redirected(api_client):
    response = api_client.get("/api/v1/health/")
    assert response.status_code == 200
    assert [item["name"] for item in response.json()] == ["postgres", "redis", "queue"]


def test_domain_error_has_the_localized_envelope(api_client, probe_urls):
    response = api_client.get("/api/v1/_probe", {"kind": "domain"})
    assert response.status_code == 400
    assert response.json() == {
        "detail": {
            "uz": "SMS kodi noto'g'ri.",
            "ru": "Неверный SMS-код.",
            "en": "Invalid OTP code",
        },
        "code": "invalid_otp",
    }


def test_rate_limit_carries_retry_after_and_minutes(api_client, probe_urls):
    response = api_client.get("/api/v1/_probe", {"kind": "rate"})
    assert response.status_code == 429
    assert response["Retry-After"] == "61"
    assert (
        response.json()["detail"]["en"] == "Too many requests. Try again in 2 minutes."
    )


def test_validation_error_lists_locations_and_never_echoes_the_body(
    api_client, probe_urls
):
    response = api_client.post(
        "/api/v1/_probe", {"amount": "not-a-number", "password": ""}, format="json"
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert {tuple(item["loc"]) for item in body["detail"]} == {
        ("body", "amount"),
        ("body", "password"),
    }
    assert "not-a-number" not in response.content.decode()


def test_malformed_json_is_a_422_in_the_list_shape(api_client, probe_urls):
    response = api_client.generic(
        "POST", "/api/v1/_probe", "{not json", content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["detail"][0]["loc"] == ["body"]


def test_unhandled_error_is_a_json_500_without_internals(probe_urls):
    from rest_framework.test import APIClient

    client = APIClient(raise_request_exception=False)
    response = client.get("/api/v1/_probe", {"kind": "boom"})
    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
    assert "connect" not in response.content.decode().lower()
    assert "secret" not in response.content.decode()


def test_money_is_a_json_integer(api_client, probe_urls):
    response = api_client.get("/api/v1/_probe")
    assert response.content == b'{"amount":15000}'


def test_correlation_id_is_echoed_or_made(api_client):
    given = api_client.get("/api/v1/health/live", HTTP_X_CORRELATION_ID="abc-123")
    made = api_client.get("/api/v1/health/live")
    assert given["X-Correlation-ID"] == "abc-123"
    assert len(made["X-Correlation-ID"]) == 32


def test_no_cors_headers_unless_configured(api_client, settings):
    response = api_client.get("/api/v1/health/live", HTTP_ORIGIN="https://evil.example")
    assert "Access-Control-Allow-Origin" not in response
    settings.CORS_ORIGINS = ["https://admin.example"]
    allowed = api_client.get("/api/v1/health/live", HTTP_ORIGIN="https://admin.example")
    assert allowed["Access-Control-Allow-Origin"] == "https://admin.example"


def test_every_message_row_has_all_three_languages():
    for code, row in MESSAGES.items():
        assert all((row.en, row.uz, row.ru)), code
    assert MESSAGES["rate_limited"].uz.startswith("Ko'p so'rov jonatildi")
    assert "connect" not in MESSAGES["server_error"].en.lower()
