"""Hook that records rejected requests in the validation log (`staff-api.md` §13.4).

The accounts app registers the recorder at start-up; until then nothing is kept.
Only locations, messages and types are recorded, never values.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

logger = logging.getLogger("sardoba.validation")

_recorder: Callable[..., None] | None = None


def validation_log_register(recorder: Callable[..., None]) -> None:
    """Install the function that stores a validation failure."""
    global _recorder
    _recorder = recorder


def validation_log_record(*, request: Any, errors: list[dict[str, Any]]) -> None:
    """Log and store a 422; never fails the response."""
    path = getattr(request, "path", "")
    logger.info(
        "validation failed",
        extra={"path": path, "errors": [(e["loc"], e["type"]) for e in errors]},
    )
    if _recorder is None or request is None:
        return
    try:
        _recorder(request=request, errors=errors)
    except Exception:  # a log write must never turn a 422 into a 500
        logger.exception("could not store the validation failure")
