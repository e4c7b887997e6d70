"""What goes over the wire to and from iiko (`domain-rules.md` §13.2).

Errors of the client (retryable `IikoUnavailable` apart from terminal ones), the
parsed `customer/info` answer (the first key present wins) and the profile part of
`create_or_update` bodies (only fields with a value). No I/O here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

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


def first_present(data: dict[str, Any], *keys: str) -> Any:
    """The value of the first key present (not null) in `data`."""
    for key in keys:
        if data.get(key) is not None:
            return data[key]
    return None


def text_or_none(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _birthday_parse(value: Any) -> dt.date | None:
    text = text_or_none(value)
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
    customer_id = text_or_none(first_present(data, "id", "customerId"))
    if not customer_id:
        raise IikoBadResponse("customer/info answered without a customer id")
    wallets = []
    for item in data.get("walletBalances") or []:
        if not isinstance(item, dict):
            continue
        wallet_id = text_or_none(first_present(item, "id", "walletId"))
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
            ch
            for ch in str(first_present(item, "cardNumber", "number") or "")
            if ch.isdigit()
        )
        if number:
            cards.append(
                IikoCard(
                    id=text_or_none(first_present(item, "id", "cardId")),
                    number=number,
                    track=text_or_none(first_present(item, "cardTrack", "track")),
                )
            )
    return IikoCustomer(
        id=customer_id,
        name=text_or_none(data.get("name")),
        middle_name=text_or_none(data.get("middleName")),
        surname=text_or_none(data.get("surname")),
        full_name=text_or_none(data.get("fullName")),
        birthday=_birthday_parse(data.get("birthday")),
        gender=_gender_parse(first_present(data, "sex", "gender")),
        email=text_or_none(data.get("email")),
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
        if text_or_none(value):
            body[key] = str(value).strip()
    if birthday is not None:
        body["birthday"] = f"{birthday:%Y-%m-%d}T00:00:00.000"
    if text_or_none(gender):
        body["sex"] = SEX_BY_GENDER.get(str(gender).strip().lower(), 0)
    return body
