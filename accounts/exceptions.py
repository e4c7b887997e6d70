"""Errors of the identity side; codes and texts come from `sardoba.messages`."""

from sardoba.exceptions import ApplicationError, FieldError


class InvalidPhone(FieldError):
    code = "invalid_phone"


class InvalidDate(FieldError):
    code = "invalid_date"


class InvalidEmail(FieldError):
    code = "invalid_email"


class NameRequired(FieldError):
    code = "name_required"


class AuthenticationError(ApplicationError):
    """Every token problem: 401 with `WWW-Authenticate: Bearer`."""

    status = 401


class InvalidToken(AuthenticationError):
    code = "invalid_token"


class InvalidRefreshToken(AuthenticationError):
    code = "invalid_refresh_token"


class InvalidTokenActorType(AuthenticationError):
    code = "invalid_token_actor_type"


class UserNotFoundToken(AuthenticationError):
    code = "user_not_found"


class StaffNotFoundToken(AuthenticationError):
    code = "staff_not_found"


class AccountInactiveToken(AuthenticationError):
    code = "account_inactive"


class RefreshTokenRequired(ApplicationError):
    code = "refresh_token_required"
    status = 400
