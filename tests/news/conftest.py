from __future__ import annotations

import pytest

from catalog.cache import cache_reset_state


@pytest.fixture(autouse=True)
def _cache_state():
    """Each test starts with the shared cache trusted and no memory fallback."""
    cache_reset_state()
    yield
    cache_reset_state()
