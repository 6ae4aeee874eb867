"""Django app configuration for assets (the registry)."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "assets"
    verbose_name = _("登记台账")

    def ready(self):
        from . import access, changelog
        from . import checks  # noqa: F401  (registers the standards system check)

        changelog.connect()
        access.connect()
