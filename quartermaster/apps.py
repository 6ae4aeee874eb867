"""Django app configuration for the project package (templates, locale, system checks)."""
from django.apps import AppConfig


class QuartermasterConfig(AppConfig):
    name = "quartermaster"
    verbose_name = "Quartermaster"
