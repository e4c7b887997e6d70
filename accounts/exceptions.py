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


class InvalidOtp(ApplicationError):
    code = "invalid_otp"
    status = 400


class OtpExpired(ApplicationError):
    code = "otp_expired"
    status = 400


class OtpAttemptsExceeded(ApplicationError):
    code = "otp_attempts_exceeded"
    status = 400


class UserNotRegistered(ApplicationError):
    code = "user_not_registered"
    status = 404


class UserExists(ApplicationError):
    code = "user_exists"
    status = 409


class AccountInactive(ApplicationError):
    code = "account_inactive"
    status = 403


class InvalidReferralCode(ApplicationError):
    code = "invalid_referral_code"
    status = 404


class SmsFailed(ApplicationError):
    code = "sms_failed"
    status = 502


class SmsNotConfigured(ApplicationError):
    code = "sms_not_configured"
    status = 502


class InvalidCredentials(ApplicationError):
    code = "invalid_credentials"
    status = 401  # the handler adds `WWW-Authenticate: Bearer` to every 401


class OldPasswordIncorrect(ApplicationError):
    code = "old_password_incorrect"
    status = 400


class UserNotFound(ApplicationError):
    code = "user_not_found"
    status = 404


class StaffNotFound(ApplicationError):
    code = "staff_not_found"
    status = 404


class WaiterNotFound(ApplicationError):
    code = "waiter_not_found"
    status = 404


class StaffPhoneExists(ApplicationError):
    code = "staff_phone_exists"
    status = 409


class ReferralCodeTaken(ApplicationError):
    code = "referral_code_taken"
    status = 409


class ReferralCodeGenerationFailed(ApplicationError):
    code = "referral_code_generation_failed"
    status = 500


class CannotDeleteSelf(ApplicationError):
    code = "cannot_delete_self"
    status = 409


class EmailTaken(ApplicationError):
    code = "email_taken"
    status = 409


class NoFieldsProvided(ApplicationError):
    code = "no_fields_provided"
    status = 400


class Forbidden(ApplicationError):
    code = "forbidden"
    status = 403


class FileNotFound(ApplicationError):
    code = "file_not_found"
    status = 404
