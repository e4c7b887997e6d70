"""Output shapes of `mobile-api.md` §5.2-5.4 (cards, transactions, loyalty)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from accounts.models import BRANCH_LABELS
from cashback.models import Card, EntrySource, LedgerEntry
from sardoba.api.rendering import datetime_render, str_or_none


def card_data(card: Card) -> dict[str, Any]:
    """A card as `CardOut` declares it (rendered without building the serializer)."""
    return {
        "id": card.pk,
        "user_id": card.client_id,
        "card_number": card.card_number,
        "card_track": card.card_track,
        "iiko_card_id": card.iiko_card_id,
        "created_at": datetime_render(card.created_at),
    }


def transaction_data(entry: LedgerEntry) -> dict[str, Any]:
    """A ledger entry as `TransactionOut` declares it; `staff` must be joined."""
    staff = entry.staff if entry.staff_id is not None else None
    return {
        "id": entry.pk,
        "user_id": entry.client_id,
        "amount": entry.amount,
        "balance_before": entry.balance_before,
        "balance_after": entry.balance_after,
        "created_at": datetime_render(entry.created_at),
        "branch_id": entry.branch_id,
        "branch": str_or_none(entry.branch),
        "source": entry.source,
        "kind": entry.kind,
        "description": entry.description,
        "staff_id": entry.staff_id,
        "staff": None if staff is None else {"id": staff.pk, "name": staff.name},
    }


class CardOut(serializers.ModelSerializer[Card]):
    user_id = serializers.IntegerField(source="client_id")

    class Meta:
        model = Card
        fields = (
            "id",
            "user_id",
            "card_number",
            "card_track",
            "iiko_card_id",
            "created_at",
        )

    def to_representation(self, instance: Card) -> dict[str, Any]:
        return card_data(instance)


class TransactionOut(serializers.ModelSerializer[LedgerEntry]):
    user_id = serializers.IntegerField(source="client_id")
    branch = serializers.CharField(allow_null=True)
    staff = serializers.SerializerMethodField()

    class Meta:
        model = LedgerEntry
        fields: tuple[str, ...] = (
            "id",
            "user_id",
            "amount",
            "balance_before",
            "balance_after",
            "created_at",
            "branch_id",
            "branch",
            "source",
            "kind",
            "description",
            "staff_id",
            "staff",
        )

    def get_staff(self, entry: LedgerEntry) -> dict[str, Any] | None:
        # `staff` comes from select_related in the selectors: no query here.
        staff = entry.staff if entry.staff_id is not None else None
        return None if staff is None else {"id": staff.pk, "name": staff.name}

    def to_representation(self, instance: LedgerEntry) -> dict[str, Any]:
        return transaction_data(instance)


class LoyaltyOut(serializers.Serializer):
    level = serializers.CharField()
    cashback_balance = serializers.IntegerField()
    points_total = serializers.IntegerField()
    current_level_points = serializers.IntegerField()
    current_level_min_points = serializers.IntegerField()
    current_level_max_points = serializers.IntegerField(allow_null=True)
    next_level = serializers.CharField(allow_null=True)
    next_level_required_points = serializers.IntegerField(allow_null=True)
    points_to_next_level = serializers.IntegerField()
    next_level_progress = serializers.IntegerField()
    is_max_level = serializers.BooleanField()
    cashback_percent = serializers.FloatField()
    next_level_cashback_percent = serializers.FloatField(allow_null=True)


class TransactionWithUserOut(TransactionOut):
    """A transaction of `GET /cashback`, with `user: {id, name, phone}`."""

    user = serializers.SerializerMethodField()

    class Meta(TransactionOut.Meta):
        fields = (*TransactionOut.Meta.fields, "user")

    def get_user(self, entry: LedgerEntry) -> dict[str, Any]:
        # `client` comes from select_related in the selector: no query here.
        return {
            "id": entry.client_id,
            "name": entry.client.name,
            "phone": entry.client.phone,
        }

    def to_representation(self, instance: LedgerEntry) -> dict[str, Any]:
        return {**transaction_data(instance), "user": self.get_user(instance)}


class SourceField(serializers.CharField):
    """`QR`, `ORDER` or `MANUAL` in any case, output upper case."""

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data).upper()
        if value not in EntrySource.values:
            self.fail("invalid_choice", input=value)
        return value

    default_error_messages = {"invalid_choice": '"{input}" is not a valid choice.'}


class BranchIdField(serializers.IntegerField):
    """One of the four iiko store ids, or null."""

    default_error_messages = {"invalid_branch": "Unknown branch id."}

    def to_internal_value(self, data: Any) -> int:
        value = super().to_internal_value(data)
        if value not in BRANCH_LABELS:
            self.fail("invalid_branch")
        return value


MAX_CREDIT = 10**12  # a trillion so'm: anything larger is a typo, not a credit


class ManualCreditIn(serializers.Serializer):
    user_id = serializers.IntegerField()
    amount = serializers.IntegerField(min_value=1, max_value=MAX_CREDIT)
    source = SourceField(required=False, default=EntrySource.MANUAL)  # type: ignore[assignment]
    branch_id = BranchIdField(required=False, allow_null=True, default=None)
    description = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, max_length=255
    )
    idempotency_key = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, max_length=255
    )


class CashbackUseIn(serializers.Serializer):
    user_id = serializers.IntegerField()
    amount = serializers.IntegerField()


class CashbackUseOut(serializers.Serializer):
    can_use_cashback = serializers.BooleanField()
    balance = serializers.IntegerField()
    message = serializers.DictField(child=serializers.CharField())


class ClientCashbackOut(serializers.Serializer):
    loyalty = LoyaltyOut()
    transactions = TransactionOut(many=True)


class CashbackListQuery(serializers.Serializer):
    search = serializers.CharField(required=False, allow_blank=True)
    branch = serializers.IntegerField(required=False)
    user_id = serializers.IntegerField(required=False)
    source = serializers.CharField(required=False, allow_blank=True)  # type: ignore[assignment]
    kind = serializers.CharField(required=False, allow_blank=True)
