"""Django app configuration for gis."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GisConfig(AppConfig):
    name = "gis"
    verbose_name = _("地图图层")

    def ready(self):
        from assets import access

        from . import policies
        from . import checks  # noqa: F401  (registers the settings checks)

        access.register(policies.POLICIES)
