"""Django app configuration for notify: subscriptions, the delivery outbox and log, scheduled reports."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "quartermaster.notify"
    label = "notify"
    verbose_name = _("通知")

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
