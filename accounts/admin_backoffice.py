"""The managers' back office for clients and staff (Django admin).

Read-mostly: clients are never edited or deleted through Django's own forms, and
ledger and inbox rows are read-only. Every change goes through a service (roles,
locks and the audit hold as in the API). Deleted clients and staff are hidden.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import segno
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.contrib.admin.utils import display_for_value
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from accounts.admin_client_actions import CLIENT_ACTIONS, acting_manager, error_text
from accounts.exceptions import InvalidPhone
from accounts.images import image_clean
from accounts.models import BRANCH_LABELS, Client, Staff, StaffRole
from accounts.phones import staff_phone_normalize
from accounts.services.clients import client_photo_set, client_profile_update
from accounts.services.logs import audit_record
from accounts.services.staff_backoffice import (
    staff_change_backoffice,
    staff_create_backoffice,
    staff_delete_backoffice,
    staff_referral_regenerate_backoffice,
    staff_self_change_check,
)
from cashback.models import Card, EntryKind, LedgerEntry, Level
from notifications.models import Notification
from sardoba.admin_exports import clients_export_csv, clients_ledger_export_csv
from sardoba.admin_filters import DateRangeListFilter
from sardoba.admin_labels import label
from sardoba.exceptions import ApplicationError

BRANCH_CHOICES = [("", "—"), *((str(k), v) for k, v in BRANCH_LABELS.items())]


# Clients --------------------------------------------------------------------------


class LevelFilter(admin.SimpleListFilter):
    title = label("level", "уровень", "daraja")
    parameter_name = "level"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(level.value, level.label) for level in Level]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Client]) -> Any:
        value = self.value()
        if value == Level.SILVER:
            return queryset.filter(Q(wallet__level=value) | Q(wallet__isnull=True))
        if value in Level.values:
            return queryset.filter(wallet__level=value)
        return queryset


class WaiterFilter(admin.SimpleListFilter):
    title = label("waiter", "официант", "ofitsiant")
    parameter_name = "waiter"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        waiters = Staff.objects.not_deleted().filter(role=StaffRole.WAITER)
        return [(str(w.pk), w.name) for w in waiters.order_by("name", "id")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Client]) -> Any:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(waiter_id=int(value))
        return queryset


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class LedgerInline(ReadOnlyInline):
    model = LedgerEntry
    fk_name = "client"
    verbose_name = label("ledger entry", "операция", "operatsiya")
    verbose_name_plural = label(
        "Ledger", "Операции по кешбэку", "Keshbek operatsiyalari"
    )
    fields = (
        "created_at",
        "kind",
        "source",
        "amount",
        "balance_after",
        "points_earned",
        "branch_id",
        "staff",
        "description",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[LedgerEntry]:
        return super().get_queryset(request).select_related("staff")


class InboxInline(ReadOnlyInline):
    model = Notification
    fk_name = "client"
    verbose_name = label("notification", "уведомление", "bildirishnoma")
    verbose_name_plural = label("Inbox", "Уведомления", "Bildirishnomalar")
    fields = (
        "created_at",
        "title",
        "description",
        "notification_type",
        "language",
        "is_read",
        "is_sent",
    )
    readonly_fields = fields


def card_qr_svg(card_number: str) -> SafeString:
    """The card number as an inline SVG QR code (what the app's QR encodes)."""
    svg = segno.make(card_number, error="m", micro=False).svg_inline(
        scale=4, border=2, dark="#000", light="#fff"
    )
    return mark_safe(svg)  # noqa: S308  (segno's own markup; the input is digits)


def _shown(
    name: str, en: str, ru: str, uz: str, *, boolean: bool = False
) -> Callable[[Any, Client], Any]:
    """A read-only column for model field `name` with a Russian/Uzbek label."""

    def show(self: Any, obj: Client) -> Any:
        value = getattr(obj, name)
        # Dates and times localised and in Asia/Tashkent, like Django's own cells.
        return value if boolean else display_for_value(value, "—")

    show.__name__ = f"{name}_shown"
    return admin.display(description=label(en, ru, uz), boolean=boolean, ordering=name)(
        show
    )


PROFILE_LABELS = {
    "phone": ("Phone", "Телефон", "Telefon"),
    "name": ("Name", "Имя", "Ism"),
    "surname": ("Surname", "Фамилия", "Familiya"),
    "middle_name": ("Middle name", "Отчество", "Otasining ismi"),
    "date_of_birth": ("Date of birth", "Дата рождения", "Tug‘ilgan sana"),
    "gender": ("Gender", "Пол", "Jins"),
    "email": ("E-mail", "E-mail", "E-mail"),
    "waiter": ("Waiter", "Официант", "Ofitsiant"),
    "is_active": ("Active", "Активен", "Faol"),
    "created_at": ("Registered", "Зарегистрирован", "Ro‘yxatdan o‘tgan"),
}


EDITABLE_PROFILE = (
    "name",
    "surname",
    "middle_name",
    "date_of_birth",
    "gender",
    "email",
    "waiter",
)


class ClientProfileForm(forms.ModelForm):
    """The profile fields a manager may change (`PATCH /users/{id}`)."""

    waiter = forms.ModelChoiceField(
        queryset=Staff.objects.none(),
        required=False,
        label=label(*PROFILE_LABELS["waiter"]),
    )
    photo = forms.FileField(
        required=False,
        label=label("New profile photo", "Новое фото профиля", "Yangi profil surati"),
        help_text="JPEG, PNG, WebP",
    )

    class Meta:
        model = Client
        fields = EDITABLE_PROFILE
        labels = {
            name: label(*PROFILE_LABELS[name])
            for name in EDITABLE_PROFILE
            if name != "waiter"
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].required = True
        waiters = Staff.objects.not_deleted().filter(
            role=StaffRole.WAITER, is_active=True
        )
        if self.instance.waiter_id:  # keep the current one listed, even if inactive
            waiters = waiters | Staff.objects.filter(pk=self.instance.waiter_id)
        self.fields["waiter"].queryset = waiters.order_by("name", "id")

    def clean_photo(self) -> Any:
        """Refuse what `POST /files/profile-photo` refuses, as a form error."""
        upload = self.cleaned_data.get("photo")
        if upload is None:
            return None
        try:
            image_clean(upload)
        except ApplicationError as exc:
            raise forms.ValidationError(exc.detail["ru"]) from exc
        upload.seek(0)
        return upload

    def profile_changes(self) -> dict[str, Any]:
        """The changed fields as `client_profile_update` takes them."""
        changes: dict[str, Any] = {}
        for name in self.changed_data:
            if name == "photo":
                continue
            value = self.cleaned_data.get(name)
            if name == "waiter":
                changes["waiter_id"] = value.pk if value is not None else None
            elif isinstance(value, str):
                changes[name] = value.strip() or None
            else:
                changes[name] = value
        return changes


class ClientAdmin(admin.ModelAdmin):
    form = ClientProfileForm
    list_display = (
        "id",
        "phone_shown",
        "full_name_column",
        "level_column",
        "balance_column",
        "waiter_shown",
        "is_active_shown",
        "created_at_shown",
    )
    list_display_links = ("id", "phone_shown")
    list_select_related = ("wallet", "waiter")
    list_filter = (
        LevelFilter,
        WaiterFilter,
        "is_active",
        ("created_at", DateRangeListFilter),
    )
    search_fields = ("phone", "name", "surname", "middle_name")
    search_help_text = label(
        "Phone (any spacing), name, surname or middle name",
        "Телефон (с пробелами или без), имя, фамилия или отчество",
        "Telefon (bo‘sh joy bilan yoki bo‘lmasa), ism, familiya yoki otasining ismi",
    )
    list_per_page = 50
    ordering = ("-created_at", "-id")
    inlines = (LedgerInline, InboxInline)
    actions = [*CLIENT_ACTIONS, clients_export_csv, clients_ledger_export_csv]
    fieldsets = (
        (
            label("Profile", "Профиль", "Profil"),
            {
                "fields": (
                    "phone_shown",
                    *EDITABLE_PROFILE,
                    "photo",
                    "is_active_shown",
                    "created_at_shown",
                )
            },
        ),
        (
            label("Cashback", "Кешбэк", "Keshbek"),
            {
                "fields": (
                    "balance_column",
                    "points_column",
                    "level_column",
                    "gift_column",
                    "ledger_links",
                )
            },
        ),
        (label("Cards", "Карты", "Kartalar"), {"fields": ("cards_column",)}),
        ("iiko", {"fields": ("iiko_customer_id", "iiko_wallet_id")}),
    )
    readonly_fields = (
        "phone_shown",
        "is_active_shown",
        "created_at_shown",
        "balance_column",
        "points_column",
        "level_column",
        "gift_column",
        "ledger_links",
        "cards_column",
        "iiko_customer_id",
        "iiko_wallet_id",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Client]:
        return super().get_queryset(request).filter(is_deleted=False)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Client], search_term: str
    ) -> tuple[QuerySet[Client], bool]:
        """Also match the digits typed anywhere in the phone: `90 123 45 67`."""
        found, duplicates = super().get_search_results(request, queryset, search_term)
        digits = "".join(ch for ch in search_term if ch.isdigit())
        if len(digits) >= 3:
            found = found | queryset.filter(phone__contains=digits)
        return found, duplicates

    # The back office never creates, edits or deletes clients through forms.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deletion is the "delete accounts" action (client_delete)

    def save_model(
        self, request: HttpRequest, obj: Client, form: Any, change: bool
    ) -> None:
        """Profile changes go through `client_profile_update`, audited as the route.

        A new photo goes through `client_photo_set`, as the manager's upload of
        `POST /files/profile-photo` with `user_id` does.
        """
        photo = form.cleaned_data.get("photo")
        if photo is not None:
            client = client_photo_set(
                client=Client.objects.get(pk=obj.pk),
                upload=photo,
                staff=acting_manager(request),
            )
            audit_record(
                staff=acting_manager(request),
                action="update",
                entity="user",
                entity_id=obj.pk,
                after={"profile_photo_url": client.profile_photo_url},
                request=request,
            )
        changes = form.profile_changes()
        if not changes:
            return
        diff = client_profile_update(
            client=Client.objects.get(pk=obj.pk),
            changes=changes,
            staff=acting_manager(request),
        )
        if diff:
            audit_record(
                staff=acting_manager(request),
                action="update",
                entity="user",
                entity_id=obj.pk,
                before={k: _json(v[0]) for k, v in diff.items()},
                after={k: _json(v[1]) for k, v in diff.items()},
                request=request,
            )

    @admin.display(description=label("Full name", "ФИО", "F.I.Sh."))
    def full_name_column(self, obj: Client) -> str:
        return obj.full_name or "—"

    def _wallet(self, obj: Client) -> Any:
        return obj.wallet if hasattr(obj, "wallet") else None

    @admin.display(description=label("Balance", "Баланс", "Balans"))
    def balance_column(self, obj: Client) -> int:
        wallet = self._wallet(obj)
        return wallet.balance if wallet else 0

    @admin.display(description=label("Points", "Баллы", "Ballar"))
    def points_column(self, obj: Client) -> int:
        wallet = self._wallet(obj)
        return wallet.points if wallet else 0

    @admin.display(description=label("Level", "Уровень", "Daraja"))
    def level_column(self, obj: Client) -> str:
        wallet = self._wallet(obj)
        return wallet.get_level_display() if wallet else Level.SILVER.label

    @admin.display(
        description=label("Gift received", "Подарок получен", "Sovg‘a olingan"),
        boolean=True,
    )
    def gift_column(self, obj: Client) -> bool:
        wallet = self._wallet(obj)
        return bool(wallet and wallet.giftget)

    @admin.display(description=label("Ledger", "Операции", "Operatsiyalar"))
    def ledger_links(self, obj: Client) -> SafeString:
        entries = reverse("admin:cashback_ledgerentry_changelist")
        credit = reverse("admin:cashback_ledgerentry_manual_credit")
        return format_html(
            '<a href="{}?client={}">{}</a> · <a href="{}?client={}">{}</a>',
            entries,
            obj.pk,
            label("All entries", "Все операции", "Barcha operatsiyalar"),
            credit,
            obj.pk,
            label("Manual credit", "Ручное начисление", "Qo‘lda qo‘shish"),
        )

    @admin.display(description=label("Cards", "Карты", "Kartalar"))
    def cards_column(self, obj: Client) -> SafeString:
        cards = list(Card.objects.filter(client_id=obj.pk).order_by("created_at", "id"))
        if not cards:
            return format_html("{}", "—")
        numbers = format_html_join(
            "", "<li><code>{}</code></li>", ((card.card_number,) for card in cards)
        )
        return format_html(
            '<ul class="sardoba-cards">{}</ul><div class="sardoba-qr" '
            'data-card="{}">{}</div>',
            numbers,
            cards[-1].card_number,
            card_qr_svg(cards[-1].card_number),
        )


for _name, _texts in PROFILE_LABELS.items():
    setattr(
        ClientAdmin,
        f"{_name}_shown",
        _shown(_name, *_texts, boolean=_name == "is_active"),
    )


def _json(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


# Staff ----------------------------------------------------------------------------


class StaffCreationForm(forms.ModelForm):
    branch_id = forms.TypedChoiceField(
        choices=BRANCH_CHOICES, required=False, coerce=int, empty_value=None
    )
    password1 = forms.CharField(
        label=label("Password", "Пароль", "Parol"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )
    password2 = forms.CharField(
        label=label("Password again", "Пароль ещё раз", "Parolni takrorlang"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )

    class Meta:
        model = Staff
        fields = ("phone", "name", "role", "branch_id")

    request: HttpRequest

    def clean_phone(self) -> str:
        try:
            phone = staff_phone_normalize(self.cleaned_data["phone"])
        except InvalidPhone as exc:
            raise forms.ValidationError(error_text(exc)) from exc
        if Staff.objects.not_deleted().filter(phone=phone).exists():
            raise forms.ValidationError(
                label(
                    "A staff account with this phone exists.",
                    "Сотрудник с таким телефоном уже есть.",
                    "Bu telefon raqamli xodim allaqachon bor.",
                )
            )
        return phone

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", forms.ValidationError(_PASSWORDS_DIFFER))
        elif first:
            try:
                validate_password(first)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data

    def _post_clean(self) -> None:
        # The service builds and validates the row; skip the ModelForm's own pass.
        pass

    def save(self, commit: bool = True) -> Staff:
        data = self.cleaned_data
        self.instance = staff_create_backoffice(
            actor=acting_manager(self.request),
            phone=data["phone"],
            name=data["name"],
            role=data["role"],
            branch_id=data.get("branch_id"),
            password=data["password1"],
            request=self.request,
        )
        return self.instance

    def save_m2m(self) -> None:
        pass


_PASSWORDS_DIFFER = label(
    "The two passwords differ.", "Пароли не совпадают.", "Parollar mos emas."
)


class StaffChangeForm(forms.ModelForm):
    branch_id = forms.TypedChoiceField(
        choices=BRANCH_CHOICES, required=False, coerce=int, empty_value=None
    )
    new_password1 = forms.CharField(
        label=label("New password", "Новый пароль", "Yangi parol"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
        required=False,
        help_text=label(
            "Leave empty to keep the current password.",
            "Оставьте пустым, чтобы не менять пароль.",
            "Parolni o‘zgartirmaslik uchun bo‘sh qoldiring.",
        ),
    )
    new_password2 = forms.CharField(
        label=label(
            "New password again", "Новый пароль ещё раз", "Yangi parolni takrorlang"
        ),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
        required=False,
    )

    class Meta:
        model = Staff
        fields = ("name", "role", "branch_id", "is_active")

    request: HttpRequest

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        try:
            staff_self_change_check(
                actor=acting_manager(self.request),
                staff=self.instance,
                role=data.get("role"),
                is_active=data.get("is_active"),
            )
        except ApplicationError as exc:
            raise forms.ValidationError(error_text(exc)) from exc
        first, second = data.get("new_password1"), data.get("new_password2")
        if (first or second) and first != second:
            self.add_error("new_password2", forms.ValidationError(_PASSWORDS_DIFFER))
        elif first:
            try:
                validate_password(first, self.instance)
            except forms.ValidationError as exc:
                self.add_error("new_password1", exc)
        return data


class StaffAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "name",
        "phone",
        "role",
        "branch_column",
        "referral_code",
        "is_active",
        "clients_count",
        "last_login_at",
    )
    list_display_links = ("id", "name")
    list_filter = ("role", "is_active")
    search_fields = ("name", "phone", "referral_code")
    ordering = ("id",)
    actions = [
        "deactivate_selected",
        "reactivate_selected",
        "regenerate_referral_codes",
        "soft_delete_selected",
    ]
    readonly_fields = (
        "phone",
        "referral_code",
        "last_login_at",
        "created_at",
        "referred_clients_column",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Staff]:
        return (
            super()
            .get_queryset(request)
            .filter(deleted_at__isnull=True)
            .annotate(
                referred=Count(
                    "referred_clients", filter=Q(referred_clients__is_deleted=False)
                )
            )
        )

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        kwargs["form"] = StaffChangeForm if obj is not None else StaffCreationForm
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request = request  # type: ignore[attr-defined]
        return form

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return (
                (
                    None,
                    {
                        "fields": (
                            "phone",
                            "name",
                            "role",
                            "branch_id",
                            "password1",
                            "password2",
                        )
                    },
                ),
            )
        return (
            (None, {"fields": ("phone", "name", "role", "branch_id", "is_active")}),
            (
                label("Password", "Пароль", "Parol"),
                {"fields": ("new_password1", "new_password2")},
            ),
            (
                label("Referrals", "Приглашённые клиенты", "Taklif qilingan mijozlar"),
                {"fields": ("referral_code", "referred_clients_column")},
            ),
            (None, {"fields": ("last_login_at", "created_at")}),
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj is not None else ()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or obj.pk != request.user.pk

    def get_actions(self, request: HttpRequest) -> Any:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # soft deletion only, via the service
        return actions

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        # Soft deletion keeps every related row: nothing to list, nothing protected.
        return [str(obj) for obj in objs], {}, set(), []

    def save_model(
        self, request: HttpRequest, obj: Staff, form: Any, change: bool
    ) -> None:
        if not change:
            return  # StaffCreationForm.save() ran the service
        data = form.cleaned_data
        changes = {
            "name": data["name"],
            "role": data["role"],
            "branch_id": data.get("branch_id"),
            "is_active": data["is_active"],
        }
        if data.get("new_password1"):
            changes["password"] = data["new_password1"]
        staff_change_backoffice(
            staff=Staff.objects.get(pk=obj.pk),
            actor=acting_manager(request),
            changes=changes,
            request=request,
        )

    def delete_model(self, request: HttpRequest, obj: Staff) -> None:
        staff_delete_backoffice(
            staff=obj, actor=acting_manager(request), request=request
        )

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Staff]) -> None:
        for staff in queryset:
            self.delete_model(request, staff)

    @admin.display(description=label("Branch", "Филиал", "Filial"))
    def branch_column(self, obj: Staff) -> str:
        return obj.branch or "—"

    @admin.display(
        description=label("Clients", "Клиентов", "Mijozlar"), ordering="referred"
    )
    def clients_count(self, obj: Staff) -> int:
        return getattr(obj, "referred", 0)

    @admin.display(
        description=label(
            "Referred clients", "Приглашённые клиенты", "Taklif qilingan mijozlar"
        )
    )
    def referred_clients_column(self, obj: Staff) -> SafeString:
        clients = Client.objects.not_deleted().filter(waiter_id=obj.pk)
        totals = LedgerEntry.objects.filter(
            client__waiter_id=obj.pk, client__is_deleted=False
        ).aggregate(
            credited=_sum_of_credits(),
            events=Count("id", filter=~Q(kind=EntryKind.RECONCILIATION)),
        )
        url = reverse("admin:accounts_client_changelist") + f"?waiter={obj.pk}"
        newest = format_html_join(
            "",
            "<li>{} · {}</li>",
            (
                (c.phone, c.full_name or "—")
                for c in clients.order_by("-created_at", "-id")[:10]
            ),
        )
        return format_html(
            '<p data-referrals="{}">{}: <strong>{}</strong> · {}: <strong>{}</strong> · {}: '
            '<strong>{}</strong></p><ul>{}</ul><p><a href="{}">{}</a></p>',
            obj.pk,
            label("Clients", "Клиентов", "Mijozlar"),
            clients.count(),
            label("Cashback credited", "Начислено кешбэка", "Berilgan keshbek"),
            totals["credited"] or 0,
            label("Transactions", "Операций", "Operatsiyalar"),
            totals["events"] or 0,
            newest,
            url,
            label(
                "All clients of this waiter",
                "Все клиенты официанта",
                "Ofitsiantning barcha mijozlari",
            ),
        )

    def _each(
        self, request: HttpRequest, queryset: QuerySet[Staff], write: Any, done: Any
    ) -> None:
        changed = 0
        for staff in queryset:
            try:
                write(staff)
            except ApplicationError as exc:
                self.message_user(
                    request, f"{staff}: {error_text(exc)}", messages.ERROR
                )
            except ValueError:
                continue
            else:
                changed += 1
        if changed:
            self.message_user(request, f"{done}: {changed}", messages.SUCCESS)

    def _activity_set(
        self,
        request: HttpRequest,
        queryset: QuerySet[Staff],
        is_active: bool,
        done: Any,
    ) -> None:
        """(De)activate each selected account through the audited staff service."""
        self._each(
            request,
            queryset,
            lambda s: staff_change_backoffice(
                staff=s,
                actor=acting_manager(request),
                changes={"is_active": is_active},
                request=request,
            ),
            done,
        )

    @admin.action(
        description=label(
            "Deactivate selected staff",
            "Заблокировать выбранных сотрудников",
            "Tanlangan xodimlarni bloklash",
        )
    )
    def deactivate_selected(
        self, request: HttpRequest, queryset: QuerySet[Staff]
    ) -> None:
        self._activity_set(
            request, queryset, False, label("Deactivated", "Заблокировано", "Bloklandi")
        )

    @admin.action(
        description=label(
            "Reactivate selected staff",
            "Разблокировать выбранных сотрудников",
            "Tanlangan xodimlarni blokdan chiqarish",
        )
    )
    def reactivate_selected(
        self, request: HttpRequest, queryset: QuerySet[Staff]
    ) -> None:
        self._activity_set(
            request,
            queryset,
            True,
            label("Reactivated", "Разблокировано", "Blokdan chiqarildi"),
        )

    @admin.action(
        description=label(
            "Regenerate referral codes of selected waiters",
            "Выдать новые реферальные коды выбранным официантам",
            "Tanlangan ofitsiantlarga yangi referal kod berish",
        )
    )
    def regenerate_referral_codes(
        self, request: HttpRequest, queryset: QuerySet[Staff]
    ) -> None:
        self._each(
            request,
            queryset.filter(role=StaffRole.WAITER),
            lambda s: staff_referral_regenerate_backoffice(
                staff=s, actor=acting_manager(request), request=request
            ),
            label("New codes", "Новых кодов", "Yangi kodlar"),
        )

    @admin.action(
        description=label(
            "Delete selected staff (kept in history)",
            "Удалить выбранных сотрудников (история сохраняется)",
            "Tanlangan xodimlarni o‘chirish (tarix saqlanadi)",
        )
    )
    def soft_delete_selected(
        self, request: HttpRequest, queryset: QuerySet[Staff]
    ) -> None:
        self._each(
            request,
            queryset,
            lambda s: staff_delete_backoffice(
                staff=s, actor=acting_manager(request), request=request
            ),
            label("Deleted", "Удалено", "O‘chirildi"),
        )


def _sum_of_credits() -> Any:
    from django.db.models import Sum

    return Sum("amount", filter=Q(amount__gt=0) & ~Q(kind=EntryKind.RECONCILIATION))


# Django's own admin history -------------------------------------------------------


class LogEntryAdmin(admin.ModelAdmin):
    """What managers did in this back office; nobody edits history."""

    list_display = (
        "action_time",
        "user",
        "content_type",
        "object_repr",
        "action_flag",
        "change_message",
    )
    list_filter = ("action_flag", "content_type")
    search_fields = ("object_repr", "change_message")
    list_select_related = ("user", "content_type")
    date_hierarchy = "action_time"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# Staff has no groups or permissions (managers get everything): hide Group.
if admin.site.is_registered(Group):
    admin.site.unregister(Group)
admin.site.register(Client, ClientAdmin)
admin.site.register(Staff, StaffAdmin)
admin.site.register(LogEntry, LogEntryAdmin)
