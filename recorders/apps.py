"""Django app configuration for recorders (执法记录仪: shifts, maintenance and pre-use checks, footage inspections,
footage retention and access)."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordersConfig(AppConfig):
    name = "recorders"
    verbose_name = _("执法记录仪")

    def ready(self):
        from assets import access

        # services connects the receiver that signs docked recorders back in; footage the one that records the
        # offloaded footage; checks the retention settings' check
        from . import checks, footage, policies, services  # noqa: F401

        access.register(policies.POLICIES)
