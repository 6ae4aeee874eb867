"""Django app configuration for compliance (the standards, their evaluation, the reports and their archive)."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = _("合规核查")

    def ready(self):
        from assets import access

        from . import policies
        from . import system_checks  # noqa: F401  (registers the standards system check)

        access.register(policies.POLICIES)
