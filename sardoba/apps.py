from django.apps import AppConfig


class SardobaConfig(AppConfig):
    name = "sardoba"
    verbose_name = "Sardoba"

    def ready(self) -> None:
        # Registers the OpenAPI description of the JWT authentication.
        from sardoba.api import openapi  # noqa: F401
