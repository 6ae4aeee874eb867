"""Django app configuration for assets (the registry)."""
from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "assets"
    verbose_name = "登记台账"

    def ready(self):
        from . import changelog
        from . import checks  # noqa: F401  (registers the standards system check)

        changelog.connect()
