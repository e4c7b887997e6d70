"""Back office for money: the ledger, wallets and cards read-only; manual credits.

Nothing here writes a balance itself: the form calls the service, so the lock,
the idempotency key, the iiko job and the audit entry hold as over HTTP.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from accounts.models import BRANCH_LABELS, Client
from cashback.models import Card, EntrySource, LedgerEntry, Wallet
from cashback.services import manual_credit_create
from sardoba.exceptions import ApplicationError


class _ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable by managers; never added, changed or deleted through admin."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class BranchFilter(admin.SimpleListFilter):
    title = "branch"
    parameter_name = "branch"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(str(k), v) for k, v in BRANCH_LABELS.items()]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        return queryset.filter(branch_id=self.value()) if self.value() else queryset


class ClientFilter(admin.SimpleListFilter):
    """`?client=<id>` (linked from the wallet page); search finds clients by name."""

    title = "client"
    parameter_name = "client"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        value = self.value()
        if not value or not value.isdigit():
            return []
        client = Client.objects.filter(pk=value).first()
        return [(value, str(client) if client else f"#{value}")]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(client_id=value)
        return queryset


@admin.register(LedgerEntry)
class LedgerEntryAdmin(_ReadOnlyAdmin):
    list_display = (
        "id",
        "created_at",
        "client",
        "kind",
        "source",
        "amount",
        "balance_before",
        "balance_after",
        "points_earned",
        "branch_id",
        "staff",
        "description",
    )
    list_filter = (
        ClientFilter,
        ("staff", admin.RelatedOnlyFieldListFilter),
        BranchFilter,
        "kind",
        "source",
        "created_at",
    )
    search_fields = ("client__phone", "client__name", "client__surname", "=id")
    date_hierarchy = "created_at"
    list_select_related = ("client", "staff")
    ordering = ("-created_at", "-id")
    change_list_template = "admin/cashback/ledgerentry/change_list.html"

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None) or {}
        changelist = context.get("cl")
        if changelist is not None:
            context["totals"] = changelist.queryset.order_by().aggregate(
                entries=Count("id"),
                credits=Coalesce(Sum("amount", filter=Q(amount__gt=0)), 0),
                debits=Coalesce(Sum("amount", filter=Q(amount__lt=0)), 0),
                net=Coalesce(Sum("amount"), 0),
            )
        return response

    def get_urls(self) -> list[Any]:
        custom = [
            path(
                "manual-credit/",
                self.admin_site.admin_view(self.manual_credit_view),
                name="cashback_ledgerentry_manual_credit",
            )
        ]
        return custom + super().get_urls()

    def manual_credit_view(self, request: HttpRequest) -> HttpResponse:
        form = ManualCreditForm(request.POST or None, initial=_credit_initial(request))
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                result = manual_credit_create(
                    client=data["client"],
                    staff=request.user,  # type: ignore[arg-type]
                    amount=data["amount"],
                    source=data["source"],
                    branch_id=int(data["branch_id"]) if data["branch_id"] else None,
                    description=data["description"] or None,
                    idempotency_key=data["idempotency_key"],
                    request=request,
                )
            except ApplicationError as exc:
                form.add_error(None, exc.detail["en"])
            else:
                entry = result.entry
                note = " (already recorded)" if result.replayed else ""
                self.message_user(
                    request,
                    f"Credited {entry.amount} so'm to {entry.client}; balance "
                    f"{entry.balance_after}{note}.",
                    messages.SUCCESS,
                )
                url = reverse("admin:cashback_ledgerentry_changelist")
                return HttpResponseRedirect(f"{url}?client={entry.client_id}")
        context = {
            **self.admin_site.each_context(request),
            "title": "Manual credit",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/cashback/manual_credit.html", context)


def _credit_initial(request: HttpRequest) -> dict[str, Any]:
    # A fresh key per form: submitting the same form twice credits once.
    initial: dict[str, Any] = {"idempotency_key": f"admin-{uuid.uuid4()}"}
    if request.GET.get("client", "").isdigit():
        initial["client"] = request.GET["client"]
    return initial


class ManualCreditForm(forms.Form):
    client = forms.ModelChoiceField(
        queryset=Client.objects.not_deleted(),
        widget=forms.NumberInput,
        label="Client id",
    )
    amount = forms.IntegerField(min_value=1, label="Amount (so'm)")
    source = forms.ChoiceField(choices=EntrySource.choices, initial=EntrySource.MANUAL)
    branch_id = forms.TypedChoiceField(
        choices=[("", "—"), *[(str(k), v) for k, v in BRANCH_LABELS.items()]],
        required=False,
        label="Branch",
    )
    description = forms.CharField(max_length=255, required=False)
    idempotency_key = forms.CharField(max_length=255, widget=forms.HiddenInput)


@admin.register(Wallet)
class WalletAdmin(_ReadOnlyAdmin):
    list_display = ("client", "balance", "points", "level", "giftget", "updated_at")
    list_filter = ("level", "giftget")
    search_fields = ("client__phone", "client__name", "client__surname")
    list_select_related = ("client",)
    readonly_fields = ("ledger_link",)

    @admin.display(description="ledger")
    def ledger_link(self, wallet: Wallet) -> str:
        from django.utils.html import format_html

        url = reverse("admin:cashback_ledgerentry_changelist")
        credit = reverse("admin:cashback_ledgerentry_manual_credit")
        return format_html(
            '<a href="{}?client={}">entries</a> · <a href="{}?client={}">manual credit</a>',
            url,
            wallet.client_id,
            credit,
            wallet.client_id,
        )


@admin.register(Card)
class CardAdmin(_ReadOnlyAdmin):
    list_display = ("card_number", "client", "iiko_card_id", "created_at")
    search_fields = ("card_number", "client__phone")
    list_select_related = ("client",)


from cashback import admin_iiko  # noqa: E402, F401  (the iiko job queue)
