"""The managers' back office: Django admin under the Sardoba name.

Only active, non-deleted managers get in (`Staff.is_staff`). Sign-in goes through
`accounts.services.admin_sign_in`: throttled per phone and written to the auth
log like the API's staff sign-in. The home page is a dashboard of the figures of
`GET /dashboard/metrics`, the health components and 30-day charts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import translation
from django.views.i18n import set_language

from sardoba.admin_labels import label
from sardoba.exceptions import RateLimited
from sardoba.messages import message_texts

ADMIN_LANGUAGES = ("ru", "uz", "en")


def admin_language(request: HttpRequest) -> str:
    """The language a manager picked (cookie), else the site default (Russian)."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    return chosen if chosen in ADMIN_LANGUAGES else settings.LANGUAGE_CODE


class AdminLanguageMiddleware:
    """Render `/admin/` in the manager's language; the API is left alone.

    The API carries every message in all three languages and reads no
    `Accept-Language`, so Django's `LocaleMiddleware` is not installed globally.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/admin/"):
            return self.get_response(request)
        language = admin_language(request)
        with translation.override(language):
            request.LANGUAGE_CODE = language
            response = self.get_response(request)
            response.headers.setdefault("Content-Language", language)
            return response


class SardobaLoginForm(AdminAuthenticationForm):
    """Phone + password; throttled and logged by the sign-in service."""

    def clean(self) -> dict[str, Any]:
        from accounts.services.admin_sign_in import (
            AdminSignInRefused,
            staff_admin_sign_in,
        )

        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is None or not password:
            return self.cleaned_data
        try:
            self.user_cache = staff_admin_sign_in(
                username=username, password=password, request=self.request
            )
        except RateLimited as exc:
            language = (translation.get_language() or "ru")[:2]
            texts = message_texts(exc.code, **exc.values)
            raise ValidationError(
                texts.get(language, texts["en"]), code="rate_limited"
            ) from exc
        except AdminSignInRefused as exc:
            raise self.get_invalid_login_error() from exc
        return self.cleaned_data


class SardobaAdminSite(admin.AdminSite):
    site_header = "Sardoba"
    site_title = "Sardoba"
    index_title = label("Back office", "Бэк-офис", "Boshqaruv paneli")
    index_template = "admin/sardoba/index.html"
    login_form = SardobaLoginForm
    enable_nav_sidebar = True
    site_url = None  # "/" is the API's JSON 404, not a site to view

    def has_permission(self, request: HttpRequest) -> bool:
        """Active, non-deleted managers only (`Staff.is_staff`)."""
        user = request.user
        return bool(user.is_active and getattr(user, "is_staff", False))

    def get_urls(self) -> list[Any]:
        return [
            path("language", set_language, name="set_language"),
            *super().get_urls(),
        ]

    def index(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> TemplateResponse:
        from sardoba.admin_home import dashboard_context

        return super().index(request, {**dashboard_context(), **(extra_context or {})})


def site_extend() -> None:
    """Add the back office's cross-app actions to admins other apps registered.

    Runs once every `admin.py` is imported: the ledger admin (cashback) gets the
    CSV export of the selected entries.
    """
    from cashback.models import LedgerEntry
    from sardoba.admin_exports import ledger_export_csv

    model_admin = (
        admin.site.get_model_admin(LedgerEntry)
        if admin.site.is_registered(LedgerEntry)
        else None
    )
    if model_admin is None:
        return
    actions = list(model_admin.actions or [])
    if ledger_export_csv not in actions:
        model_admin.actions = [*actions, ledger_export_csv]
