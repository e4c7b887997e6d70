"""The only place that issues and checks tokens (`domain-rules.md` §4).

Built on simplejwt's `Token`: access tokens are signed with `JWT_SECRET_KEY`,
refresh tokens with `JWT_REFRESH_SECRET_KEY`, each class bringing its own
backend. Claims: `sub` (the id as a string), `type` and `actor_type`
(`CLIENT`/`STAFF`), staff `role` (informational), `iat`, `exp`, and
`scope: "refresh"` on refresh tokens.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from types import MappingProxyType
from typing import Any

from django.conf import settings
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import Token

from accounts.exceptions import (
    AccountInactiveToken,
    InvalidRefreshToken,
    InvalidToken,
    InvalidTokenActorType,
    StaffNotFoundToken,
    UserNotFoundToken,
)
from accounts.models import Client, Staff
from sardoba.compiled_reads import CompiledRead, concrete_attnames, instance_from_row

ACTOR_TYPES = ("CLIENT", "STAFF")


@functools.lru_cache(maxsize=8)
def _token_backend(secret: str) -> TokenBackend:
    """One backend per key: it prepares the key once, not on every request."""
    return TokenBackend("HS256", signing_key=secret)


class _SardobaToken(Token):
    secret_setting: str = "JWT_SECRET_KEY"  # noqa: S105 (a setting name)

    def __init__(self, token: Any = None, verify: bool = True) -> None:
        super().__init__(token, verify)
        if token is None:
            # simplejwt seeds new payloads with its token-type claim; ours has none.
            self.payload.pop(None, None)  # type: ignore[call-overload]

    def get_token_backend(self) -> TokenBackend:
        return _token_backend(getattr(settings, self.secret_setting))

    @property
    def token_backend(self) -> TokenBackend:  # type: ignore[override]
        return self.get_token_backend()


class AccessToken(_SardobaToken):
    token_type = "access"  # noqa: S105
    secret_setting = "JWT_SECRET_KEY"  # noqa: S105

    @property  # type: ignore[misc]
    def lifetime(self) -> timedelta:  # type: ignore[override]
        return timedelta(minutes=settings.ACCESS_TOKEN_EXPIRE_MINUTES)


class RefreshToken(_SardobaToken):
    token_type = "refresh"  # noqa: S105
    secret_setting = "JWT_REFRESH_SECRET_KEY"  # noqa: S105

    @property  # type: ignore[misc]
    def lifetime(self) -> timedelta:  # type: ignore[override]
        return timedelta(days=settings.REFRESH_TOKEN_EXPIRE_DAYS)


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105

    def as_dict(self) -> dict[str, str]:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "token_type": self.token_type,
        }


def _claims(actor: Client | Staff) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "sub": str(actor.pk),
        "type": actor.actor_type,
        "actor_type": actor.actor_type,
    }
    if isinstance(actor, Staff):
        claims["role"] = actor.role
    return claims


def token_pair_issue(*, actor: Client | Staff) -> TokenPair:
    """Issue a fresh access and refresh token for a client or a staff member."""
    access, refresh = AccessToken(), RefreshToken()
    for token in (access, refresh):
        for key, value in _claims(actor).items():
            token[key] = value
    refresh["scope"] = "refresh"
    return TokenPair(access_token=str(access), refresh_token=str(refresh))


def _actor_type(payload: dict[str, Any]) -> str:
    actor_type = payload.get("actor_type") or payload.get("type")
    if actor_type not in ACTOR_TYPES:
        raise InvalidTokenActorType()
    return str(actor_type)


def _client_with_wallet_columns(pk: int) -> Any:
    from cashback.models import Wallet

    wallet_columns = [f"wallet__{name}" for name in concrete_attnames(Wallet)]
    return Client.objects.filter(pk=pk).values_list(
        *concrete_attnames(Client), *wallet_columns
    )


# Every authenticated request runs one of these: compiled once per connection.
_CLIENT_WITH_WALLET = CompiledRead(_client_with_wallet_columns)
_STAFF = CompiledRead(
    lambda pk: Staff.objects.filter(pk=pk).values_list(*concrete_attnames(Staff))
)


def _client_with_wallet(pk: int) -> Client | None:
    """The client with its wallet joined (None cached when it has none), or None.

    `/auth/me` and M8 reuse the wallet instead of reading it again.
    """
    from cashback.models import Wallet

    rows = _CLIENT_WITH_WALLET.rows(pk)
    if not rows:
        return None
    client, end = instance_from_row(Client, rows[0], 0)
    wallet, _ = instance_from_row(Wallet, rows[0], end)
    if wallet is None:
        Client.wallet.related.set_cached_value(client, None)  # type: ignore[attr-defined]
    else:
        client.wallet = wallet  # type: ignore[union-attr]
    return client  # type: ignore[return-value]


def _staff(pk: int) -> Staff | None:
    rows = _STAFF.rows(pk)
    return instance_from_row(Staff, rows[0], 0)[0] if rows else None  # type: ignore[return-value]


def actor_load(*, actor_type: str, subject: Any) -> Client | Staff:
    """Load the token's subject; deleted or missing -> 401, deactivated -> 401."""
    try:
        pk = int(subject)
    except (TypeError, ValueError):
        pk = None
    actor: Client | Staff | None
    if actor_type == "CLIENT":
        actor = _client_with_wallet(pk) if pk is not None else None
        if actor is None or actor.is_deleted:
            raise UserNotFoundToken()
    else:
        actor = _staff(pk) if pk is not None else None
        if actor is None or actor.is_deleted:
            raise StaffNotFoundToken()
    if not actor.is_active:
        raise AccountInactiveToken()
    return actor


# Access tokens verified by this process, by (signing key, token): 4,096 are a
# few megabytes. Only tokens that passed the whole check get here.
VERIFIED_ACCESS_TOKENS_MAX = 4096


@functools.lru_cache(maxsize=VERIFIED_ACCESS_TOKENS_MAX)
def _verified_access_claims(secret: str, raw: bytes) -> Mapping[str, Any]:
    """The claims of an access token signed with `secret` (raises `TokenError`)."""
    return MappingProxyType(dict(AccessToken(raw).payload))


def verified_access_tokens_forget() -> None:
    """Check every access token in full again on its next use."""
    _verified_access_claims.cache_clear()


def _clock_claims_hold(claims: Mapping[str, Any], now: float) -> bool:
    """Whether `exp`, `iat` and `nbf` hold at `now`, with no leeway.

    At least as strict as the whole check, which decides whenever this says no.
    """
    try:
        return (
            float(claims["exp"]) > now
            and float(claims.get("iat", now)) <= now
            and float(claims.get("nbf", now)) <= now
        )
    except (KeyError, TypeError, ValueError):
        return False


def _access_claims(raw: bytes) -> Mapping[str, Any]:
    """A valid access token's claims, or `TokenError`.

    The signature and the static claims of a given token under a given key never
    change, so a process verifies them once per token (about a tenth of a
    millisecond, on every authenticated request otherwise); the clock claims are
    checked on every use.
    """
    claims = _verified_access_claims(settings.JWT_SECRET_KEY, raw)
    if not _clock_claims_hold(claims, time.time()):
        AccessToken(raw)  # the whole check again: it raises when it has expired
    return claims


def access_token_authenticate(raw: str) -> Client | Staff:
    """Check an access token and return its live subject, or raise a 401 error."""
    try:
        payload = _access_claims(raw.encode() if isinstance(raw, str) else raw)
    except TokenError as exc:
        raise InvalidToken() from exc
    if payload.get("scope") == "refresh" or "mock_user" in payload:
        raise InvalidToken()
    return actor_load(actor_type=_actor_type(payload), subject=payload.get("sub"))


def refresh_token_rotate(raw: str) -> TokenPair:
    """Issue a new pair for a valid refresh token; it stays valid (not single-use)."""
    try:
        token = RefreshToken(raw.encode())
    except TokenError as exc:
        raise InvalidRefreshToken() from exc
    payload = token.payload
    if payload.get("scope") != "refresh" or "mock_user" in payload:
        raise InvalidRefreshToken()
    actor = actor_load(actor_type=_actor_type(payload), subject=payload.get("sub"))
    return token_pair_issue(actor=actor)
