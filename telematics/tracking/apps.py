"""Django app configuration for the tracking sub-app of telematics."""
from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "telematics.tracking"
    label = "tracking"
    verbose_name = "车辆定位与告警"
