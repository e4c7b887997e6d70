"""Domain errors of the notifications app (codes of the message table)."""

from sardoba.exceptions import ApplicationError


class NotificationNotFound(ApplicationError):
    code = "notification_not_found"
    status = 404


class NoFieldsProvided(ApplicationError):
    code = "no_fields_provided"
    status = 400
