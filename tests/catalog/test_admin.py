"""Django admin writes go through the services: audited, and visible in the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client as BrowserClient
from model_bakery import baker

from accounts.models import AuditEntry
from catalog.models import Category, Product
from news.models import NewsItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(manager):
    client = BrowserClient()
    client.force_login(manager)
    return client


def test_manager_creates_news_and_edits_a_price_in_admin(
    browser, manager, api_client, django_capture_on_commit_callbacks
):
    # given: both lists are cached
    grill = baker.make(Category, name="Shashlik")
    product = baker.make(Product, category=grill, name="Qo'y", price=35000, position=0)
    assert api_client.get("/api/v1/news").json() == []
    assert api_client.get("/api/v1/catalog/products").json()[0]["price"] == 35000
    # when
    with django_capture_on_commit_callbacks(execute=True):
        created = browser.post(
            "/admin/news/newsitem/add/",
            {
                "title": "Yangi menyu",
                "description": "Bahorgi taomlar",
                "priority": "2",
                "image_url": "",
                "starts_at_0": "",
                "starts_at_1": "",
                "ends_at_0": "",
                "ends_at_1": "",
            },
        )
        edited = browser.post(
            f"/admin/catalog/product/{product.pk}/change/",
            {
                "category": grill.pk,
                "name": "Qo'y",
                "price": "37000",
                "position": "0",
                "is_active": "on",
                "image_url": "",
            },
        )
    # then
    assert created.status_code == 302, created.content[:500]
    assert edited.status_code == 302, edited.content[:500]
    assert [n["title"] for n in api_client.get("/api/v1/news").json()] == [
        "Yangi menyu"
    ]
    assert api_client.get("/api/v1/catalog/products").json()[0]["price"] == 37000
    assert AuditEntry.objects.get(entity="news", action="create").staff == manager
    assert AuditEntry.objects.get(entity="product", action="update").changes == {
        "before": {"price": 35000},
        "after": {"price": 37000},
    }


def test_list_editable_price_goes_through_the_service(
    browser, api_client, django_capture_on_commit_callbacks
):
    grill = baker.make(Category, name="Shashlik")
    product = baker.make(Product, category=grill, name="Qo'y", price=35000)
    assert api_client.get("/api/v1/catalog/products").json()[0]["price"] == 35000
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            "/admin/catalog/product/",
            {
                "form-TOTAL_FORMS": "1",
                "form-INITIAL_FORMS": "1",
                "form-0-id": product.pk,
                "form-0-price": "40000",
                "form-0-is_active": "on",
                "_save": "Save",
            },
        )
    assert response.status_code == 302
    assert api_client.get("/api/v1/catalog/products").json()[0]["price"] == 40000


def test_publish_now_and_end_now(
    browser, api_client, django_capture_on_commit_callbacks
):
    future = baker.make(
        NewsItem,
        title="later",
        description="d",
        starts_at=dt.datetime(2100, 1, 1, tzinfo=dt.UTC),
    )
    assert api_client.get("/api/v1/news").json() == []
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(
            "/admin/news/newsitem/",
            {"action": "publish_now", "_selected_action": [future.pk]},
        )
    assert [n["title"] for n in api_client.get("/api/v1/news").json()] == ["later"]
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(
            "/admin/news/newsitem/",
            {"action": "end_now", "_selected_action": [future.pk]},
        )
    assert api_client.get("/api/v1/news").json() == []
    future.refresh_from_db()
    assert future.ends_at is not None


def test_bulk_deactivate_products_and_categories(
    browser, api_client, settings, django_capture_on_commit_callbacks
):
    settings.MENU_API_URL = ""
    grill = baker.make(Category, name="Shashlik")
    products = [
        baker.make(Product, category=grill, name=f"p{i}", price=1000) for i in range(2)
    ]
    assert len(api_client.get("/api/v1/catalog/live").json()["categories"]) == 1
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(
            "/admin/catalog/product/",
            {"action": "deactivate", "_selected_action": [p.pk for p in products]},
        )
    assert api_client.get("/api/v1/catalog/live").json()["categories"] == []
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(
            "/admin/catalog/product/",
            {"action": "activate", "_selected_action": [products[0].pk]},
        )
        browser.post(
            "/admin/catalog/category/",
            {"action": "deactivate", "_selected_action": [grill.pk]},
        )
    assert api_client.get("/api/v1/catalog/live").json()["categories"] == []
    grill.refresh_from_db()
    assert grill.is_active is False
    assert AuditEntry.objects.filter(entity="product", action="update").count() == 3


def test_admin_pages_render(browser):
    baker.make(NewsItem, description="d", image_url="https://cdn.example.uz/a.jpg")
    product = baker.make(
        Product, category=baker.make(Category, name="Osh"), name="Osh", price=1
    )
    for path in (
        "/admin/news/newsitem/",
        "/admin/news/newsitem/?visibility=active",
        "/admin/news/newsitem/add/",
        "/admin/catalog/category/",
        "/admin/catalog/product/",
        f"/admin/catalog/product/{product.pk}/change/",
        "/admin/catalog/category/add/",
    ):
        assert browser.get(path).status_code == 200, path


def test_admin_news_form_uploads_an_image(
    browser, manager, api_client, django_capture_on_commit_callbacks
):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from accounts.models import StoredFile

    out = io.BytesIO()
    Image.new("RGB", (4, 4), (0, 128, 0)).save(out, format="PNG")
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            "/admin/news/newsitem/add/",
            {
                "title": "Rasmli",
                "description": "d",
                "priority": "1",
                "image_url": "",
                "upload_image": SimpleUploadedFile(
                    "pic.png", out.getvalue(), "image/png"
                ),
                "starts_at_0": "",
                "starts_at_1": "",
                "ends_at_0": "",
                "ends_at_1": "",
            },
        )
    assert response.status_code == 302, response.content[:500]
    record = StoredFile.objects.get()
    assert record.name.endswith(f"-{manager.pk}.png")
    item = NewsItem.objects.get()
    assert item.image_url == record.url
    assert (
        api_client.get("/api/v1/news").json()[0]["image_url"]
        == f"http://testserver{record.url}"
    )
