"""The test database is emptied between transactional tests past the append-only triggers, as its superuser.

The append-only tables refuse TRUNCATE (assets/migrations/0005, telematics/migrations/0005), and Django empties
the test database with one TRUNCATE after each transactional test. The suite connects as the cluster's
superuser, who may switch triggers off for its session (`session_replication_role = replica`); the product's
own `qm flush` gets no such switch and is refused.
"""
from django.db.backends.postgresql.operations import DatabaseOperations

_original = DatabaseOperations.sql_flush


def _sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
    statements = _original(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
    # Django runs these in one transaction: SET LOCAL ends with it.
    return ["SET LOCAL session_replication_role = replica", *statements] if statements else statements


def install() -> None:
    DatabaseOperations.sql_flush = _sql_flush
