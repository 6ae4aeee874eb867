"""Settings of notify, declared once with their defaults (README "Settings").

Each is read from Django settings if defined there, else from the environment variable of the same name, else the
default below. The SMTP server's settings are Django's own (EMAIL_HOST…), set from QM_SMTP_* in settings.py."""
import os

from django.conf import settings

DEFAULTS: dict[str, float | int | str] = {
    "QM_NOTIFY_POLL_S": 5.0,            # `qm notify`: seconds between two looks at the outbox
    "QM_NOTIFY_MAX_ATTEMPTS": 6,        # a delivery failing this many times is given up (status failed)
    "QM_NOTIFY_RETRY_S": 30.0,          # first retry after this; doubled at each further attempt ...
    "QM_NOTIFY_RETRY_MAX_S": 3600.0,    # ... up to this
    "QM_NOTIFY_TIMEOUT_S": 10.0,        # one SMTP session or one webhook POST
    "QM_NOTIFY_LEASE_S": 300.0,         # a worker that claimed a delivery and died: another one retries after this
    "QM_NOTIFY_DIGEST_HOUR": 8,         # the daily digest goes out at this local hour, covering the 24 hours before
    "QM_NOTIFY_BASE_URL": "",           # the site's address for links in messages (e.g. https://qm.example.gov.cn)
    # Robots are posted only to URLs starting with one of these (comma-separated): a subscription cannot make the
    # server post to an arbitrary address inside the bureau's network.
    "QM_NOTIFY_WEBHOOK_PREFIXES": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?,"
                                  "https://oapi.dingtalk.com/robot/send?",
}


def get(name: str):
    default = DEFAULTS[name]
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name)
    if value is None or value == "":
        return default
    return type(default)(value)


def webhook_prefixes() -> tuple[str, ...]:
    return tuple(p.strip() for p in str(get("QM_NOTIFY_WEBHOOK_PREFIXES")).split(",") if p.strip())
