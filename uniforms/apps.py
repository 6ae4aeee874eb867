"""Django app configuration for uniforms."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UniformsConfig(AppConfig):
    name = "uniforms"
    verbose_name = _("服装证件")

    def ready(self):
        from assets import access

        from . import policies
        from . import services  # noqa: F401 — connects the receiver that opens departure checklists

        access.register(policies.POLICIES, policies.ANCHORS)
