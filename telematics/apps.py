"""Django app configuration for telematics."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TelematicsConfig(AppConfig):
    name = "telematics"
    verbose_name = _("车辆管理")

    def ready(self):
        from assets import access

        from . import calendar, policies

        access.register(policies.POLICIES, policies.ANCHORS)
        calendar.connect()
        from .live import checks  # noqa: F401 - registers the map's settings checks
