"""The back office's "import the menu" button runs the same service as /catalog/sync."""

from __future__ import annotations

import pytest

from accounts.models import AuditEntry
from catalog.models import Category, Product
from tests.admin.conftest import admin_browser  # noqa: F401  (fixture)
from tests.catalog.conftest import serve_all

pytestmark = pytest.mark.django_db

URL = "/admin/catalog/category/import-menu/"


def test_button_is_on_the_category_list(admin_browser):  # noqa: F811
    response = admin_browser.get("/admin/catalog/category/")
    assert URL in response.content.decode()


def test_import_fills_the_catalog(admin_browser, manager, upstream):  # noqa: F811
    serve_all(upstream)
    # when
    response = admin_browser.post(URL, follow=True)
    # then
    assert response.status_code == 200
    assert "Menu imported" in response.content.decode()
    assert Product.objects.filter(is_active=True).exists()
    assert AuditEntry.objects.filter(staff=manager, action="sync").exists()


def test_unavailable_upstream_changes_nothing(admin_browser, settings):  # noqa: F811
    settings.MENU_API_URL = ""  # local menu mode: nothing to import from
    # when
    response = admin_browser.post(URL, follow=True)
    # then
    assert "Внешний сервис временно недоступен." in response.content.decode()
    assert not Category.objects.exists()
    assert not AuditEntry.objects.exists()


def test_get_does_not_import(admin_browser, upstream):  # noqa: F811
    serve_all(upstream)
    admin_browser.get(URL)
    assert not Category.objects.exists()
    assert upstream.log == []
