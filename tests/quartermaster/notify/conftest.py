"""Fixtures of the notify tests: a real SMTP server and a robot receiver on loopback, users with e-mail addresses,
and the tracking tests' small city (for alerts raised through the real ingest pipeline)."""
import pytest

from tests.support.fixtures import make_user
from tests.support.receivers import RobotReceiver, SmtpServer
from tests.telematics.tracking.conftest import city, ingest, publisher, replaying_history  # noqa: F401  (fixtures)


@pytest.fixture
def smtp(settings):
    server = SmtpServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "qm@bureau.test"
    yield server
    server.stop()


@pytest.fixture
def robots(settings):
    receiver = RobotReceiver().start()
    settings.QM_NOTIFY_WEBHOOK_PREFIXES = receiver.base
    yield receiver
    receiver.stop()


@pytest.fixture
def people(bureau, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    units = bureau["units"]
    tn = make_user("fleet-tn", "fleet", units["CZ-TN"])
    wj = make_user("fleet-wj", "fleet", units["CZ-WJ"])
    boss = make_user("admin-cz", "administrator", units["CZ"])
    for user, address in ((tn, "tn@bureau.test"), (wj, "wj@bureau.test"), (boss, "boss@bureau.test")):
        user.email = address
        user.save(update_fields=["email"])
    return {"tn": tn, "wj": wj, "boss": boss, "units": units}
