"""Routes of this app, mounted under /api/v1 (no trailing slash; ids digits only)."""

from django.urls import path

from catalog.views import (
    CatalogLiveView,
    CatalogSyncView,
    CategoryDetailView,
    CategoryListView,
    ProductDetailView,
    ProductListView,
)

urlpatterns = [
    path("catalog/live", CatalogLiveView.as_view(), name="catalog-live"),
    path("catalog/sync", CatalogSyncView.as_view(), name="catalog-sync"),
    path("catalog/categories", CategoryListView.as_view(), name="category-list"),
    path(
        "catalog/categories/<int:pk>",
        CategoryDetailView.as_view(),
        name="category-detail",
    ),
    path("catalog/products", ProductListView.as_view(), name="product-list"),
    path(
        "catalog/products/<int:pk>", ProductDetailView.as_view(), name="product-detail"
    ),
]
