from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from accounts.services.logs import validation_log_store
        from sardoba.api.validation_log import validation_log_register

        validation_log_register(validation_log_store)
