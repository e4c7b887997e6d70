"""Clients (guests of the mobile app), staff (managers and waiters) and the logs."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from sardoba.models import TimeStampedModel

BRANCH_LABELS: dict[int, str] = {
    139235: "Geofizika",
    157757: "G'ijduvon",
    139350: "Severniy",
    139458: "MK-5",
}


def branch_label(branch_id: int | None) -> str | None:
    """Return the label of an iiko store id, or None when it is unknown."""
    if branch_id is None:
        return None
    return BRANCH_LABELS.get(branch_id)


class ClientQuerySet(models.QuerySet["Client"]):
    def not_deleted(self) -> ClientQuerySet:
        return self.filter(is_deleted=False)

    def active(self) -> ClientQuerySet:
        return self.filter(is_deleted=False, is_active=True)


class Client(TimeStampedModel):
    """A guest of the mobile app.

    `phone` is plain E.164 text: a deleted account carries a `+999` pseudo-number
    that phone libraries reject (`domain-rules.md` §1.3), so it is never
    re-validated here. Phones are unique among all client rows, deleted included.
    """

    phone = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=255, null=True, blank=True)
    surname = models.CharField(max_length=255, null=True, blank=True)
    middle_name = models.CharField(max_length=255, null=True, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    gender = models.CharField(max_length=32, null=True, blank=True)
    email = models.EmailField(max_length=254, null=True, blank=True)
    profile_photo_url = models.CharField(max_length=512, null=True, blank=True)
    waiter = models.ForeignKey(
        "accounts.Staff",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referred_clients",
    )
    is_active = models.BooleanField(default=True)
    is_deleted = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    iiko_customer_id = models.CharField(max_length=64, null=True, blank=True)
    iiko_wallet_id = models.CharField(max_length=64, null=True, blank=True)

    objects = ClientQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=Q(email__isnull=False) & ~Q(email=""),
                name="accounts_client_unique_email",
            ),
        ]
        indexes = [
            models.Index(fields=["iiko_customer_id"], name="accounts_client_iiko_cust"),
            models.Index(fields=["iiko_wallet_id"], name="accounts_client_iiko_wallet"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name or 'Client'} ({self.phone})"

    @property
    def full_name(self) -> str:
        """`name`, `middle_name`, `surname`, non-empty parts joined (§3.6)."""
        parts = (self.name, self.middle_name, self.surname)
        return " ".join(p.strip() for p in parts if p and p.strip())

    # Channels and DRF ask these of whatever sits in `request.user` / `scope["user"]`.
    is_authenticated = True
    is_anonymous = False
    actor_type = "CLIENT"


class StaffRole(models.TextChoices):
    MANAGER = "MANAGER", "Manager"
    WAITER = "WAITER", "Waiter"


class StaffManager(BaseUserManager["Staff"]):
    def get_by_natural_key(self, username: str | None) -> Staff:
        return self.get(phone=username, deleted_at__isnull=True)

    def create_user(
        self, phone: str, password: str | None = None, **extra: Any
    ) -> Staff:
        from accounts.services.staff import staff_create

        return staff_create(phone=phone, password=password, **extra)

    def create_superuser(
        self, phone: str, password: str | None = None, **extra: Any
    ) -> Staff:
        extra["role"] = StaffRole.MANAGER
        extra.pop("is_staff", None)
        extra.pop("is_superuser", None)
        return self.create_user(phone, password, **extra)


class StaffQuerySet(models.QuerySet["Staff"]):
    def not_deleted(self) -> StaffQuerySet:
        return self.filter(deleted_at__isnull=True)


class Staff(AbstractBaseUser, TimeStampedModel):
    """A manager or a waiter: what signs in to the admin panel and Django admin.

    Managers get Django admin; waiters do not. Deletion is soft (`deleted_at`);
    the phone is unique among non-deleted staff only.
    """

    phone = models.CharField(max_length=16)
    name = models.CharField(max_length=255)
    role = models.CharField(max_length=16, choices=StaffRole.choices)
    branch_id = models.IntegerField(null=True, blank=True)
    referral_code = models.CharField(max_length=12, null=True, blank=True)
    is_active = models.BooleanField(default=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    last_login_at = models.DateTimeField(null=True, blank=True)

    # `last_login_at` replaces AbstractBaseUser.last_login.
    last_login = None  # type: ignore[assignment]

    USERNAME_FIELD = "phone"
    REQUIRED_FIELDS = ["name"]

    objects = StaffManager.from_queryset(StaffQuerySet)()

    class Meta:
        ordering = ["id"]
        verbose_name = "staff member"
        verbose_name_plural = "staff"
        constraints = [
            models.UniqueConstraint(
                fields=["phone"],
                condition=Q(deleted_at__isnull=True),
                name="accounts_staff_unique_phone_not_deleted",
            ),
            models.UniqueConstraint(
                Lower("referral_code"),
                name="accounts_staff_unique_referral_code_ci",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.phone})"

    actor_type = "STAFF"

    @property
    def is_manager(self) -> bool:
        return self.role == StaffRole.MANAGER

    @property
    def is_waiter(self) -> bool:
        return self.role == StaffRole.WAITER

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    # Django admin: managers only, with every permission.
    @property
    def is_staff(self) -> bool:
        return self.is_manager and self.is_active and not self.is_deleted

    @property
    def is_superuser(self) -> bool:
        return self.is_staff

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return self.is_staff

    def has_perms(self, perm_list: Any, obj: object = None) -> bool:
        return self.is_staff

    def has_module_perms(self, app_label: str) -> bool:
        return self.is_staff

    @property
    def branch(self) -> str | None:
        return branch_label(self.branch_id)


class AuthAction(models.TextChoices):
    OTP_REQUEST = "OTP_REQUEST"
    OTP_VERIFICATION = "OTP_VERIFICATION"
    OTP_FAILED = "OTP_FAILED"
    RATE_LIMITED = "RATE_LIMITED"
    LOGIN = "LOGIN"
    FAILED_LOGIN = "FAILED_LOGIN"
    LOGOUT = "LOGOUT"


AUTH_EVENTS: dict[str, str] = {
    AuthAction.OTP_REQUEST: "otp_request",
    AuthAction.OTP_VERIFICATION: "otp_verification",
    AuthAction.OTP_FAILED: "otp_failed",
    AuthAction.RATE_LIMITED: "rate_limited",
    AuthAction.LOGIN: "login_success",
    AuthAction.FAILED_LOGIN: "login_failed",
    AuthAction.LOGOUT: "logout",
}


class AuthLog(models.Model):
    """The auth log of `domain-rules.md` §9; full phones (managers search by them)."""

    actor_type = models.CharField(max_length=8)  # "user" or "staff"
    actor_id = models.BigIntegerField(null=True, blank=True)
    phone = models.CharField(max_length=32, blank=True, default="", db_index=True)
    action = models.CharField(max_length=24, choices=AuthAction.choices)
    status = models.CharField(max_length=16)
    purpose = models.CharField(max_length=16, null=True, blank=True)
    ip = models.CharField(max_length=64, null=True, blank=True)
    user_agent = models.CharField(max_length=255, blank=True, default="")
    meta = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "auth log entry"
        verbose_name_plural = "auth log"

    def __str__(self) -> str:
        return f"{self.action} {self.phone}"

    @property
    def event(self) -> str:
        return AUTH_EVENTS.get(self.action, self.action.lower())


class AuditEntry(models.Model):
    """One successful state-changing staff call (`staff-api.md` §1.5, §13.5)."""

    staff = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=64)
    entity = models.CharField(max_length=64)
    entity_id = models.CharField(max_length=64, null=True, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    ip = models.CharField(max_length=64, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.action} {self.entity}#{self.entity_id}"


class ValidationLogEntry(models.Model):
    """A request rejected with 422: where and why, never the values (§13.4)."""

    method = models.CharField(max_length=8)
    path = models.CharField(max_length=255)
    errors = models.JSONField(default=list)
    actor_type = models.CharField(max_length=8, null=True, blank=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    ip = models.CharField(max_length=64, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "validation log"

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


class FileKind(models.TextChoices):
    PROFILE_PHOTO = "profile_photo"
    NEWS_IMAGE = "news_image"


class StoredFile(models.Model):
    """The record of an uploaded file (`domain-rules.md` §12, `staff-api.md` §10.1).

    `url` is stored relative (`/api/v1/files/...`) and output absolute.
    """

    kind = models.CharField(max_length=16, choices=FileKind.choices)
    name = models.CharField(max_length=128, unique=True)
    mime_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    url = models.CharField(max_length=255)
    owner = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.SET_NULL, related_name="files"
    )
    uploaded_by = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class OtpPurpose(models.TextChoices):
    LOGIN = "login"
    REGISTER = "register"


class OtpCode(models.Model):
    """One issued code (`domain-rules.md` §2.2); only a keyed hash of it is kept.

    Only the newest row of a phone can succeed: issuing a code supersedes the
    earlier unconsumed ones. Rows are purged after `OTP_RETENTION_DAYS`.
    """

    phone = models.CharField(max_length=16)
    purpose = models.CharField(max_length=16, choices=OtpPurpose.choices)
    code_hash = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    consumed_at = models.DateTimeField(null=True, blank=True)
    is_superseded = models.BooleanField(default=False)
    ip = models.CharField(max_length=64, null=True, blank=True)
    user_agent = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["phone", "-created_at"], name="accounts_otp_phone_created"
            ),
        ]

    def __str__(self) -> str:
        return f"OTP #{self.pk} ({self.purpose})"


class OtpIpHit(models.Model):
    """One request-otp call counted against its IP (§2.3, rolling hour)."""

    ip = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["ip", "created_at"], name="accounts_otpip_ip_created")
        ]

    def __str__(self) -> str:
        return f"{self.ip} at {self.created_at}"


class ThrottleLock(models.Model):
    """A row per throttled key, locked with SELECT ... FOR UPDATE while counting.

    Serialises check-and-insert of the rate-limit rows across processes, so the
    caps are exact (never DRF throttling, never a best-effort cache counter).
    """

    key = models.CharField(max_length=96, unique=True)

    def __str__(self) -> str:
        return self.key


class DeletedPhone(models.Model):
    """A real phone released by an account deletion (`domain-rules.md` §11)."""

    phone = models.CharField(max_length=16, db_index=True)
    pseudo_phone = models.CharField(max_length=16)
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="released_phones"
    )
    deleted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-deleted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.phone} -> {self.pseudo_phone}"
