"""Output shapes of `mobile-api.md` §5.2-5.4 (cards, transactions, loyalty)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from cashback.models import Card, LedgerEntry


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


class TransactionOut(serializers.ModelSerializer[LedgerEntry]):
    user_id = serializers.IntegerField(source="client_id")
    branch = serializers.CharField(allow_null=True)
    staff = serializers.SerializerMethodField()

    class Meta:
        model = LedgerEntry
        fields = (
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
        if entry.staff_id is None:
            return None
        return {"id": entry.staff_id, "name": entry.staff.name}


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
