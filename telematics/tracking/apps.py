"""Django app configuration for the tracking sub-app of telematics."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackingConfig(AppConfig):
    name = "telematics.tracking"
    label = "tracking"
    verbose_name = _("车辆定位与告警")
