"""Domain errors: each carries a code of the message table and an HTTP status."""

from __future__ import annotations

from sardoba.messages import MESSAGES, message_texts


class ApplicationError(Exception):
    """A domain error rendered as `{"detail": {"uz", "ru", "en"}, "code"}`.

    Subclasses set `code` (a row of `sardoba.messages.MESSAGES`) and `status`.
    Keyword arguments fill the row's placeholders (`{N}`); `headers` are added to
    the response (e.g. `Retry-After`).
    """

    code: str = "server_error"
    status: int = 400

    def __init__(
        self,
        *,
        code: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        **values: object,
    ) -> None:
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        if self.code not in MESSAGES:
            raise KeyError(f"{self.code!r} is not in the message table")
        self.headers = headers or {}
        self.values = values
        super().__init__(self.code)

    @property
    def detail(self) -> dict[str, str]:
        return message_texts(self.code, **self.values)


class NotFound(ApplicationError):
    code = "not_found"
    status = 404


class PermissionDenied(ApplicationError):
    code = "permission_denied"
    status = 403


class ManagersOnly(ApplicationError):
    code = "managers_only"
    status = 403


class RateLimited(ApplicationError):
    """Too many requests; `retry_after` seconds until the next one is allowed."""

    code = "rate_limited"
    status = 429

    def __init__(self, *, retry_after: int) -> None:
        retry_after = max(int(retry_after), 1)
        minutes = max(-(-retry_after // 60), 1)
        super().__init__(headers={"Retry-After": str(retry_after)}, N=minutes)
        self.retry_after = retry_after


class ServiceUnavailable(ApplicationError):
    code = "service_unavailable"
    status = 502


class FieldError(ApplicationError):
    """A guest-facing field error (422 with a localized body)."""

    status = 422
