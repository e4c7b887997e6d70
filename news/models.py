"""News items; the helper for the news issue fills this in."""

from django.db import models  # noqa: F401
