"""SMS delivery of sign-in codes (`domain-rules.md` §2.4, §15).

Two providers: a dry run that sends nothing and logs only the masked phone, and
Eskiz over `requests`. The code itself is never logged. Transport failures and
refusals become `SmsFailed`; missing credentials `SmsNotConfigured`.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

import requests
from django.conf import settings
from django.core.cache import cache

from accounts.exceptions import SmsFailed, SmsNotConfigured
from sardoba.logging import mask_phone

logger = logging.getLogger(__name__)

ESKIZ_TOKEN_CACHE_KEY = "eskiz:token"  # noqa: S105 (a cache key)
ESKIZ_TOKEN_TTL = 29 * 24 * 3600


def _cache_call(method: Any, *args: Any) -> Any:
    """Use the token cache if it answers; a cache outage only costs a login."""
    try:
        return method(*args)
    except Exception:
        logger.warning("cache unavailable for the eskiz token")
        return None


class SmsProvider(Protocol):
    def send(self, *, phone: str, text: str) -> None:
        """Deliver `text` to `phone` (`+998…`) or raise `SmsFailed`."""


class DryRunSmsProvider:
    """Sends nothing; logs the masked phone only."""

    def send(self, *, phone: str, text: str) -> None:
        logger.info("sms dry run", extra={"phone": mask_phone(phone)})


class EskizSmsProvider:
    """Eskiz (`notify.eskiz.uz`): bearer token cached, one re-login after a 401."""

    def __init__(self, *, base_url: str, login: str, password: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.login = login
        self.password = password
        self.timeout = settings.SMS_HTTP_TIMEOUT

    def _post(self, path: str, data: dict[str, str], token: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            return requests.post(
                self.base_url + path, data=data, headers=headers, timeout=self.timeout
            )
        except requests.RequestException as exc:
            logger.warning("eskiz unreachable", extra={"error": type(exc).__name__})
            raise SmsFailed() from exc

    def _token(self, *, fresh: bool = False) -> str:
        if not fresh:
            cached = _cache_call(cache.get, ESKIZ_TOKEN_CACHE_KEY)
            if cached:
                return str(cached)
        response = self._post(
            "/auth/login", {"email": self.login, "password": self.password}
        )
        try:
            token = response.json()["data"]["token"] if response.ok else None
        except (ValueError, KeyError, TypeError):
            token = None
        if not token:
            logger.warning(
                "eskiz login refused", extra={"status": response.status_code}
            )
            raise SmsFailed()
        _cache_call(cache.set, ESKIZ_TOKEN_CACHE_KEY, token, ESKIZ_TOKEN_TTL)
        return str(token)

    def send(self, *, phone: str, text: str) -> None:
        data = {
            "mobile_phone": phone.lstrip("+"),
            "message": text,
            "from": settings.ESKIZ_FROM_WHOM,
        }
        response = self._post("/message/sms/send", data, self._token())
        if response.status_code == 401:
            _cache_call(cache.delete, ESKIZ_TOKEN_CACHE_KEY)
            response = self._post("/message/sms/send", data, self._token(fresh=True))
        if not response.ok:
            logger.warning(
                "eskiz refused the sms",
                extra={"status": response.status_code, "phone": mask_phone(phone)},
            )
            raise SmsFailed()
        logger.info("sms sent", extra={"phone": mask_phone(phone)})


def sms_provider_get() -> SmsProvider:
    """The configured provider; dry run off without credentials -> 502."""
    if settings.SMS_DRY_RUN:
        return DryRunSmsProvider()
    if not settings.ESKIZ_LOGIN or not settings.ESKIZ_PASSWORD:
        raise SmsNotConfigured()
    return EskizSmsProvider(
        base_url=settings.ESKIZ_API_URL,
        login=settings.ESKIZ_LOGIN,
        password=settings.ESKIZ_PASSWORD,
    )


def otp_sms_text(code: str) -> str:
    return settings.ESKIZ_SMS_TEMPLATE.replace("{code}", code)
