"""Django app configuration for gis."""
from django.apps import AppConfig


class GisConfig(AppConfig):
    name = "gis"
    verbose_name = "地图图层"

    def ready(self):
        from . import checks  # noqa: F401  (registers the settings checks)
