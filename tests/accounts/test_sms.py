"""SMS delivery against a loopback server playing Eskiz (`domain-rules.md` §15)."""

from __future__ import annotations

import pytest
from werkzeug import Response

from accounts.models import AuthLog, OtpCode
from tests.accounts.helpers import assert_error, request_otp, verify_otp

pytestmark = pytest.mark.django_db


@pytest.fixture
def eskiz(settings, httpserver):
    settings.SMS_DRY_RUN = False
    settings.ESKIZ_LOGIN = "sardoba@example.uz"
    settings.ESKIZ_PASSWORD = "eskiz-secret"
    settings.ESKIZ_FROM_WHOM = "4546"
    settings.ESKIZ_API_URL = httpserver.url_for("/api")
    settings.ESKIZ_SMS_TEMPLATE = "Kod {code}."
    return httpserver


def _login_ok(server, token="tok-1"):  # noqa: S107
    server.expect_ordered_request(
        "/api/auth/login",
        method="POST",
        data="email=sardoba%40example.uz&password=eskiz-secret",
    ).respond_with_json({"data": {"token": token}})


def test_sends_the_code_with_template_and_sender(api_client, user, eskiz):
    _login_ok(eskiz)
    eskiz.expect_ordered_request(
        "/api/message/sms/send",
        method="POST",
        headers={"Authorization": "Bearer tok-1"},
        data="mobile_phone=998901234567&message=Kod+4321.&from=4546",
    ).respond_with_json({"status": "waiting"})
    # when
    assert request_otp(api_client).status_code == 204
    # then
    eskiz.check_assertions()
    assert len(eskiz.log) == 2
    # the token is cached: the next SMS skips the login
    eskiz.clear()
    eskiz.expect_request("/api/message/sms/send").respond_with_json({"ok": 1})
    OtpCode.objects.update(consumed_at="2026-01-01T00:00:00Z")
    assert request_otp(api_client).status_code == 204
    assert [r.path for r, _ in eskiz.log] == ["/api/message/sms/send"]


def test_relogin_once_after_401(api_client, user, eskiz):
    from django.core.cache import cache

    cache.set("eskiz:token", "stale", 60)
    eskiz.expect_ordered_request(
        "/api/message/sms/send", headers={"Authorization": "Bearer stale"}
    ).respond_with_json({"message": "expired"}, status=401)
    _login_ok(eskiz, "fresh")
    eskiz.expect_ordered_request(
        "/api/message/sms/send", headers={"Authorization": "Bearer fresh"}
    ).respond_with_json({"status": "waiting"})
    assert request_otp(api_client).status_code == 204
    eskiz.check_assertions()
    assert cache.get("eskiz:token") == "fresh"


def test_provider_failure_is_502_and_supersedes_the_code(api_client, user, eskiz):
    _login_ok(eskiz)
    eskiz.expect_ordered_request("/api/message/sms/send").respond_with_response(
        Response("bad", status=500)
    )
    response = request_otp(api_client)
    assert_error(response, 502, "sms_failed")
    assert OtpCode.objects.get().is_superseded is True
    assert AuthLog.objects.get(action="OTP_REQUEST").status == "failed"
    # the failed code is not a pending code, and starts no cooldown
    assert_error(verify_otp(api_client), 400, "invalid_otp")


def test_unreachable_provider_is_502(api_client, user, settings):
    settings.SMS_DRY_RUN = False
    settings.ESKIZ_LOGIN = "a"
    settings.ESKIZ_PASSWORD = "b"
    settings.ESKIZ_API_URL = "http://127.0.0.1:9"  # discard port: refused
    assert_error(request_otp(api_client), 502, "sms_failed")


def test_not_configured_is_502_and_issues_nothing(api_client, user, settings):
    settings.SMS_DRY_RUN = False
    settings.ESKIZ_LOGIN = ""
    settings.ESKIZ_PASSWORD = ""
    assert_error(request_otp(api_client), 502, "sms_not_configured")
    assert not OtpCode.objects.exists()


def test_eskiz_works_through_a_cache_outage(api_client, user, eskiz, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
        }
    }
    _login_ok(eskiz)
    eskiz.expect_ordered_request("/api/message/sms/send").respond_with_json({"ok": 1})
    assert request_otp(api_client).status_code == 204
    eskiz.check_assertions()
