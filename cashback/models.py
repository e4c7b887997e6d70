"""Wallets, the append-only ledger, cards and the iiko job queue.

The database guards the money invariants of `domain-rules.md` §6.2: balance and
points never negative, one wallet per client, unique iiko event keys and
idempotency keys. Only `cashback.services` writes these rows.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import BRANCH_LABELS, Client, Staff


class Level(models.TextChoices):
    SILVER = "SILVER"
    GOLD = "GOLD"
    PREMIUM = "PREMIUM"
    VIP = "VIP"


class Wallet(models.Model):
    client = models.OneToOneField(
        Client, on_delete=models.PROTECT, related_name="wallet"
    )
    balance = models.BigIntegerField(default=0)
    points = models.BigIntegerField(default=0)
    level = models.CharField(max_length=8, choices=Level.choices, default=Level.SILVER)
    giftget = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(balance__gte=0), name="cashback_wallet_balance_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(points__gte=0), name="cashback_wallet_points_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return f"Wallet of client #{self.client_id}: {self.balance}"


class EntryKind(models.TextChoices):
    ACCRUAL = "accrual"
    PAYMENT = "payment"
    CORRECTION = "correction"
    REFILL = "refill"
    REFILL_FROM_ORDER = "refill_from_order"
    WELCOME_BONUS = "welcome_bonus"
    MANUAL_CREDIT = "manual_credit"
    RECONCILIATION = "reconciliation"


class EntrySource(models.TextChoices):
    QR = "QR"
    ORDER = "ORDER"
    MANUAL = "MANUAL"


BRANCH_CHOICES = [(k, v) for k, v in BRANCH_LABELS.items()]


class AppendOnlyViolation(Exception):
    """Something tried to update or delete a ledger entry."""


class LedgerEntryQuerySet(models.QuerySet["LedgerEntry"]):
    def update(self, **kwargs: object) -> int:
        raise AppendOnlyViolation("ledger entries are never updated")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyViolation("ledger entries are never deleted")


class LedgerEntry(models.Model):
    """One movement of a wallet. Never updated or deleted.

    The model refuses updates and deletes, and on PostgreSQL a trigger refuses
    them too (migration `0004`), so neither admin nor a raw queryset can rewrite
    history. `created_at` may be given (imports, demo history); it defaults to now.
    """

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="ledger")
    kind = models.CharField(max_length=24, choices=EntryKind.choices)
    source = models.CharField(max_length=8, choices=EntrySource.choices)
    amount = models.BigIntegerField()
    balance_before = models.BigIntegerField()
    balance_after = models.BigIntegerField()
    points_earned = models.BigIntegerField(default=0)
    branch_id = models.IntegerField(null=True, blank=True)
    staff = models.ForeignKey(
        Staff,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
    )
    description = models.CharField(max_length=255)
    iiko_event_key = models.CharField(max_length=255, null=True, blank=True)
    iiko_uoc_id = models.CharField(max_length=128, null=True, blank=True)
    idempotency_key = models.CharField(max_length=255, null=True, blank=True)
    iiko_sum = models.CharField(max_length=64, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "ledger entries"
        constraints = [
            models.CheckConstraint(
                condition=~Q(amount=0), name="cashback_ledger_entry_amount_not_0"
            ),
            models.CheckConstraint(
                condition=Q(
                    balance_after=models.F("balance_before") + models.F("amount")
                ),
                name="cashback_ledger_entry_balance_arithmetic",
            ),
            models.CheckConstraint(
                condition=Q(balance_after__gte=0),
                name="cashback_ledger_entry_balance_after_gte_0",
            ),
            models.UniqueConstraint(
                fields=["iiko_event_key"],
                condition=Q(iiko_event_key__isnull=False),
                name="cashback_ledger_entry_unique_iiko_event_key",
            ),
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="cashback_ledger_entry_unique_idempotency_key",
            ),
        ]
        indexes = [
            models.Index(
                fields=["client", "-created_at", "-id"], name="cashback_ledger_client"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount:+d} (client #{self.client_id})"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise AppendOnlyViolation("ledger entries are never updated")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise AppendOnlyViolation("ledger entries are never deleted")

    @property
    def branch(self) -> str | None:
        return BRANCH_LABELS.get(self.branch_id) if self.branch_id is not None else None


class Card(models.Model):
    """A loyalty card; the app's QR encodes the newest (listed last)."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="cards")
    card_number = models.CharField(max_length=32, unique=True)
    card_track = models.CharField(max_length=40, unique=True, null=True, blank=True)
    iiko_card_id = models.CharField(max_length=64, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.card_number


class IikoJobOperation(models.TextChoices):
    SYNC_USER = "sync_user"
    FLUSH_PROFILE = "flush_profile"
    MARK_DELETED = "mark_deleted"
    WALLET_TOPUP = "wallet_topup"


class IikoJobStatus(models.TextChoices):
    PENDING = "pending"
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"
    PAUSED = "paused"


class IikoJob(models.Model):
    """What iiko must learn, recorded in the transaction of the change (§13.3)."""

    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="iiko_jobs"
    )
    phone = models.CharField(max_length=16, blank=True, default="")
    operation = models.CharField(max_length=16, choices=IikoJobOperation.choices)
    status = models.CharField(
        max_length=8, choices=IikoJobStatus.choices, default=IikoJobStatus.PENDING
    )
    payload = models.JSONField(default=dict, blank=True)
    ledger_entry = models.ForeignKey(
        LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    attempts = models.PositiveIntegerField(default=0)
    next_retry_at = models.DateTimeField(null=True, blank=True, db_index=True)
    locked_by = models.CharField(max_length=64, null=True, blank=True)
    locked_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "operation"],
                condition=Q(status="pending")
                & Q(operation__in=["sync_user", "flush_profile"]),
                name="cashback_iiko_job_one_pending_merge_per_client",
            ),
            models.UniqueConstraint(
                fields=["ledger_entry"],
                condition=Q(operation="wallet_topup"),
                name="cashback_iiko_job_unique_topup_per_entry",
            ),
        ]
        indexes = [
            models.Index(
                fields=["status", "next_retry_at"], name="cashback_iiko_job_due"
            )
        ]

    def __str__(self) -> str:
        return f"{self.operation} for client #{self.client_id} ({self.status})"


class IikoEvent(models.Model):
    """A processed iiko wallet event and the first response given for it (§6.5).

    The unique key makes a repeat return this response instead of applying the
    event again, including events that wrote no ledger entry (a consumed echo).
    """

    event_key = models.CharField(max_length=255, unique=True)
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    transaction_type = models.CharField(max_length=64)
    response = models.JSONField()
    ledger_entry = models.ForeignKey(
        LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"iiko event {self.event_key}"


class PendingEcho(models.Model):
    """A manual credit iiko accepted; its wallet event is not counted twice (§6.8)."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField()
    ledger_entry = models.ForeignKey(
        LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    expires_at = models.DateTimeField(db_index=True)
    consumed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ledger_entry"],
                condition=Q(ledger_entry__isnull=False),
                name="cashback_pending_echo_unique_ledger_entry",
            ),
        ]
        indexes = [
            models.Index(
                fields=["client", "amount", "expires_at"],
                name="cashback_pending_echo_match",
            )
        ]

    def __str__(self) -> str:
        return f"echo {self.amount} for client #{self.client_id}"
