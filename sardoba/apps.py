from django.apps import AppConfig


class SardobaConfig(AppConfig):
    name = "sardoba"
    verbose_name = "Sardoba"

    def ready(self) -> None:
        from sardoba.api import openapi  # noqa: F401  (registers the extension)
