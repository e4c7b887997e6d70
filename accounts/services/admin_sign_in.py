"""Manager sign-in to Django admin through the API's staff sign-in rule.

`staff_login` (`domain-rules.md` §5.1, §9) is the one throttle and auth log for
staff: `LOGIN_RATE_LIMIT_PER_WINDOW` failures for one normalised phone within
`RATE_LIMIT_BLOCK_MINUTES` block it (429 `rate_limited`, counted from auth-log rows
under a row lock, checked before the password); failures are `FAILED_LOGIN` with
their reason, successes `LOGIN` with `last_login_at`. The back office then admits
managers only.
"""

from __future__ import annotations

from typing import Any

from accounts.exceptions import InvalidCredentials
from accounts.models import Staff
from accounts.services.staff import staff_login


class AdminSignInRefused(Exception):
    """Wrong phone or password, or an account that may not use the back office."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def staff_admin_sign_in(*, username: str, password: str, request: Any) -> Staff:
    """Return the manager signing in; raise `RateLimited` or `AdminSignInRefused`.

    A waiter's correct password passes `staff_login` (logged as `LOGIN`: the
    credentials are right) and is then refused here: waiters use the admin panel.
    """
    try:
        staff = staff_login(raw_phone=username, password=password, request=request)
    except InvalidCredentials as exc:
        raise AdminSignInRefused("invalid_credentials") from exc
    if not staff.is_staff:
        raise AdminSignInRefused("not_manager")
    return staff
