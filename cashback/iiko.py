"""The iiko Cloud API client (`domain-rules.md` §13.1, §13.2).

Owns the base URL, credentials, timeouts and retry rules, and maps transport
failures to domain exceptions: `IikoUnavailable` (retryable: connection errors,
timeouts, 5xx; `IikoBusy` for transient conditions that do not cost a job
attempt) apart from terminal `IikoRejected` / `IikoBadResponse`. It never runs
inside a database transaction (`iiko_client()` checks) and never on a mobile
request path: background jobs and the manager's on-demand sync call it.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import requests
from django.conf import settings
from django.core.cache import cache
from django.db import connection

logger = logging.getLogger(__name__)

TOKEN_CACHE_KEY = "iiko:access_token"  # noqa: S105 - a cache key
TOKEN_LOCK_KEY = "iiko:access_token:lock"  # noqa: S105 - a cache key
TOKEN_DEFAULT_TTL = 3600
TOKEN_TTL_MARGIN = 30
TOKEN_MIN_TTL = 30
CREATE_COMMENT = "CASHBACK MOBILE APP CLIENT"

SEX_BY_GENDER = {"male": 1, "female": 2}
GENDER_BY_SEX = {1: "male", 2: "female"}


class IikoError(Exception):
    """Base of iiko failures; the message never carries a token or a secret."""


class IikoNotConfigured(IikoError):
    """`IIKO_API_LOGIN` or `IIKO_ORGANIZATION_ID` is unset: nothing is sent."""


class IikoUnavailable(IikoError):
    """Retryable: iiko did not answer (connection, timeout, 5xx)."""


class IikoTimeout(IikoUnavailable):
    """iiko did not answer in time (a read timeout or the caller's deadline)."""


class IikoBusy(IikoUnavailable):
    """Transient: another process is fetching the token, or iiko says 429."""


class IikoRejected(IikoError):
    """Terminal: iiko refused the request (4xx); `str()` is iiko's message."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class IikoBadResponse(IikoError):
    """Terminal: iiko answered 2xx with something that is not the expected JSON."""


@dataclass(frozen=True, slots=True)
class IikoWallet:
    id: str
    type: int | None
    balance: int | None


@dataclass(frozen=True, slots=True)
class IikoCard:
    id: str | None
    number: str
    track: str | None


@dataclass(frozen=True, slots=True)
class IikoCustomer:
    id: str
    name: str | None = None
    middle_name: str | None = None
    surname: str | None = None
    full_name: str | None = None
    birthday: dt.date | None = None
    gender: str | None = None
    email: str | None = None
    is_deleted: bool = False
    wallets: list[IikoWallet] = field(default_factory=list)
    cards: list[IikoCard] = field(default_factory=list)

    @property
    def main_wallet(self) -> IikoWallet | None:
        """The wallet of `type` 1, else the first one (§13.4)."""
        for wallet in self.wallets:
            if wallet.type == 1:
                return wallet
        return self.wallets[0] if self.wallets else None


def iiko_is_configured() -> bool:
    return bool(settings.IIKO_API_LOGIN and settings.IIKO_ORGANIZATION_ID)


def _first(data: dict[str, Any], *keys: str) -> Any:
    """The value of the first key present (not null) in `data`."""
    for key in keys:
        if data.get(key) is not None:
            return data[key]
    return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _birthday_parse(value: Any) -> dt.date | None:
    text = _text(value)
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def _gender_parse(value: Any) -> str | None:
    if isinstance(value, str) and value.strip().lower() in SEX_BY_GENDER:
        return value.strip().lower()
    try:
        return GENDER_BY_SEX.get(int(value))
    except (TypeError, ValueError):
        return None


def _balance_parse(value: Any) -> int | None:
    from cashback.rules import round_sum

    if value is None:
        return None
    try:
        return round_sum(value)
    except ValueError:
        return None


def customer_parse(data: Any) -> IikoCustomer:
    """Read the fields of a `customer/info` answer (§13.2; the first key present wins)."""
    if not isinstance(data, dict):
        raise IikoBadResponse("customer/info answered something else than an object")
    customer_id = _text(_first(data, "id", "customerId"))
    if not customer_id:
        raise IikoBadResponse("customer/info answered without a customer id")
    wallets = []
    for item in data.get("walletBalances") or []:
        if not isinstance(item, dict):
            continue
        wallet_id = _text(_first(item, "id", "walletId"))
        if wallet_id:
            wallet_type = item.get("type")
            wallets.append(
                IikoWallet(
                    id=wallet_id,
                    type=wallet_type if isinstance(wallet_type, int) else None,
                    balance=_balance_parse(item.get("balance")),
                )
            )
    cards = []
    for item in data.get("cards") or []:
        if not isinstance(item, dict):
            continue
        number = "".join(
            ch for ch in str(_first(item, "cardNumber", "number") or "") if ch.isdigit()
        )
        if number:
            cards.append(
                IikoCard(
                    id=_text(_first(item, "id", "cardId")),
                    number=number,
                    track=_text(_first(item, "cardTrack", "track")),
                )
            )
    return IikoCustomer(
        id=customer_id,
        name=_text(data.get("name")),
        middle_name=_text(data.get("middleName")),
        surname=_text(data.get("surname")),
        full_name=_text(data.get("fullName")),
        birthday=_birthday_parse(data.get("birthday")),
        gender=_gender_parse(_first(data, "sex", "gender")),
        email=_text(data.get("email")),
        is_deleted=bool(data.get("isDeleted")),
        wallets=wallets,
        cards=cards,
    )


def profile_body(
    *,
    phone: str,
    name: str | None = None,
    surname: str | None = None,
    middle_name: str | None = None,
    full_name: str | None = None,
    birthday: dt.date | None = None,
    email: str | None = None,
    gender: str | None = None,
) -> dict[str, Any]:
    """The profile part of a `create_or_update` body: only fields with a value."""
    body: dict[str, Any] = {"phone": phone}
    for key, value in (
        ("name", name),
        ("fullName", full_name),
        ("surname", surname),
        ("middleName", middle_name),
        ("email", email),
    ):
        if _text(value):
            body[key] = str(value).strip()
    if birthday is not None:
        body["birthday"] = f"{birthday:%Y-%m-%d}T00:00:00.000"
    if _text(gender):
        body["sex"] = SEX_BY_GENDER.get(str(gender).strip().lower(), 0)
    return body


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
            text = _first(data, "errorDescription", "message", "error", "detail")
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
        returned = _text(data.get("id"))
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
        return _text(data.get("id"))

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
