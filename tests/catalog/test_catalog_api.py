"""Categories and products (`staff-api.md` §11.1, 11.2, 11.4, 11.5)."""

from __future__ import annotations

import pytest
from model_bakery import baker

from accounts.models import AuditEntry
from catalog.models import Category, Product

pytestmark = pytest.mark.django_db


def _category(name, **kw):
    return baker.make(Category, name=name, **kw)


def _product(category, name, price=10000, **kw):
    return baker.make(Product, category=category, name=name, price=price, **kw)


def test_categories_sorted_by_name_with_first_product_image(api_client):
    # given
    shashlik = _category("Shashlik", image_url=None)
    osh = _category("Osh", image_url="https://cdn.example.uz/osh.png", is_active=False)
    _product(shashlik, "b", image_url=None)
    _product(shashlik, "a", image_url="/api/v1/files/news_images/first-1.jpg")
    _product(shashlik, "c", image_url="/api/v1/files/news_images/second-1.jpg")
    # when
    response = api_client.get("/api/v1/catalog/categories")
    # then
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": osh.pk,
            "name": "Osh",
            "image_url": "https://cdn.example.uz/osh.png",
            "is_active": False,
        },
        {
            "id": shashlik.pk,
            "name": "Shashlik",
            "image_url": "http://testserver/api/v1/files/news_images/first-1.jpg",
            "is_active": True,
        },
    ]


def test_products_plain_and_paged_and_filtered(api_client):
    # given
    grill = _category("Shashlik")
    drinks = _category("Ichimliklar")
    lamb = _product(grill, "Qo'y", 35000)
    tea = _product(drinks, "Choy", 5000, image_url=None)
    # when
    plain = api_client.get("/api/v1/catalog/products").json()
    filtered = api_client.get(f"/api/v1/catalog/products?category_id={grill.pk}").json()
    paged = api_client.get("/api/v1/catalog/products?page=2&page_size=1").json()
    unknown = api_client.get("/api/v1/catalog/products?category_id=9999").json()
    everything = api_client.get("/api/v1/catalog/products?category_id=0").json()
    # then
    assert [p["id"] for p in plain] == [tea.pk, lamb.pk]
    assert plain[0] == {
        "id": tea.pk,
        "name": "Choy",
        "price": 5000,
        "category_id": drinks.pk,
        "category": {"id": drinks.pk, "name": "Ichimliklar"},
        "image_url": None,
        "is_active": True,
    }
    assert [p["id"] for p in filtered] == [lamb.pk]
    assert paged == {
        "pagination": {"page": 2, "size": 1, "total": 2},
        "items": [plain[1]],
    }
    assert unknown == []
    assert everything == plain


def test_list_query_counts_are_constant(api_client, django_assert_num_queries):
    from catalog.services import catalog_cache_invalidate

    grill = _category("Shashlik")
    for i in range(2):
        _product(grill, f"p{i}")
    with django_assert_num_queries(1):
        api_client.get("/api/v1/catalog/categories")
    with django_assert_num_queries(1):
        api_client.get("/api/v1/catalog/products")
    for i in range(10):
        _product(_category(f"c{i}"), f"q{i}")
    catalog_cache_invalidate()
    with django_assert_num_queries(1):
        assert len(api_client.get("/api/v1/catalog/categories").json()) == 11
    with django_assert_num_queries(1):
        assert (
            len(api_client.get("/api/v1/catalog/products?page=1").json()["items"]) == 12
        )
    with django_assert_num_queries(0):
        api_client.get("/api/v1/catalog/categories")
        api_client.get("/api/v1/catalog/products?page=1")


def test_category_writes(
    manager_client, manager, django_capture_on_commit_callbacks, api_client
):
    # given: the list is cached
    assert api_client.get("/api/v1/catalog/categories").json() == []
    # when
    with django_capture_on_commit_callbacks(execute=True):
        created = manager_client.post(
            "/api/v1/catalog/categories", {"name": "Shashlik"}
        )
    # then
    assert created.status_code == 200
    body = created.json()
    assert body == {
        "id": body["id"],
        "name": "Shashlik",
        "image_url": None,
        "is_active": True,
    }
    assert [c["name"] for c in api_client.get("/api/v1/catalog/categories").json()] == [
        "Shashlik"
    ]
    with django_capture_on_commit_callbacks(execute=True):
        renamed = manager_client.put(
            f"/api/v1/catalog/categories/{body['id']}", {"name": "Kabob"}
        )
    assert renamed.json()["name"] == "Kabob"
    assert [c["name"] for c in api_client.get("/api/v1/catalog/categories").json()] == [
        "Kabob"
    ]
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            manager_client.delete(
                f"/api/v1/catalog/categories/{body['id']}"
            ).status_code
            == 204
        )
    assert api_client.get("/api/v1/catalog/categories").json() == []
    assert list(
        AuditEntry.objects.filter(entity="category")
        .values_list("action", flat=True)
        .order_by("pk")
    ) == ["create", "update", "delete"]


def test_category_name_taken_and_has_products(manager_client):
    grill = _category("Shashlik")
    _product(grill, "Qo'y")
    other = _category("Osh")
    taken = manager_client.post("/api/v1/catalog/categories", {"name": "shashlik"})
    assert taken.status_code == 409
    assert taken.json()["code"] == "category_name_taken"
    rename = manager_client.patch(
        f"/api/v1/catalog/categories/{other.pk}", {"name": "SHASHLIK"}
    )
    assert rename.status_code == 409
    busy = manager_client.delete(f"/api/v1/catalog/categories/{grill.pk}")
    assert busy.status_code == 409
    assert busy.json()["code"] == "category_has_products"
    assert Category.objects.count() == 2
    missing = manager_client.patch("/api/v1/catalog/categories/999", {"name": "x"})
    assert missing.status_code == 404
    assert missing.json()["code"] == "category_not_found"
    assert not AuditEntry.objects.exists()


def test_product_writes(manager_client, api_client, django_capture_on_commit_callbacks):
    grill = _category("Shashlik")
    drinks = _category("Ichimliklar")
    assert api_client.get("/api/v1/catalog/products").json() == []
    with django_capture_on_commit_callbacks(execute=True):
        created = manager_client.post(
            "/api/v1/catalog/products",
            {"category_id": grill.pk, "name": "Qo'y", "price": 35000, "image_url": ""},
        )
    assert created.status_code == 200
    product = created.json()
    assert product["category"] == {"id": grill.pk, "name": "Shashlik"}
    assert product["price"] == 35000
    with django_capture_on_commit_callbacks(execute=True):
        moved = manager_client.patch(
            f"/api/v1/catalog/products/{product['id']}",
            {"category_id": drinks.pk, "price": 36000},
        )
    assert moved.json()["category"] == {"id": drinks.pk, "name": "Ichimliklar"}
    listed = api_client.get(f"/api/v1/catalog/products?category_id={drinks.pk}").json()
    assert [(p["id"], p["price"]) for p in listed] == [(product["id"], 36000)]
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            manager_client.delete(
                f"/api/v1/catalog/products/{product['id']}"
            ).status_code
            == 204
        )
    assert api_client.get("/api/v1/catalog/products").json() == []


@pytest.mark.parametrize(
    ("_case", "payload", "status", "code"),
    [
        ("zero price", {"name": "x", "price": 0}, 422, "validation_error"),
        ("float price", {"name": "x", "price": 1.5}, 422, "validation_error"),
        ("no name", {"price": 100}, 422, "validation_error"),
        (
            "unknown category",
            {"name": "x", "price": 100, "category_id": 999},
            404,
            "category_not_found",
        ),
    ],
)
def test_product_create_errors(manager_client, _case, payload, status, code):
    grill = _category("Shashlik")
    payload = {"category_id": grill.pk, **payload}
    response = manager_client.post("/api/v1/catalog/products", payload)
    assert response.status_code == status
    assert response.json()["code"] == code
    assert not Product.objects.exists()


def test_unknown_product_is_404(manager_client):
    response = manager_client.patch("/api/v1/catalog/products/999", {"price": 1})
    assert response.status_code == 404
    assert response.json()["code"] == "product_not_found"


@pytest.mark.parametrize(
    ("_case", "client_fixture", "status", "code"),
    [
        ("anonymous", "api_client", 401, "not_authenticated"),
        ("client", "auth_client", 403, "permission_denied"),
        ("waiter", "waiter_client", 403, "managers_only"),
    ],
)
def test_catalog_writes_need_a_manager(request, _case, client_fixture, status, code):
    client = request.getfixturevalue(client_fixture)
    grill = _category("Shashlik")
    product = _product(grill, "Qo'y", 35000)
    for response in (
        client.post("/api/v1/catalog/categories", {"name": "New"}),
        client.patch(f"/api/v1/catalog/categories/{grill.pk}", {"name": "Changed"}),
        client.delete(f"/api/v1/catalog/categories/{grill.pk}"),
        client.post(
            "/api/v1/catalog/products",
            {"category_id": grill.pk, "name": "n", "price": 1},
        ),
        client.patch(f"/api/v1/catalog/products/{product.pk}", {"price": 1}),
        client.delete(f"/api/v1/catalog/products/{product.pk}"),
        client.post("/api/v1/catalog/sync"),
    ):
        assert response.status_code == status
        assert response.json()["code"] == code
    grill.refresh_from_db()
    product.refresh_from_db()
    assert (grill.name, product.price) == ("Shashlik", 35000)
    assert Category.objects.count() == 1
    assert not AuditEntry.objects.exists()
