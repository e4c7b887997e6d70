"""One-time sign-in codes: issue, throttle, deliver, verify (`domain-rules.md` §2, §3).

Throttles count database rows under a row lock (`ThrottleLock`), so the caps
are exact across processes. The code row is committed before the SMS is sent;
a failed SMS supersedes it. Codes live only as an HMAC over phone, purpose and
code and are never logged.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.exceptions import (
    AccountInactive,
    InvalidOtp,
    InvalidPhone,
    OtpAttemptsExceeded,
    OtpExpired,
    UserExists,
    UserNotRegistered,
)
from accounts.models import (
    AuthAction,
    Client,
    OtpCode,
    OtpIpHit,
    OtpPurpose,
)
from accounts.phones import client_phone_normalize
from accounts.services.logs import auth_log_write
from accounts.services.throttle import throttle_lock
from accounts.sms import otp_sms_text, sms_provider_get
from sardoba.api.request_meta import client_ip, user_agent
from sardoba.exceptions import ApplicationError, RateLimited
from sardoba.logging import mask_phone

logger = logging.getLogger(__name__)

HOUR = timedelta(hours=1)


def otp_purpose_parse(value: Any) -> str:
    """`register`, else `login` (any other value is treated as login)."""
    return OtpPurpose.REGISTER if value == OtpPurpose.REGISTER else OtpPurpose.LOGIN


def otp_hash(*, phone: str, purpose: str, code: str) -> str:
    """HMAC-SHA256 keyed with the server secret over phone, purpose and code."""
    message = f"{phone}\x1f{purpose}\x1f{code}".encode()
    key = ("otp:" + settings.SECRET_KEY).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _configured_phone(raw: str) -> str | None:
    try:
        return client_phone_normalize(raw) if raw else None
    except InvalidPhone:
        return None


def otp_demo_phone() -> str | None:
    return _configured_phone(settings.DEMO_PHONE)


def otp_is_throttle_exempt(phone: str | None) -> bool:
    """Bypass-list and demo phones skip the request limits (never the attempt limit)."""
    if phone is None:
        return False
    exempt = {_configured_phone(p) for p in settings.OTP_RATE_LIMIT_BYPASS_PHONES}
    exempt.add(otp_demo_phone())
    return phone in exempt - {None}


def otp_code_generate(*, phone: str) -> str:
    if phone == otp_demo_phone():
        return settings.OTP_DEMO_CODE
    if settings.OTP_STATIC_CODE:
        return settings.OTP_STATIC_CODE
    return "".join(secrets.choice("0123456789") for _ in range(settings.OTP_LENGTH))


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(math.ceil((moment - now).total_seconds()), 1)


def _refuse(
    *, scope: str, retry_after: int, phone: str, purpose: str, request: Any
) -> RateLimited:
    auth_log_write(
        action=AuthAction.RATE_LIMITED,
        phone=phone,
        request=request,
        purpose=purpose,
        meta={"scope": scope},
    )
    return RateLimited(retry_after=retry_after)


def otp_ip_hit(*, ip: str | None, phone: str, purpose: str, request: Any) -> None:
    """Count this call against the IP; 429 when the rolling hour is full."""
    if not ip:
        return
    with transaction.atomic():
        throttle_lock(f"otp:ip:{ip}")
        now = timezone.now()
        hits = OtpIpHit.objects.filter(ip=ip, created_at__gt=now - HOUR)
        limit = settings.OTP_IP_RATE_LIMIT_PER_HOUR
        if hits.count() >= limit:
            oldest = hits.order_by("-created_at")[limit - 1].created_at
            retry = _seconds_until(oldest + HOUR, now)
        else:
            OtpIpHit.objects.create(ip=ip)
            return
    raise _refuse(
        scope="ip", retry_after=retry, phone=phone, purpose=purpose, request=request
    )


def _account_check(*, phone: str, purpose: str) -> Client | None:
    client = Client.objects.not_deleted().filter(phone=phone).first()
    if purpose == OtpPurpose.LOGIN and client is None:
        raise UserNotRegistered()
    if client is not None and not client.is_active:
        raise AccountInactive()
    if purpose == OtpPurpose.REGISTER and client is not None:
        raise UserExists()
    return client


@dataclass(frozen=True, slots=True)
class _Refusal:
    scope: str
    retry_after: int


def _phone_limits(*, phone: str, now: datetime) -> _Refusal | None:
    """Per-phone rolling-hour cap and the resend cooldown; lock held."""
    codes = OtpCode.objects.filter(phone=phone)
    newest = codes.order_by("-created_at", "-id").first()
    cooldown = timedelta(seconds=settings.OTP_RESEND_COOLDOWN_SECONDS)
    if (
        newest is not None
        and newest.consumed_at is None
        and not newest.is_superseded
        and newest.created_at + cooldown > now
    ):
        return _Refusal("cooldown", _seconds_until(newest.created_at + cooldown, now))
    limit = settings.OTP_RATE_LIMIT_PER_HOUR
    recent = codes.filter(created_at__gt=now - HOUR).order_by("-created_at", "-id")
    if recent.count() >= limit:
        oldest = recent[limit - 1].created_at
        return _Refusal("phone", _seconds_until(oldest + HOUR, now))
    return None


def _code_issue(*, phone: str, purpose: str, code: str, request: Any) -> OtpCode:
    """Supersede the phone's earlier unconsumed codes and store the new one."""
    OtpCode.objects.filter(
        phone=phone, consumed_at__isnull=True, is_superseded=False
    ).update(is_superseded=True)
    return OtpCode.objects.create(
        phone=phone,
        purpose=purpose,
        code_hash=otp_hash(phone=phone, purpose=purpose, code=code),
        expires_at=timezone.now() + timedelta(minutes=settings.OTP_EXPIRATION_MINUTES),
        ip=client_ip(request) if request is not None else None,
        user_agent=user_agent(request) if request is not None else "",
    )


def otp_request(*, raw_phone: Any, purpose: Any, request: Any = None) -> OtpCode:
    """Issue and deliver a code (mobile M1); raise the spec's errors.

    Order (§2.3): per-IP limit, phone normalisation, account checks, per-phone
    limit and cooldown, code issued and committed, SMS sent.
    """
    purpose = otp_purpose_parse(purpose)
    try:
        phone: str | None = client_phone_normalize(raw_phone)
    except InvalidPhone:
        phone = None
    exempt = otp_is_throttle_exempt(phone)
    if not exempt:
        otp_ip_hit(
            ip=client_ip(request) if request is not None else None,
            phone=phone or "",
            purpose=purpose,
            request=request,
        )
    if phone is None:
        raise InvalidPhone()
    client = _account_check(phone=phone, purpose=purpose)
    demo = phone == otp_demo_phone()
    provider = None if demo else sms_provider_get()
    code = otp_code_generate(phone=phone)
    with transaction.atomic():
        throttle_lock(f"otp:phone:{phone}")
        refusal = None if exempt else _phone_limits(phone=phone, now=timezone.now())
        if refusal is None:
            otp = _code_issue(phone=phone, purpose=purpose, code=code, request=request)
    if refusal is not None:
        raise _refuse(
            scope=refusal.scope,
            retry_after=refusal.retry_after,
            phone=phone,
            purpose=purpose,
            request=request,
        )
    try:
        if provider is not None:
            provider.send(phone=phone, text=otp_sms_text(code))
    except ApplicationError:
        OtpCode.objects.filter(pk=otp.pk).update(is_superseded=True)
        _request_logged(otp=otp, client=client, request=request, status="failed")
        raise
    _request_logged(otp=otp, client=client, request=request, status="sent")
    return otp


def _request_logged(
    *, otp: OtpCode, client: Client | None, request: Any, status: str
) -> None:
    auth_log_write(
        action=AuthAction.OTP_REQUEST,
        phone=otp.phone,
        actor=client,
        request=request,
        purpose=otp.purpose,
        status=status,
        meta={"otp_id": otp.pk},
    )
    logger.info("otp issued", extra={"phone": mask_phone(otp.phone), "status": status})


def _failed(
    *, otp: OtpCode | None, phone: str, purpose: str, reason: str, request: Any
) -> None:
    auth_log_write(
        action=AuthAction.OTP_FAILED,
        phone=phone,
        request=request,
        purpose=purpose,
        meta={"otp_id": getattr(otp, "pk", None), "reason": reason},
    )


def otp_code_check(
    *, phone: str, purpose: str, code: str, request: Any
) -> tuple[OtpCode | None, ApplicationError | None]:
    """Lock the phone's newest code and check it (§2.2); run in a transaction.

    Returns the code, or the error to raise once the transaction has committed
    (a wrong code counts one attempt; the OTP_FAILED row is written). The caller
    consumes a good code with `otp_code_consume` in the same transaction.
    """
    otp = (
        OtpCode.objects.select_for_update()
        .filter(phone=phone)
        .order_by("-created_at", "-id")
        .first()
    )
    error: ApplicationError | None = None
    if (
        otp is None
        or otp.consumed_at is not None
        or otp.is_superseded
        or otp.purpose != purpose
    ):
        error, reason = InvalidOtp(), "no_pending_code"
    elif otp.expires_at <= timezone.now():
        error, reason = OtpExpired(), "expired"
    elif otp.attempts >= settings.OTP_MAX_ATTEMPTS:
        error, reason = OtpAttemptsExceeded(), "attempts_exceeded"
    elif not hmac.compare_digest(
        otp.code_hash, otp_hash(phone=phone, purpose=purpose, code=str(code))
    ):
        OtpCode.objects.filter(pk=otp.pk).update(attempts=F("attempts") + 1)
        error, reason = InvalidOtp(), "wrong_code"
    if error is not None:
        _failed(otp=otp, phone=phone, purpose=purpose, reason=reason, request=request)
    return otp, error


def otp_code_consume(*, otp: OtpCode) -> None:
    """Mark a checked code used; the lock taken by `otp_code_check` is held."""
    updated = OtpCode.objects.filter(pk=otp.pk, consumed_at__isnull=True).update(
        consumed_at=timezone.now()
    )
    if updated != 1:  # pragma: no cover - the row lock makes this unreachable
        raise InvalidOtp()


def otp_purge(*, now: datetime | None = None) -> int:
    """Delete code rows and IP hits older than `OTP_RETENTION_DAYS`."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.OTP_RETENTION_DAYS)
    deleted, _ = OtpCode.objects.filter(created_at__lt=cutoff).delete()
    OtpIpHit.objects.filter(created_at__lt=min(cutoff, timezone.now() - HOUR)).delete()
    return deleted
