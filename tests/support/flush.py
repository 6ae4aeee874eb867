"""The test database is emptied between transactional tests past the append-only triggers, as its superuser.

The append-only tables refuse TRUNCATE (assets/migrations/0005, telematics/migrations/0005), and Django empties
the test database with one TRUNCATE after each transactional test. The suite connects as the cluster's
superuser, who may switch triggers off for its session (`session_replication_role = replica`); the product's
own `qm flush` gets no such switch and is refused.

TimescaleDB's continuous aggregates keep their materialised days, and a watermark below which a query reads only
those, in hypertables no model names: a flush of the raw tables alone would leave an earlier test's days (and
its watermark) behind, and a later test whose history falls on the same days would read the earlier figures, or
nothing. After the flush every aggregate is truncated too, which empties it and resets its watermark.
"""
from django.db.backends.postgresql.operations import DatabaseOperations

_original = DatabaseOperations.sql_flush
_original_execute = DatabaseOperations.execute_sql_flush


def _sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
    statements = _original(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
    if not statements:
        return statements
    # Django runs these in one transaction: SET LOCAL ends with it.
    return ["SET LOCAL session_replication_role = replica", *statements]


def _execute_sql_flush(self, sql_list):
    _original_execute(self, sql_list)
    # After the flush has committed, each aggregate in a transaction of its own: a live server's request still
    # reading an aggregate and the raw tables could otherwise deadlock with one transaction locking both.
    if sql_list and not self.connection.in_atomic_block:
        with self.connection.cursor() as cur:
            for name in _aggregates(self.connection):
                cur.execute(f"TRUNCATE {name}")


def _aggregates(connection) -> list[str]:
    """The continuous aggregates of the test database (none without TimescaleDB)."""
    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass('timescaledb_information.continuous_aggregates') IS NOT NULL")
        if not cur.fetchone()[0]:
            return []
        cur.execute("SELECT format('%I.%I', view_schema, view_name) FROM timescaledb_information.continuous_aggregates")
        return [name for (name,) in cur.fetchall()]


def install() -> None:
    DatabaseOperations.sql_flush = _sql_flush
    DatabaseOperations.execute_sql_flush = _execute_sql_flush
