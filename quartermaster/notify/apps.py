"""Django app configuration for notify: subscriptions, the delivery outbox and log, scheduled reports."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "quartermaster.notify"
    label = "notify"
    verbose_name = _("通知")

    def ready(self):
        from assets import access
        from telematics.tracking.signals import alerts_raised

        from . import checks  # noqa: F401  (registers the system checks)
        from . import policies, services

        access.register(policies.POLICIES)
        alerts_raised.connect(services.alerts_enqueue_on_signal, dispatch_uid="notify_outbox")
