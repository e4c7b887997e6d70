from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_schema_documents_news_catalog_and_files(api_client):
    response = api_client.get("/api/v1/openapi.json?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    expected = {
        "/api/v1/news": {"get", "post"},
        "/api/v1/news/{id}": {"get", "put", "patch", "delete"},
        "/api/v1/files/news_images": {"post"},
        "/api/v1/files/news_images/{file_name}": {"get", "delete"},
        "/api/v1/files": {"get"},
        "/api/v1/files/{id}": {"delete"},
        "/api/v1/catalog/live": {"get"},
        "/api/v1/catalog/sync": {"post"},
        "/api/v1/catalog/categories": {"get", "post"},
        "/api/v1/catalog/categories/{id}": {"put", "patch", "delete"},
        "/api/v1/catalog/products": {"get", "post"},
        "/api/v1/catalog/products/{id}": {"put", "patch", "delete"},
    }
    for path, methods in expected.items():
        assert methods <= set(paths[path]), path
    live = paths["/api/v1/catalog/live"]["get"]["responses"]["200"]
    assert live["content"]["application/json"]["schema"]["$ref"].endswith(
        "/LiveMenuOut"
    )
