"""Routes of this app, mounted under /api/v1 (no trailing slash; ids digits only)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
