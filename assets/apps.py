"""Django app configuration for assets (the registry)."""
from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "assets"
    verbose_name = _("登记台账")

    def ready(self):
        from . import access, changelog
        from . import checks  # noqa: F401  (registers the report language system check)
        from .models.immutable import ensure_sqlite_triggers

        changelog.connect()
        access.connect()
        post_migrate.connect(ensure_sqlite_triggers, sender=self, dispatch_uid="qm_sqlite_append_only")
