"""Django app configuration for gis."""
from django.apps import AppConfig


class GisConfig(AppConfig):
    name = "gis"
    verbose_name = "地图图层"
