"""Menu import: POST /catalog/sync and `manage.py import_menu` (`staff-api.md` §11.3)."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from model_bakery import baker

from accounts.models import AuditEntry
from catalog.models import Category, Product
from tests.catalog import menus
from tests.catalog.conftest import serve_all

pytestmark = pytest.mark.django_db


def _state():
    return sorted(
        (p.category.name, p.name, p.price, p.image_url, p.is_active)
        for p in Product.objects.select_related("category")
    )


def test_sync_upserts_by_name(manager_client, manager, upstream):
    # given: an existing category (other case) and product, and a vanished product
    grill = baker.make(Category, name="SHASHLIK")
    kept = baker.make(Product, category=grill, name="Tovuq shashlik", price=1)
    gone = baker.make(Product, category=grill, name="Eski taom", price=1)
    untouched = baker.make(
        Product, category=baker.make(Category, name="Desert"), name="Tort", price=9
    )
    serve_all(upstream)
    # when
    response = manager_client.post("/api/v1/catalog/sync")
    # then
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "categories_created": 2,
        "categories_updated": 1,
        "products_created": 3,
        "products_updated": 1,
        "products_removed": 1,
    }
    kept.refresh_from_db()
    gone.refresh_from_db()
    untouched.refresh_from_db()
    assert (kept.pk, kept.category_id, kept.price) == (kept.pk, grill.pk, 25000)
    assert kept.image_url == upstream.url_for("/uploads/3052.jpg")
    assert gone.is_active is False
    assert untouched.is_active is True
    lamb = Product.objects.get(name="Qo'y go'shti shashlik")
    assert lamb.price == 35000  # first price (stores sorted by id)
    assert lamb.image_url == "https://cdn.myresto.online/i/3051-s.jpg"
    assert not Product.objects.filter(name__in=["Yashirin taom", "Sir"]).exists()
    assert set(Category.objects.values_list("name", flat=True)) == {
        "SHASHLIK",
        "Ichimliklar",
        "Osh",
        "Desert",
    }
    assert AuditEntry.objects.get(action="sync").staff == manager


def test_sync_is_idempotent(manager_client, upstream):
    serve_all(upstream)
    manager_client.post("/api/v1/catalog/sync")
    before = _state()
    again = manager_client.post("/api/v1/catalog/sync").json()
    assert again == {
        "status": "ok",
        "categories_created": 0,
        "categories_updated": 0,
        "products_created": 0,
        "products_updated": 0,
        "products_removed": 0,
    }
    assert _state() == before


def test_failed_upstream_leaves_the_catalog_untouched(manager_client, upstream):
    # given
    product = baker.make(
        Product, category=baker.make(Category, name="Shashlik"), name="Qo'y", price=1
    )
    upstream.expect_request("/tashkent/api/v1/menu").respond_with_json(
        menus.main_menu()
    )
    upstream.expect_request("/gijduvon/api/v1/menu").respond_with_data(
        "bad gateway", status=502
    )
    # when
    response = manager_client.post("/api/v1/catalog/sync")
    # then
    assert response.status_code == 502
    assert response.json()["code"] == "service_unavailable"
    product.refresh_from_db()
    assert (product.price, product.is_active) == (1, True)
    assert Category.objects.count() == 1
    assert not AuditEntry.objects.exists()


def test_sync_in_local_mode_is_service_unavailable(manager_client, settings):
    settings.MENU_API_URL = ""
    response = manager_client.post("/api/v1/catalog/sync")
    assert response.status_code == 502
    assert response.json()["code"] == "service_unavailable"


def test_sync_invalidates_catalog_caches(
    manager_client, api_client, upstream, django_capture_on_commit_callbacks
):
    serve_all(upstream)
    assert api_client.get("/api/v1/catalog/products").json() == []
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post("/api/v1/catalog/sync")
    assert len(api_client.get("/api/v1/catalog/products").json()) == 4


def test_import_menu_command(upstream):
    serve_all(upstream)
    out = io.StringIO()
    call_command("import_menu", stdout=out)
    text = out.getvalue()
    assert "3/3 categories" in text
    assert "categories created 3" in text
    assert "products created 4" in text
    assert Product.objects.count() == 4


def test_import_menu_command_fails_on_a_dead_upstream(upstream):
    upstream.expect_request("/tashkent/api/v1/menu").respond_with_data("", status=500)
    upstream.expect_request("/gijduvon/api/v1/menu").respond_with_data("", status=500)
    with pytest.raises(CommandError, match="unavailable"):
        call_command("import_menu", stdout=io.StringIO())
    assert not Category.objects.exists()
