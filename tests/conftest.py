"""Shared fixtures: the sample bureau factories, API clients per role, and a real Mosquitto broker."""
import importlib
import logging
import os
import sys

import pytest
from django.apps import apps
from django.db import connection

from tests.support import flush
from tests.support.mqtt import MosquittoBroker, external_broker_url

pytest_plugins = ["tests.support.fixtures", "tests.support.replica"]

flush.install()

# tests/cluster runs a RabbitMQ cluster (minutes, Debian's rabbitmq-server): the whole suite leaves it out; it runs
# when named (`make cluster-test`) or with QM_CLUSTER_TESTS=1.
collect_ignore = [] if os.environ.get("QM_CLUSTER_TESTS") else ["cluster"]


@pytest.fixture(scope="session")
def mqtt_url():
    """A real Mosquitto: the one `make test` started, or a private one for this session."""
    url = external_broker_url()
    if url:
        yield url
        return
    broker = MosquittoBroker()
    broker.start()
    try:
        yield broker.url
    finally:
        broker.stop()


# Migrations that seed rows (not schema): categories and item types, the auxiliaries' categories, then the
# uniform entitlements.
SEED_MIGRATIONS = ("assets.migrations.0002_seed_and_append_only", "assets.migrations.0006_asset_expires_aux_categories",
                   "assets.migrations.0013_asset_book_value", "uniforms.migrations.0002_seed_entitlements")


@pytest.fixture(autouse=True)
def _reseed_after_flush(request):
    """Puts the seeded rows back for a transactional test.

    The flush that ends a transactional test empties every table, seeded ones too; pytest-django runs the
    transactional tests after all others, so each of them starts from the seed again. The seed functions
    are idempotent; `serialized_rollback` is no answer, as the flush re-creates content types under new ids.
    """
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or {
        "transactional_db", "live_server"} & set(request.fixturenames)
    if transactional:
        # A test before may have restarted the server (tests/telematics/tracking/test_faults.py): a connection
        # it terminated is replaced rather than failing this test's set-up.
        connection.close_if_unusable_or_obsolete()
        request.getfixturevalue("transactional_db")
        for name in SEED_MIGRATIONS:
            importlib.import_module(name).seed(apps, None)


class _CurrentStderr:
    """A stream that is whatever sys.stderr is at the moment of writing (pytest swaps it per test)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


@pytest.fixture(autouse=True)
def _log_to_the_current_stderr():
    """The settings' console handler took sys.stderr when logging was configured, i.e. one test's captured stream,
    closed after that test: a gateway or ingest thread of a later test logging through it printed "Logging error …
    I/O operation on closed file". The handlers write to the stderr of the moment instead."""
    for handler in logging.getLogger().handlers:
        if type(handler) is logging.StreamHandler and not isinstance(handler.stream, _CurrentStderr):
            handler.stream = _CurrentStderr()  # not setStream: it flushes the old stream, which may be closed
    yield


@pytest.fixture(autouse=True)
def _site_language():
    """Each test starts in the site's language: a request the test client made in English leaves English active
    on the test's thread (the language middleware activates the request's language, as Django's own does)."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _track_purpose_gate(request, monkeypatch):
    """The PIPL gate (telematics/privacy.py) asks a stated purpose for tracks outside duty hours or older than a week,
    which is most of the fixed past days the tests replay. Tests marked `pipl` run with it on, as a site does
    (tests/telematics/test_privacy.py and the replay page's purpose dialog); the others run with it off."""
    if request.node.get_closest_marker("pipl") is None:
        monkeypatch.setenv("QM_TRACK_PURPOSE_GATE", "0")
    else:
        monkeypatch.delenv("QM_TRACK_PURPOSE_GATE", raising=False)
