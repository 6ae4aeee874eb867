"""Django app configuration for the project package (templates, locale, system checks, the runtime role)."""
from django.apps import AppConfig
from django.db.models.signals import post_migrate


class QuartermasterConfig(AppConfig):
    name = "quartermaster"
    verbose_name = "Quartermaster"

    def ready(self):
        from . import dbrouter  # noqa: F401 - registers the replica's system check
        from .dbroles import grant_after_migrate  # also registers the runtime role's system check

        post_migrate.connect(grant_after_migrate, dispatch_uid="qm_runtime_role_grants")
