"""Django app configuration for journeys: trips detected from the fixes, their classes and late orders (补单)."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JourneysConfig(AppConfig):
    name = "telematics.journeys"
    label = "journeys"
    verbose_name = _("行程")
