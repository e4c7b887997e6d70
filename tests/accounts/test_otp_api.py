"""Client OTP flow (mobile M1, M2; `domain-rules.md` §2-3)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from accounts.models import AuthLog, Client, OtpCode
from cashback.models import Card, IikoJob, Wallet
from sardoba.messages import message_texts
from tests.accounts.helpers import PHONE, assert_error, request_otp, verify_otp

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)


def _register(api_client, phone=PHONE, **fields):
    assert request_otp(api_client, phone, "register").status_code == 204
    return verify_otp(api_client, phone=phone, purpose="register", **fields)


def test_register_creates_client_wallet_card_and_sync_job(api_client, waiter):
    # when
    response = _register(
        api_client,
        name="  Ali ",
        date_of_birth="1995-03-15",
        referral_code="k7p2qx",
        waiter_referral_code="nothing",
    )
    # then
    assert response.status_code == 200
    tokens = response.json()["tokens"]
    assert set(tokens) == {"access_token", "refresh_token", "token_type"}
    assert tokens["token_type"] == "bearer"
    client = Client.objects.get(phone=PHONE)
    assert (client.name, client.date_of_birth, client.waiter_id) == (
        "Ali",
        dt.date(1995, 3, 15),
        waiter.pk,
    )
    assert Wallet.objects.filter(client=client).exists()
    assert Card.objects.filter(client=client).count() == 1
    job = IikoJob.objects.get(client=client)
    assert (job.operation, job.payload) == ("sync_user", {"create_if_missing": True})
    log = AuthLog.objects.get(action="OTP_VERIFICATION")
    assert log.meta["registered"] is True
    assert log.actor_id == client.pk
    # the new token works on /auth/me at once
    me = api_client.get(
        "/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}"
    )
    assert me.status_code == 200


def test_waiter_referral_code_alias_links_the_waiter(api_client, waiter):
    response = _register(api_client, name="Ali", waiter_referral_code="K7P2QX")
    assert response.status_code == 200
    assert Client.objects.get(phone=PHONE).waiter_id == waiter.pk


def test_login_ensures_a_card_and_queues_sync(api_client, user):
    # given an old account without a card
    assert request_otp(api_client, "90 123 45 67").status_code == 204
    # when
    response = verify_otp(api_client, phone="+901234567")
    # then
    assert response.status_code == 200
    assert Card.objects.filter(client=user).count() == 1
    assert IikoJob.objects.get(client=user).operation == "sync_user"
    otp = OtpCode.objects.get()
    assert otp.consumed_at is not None


def test_request_otp_logs_and_stores_only_a_hash(api_client, user):
    assert request_otp(api_client).status_code == 204
    otp = OtpCode.objects.get()
    from accounts.services.otp import otp_hash

    # a keyed hash of phone, purpose and code; no field holds the code itself
    assert otp.code_hash == otp_hash(phone=PHONE, purpose="login", code="4321")
    assert otp.code_hash != otp_hash(phone=PHONE, purpose="register", code="4321")
    assert "4321" not in {str(v) for v in otp.__dict__.values()}
    log = AuthLog.objects.get(action="OTP_REQUEST")
    assert (log.status, log.phone, log.actor_id, log.meta) == (
        "sent",
        PHONE,
        user.pk,
        {"purpose": "login", "otp_id": otp.pk},
    )


def test_random_codes_have_otp_length_digits(api_client, user, settings):
    settings.OTP_STATIC_CODE = ""
    settings.OTP_LENGTH = 4
    assert request_otp(api_client).status_code == 204
    # a static-code guess is just a wrong guess now (1 in 10^4 it is right)
    otp = OtpCode.objects.get()
    from accounts.services.otp import otp_hash

    matches = [
        f"{n:04d}"
        for n in range(10000)
        if otp_hash(phone=PHONE, purpose="login", code=f"{n:04d}") == otp.code_hash
    ]
    assert len(matches) == 1


@pytest.mark.parametrize(
    ("_case", "purpose", "status", "code"),
    [
        ("login unknown", "login", 404, "user_not_registered"),
    ],
)
def test_request_otp_unknown_phone(api_client, _case, purpose, status, code):
    response = request_otp(api_client, purpose=purpose)
    assert_error(response, status, code)
    assert response.json()["detail"] == message_texts(code)
    assert not OtpCode.objects.exists()


def test_request_otp_register_existing_is_409(api_client, user):
    assert_error(request_otp(api_client, purpose="register"), 409, "user_exists")
    assert not OtpCode.objects.exists()


@pytest.mark.parametrize("purpose", ["login", "register"])
def test_request_otp_deactivated_is_403(api_client, user, purpose):
    user.is_active = False
    user.save()
    assert_error(request_otp(api_client, purpose=purpose), 403, "account_inactive")


@pytest.mark.parametrize("phone", ["+99918215456", "+7 999 123 45 67", "", "abc"])
def test_request_otp_invalid_phone(api_client, phone):
    assert_error(request_otp(api_client, phone), 422, "invalid_phone")


def test_unknown_purpose_is_login(api_client, user):
    assert request_otp(api_client, purpose="weird").status_code == 204
    assert OtpCode.objects.get().purpose == "login"


def test_verify_errors_for_malformed_input(api_client, user):
    assert_error(verify_otp(api_client, phone="123"), 422, "invalid_phone")
    assert_error(
        verify_otp(api_client, purpose="register", date_of_birth="15/03/1995"),
        422,
        "invalid_date",
    )
    assert_error(
        verify_otp(api_client, purpose="register", date_of_birth="2999-01-01"),
        422,
        "invalid_date",
    )


def test_verify_without_code_issued(api_client, user):
    assert_error(verify_otp(api_client), 400, "invalid_otp")
    assert AuthLog.objects.get(action="OTP_FAILED").meta["reason"] == "no_pending_code"


def test_verify_purpose_mismatch(api_client, user):
    request_otp(api_client)
    assert_error(verify_otp(api_client, purpose="register"), 400, "invalid_otp")


def test_expiry(api_client, user):
    with time_machine.travel(T0, tick=False):
        assert request_otp(api_client).status_code == 204
    with time_machine.travel(T0 + dt.timedelta(minutes=4, seconds=59), tick=False):
        assert verify_otp(api_client, code="0000").status_code == 400
    with time_machine.travel(T0 + dt.timedelta(minutes=5), tick=False):
        assert_error(verify_otp(api_client), 400, "otp_expired")
    assert OtpCode.objects.get().consumed_at is None


def test_attempt_limit_burns_the_code(api_client, user):
    request_otp(api_client)
    for _ in range(5):
        assert_error(verify_otp(api_client, code="0000"), 400, "invalid_otp")
    assert OtpCode.objects.get().attempts == 5
    # the right code no longer works
    assert_error(verify_otp(api_client), 400, "otp_attempts_exceeded")
    assert OtpCode.objects.get().consumed_at is None


def test_only_the_newest_code_is_valid(api_client, user, settings):
    settings.OTP_RESEND_COOLDOWN_SECONDS = 0
    settings.OTP_STATIC_CODE = "1111"
    with time_machine.travel(T0, tick=False):
        request_otp(api_client)
    settings.OTP_STATIC_CODE = "2222"
    with time_machine.travel(T0 + dt.timedelta(seconds=61), tick=False):
        request_otp(api_client)
        assert_error(verify_otp(api_client, code="1111"), 400, "invalid_otp")
        assert verify_otp(api_client, code="2222").status_code == 200
    old, new = OtpCode.objects.order_by("id")
    assert old.is_superseded
    assert new.attempts == 1


def test_consumed_code_cannot_be_reused(api_client, user):
    request_otp(api_client)
    assert verify_otp(api_client).status_code == 200
    assert_error(verify_otp(api_client), 400, "invalid_otp")


def test_cooldown_then_allowed_and_consumed_code_starts_none(api_client, user):
    with time_machine.travel(T0, tick=False):
        assert request_otp(api_client).status_code == 204
    with time_machine.travel(T0 + dt.timedelta(seconds=30), tick=False):
        response = request_otp(api_client)
        assert_error(response, 429, "rate_limited")
        assert response["Retry-After"] == "30"
        assert response.json()["detail"] == message_texts("rate_limited", N=1)
        # a consumed code starts no cooldown
        assert verify_otp(api_client).status_code == 200
        assert request_otp(api_client).status_code == 204
    log = AuthLog.objects.get(action="RATE_LIMITED")
    assert log.meta == {"scope": "cooldown", "purpose": "login"}
    assert OtpCode.objects.count() == 2


def test_per_phone_cap_over_a_rolling_hour(api_client, user, settings):
    settings.OTP_RESEND_COOLDOWN_SECONDS = 0
    for minute in range(5):
        with time_machine.travel(T0 + dt.timedelta(minutes=minute), tick=False):
            assert request_otp(api_client).status_code == 204
    with time_machine.travel(T0 + dt.timedelta(minutes=30), tick=False):
        response = request_otp(api_client)
        assert_error(response, 429, "rate_limited")
        assert response["Retry-After"] == str(30 * 60)
    with time_machine.travel(T0 + dt.timedelta(minutes=60, seconds=1), tick=False):
        assert request_otp(api_client).status_code == 204
    assert OtpCode.objects.count() == 6


def test_register_is_throttled_too(api_client, settings):
    settings.OTP_RESEND_COOLDOWN_SECONDS = 60
    assert request_otp(api_client, purpose="register").status_code == 204
    assert_error(request_otp(api_client, purpose="register"), 429, "rate_limited")


def test_per_ip_cap_counts_refused_calls(api_client, settings):
    settings.OTP_IP_RATE_LIMIT_PER_HOUR = 3
    with time_machine.travel(T0, tick=False):
        for _ in range(3):
            # unknown phones: refused with 404, still counted against the IP
            assert_error(request_otp(api_client), 404, "user_not_registered")
        response = request_otp(api_client)
        assert_error(response, 429, "rate_limited")
        assert response["Retry-After"] == "3600"
    assert AuthLog.objects.get(action="RATE_LIMITED").meta["scope"] == "ip"


def test_ip_from_forwarded_header_only_with_trusted_proxies(api_client, settings, user):
    settings.OTP_IP_RATE_LIMIT_PER_HOUR = 1
    settings.OTP_RESEND_COOLDOWN_SECONDS = 0
    # a client-supplied header is ignored: both calls come from the same peer
    request_otp(api_client, HTTP_X_FORWARDED_FOR="1.1.1.1")
    assert_error(
        request_otp(api_client, HTTP_X_FORWARDED_FOR="2.2.2.2"), 429, "rate_limited"
    )
    settings.TRUSTED_PROXY_COUNT = 1
    assert (
        request_otp(api_client, HTTP_X_FORWARDED_FOR="9.9.9.9, 3.3.3.3").status_code
        == 204
    )
    assert OtpCode.objects.order_by("id").last().ip == "3.3.3.3"


def test_bypass_phone_skips_request_limits_not_attempts(api_client, user, settings):
    settings.OTP_RATE_LIMIT_BYPASS_PHONES = ["998 90 123 45 67"]
    settings.OTP_IP_RATE_LIMIT_PER_HOUR = 1
    for _ in range(7):
        assert request_otp(api_client).status_code == 204
    for _ in range(5):
        verify_otp(api_client, code="0000")
    assert_error(verify_otp(api_client), 400, "otp_attempts_exceeded")


def test_demo_phone_uses_demo_code_without_sms(api_client, settings, httpserver):
    settings.DEMO_PHONE = "+998 99 000 00 00"
    settings.OTP_DEMO_CODE = "1111"
    settings.SMS_DRY_RUN = False
    settings.ESKIZ_LOGIN = "x"
    settings.ESKIZ_PASSWORD = "y"
    settings.ESKIZ_API_URL = httpserver.url_for("/api")
    Client.objects.create(phone="+998990000000", name="Review")
    for _ in range(7):  # no throttle for the demo phone
        assert request_otp(api_client, "+998990000000").status_code == 204
    assert verify_otp(api_client, code="1111", phone="+998990000000").status_code == 200
    assert httpserver.log == []


def test_deactivated_client_cannot_verify(api_client, user):
    request_otp(api_client)
    user.is_active = False
    user.save()
    assert_error(verify_otp(api_client), 403, "account_inactive")
    otp = OtpCode.objects.get()
    assert (otp.consumed_at, otp.attempts) == (None, 0)


def test_register_with_unknown_referral_code(api_client, waiter):
    request_otp(api_client, purpose="register")
    response = verify_otp(
        api_client, purpose="register", name="A", referral_code="NOPE"
    )
    assert_error(response, 404, "invalid_referral_code")
    assert not Client.objects.exists()
    otp = OtpCode.objects.get()
    assert (otp.consumed_at, otp.attempts) == (None, 0)


def test_register_with_inactive_waiters_code(api_client, waiter):
    waiter.is_active = False
    waiter.save()
    request_otp(api_client, purpose="register")
    response = verify_otp(api_client, purpose="register", referral_code="K7P2QX")
    assert_error(response, 404, "invalid_referral_code")


def test_register_when_someone_registered_meanwhile(api_client):
    request_otp(api_client, purpose="register")
    Client.objects.create(phone=PHONE)
    assert_error(verify_otp(api_client, purpose="register"), 409, "user_exists")


def test_login_when_account_vanished_meanwhile(api_client, user):
    request_otp(api_client)
    user.phone = "+999000000001"
    user.is_deleted = True
    user.save()
    assert_error(verify_otp(api_client), 404, "user_not_registered")


def test_date_of_birth_formats(api_client):
    request_otp(api_client, purpose="register")
    verify_otp(api_client, purpose="register", date_of_birth="15.03.1995")
    assert Client.objects.get().date_of_birth == dt.date(1995, 3, 15)


def test_null_purpose_and_phone(api_client, user):
    response = api_client.post(
        "/api/v1/auth/client/request-otp", {"phone": PHONE, "purpose": None}
    )
    assert response.status_code == 204
    assert_error(
        api_client.post("/api/v1/auth/client/request-otp", {"phone": None}),
        422,
        "invalid_phone",
    )
    missing_code = api_client.post(
        "/api/v1/auth/client/verify-otp", {"phone": PHONE, "purpose": "login"}
    )
    assert missing_code.status_code == 422
    assert missing_code.json()["detail"][0]["loc"] == ["body", "code"]
