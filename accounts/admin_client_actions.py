"""Client actions of the back office, each through the service that owns the rule.

Status, gift flag and deletion call the accounts services and are audited like
the API's `/users/{id}` routes; manual credits go through `manual_credit_create`
(lock, idempotency key, iiko job, audit); messages through `notifications_send`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from accounts.models import BRANCH_LABELS, Client, Staff
from accounts.services.clients import (
    client_delete,
    client_giftget_set,
    client_status_set,
)
from accounts.services.logs import audit_record
from cashback.models import EntrySource
from cashback.services import manual_credit_create
from notifications.services import notifications_send
from sardoba.admin_labels import label
from sardoba.exceptions import ApplicationError
from sardoba.messages import message_texts

SELECTION_SHOWN = 20


def error_text(exc: ApplicationError) -> str:
    """The message-table text of `exc` in the admin's language."""
    from django.utils.translation import get_language

    texts = message_texts(exc.code, **exc.values)
    return texts.get((get_language() or "ru")[:2], texts["en"])


def acting_manager(request: HttpRequest) -> Staff:
    """The signed-in manager (the admin site admits nobody else)."""
    user = request.user
    if not isinstance(user, Staff):  # pragma: no cover - has_permission refused it
        raise TypeError("the back office needs a staff session")
    return user


def _page(
    modeladmin: Any,
    request: HttpRequest,
    queryset: QuerySet[Client],
    *,
    action: str,
    title: Any,
    submit: Any,
    form: forms.Form | None = None,
    warning: Any = None,
) -> TemplateResponse:
    shown = list(queryset[: SELECTION_SHOWN + 1])
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "opts": modeladmin.model._meta,
        "queryset": queryset,
        "selection": shown[:SELECTION_SHOWN],
        "selection_more": len(shown) > SELECTION_SHOWN,
        "selection_count": queryset.count(),
        "selection_label": label(
            "Selected clients", "Выбрано клиентов", "Tanlangan mijozlar"
        ),
        "action": action,
        "action_checkbox_name": ACTION_CHECKBOX_NAME,
        "select_across": request.POST.get("select_across") == "1",
        "form": form,
        "warning": warning,
        "submit_label": submit,
    }
    return TemplateResponse(request, "admin/sardoba/client_action.html", context)


def _each(
    modeladmin: Any,
    request: HttpRequest,
    queryset: QuerySet[Client],
    write: Callable[[Client], bool],
    done: Any,
) -> None:
    """Run `write` per client; report service errors per client, count changes."""
    changed = 0
    for client in queryset.order_by("pk"):
        try:
            changed += bool(write(client))
        except ApplicationError as exc:
            modeladmin.message_user(
                request, f"{client}: {error_text(exc)}", messages.ERROR
            )
    modeladmin.message_user(request, f"{done}: {changed}", messages.SUCCESS)


def _status(request: HttpRequest, is_active: bool) -> Callable[[Client], bool]:
    def write(client: Client) -> bool:
        if client.is_active == is_active:
            return False
        client_status_set(
            client=client, is_active=is_active, staff=acting_manager(request)
        )
        audit_record(
            staff=acting_manager(request),
            action="status",
            entity="user",
            entity_id=client.pk,
            before={"is_active": not is_active},
            after={"is_active": is_active},
            request=request,
        )
        return True

    return write


def _gift(request: HttpRequest, giftget: bool) -> Callable[[Client], bool]:
    def write(client: Client) -> bool:
        before = client_giftget_set(client=client, giftget=giftget)
        if before == giftget:
            return False
        audit_record(
            staff=acting_manager(request),
            action="update",
            entity="user",
            entity_id=client.pk,
            before={"giftget": before},
            after={"giftget": giftget},
            request=request,
        )
        return True

    return write


@admin.action(
    description=label(
        "Deactivate selected clients",
        "Заблокировать выбранных клиентов",
        "Tanlangan mijozlarni bloklash",
    )
)
def clients_deactivate(
    modeladmin: Any, request: HttpRequest, queryset: QuerySet[Client]
) -> None:
    _each(
        modeladmin,
        request,
        queryset,
        _status(request, False),
        label("Deactivated", "Заблокировано", "Bloklandi"),
    )


@admin.action(
    description=label(
        "Reactivate selected clients",
        "Разблокировать выбранных клиентов",
        "Tanlangan mijozlarni blokdan chiqarish",
    )
)
def clients_reactivate(
    modeladmin: Any, request: HttpRequest, queryset: QuerySet[Client]
) -> None:
    _each(
        modeladmin,
        request,
        queryset,
        _status(request, True),
        label("Reactivated", "Разблокировано", "Blokdan chiqarildi"),
    )


@admin.action(
    description=label(
        "Mark gift as received",
        "Отметить подарок как полученный",
        "Sovg‘a olindi deb belgilash",
    )
)
def clients_gift_set(
    modeladmin: Any, request: HttpRequest, queryset: QuerySet[Client]
) -> None:
    _each(
        modeladmin,
        request,
        queryset,
        _gift(request, True),
        label("Gift flag set", "Отмечено", "Belgilandi"),
    )


@admin.action(
    description=label(
        "Clear the gift flag",
        "Снять отметку о подарке",
        "Sovg‘a belgisini olib tashlash",
    )
)
def clients_gift_clear(
    modeladmin: Any, request: HttpRequest, queryset: QuerySet[Client]
) -> None:
    _each(
        modeladmin,
        request,
        queryset,
        _gift(request, False),
        label("Gift flag cleared", "Отметка снята", "Belgi olib tashlandi"),
    )


class ManualCreditActionForm(forms.Form):
    amount = forms.IntegerField(
        min_value=1, label=label("Amount (so'm)", "Сумма (сум)", "Summa (so‘m)")
    )
    source = forms.ChoiceField(
        choices=EntrySource.choices,
        initial=EntrySource.MANUAL,
        label=label("Source", "Источник", "Manba"),
    )
    branch_id = forms.TypedChoiceField(
        choices=[("", "—"), *((str(k), v) for k, v in BRANCH_LABELS.items())],
        coerce=int,
        empty_value=None,
        required=False,
        label=label("Branch", "Филиал", "Filial"),
    )
    description = forms.CharField(
        max_length=255, required=False, label=label("Description", "Описание", "Izoh")
    )
    # One key per opened form: submitting it twice credits each client once.
    key = forms.CharField(max_length=64, widget=forms.HiddenInput)


@admin.action(
    description=label(
        "Credit cashback manually",
        "Начислить кешбэк вручную",
        "Keshbekni qo‘lda qo‘shish",
    )
)
def clients_manual_credit(
    modeladmin: Any, request: HttpRequest, queryset: QuerySet[Client]
) -> HttpResponse | None:
    form = ManualCreditActionForm(
        request.POST if "apply" in request.POST else None,
        initial={"key": uuid.uuid4().hex},
    )
    if not form.is_valid():
        return _page(
            modeladmin,
            request,
            queryset,
            action="clients_manual_credit",
            title=label("Manual credit", "Ручное начисление", "Qo‘lda qo‘shish"),
            submit=label("Credit", "Начислить", "Qo‘shish"),
            form=form,
        )
    data = form.cleaned_data

    def write(client: Client) -> bool:
        result = manual_credit_create(
            client=client,
            staff=acting_manager(request),
            amount=data["amount"],
            source=data["source"],
            branch_id=data["branch_id"],
            description=data["description"] or None,
            idempotency_key=f"admin-{data['key']}-{client.pk}",
            request=request,
        )
        return not result.replayed

    _each(
        modeladmin,
        request,
        queryset,
        write,
        label("Credited", "Начислено клиентам", "Qo‘shildi"),
    )
    return None


class NotificationActionForm(forms.Form):
    title = forms.CharField(
        max_length=255, label=label("Title", "Заголовок", "Sarlavha")
    )
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), label=label("Text", "Текст", "Matn")
    )
    language = forms.ChoiceField(
        choices=[("", "—"), ("ru", "Русский"), ("uz", "O‘zbekcha")],
        required=False,
        label=label("Language", "Язык", "Til"),
        help_text=label(
            "Empty: each client's own language (stored only; the text is sent as typed).",
            "Пусто: язык каждого клиента (только сохраняется; текст отправляется как написан).",
            "Bo‘sh: har bir mijozning tili (faqat saqlanadi; matn yozilganicha yuboriladi).",
        ),
    )


@admin.action(
    description=label(
        "Send a notification", "Отправить уведомление", "Bildirishnoma yuborish"
    )
)
def clients_notify(
    modeladmin: Any, request: HttpRequest, queryset: QuerySet[Client]
) -> HttpResponse | None:
    form = NotificationActionForm(request.POST if "apply" in request.POST else None)
    if not form.is_valid():
        return _page(
            modeladmin,
            request,
            queryset,
            action="clients_notify",
            title=label(
                "Send a notification", "Отправить уведомление", "Bildirishnoma yuborish"
            ),
            submit=label("Send", "Отправить", "Yuborish"),
            form=form,
        )
    data = form.cleaned_data
    result = notifications_send(
        staff=acting_manager(request),
        user_ids=list(queryset.values_list("pk", flat=True)),
        title=data["title"],
        description=data["description"],
        language=data["language"] or None,
        request=request,
    )
    modeladmin.message_user(
        request,
        f"{label('Sent', 'Отправлено', 'Yuborildi')}: {result.created}",
        messages.SUCCESS,
    )
    if result.skipped:
        modeladmin.message_user(
            request,
            f"{label('Skipped (deactivated)', 'Пропущено (заблокированы)', 'O‘tkazib yuborildi (bloklangan)')}: {len(result.skipped)}",
            messages.WARNING,
        )
    return None


@admin.action(
    description=label(
        "Delete accounts (as the app does)",
        "Удалить аккаунты (как в приложении)",
        "Akkauntlarni o‘chirish (ilovadagidek)",
    )
)
def clients_delete(
    modeladmin: Any, request: HttpRequest, queryset: QuerySet[Client]
) -> HttpResponse | None:
    if "apply" not in request.POST:
        return _page(
            modeladmin,
            request,
            queryset,
            action="clients_delete",
            title=label(
                "Delete accounts", "Удаление аккаунтов", "Akkauntlarni o‘chirish"
            ),
            submit=label("Yes, delete", "Да, удалить", "Ha, o‘chirish"),
            warning=label(
                "The phone is released, the profile cleared and iiko told; the ledger and cards stay. This cannot be undone.",
                "Телефон освобождается, профиль очищается, iiko уведомляется; операции и карты сохраняются. Это необратимо.",
                "Telefon bo‘shatiladi, profil tozalanadi, iiko xabardor qilinadi; operatsiyalar va kartalar saqlanadi. Qaytarib bo‘lmaydi.",
            ),
        )

    def write(client: Client) -> bool:
        client_delete(client=client, request=request)
        audit_record(
            staff=acting_manager(request),
            action="delete",
            entity="user",
            entity_id=client.pk,
            request=request,
        )
        return True

    _each(
        modeladmin, request, queryset, write, label("Deleted", "Удалено", "O‘chirildi")
    )
    return None


@admin.action(
    description=label(
        "Sync selected clients with iiko now",
        "Синхронизировать выбранных клиентов с iiko",
        "Tanlangan mijozlarni iiko bilan sinxronlash",
    )
)
def clients_iiko_sync(
    modeladmin: Any, request: HttpRequest, queryset: QuerySet[Client]
) -> None:
    """Run `client_sync_now` per client (as `POST /admin/sync/users/{id}` does)."""
    from cashback.services.iiko_sync_now import client_sync_now

    for client in queryset.order_by("pk")[:20]:
        result = client_sync_now(
            staff=acting_manager(request), client_id=client.pk, request=request
        )
        if result.success:
            changed = ", ".join(result.changed_fields) or "—"
            modeladmin.message_user(
                request, f"{client.phone}: iiko OK ({changed})", messages.SUCCESS
            )
        else:
            modeladmin.message_user(
                request, f"{client.phone}: {result.error}", messages.WARNING
            )


@admin.action(
    description=label(
        "Queue an iiko sync for selected clients",
        "Поставить в очередь синхронизацию с iiko",
        "iiko bilan sinxronlashni navbatga qo‘yish",
    )
)
def clients_iiko_sync_queue(
    modeladmin: Any, request: HttpRequest, queryset: QuerySet[Client]
) -> None:
    """Queue `sync_user` for the selected active clients (the worker runs them).

    "Select all" over every page makes this the bulk sync of
    `POST /admin/sync/users`; pending jobs merge, as there.
    """
    from django.db import transaction

    from cashback.models import IikoJobOperation
    from cashback.services import iiko_job_enqueue

    with transaction.atomic():
        clients = list(queryset.filter(is_active=True, is_deleted=False).order_by("pk"))
        for client in clients:
            iiko_job_enqueue(client=client, operation=IikoJobOperation.SYNC_USER)
        audit_record(
            staff=acting_manager(request),
            action="sync_queue",
            entity="user",
            after={"queued": len(clients)},
            request=request,
        )
    modeladmin.message_user(
        request, f"iiko sync queued: {len(clients)}", messages.SUCCESS
    )


CLIENT_ACTIONS = [
    clients_deactivate,
    clients_reactivate,
    clients_gift_set,
    clients_gift_clear,
    clients_manual_credit,
    clients_notify,
    clients_delete,
    clients_iiko_sync,
    clients_iiko_sync_queue,
]
