"""The iiko Cloud API client (`domain-rules.md` §13.1, §13.2).

Owns the base URL, credentials, timeouts and retry rules, and maps transport
failures to domain exceptions: `IikoUnavailable` (retryable: connection errors,
timeouts, 5xx; `IikoBusy` for transient conditions that do not cost a job
attempt) apart from terminal `IikoRejected` / `IikoBadResponse`. It never runs
inside a database transaction (`iiko_client()` checks) and never on a mobile
request path: background jobs and the manager's on-demand sync call it.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

import requests
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from cashback.iiko_wire import (
    GENDER_BY_SEX,
    SEX_BY_GENDER,
    IikoBadResponse,
    IikoBusy,
    IikoCard,
    IikoCustomer,
    IikoError,
    IikoNotConfigured,
    IikoRejected,
    IikoTimeout,
    IikoUnavailable,
    IikoWallet,
    customer_parse,
    first_present,
    profile_body,
    text_or_none,
)

__all__ = [
    "CREATE_COMMENT",
    "GENDER_BY_SEX",
    "SEX_BY_GENDER",
    "IikoBadResponse",
    "IikoBusy",
    "IikoCard",
    "IikoClient",
    "IikoCustomer",
    "IikoError",
    "IikoNotConfigured",
    "IikoRejected",
    "IikoTimeout",
    "IikoUnavailable",
    "IikoWallet",
    "customer_parse",
    "iiko_is_configured",
    "profile_body",
]

logger = logging.getLogger(__name__)

TOKEN_CACHE_KEY = "iiko:access_token"  # noqa: S105 - a cache key
TOKEN_LOCK_KEY = "iiko:access_token:lock"  # noqa: S105 - a cache key
TOKEN_DEFAULT_TTL = 3600
TOKEN_TTL_MARGIN = 30
TOKEN_MIN_TTL = 30
CREATE_COMMENT = "CASHBACK MOBILE APP CLIENT"


def iiko_is_configured() -> bool:
    return bool(settings.IIKO_API_LOGIN and settings.IIKO_ORGANIZATION_ID)


def _outside_transaction() -> bool:
    """True unless a transaction is open (tests' own wrapping atomic aside)."""
    return all(
        getattr(block, "_from_testcase", False) for block in connection.atomic_blocks
    )


class IikoClient:
    """One caller's view of iiko; `deadline` (monotonic) bounds every wait."""

    def __init__(self, *, deadline: float | None = None) -> None:
        if not iiko_is_configured():
            raise IikoNotConfigured("iiko integration is not configured")
        self.base_url = settings.IIKO_API_BASE_URL.rstrip("/")
        self.organization_id = settings.IIKO_ORGANIZATION_ID
        self.connect_timeout = float(settings.IIKO_CONNECT_TIMEOUT)
        self.read_timeout = float(settings.IIKO_READ_TIMEOUT)
        self.deadline = deadline
        self.session = requests.Session()

    # transport -----------------------------------------------------------------

    def _remaining(self) -> float | None:
        if self.deadline is None:
            return None
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise IikoTimeout("iiko did not answer in time")
        return remaining

    def _timeouts(self) -> tuple[float, float]:
        remaining = self._remaining()
        if remaining is None:
            return self.connect_timeout, self.read_timeout
        return min(self.connect_timeout, remaining), min(self.read_timeout, remaining)

    def _headers(self, token: str | None) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if settings.IIKO_PROXY_SECRET:
            headers["x-iiko-proxy-secret"] = settings.IIKO_PROXY_SECRET
        return headers

    def _send(
        self, path: str, body: dict[str, Any], *, token: str | None, read_only: bool
    ) -> requests.Response:
        """POST once, retrying once on a connection error (and a read timeout if read-only)."""
        if not _outside_transaction():
            raise RuntimeError("iiko is never called inside a database transaction")
        url = f"{self.base_url}{path}"
        for attempt in (1, 2):
            try:
                return self.session.post(
                    url,
                    json=body,
                    headers=self._headers(token),
                    timeout=self._timeouts(),
                )
            except requests.ConnectionError:
                error: IikoUnavailable = IikoUnavailable("iiko is unreachable")
                retry = True
            except requests.Timeout:
                error = IikoTimeout("iiko did not answer in time")
                retry = read_only
            except requests.RequestException as exc:
                raise IikoUnavailable(
                    f"iiko request failed ({type(exc).__name__})"
                ) from None
            if not retry or attempt == 2:
                raise error
            logger.info("iiko %s: retrying once after %s", path, error)
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _message(response: requests.Response) -> str:
        try:
            data = response.json()
        except ValueError:
            data = None
        if isinstance(data, dict):
            text = first_present(data, "errorDescription", "message", "error", "detail")
            if text:
                return str(text)[:300]
        return f"iiko answered {response.status_code}"

    @staticmethod
    def _json(response: requests.Response, path: str) -> dict[str, Any]:
        try:
            data = response.json()
        except ValueError:
            raise IikoBadResponse(f"iiko {path} answered invalid JSON") from None
        if not isinstance(data, dict):
            raise IikoBadResponse(f"iiko {path} answered something else than an object")
        return data

    # token ---------------------------------------------------------------------

    def _token_fetch(self) -> str:
        response = self._send(
            "/api/1/access_token",
            {"apiLogin": settings.IIKO_API_LOGIN},
            token=None,
            read_only=True,
        )
        if response.status_code >= 500:
            raise IikoUnavailable(f"iiko access_token answered {response.status_code}")
        if response.status_code == 429:
            raise IikoBusy("iiko is busy (429)")
        if response.status_code >= 400:
            raise IikoRejected(self._message(response), status=response.status_code)
        data = self._json(response, "access_token")
        token = data.get("token")
        if not isinstance(token, str) or not token:
            raise IikoBadResponse("iiko access_token answered without a token")
        try:
            expires_in = int(data.get("expiresIn") or TOKEN_DEFAULT_TTL)
        except (TypeError, ValueError):
            expires_in = TOKEN_DEFAULT_TTL
        ttl = max(expires_in - TOKEN_TTL_MARGIN, TOKEN_MIN_TTL)
        try:
            cache.set(TOKEN_CACHE_KEY, token, timeout=ttl)
        except Exception:
            logger.warning("iiko token could not be cached", exc_info=True)
        return token

    def _token(self, *, stale: str | None = None) -> str:
        """The cached token, else one fetched by one process at a time.

        `stale` is a token iiko refused: a cached value equal to it is ignored.
        Raises `IikoBusy` when another process holds the fetch for too long.
        A cache that does not answer only costs a fetch per call.
        """
        try:
            return self._token_shared(stale=stale)
        except IikoError:
            raise
        except Exception:
            logger.warning("iiko token cache unavailable; fetching", exc_info=True)
            return self._token_fetch()

    def _token_shared(self, *, stale: str | None) -> str:
        cached = cache.get(TOKEN_CACHE_KEY)
        if cached and cached != stale:
            return str(cached)
        lock_ttl = int(2 * (self.connect_timeout + self.read_timeout) + 5)
        owner = uuid.uuid4().hex
        wait_until = time.monotonic() + self.connect_timeout + 2 * self.read_timeout
        while True:
            if cache.add(TOKEN_LOCK_KEY, owner, timeout=lock_ttl):
                try:
                    cached = cache.get(TOKEN_CACHE_KEY)  # fetched while we waited?
                    if cached and cached != stale:
                        return str(cached)
                    return self._token_fetch()
                finally:
                    if cache.get(TOKEN_LOCK_KEY) == owner:
                        cache.delete(TOKEN_LOCK_KEY)
            time.sleep(0.05)
            cached = cache.get(TOKEN_CACHE_KEY)
            if cached and cached != stale:
                return str(cached)
            self._remaining()
            if time.monotonic() > wait_until:
                raise IikoBusy("an iiko token refresh is in progress")

    # calls ---------------------------------------------------------------------

    def _call(
        self, path: str, body: dict[str, Any], *, read_only: bool = False
    ) -> requests.Response:
        """Authenticated POST; on 401/403 refetch the token once and retry once."""
        token = self._token()
        response = self._send(path, body, token=token, read_only=read_only)
        if response.status_code in (401, 403):
            logger.info(
                "iiko %s answered %s; refreshing the token", path, response.status_code
            )
            token = self._token(stale=token)
            response = self._send(path, body, token=token, read_only=read_only)
        if response.status_code == 429:
            raise IikoBusy("iiko is busy (429)")
        if response.status_code >= 500:
            raise IikoUnavailable(f"iiko answered {response.status_code}")
        return response

    def _call_json(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self._call(path, body)
        if response.status_code >= 400:
            raise IikoRejected(self._message(response), status=response.status_code)
        return self._json(response, path)

    def customer_info(self, *, phone: str) -> IikoCustomer | None:
        """Look a customer up by phone; None when iiko answers 400/404 (not found)."""
        path = "/api/1/loyalty/iiko/customer/info"
        body = {"organizationId": self.organization_id, "phone": phone, "type": "phone"}
        response = self._call(path, body, read_only=True)
        if response.status_code in (400, 404):
            return None
        if response.status_code >= 400:
            raise IikoRejected(self._message(response), status=response.status_code)
        return customer_parse(self._json(response, path))

    def customer_create_or_update(
        self,
        *,
        profile: dict[str, Any],
        customer_id: str | None = None,
        comment: str | None = None,
        is_deleted: bool = False,
    ) -> str:
        """Create or update a customer; return iiko's customer id."""
        body: dict[str, Any] = {"organizationId": self.organization_id}
        if customer_id:
            body["id"] = customer_id
        body.update(profile)
        if comment:
            body["comment"] = comment
        if is_deleted:
            body["isDeleted"] = True
        data = self._call_json("/api/1/loyalty/iiko/customer/create_or_update", body)
        returned = text_or_none(data.get("id"))
        if returned:
            return returned
        if customer_id:
            return customer_id
        raise IikoBadResponse("create_or_update answered without a customer id")

    def card_add(
        self, *, customer_id: str, card_number: str, card_track: str
    ) -> str | None:
        """Bind a card to a customer; return iiko's card id when it sends one."""
        data = self._call_json(
            "/api/1/loyalty/iiko/customer/card/add",
            {
                "organizationId": self.organization_id,
                "customerId": customer_id,
                "cardTrack": card_track,
                "cardNumber": card_number,
            },
        )
        return text_or_none(data.get("id"))

    def wallet_topup(
        self, *, customer_id: str, wallet_id: str, amount: int, comment: str
    ) -> None:
        """Top a customer's wallet up by `amount` so'm."""
        self._call_json(
            "/api/1/loyalty/iiko/customer/wallet/topup",
            {
                "organizationId": self.organization_id,
                "customerId": customer_id,
                "walletId": wallet_id,
                "sum": amount,
                "comment": comment,
            },
        )
