"""Django app configuration for the tracking sub-app of telematics."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackingConfig(AppConfig):
    name = "telematics.tracking"
    label = "tracking"
    verbose_name = _("车辆定位与告警")

    def ready(self):
        from assets import access

        from . import policies
        from . import checks  # noqa: F401 - registers the settings checks

        access.register(policies.POLICIES)
