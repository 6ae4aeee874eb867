"""Shared fixtures: the sample bureau factories, API clients per role, and a real Mosquitto broker."""
import pytest

from tests.support.mqtt import MosquittoBroker, external_broker_url

pytest_plugins = ["tests.support.fixtures"]


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
