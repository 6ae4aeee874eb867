"""System checks of notify's settings: the SMTP TLS mode and the digest hour."""
from django.conf import settings
from django.core.checks import Error, register

from . import conf


@register()
def notify_settings(app_configs, **kwargs):
    errors = []
    if getattr(settings, "QM_SMTP_TLS", "none") not in ("none", "starttls", "ssl"):
        errors.append(Error(f"QM_SMTP_TLS={settings.QM_SMTP_TLS!r}: use none, starttls or ssl", id="notify.E001"))
    try:
        hour = int(conf.get("QM_NOTIFY_DIGEST_HOUR"))
    except ValueError:
        hour = -1
    if not 0 <= hour <= 23:
        errors.append(Error("QM_NOTIFY_DIGEST_HOUR: an hour 0-23", id="notify.E002"))
    return errors
