"""The list envelopes of `staff-api.md` §1.3.

P: `{"pagination": {"page", "size", "total"}, "items"}`;
D: `{"data", "total", "page", "page_size"}`. `page` is 1-based, the size is
`page_size` (alias `size`), default 20, at most 100; out-of-range values are
clamped, never rejected.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def _int(value: Any, default: int) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


@dataclass(frozen=True, slots=True)
class PageRequest:
    page: int
    size: int

    @classmethod
    def from_query(
        cls, query: Any, default_size: int = DEFAULT_PAGE_SIZE
    ) -> PageRequest:
        page = max(_int(query.get("page"), 1), 1)
        raw_size = query.get("page_size", query.get("size"))
        size = min(max(_int(raw_size, default_size), 1), MAX_PAGE_SIZE)
        return cls(page=page, size=size)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size


def page_slice(
    rows: QuerySet[Any] | Sequence[Any], page: PageRequest
) -> tuple[list[Any], int]:
    """Return the rows of `page` and the total count."""
    total = rows.count() if isinstance(rows, QuerySet) else len(rows)
    return list(rows[page.offset : page.offset + page.size]), total


def envelope_p(
    rows: QuerySet[Any] | Sequence[Any],
    page: PageRequest,
    render: Callable[[list[Any]], list[Any]],
) -> dict[str, Any]:
    items, total = page_slice(rows, page)
    return {
        "pagination": {"page": page.page, "size": page.size, "total": total},
        "items": render(items),
    }


def envelope_d(
    rows: QuerySet[Any] | Sequence[Any],
    page: PageRequest,
    render: Callable[[list[Any]], list[Any]],
) -> dict[str, Any]:
    items, total = page_slice(rows, page)
    return {
        "data": render(items),
        "total": total,
        "page": page.page,
        "page_size": page.size,
    }
