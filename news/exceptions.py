"""Errors of the news and files side (codes of the message table)."""

from sardoba.exceptions import ApplicationError


class NewsNotFound(ApplicationError):
    code = "news_not_found"
    status = 404


class FileNotFound(ApplicationError):
    code = "file_not_found"
    status = 404


class NoFieldsProvided(ApplicationError):
    code = "no_fields_provided"
    status = 400
