"""Errors of the catalog (codes of the message table)."""

from sardoba.exceptions import ApplicationError


class CategoryNotFound(ApplicationError):
    code = "category_not_found"
    status = 404


class ProductNotFound(ApplicationError):
    code = "product_not_found"
    status = 404


class CategoryNameTaken(ApplicationError):
    code = "category_name_taken"
    status = 409


class CategoryHasProducts(ApplicationError):
    code = "category_has_products"
    status = 409
