"""Django app configuration for telematics."""
from django.apps import AppConfig


class TelematicsConfig(AppConfig):
    name = "telematics"
    verbose_name = "车辆管理"

    def ready(self):
        from . import calendar
        calendar.connect()
