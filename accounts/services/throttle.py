"""Row locks that make the sign-in throttles exact across processes."""

from __future__ import annotations

from accounts.models import ThrottleLock


def throttle_lock(key: str) -> None:
    """Serialise on `key` until the surrounding transaction ends.

    Callers count their rate-limit rows and insert the new one while holding it,
    so two processes never both see room for the last allowed request.
    """
    ThrottleLock.objects.get_or_create(key=key)
    ThrottleLock.objects.select_for_update().get(key=key)
