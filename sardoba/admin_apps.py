"""Django admin wired to the Sardoba site (replaces "django.contrib.admin")."""

from django.contrib.admin.apps import AdminConfig


class SardobaAdminConfig(AdminConfig):
    """Make `SardobaAdminSite` the default site, so every `admin.register` lands on it."""

    default_site = "sardoba.admin_site.SardobaAdminSite"

    def ready(self) -> None:
        super().ready()  # autodiscover: every app's admin.py has registered
        from sardoba.admin_site import site_extend

        site_extend()
