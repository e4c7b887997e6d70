from django.apps import AppConfig


class SardobaConfig(AppConfig):
    name = "sardoba"
    verbose_name = "Sardoba"
