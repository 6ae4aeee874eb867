"""A bounded property-based fuzz of the whole API (schemathesis over the published OpenAPI schema, in-process
through WSGI on PostgreSQL): whatever the generated request, the answer is never a 500 and always matches the
schema (status code documented, media type documented, JSON body valid). `make fuzz` runs it with more examples."""
from __future__ import annotations

import contextlib
import os

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from rest_framework.test import APIClient
from schemathesis.checks import content_type_conformance, not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from telematics.calendar import invalidate_calendar, invalidate_seals, invalidate_trips
from tests.support.fixtures import make_user

pytestmark = pytest.mark.django_db

# Examples per operation: small in the suite (about a minute for every operation), larger through `make fuzz`.
EXAMPLES = int(os.environ.get("QM_FUZZ_EXAMPLES", "4"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _schema():
    from drf_spectacular.generators import SchemaGenerator

    schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
    schema.app = get_wsgi_application()
    return schema


@contextlib.contextmanager
def connection_kept():
    """The WSGI handler closes the database connection when a request ends; the test's transaction lives on it
    (Django's test client does the same for its own requests, and connects the handlers again after each)."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def test_generated_requests_get_no_500_and_answers_match_the_schema(db):
    from tests.api.test_schema_conformance import seed

    seed()
    make_user("fuzz-admin", "administrator", superuser=True)
    token = APIClient().post("/api/v1/auth/token/", {"username": "fuzz-admin", "password": "pass-12345"},
                             format="json").json()["token"]
    headers = {"Authorization": f"Token {token}"}
    failures: list[str] = []
    operations = 0
    schema = _schema()
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def fuzz(case):
            with transaction.atomic():  # each example starts from the seeded bureau, whatever it wrote
                response = case.call(headers=headers)
                transaction.set_rollback(True)
            # The calendar snapshots are rebuilt on change inside the example and would outlive its rollback
            # for a few seconds (they re-read their fingerprint on a timer): start every example from fresh ones.
            invalidate_calendar()
            invalidate_trips()
            invalidate_seals()
            case.validate_response(response, checks=CHECKS)

        try:
            with connection_kept():
                fuzz()
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - every operation is tried; all are listed
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:600]}")
    assert operations > 100
    assert failures == [], "\n\n".join(failures)
