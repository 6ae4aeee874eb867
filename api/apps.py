"""Django app configuration for api."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("接口")

    def ready(self):
        from . import fields, schema  # noqa: F401 - registers the OpenAPI field extensions

        fields.install()
