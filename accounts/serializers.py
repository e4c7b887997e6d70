"""Input and output shapes of the identity routes (`mobile-api.md` §5.1, staff §1.4)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils import timezone
from rest_framework import serializers

from accounts.exceptions import InvalidDate, InvalidEmail
from accounts.models import AuditEntry, AuthLog, Client, Staff, ValidationLogEntry
from accounts.phones import client_phone_normalize
from cashback.serializers import CardOut, card_data
from sardoba.api.rendering import datetime_render
from sardoba.api.request_meta import absolute_url

# -- parsing helpers ---------------------------------------------------------------


def date_of_birth_parse(value: Any) -> dt.date | None:
    """`YYYY-MM-DD`, `DD.MM.YYYY` or an ISO datetime; `""`/None -> None; future -> 422."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise InvalidDate()
    text = value.strip()
    parsed: dt.date | None = None
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            parsed = dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 (a date)
            break
        except ValueError:
            continue
    if parsed is None:
        try:
            parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        except ValueError as exc:
            raise InvalidDate() from exc
    if parsed > timezone.localdate():
        raise InvalidDate()
    return parsed


def date_of_birth_render(value: dt.date | None) -> str | None:
    return value.strftime("%d.%m.%Y") if value else None


def email_parse(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise InvalidEmail()
    try:
        validate_email(value.strip())
    except DjangoValidationError as exc:
        raise InvalidEmail() from exc
    return value.strip()


def optional_text(value: Any) -> str | None:
    """`""` or None clears; anything else is kept as trimmed text."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


# -- inputs ------------------------------------------------------------------------


class PhoneField(serializers.Field):
    def to_internal_value(self, data: Any) -> str:
        return client_phone_normalize(data)

    def to_representation(self, value: str) -> str:
        return value


class OtpRequestIn(serializers.Serializer):
    phone = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    purpose = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, default="login"
    )


class OtpVerifyIn(serializers.Serializer):
    phone = serializers.JSONField(required=False)
    code = serializers.CharField(max_length=16)
    purpose = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, default="login"
    )
    name = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    date_of_birth = serializers.JSONField(required=False)
    referral_code = serializers.CharField(
        required=False, allow_blank=True, allow_null=True
    )
    waiter_referral_code = serializers.CharField(
        required=False, allow_blank=True, allow_null=True
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs["phone"] = client_phone_normalize(attrs.get("phone"))
        attrs["date_of_birth"] = date_of_birth_parse(attrs.get("date_of_birth"))
        primary = (attrs.pop("referral_code", None) or "").strip()
        alias = (attrs.pop("waiter_referral_code", None) or "").strip()
        attrs["referral_code"] = primary or alias or None
        return attrs


class RefreshIn(serializers.Serializer):
    refresh_token = serializers.CharField(
        required=False, allow_blank=True, allow_null=True
    )
    refresh = serializers.CharField(required=False, allow_blank=True, allow_null=True)


class TokenPairOut(serializers.Serializer):
    access_token = serializers.CharField()
    refresh_token = serializers.CharField()
    token_type = serializers.CharField()


class TokensOut(serializers.Serializer):
    tokens = TokenPairOut()


# -- outputs -----------------------------------------------------------------------


def _wallet_fields(client: Client) -> tuple[int, str, bool]:
    """Balance, level and gift flag from a `select_related("wallet")` client."""
    wallet = getattr(client, "wallet", None) if _wallet_loaded(client) else None
    if wallet is None:
        return 0, "SILVER", False
    return wallet.balance, wallet.level, wallet.giftget


def _wallet_loaded(client: Client) -> bool:
    try:
        client.wallet  # noqa: B018 (loaded by select_related; absent -> DoesNotExist)
    except Client.wallet.RelatedObjectDoesNotExist:
        return False
    return True


class ClientProfileOut(serializers.Serializer):
    """The mobile profile object (`mobile-api.md` §5.1).

    Expects a client loaded with `select_related("wallet")` and `cards`
    prefetched oldest first (`accounts.selectors.client_profile_queryset`).
    """

    id = serializers.IntegerField()
    name = serializers.CharField(allow_null=True)
    surname = serializers.CharField(allow_null=True)
    middleName = serializers.CharField(source="middle_name", allow_null=True)
    phone = serializers.CharField()
    date_of_birth = serializers.SerializerMethodField()
    profile_photo_url = serializers.SerializerMethodField()
    waiter_id = serializers.IntegerField(allow_null=True)
    cashback_balance = serializers.SerializerMethodField()
    level = serializers.SerializerMethodField()
    giftget = serializers.SerializerMethodField()
    email = serializers.CharField(allow_null=True)
    gender = serializers.CharField(allow_null=True)
    is_active = serializers.BooleanField()
    is_deleted = serializers.BooleanField()
    cards = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_date_of_birth(self, client: Client) -> str | None:
        return date_of_birth_render(client.date_of_birth)

    def get_profile_photo_url(self, client: Client) -> str | None:
        return absolute_url(self.context.get("request"), client.profile_photo_url)

    def get_cashback_balance(self, client: Client) -> int:
        return _wallet_fields(client)[0]

    def get_level(self, client: Client) -> str:
        return _wallet_fields(client)[1]

    def get_giftget(self, client: Client) -> bool:
        return _wallet_fields(client)[2]

    def get_cards(self, client: Client) -> list[dict[str, Any]]:
        cards = sorted(client.cards.all(), key=lambda c: (c.created_at, c.pk))
        return CardOut(cards, many=True).data  # type: ignore[return-value]

    def to_representation(self, instance: Client) -> dict[str, Any]:
        return client_profile_data(instance, request=self.context.get("request"))


def client_profile_data(client: Client, *, request: Any = None) -> dict[str, Any]:
    """The profile as `ClientProfileOut` declares it, without building fields."""
    balance, level, giftget = _wallet_fields(client)
    cards = sorted(client.cards.all(), key=lambda c: (c.created_at, c.pk))
    return {
        "id": client.pk,
        "name": client.name,
        "surname": client.surname,
        "middleName": client.middle_name,
        "phone": client.phone,
        "date_of_birth": date_of_birth_render(client.date_of_birth),
        "profile_photo_url": absolute_url(request, client.profile_photo_url),
        "waiter_id": client.waiter_id,
        "cashback_balance": balance,
        "level": level,
        "giftget": giftget,
        "email": client.email,
        "gender": client.gender,
        "is_active": client.is_active,
        "is_deleted": client.is_deleted,
        "cards": [card_data(card) for card in cards],
        "created_at": datetime_render(client.created_at),
        "updated_at": datetime_render(client.updated_at),
    }


class StaffOut(serializers.Serializer):
    """The staff object (`staff-api.md` §1.4); `clients_count` is annotated."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    phone = serializers.CharField()
    role = serializers.CharField()
    branch_id = serializers.IntegerField(allow_null=True)
    branch = serializers.CharField(allow_null=True)
    referral_code = serializers.SerializerMethodField()
    clients_count = serializers.SerializerMethodField()
    is_active = serializers.BooleanField()
    last_login_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_referral_code(self, staff: Staff) -> str | None:
        return staff.referral_code if staff.is_waiter else None

    def get_clients_count(self, staff: Staff) -> int:
        count = getattr(staff, "clients_count", None)
        if count is None:
            count = staff.referred_clients.filter(is_deleted=False).count()
        return int(count) if staff.is_waiter else 0


def first_last_name(client: Client) -> tuple[str, str]:
    """Display names of `domain-rules.md` §3.6."""
    name = (client.name or "").strip()
    if client.surname:
        return name, client.surname
    first, _, rest = name.partition(" ")
    return first, rest.strip()


class ClientListItemOut(ClientProfileOut):
    """A client as staff see it in lists (`staff-api.md` §1.4)."""

    first_name = serializers.SerializerMethodField()
    last_name = serializers.SerializerMethodField()

    def get_first_name(self, client: Client) -> str:
        return first_last_name(client)[0]

    def get_last_name(self, client: Client) -> str:
        return first_last_name(client)[1]

    def to_representation(self, instance: Client) -> dict[str, Any]:
        data = super().to_representation(instance)
        for key in ("email", "gender", "is_deleted"):
            data.pop(key, None)
        data["first_name"], data["last_name"] = first_last_name(instance)
        return data


class ClientDetailOut(ClientListItemOut):
    """List item plus email, gender, is_deleted, waiter, loyalty, transactions, files."""

    def to_representation(self, instance: Client) -> dict[str, Any]:
        from accounts.selectors import client_detail_extras

        data = ClientProfileOut.to_representation(self, instance)
        data["first_name"], data["last_name"] = first_last_name(instance)
        data.update(
            client_detail_extras(client=instance, request=self.context.get("request"))
        )
        return data


class AuthLogOut(serializers.ModelSerializer[AuthLog]):
    event = serializers.CharField()
    metadata = serializers.JSONField(source="meta")
    user = serializers.SerializerMethodField()

    class Meta:
        model = AuthLog
        fields = (
            "id",
            "event",
            "action",
            "status",
            "actor_type",
            "actor_id",
            "phone",
            "ip",
            "user_agent",
            "meta",
            "metadata",
            "user",
            "created_at",
        )

    def get_user(self, row: AuthLog) -> dict[str, Any] | None:
        actors = self.context.get("actors", {})
        actor = actors.get((row.actor_type, row.actor_id))
        if actor is None:
            return None
        if isinstance(actor, Staff):
            return {
                "id": actor.pk,
                "type": "staff",
                "name": actor.name,
                "phone": actor.phone,
                "role": actor.role.lower(),
            }
        return {
            "id": actor.pk,
            "type": "user",
            "name": actor.full_name or None,
            "phone": actor.phone,
            "role": None,
        }


class ValidationLogOut(serializers.ModelSerializer[ValidationLogEntry]):
    status = serializers.SerializerMethodField()

    class Meta:
        model = ValidationLogEntry
        fields = (
            "id",
            "method",
            "path",
            "status",
            "errors",
            "actor_type",
            "actor_id",
            "ip",
            "created_at",
        )

    def get_status(self, row: ValidationLogEntry) -> int:
        return 422


class AuditOut(serializers.ModelSerializer[AuditEntry]):
    actor = serializers.SerializerMethodField()
    before = serializers.SerializerMethodField()
    after = serializers.SerializerMethodField()
    entity_id = serializers.SerializerMethodField()

    class Meta:
        model = AuditEntry
        fields = (
            "id",
            "actor",
            "action",
            "entity",
            "entity_id",
            "before",
            "after",
            "created_at",
        )

    def get_actor(self, row: AuditEntry) -> dict[str, Any] | None:
        if row.staff is None:
            return None
        return {"id": row.staff.pk, "name": row.staff.name, "role": row.staff.role}

    def get_before(self, row: AuditEntry) -> dict[str, Any]:
        return row.changes.get("before", {})

    def get_after(self, row: AuditEntry) -> dict[str, Any]:
        return row.changes.get("after", {})

    def get_entity_id(self, row: AuditEntry) -> int | str | None:
        if row.entity_id is None:
            return None
        return int(row.entity_id) if row.entity_id.isdigit() else row.entity_id


def _present(data: Any, *keys: str) -> str | None:
    """The first of `keys` present in `data`, else None."""
    for key in keys:
        if key in data:
            return key
    return None


def profile_changes_parse(data: Any, *, staff: bool = False) -> dict[str, Any]:
    """Turn a profile body (mobile M5, or staff `PATCH /users/{id}`) into model fields.

    Unknown keys are ignored. Strings `""`/null clear optional fields; a blank
    `name` raises `name_required`; dates and e-mails raise their 422 codes.
    """
    if not isinstance(data, dict):
        return {}
    changes: dict[str, Any] = {}
    if "name" in data:
        value = data["name"]
        if not isinstance(value, str) or not value.strip():
            from accounts.exceptions import NameRequired

            raise NameRequired()
        changes["name"] = value.strip()
    elif (
        staff and isinstance(data.get("first_name"), str) and data["first_name"].strip()
    ):
        changes["name"] = data["first_name"].strip()
    key = _present(data, "surname", "last_name") if staff else _present(data, "surname")
    if key:
        changes["surname"] = optional_text(data[key])
    key = _present(data, "middleName", "middle_name")
    if key:
        changes["middle_name"] = optional_text(data[key])
    key = (
        _present(data, "dob", "date_of_birth")
        if staff
        else _present(data, "date_of_birth")
    )
    if key:
        changes["date_of_birth"] = date_of_birth_parse(data[key])
    if "email" in data:
        changes["email"] = email_parse(data["email"])
    for field in ("gender", "profile_photo_url"):
        if field in data:
            changes[field] = optional_text(data[field])
    if staff and "waiter_id" in data:
        value = data["waiter_id"]
        if value in (None, ""):
            changes["waiter_id"] = None
        elif isinstance(value, bool) or not str(value).strip().isdigit():
            raise serializers.ValidationError(
                {"waiter_id": "A valid integer is required."}, code="invalid"
            )
        else:
            changes["waiter_id"] = int(value)
    return changes
