"""Content negotiation for views whose answer type is fixed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.request import Request


class FirstRendererNegotiation(BaseContentNegotiation):
    """Ignore `Accept` and `?format=`: the view decides what it answers.

    Exports name their file type in `?format=`; iiko gets JSON whatever it accepts.
    """

    def select_parser(self, request: Request, parsers: Iterable[Any]) -> Any:
        return next(iter(parsers), None)

    def select_renderer(
        self,
        request: Request,
        renderers: Iterable[Any],
        format_suffix: str | None = None,
    ) -> tuple[Any, str]:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type
