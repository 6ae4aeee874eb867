"""The cluster tests use the tracking tests' city, ingest processes and fix helper (run: `make cluster-test`)."""
from tests.telematics.tracking.conftest import city, ingest, replaying_history  # noqa: F401
