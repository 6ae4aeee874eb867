"""Django app configuration for simulators."""
from django.apps import AppConfig


class SimulatorsConfig(AppConfig):
    name = "simulators"
    verbose_name = "模拟器"
