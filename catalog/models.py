"""Catalog categories and products; filled in by the catalog issue."""

from django.db import models  # noqa: F401
