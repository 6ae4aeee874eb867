"""Bulk inserts for the import: PostgreSQL COPY of plain rows (keys drawn from the sequence first).

Django's bulk_create builds a model instance per row and adapts every parameter in Python; for the ~400,000
rows of a 100,000-asset workbook (assets, ledger events, change records) that alone would exceed the
import's one-minute budget. Rows here are dicts of attribute names; fields a row leaves out get the
field's default, and auto_now/auto_now_add fields get the import's moment, as save() would give them.
Other databases (the SQLite dev default) go through bulk_create.
"""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models

from .models.audit import _plain

BATCH = 5000


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` fresh primary keys for `model`, taken before the rows are written."""
    if count == 0:
        return []
    meta = model._meta
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [meta.db_table, meta.pk.column, count])
            return [pk for (pk,) in cursor.fetchall()]
        # SQLite: the import holds the write lock for its whole transaction, so max + 1 is ours.
        cursor.execute(f"SELECT COALESCE(MAX({connection.ops.quote_name(meta.pk.column)}), 0) "
                       f"FROM {connection.ops.quote_name(meta.db_table)}")
        start = cursor.fetchone()[0] + 1
        return list(range(start, start + count))


def _auto_time(field) -> bool:
    return getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)


_SNAPSHOT_FIELDS: dict[type, list[str]] = {}


def snapshot(model: type[models.Model], row: dict) -> dict:
    """What ChangeLoggedModel.snapshot() would record for an instance with these values."""
    names = _SNAPSHOT_FIELDS.get(model)
    if names is None:
        names = _SNAPSHOT_FIELDS[model] = [f.attname for f in model._meta.concrete_fields
                                           if not getattr(f, "auto_now", False)]
    return {name: (value.isoformat() if isinstance(value, dt.date) else
                   _plain(value) if isinstance(value, Decimal) else value)
            for name, value in ((name, row.get(name)) for name in names)}


def insert_rows(model: type[models.Model], rows: list[dict], *, now: dt.datetime) -> list[dict]:
    """Writes `rows`, each a dict of attribute names; each gets its primary key under the pk's attname."""
    if not rows:
        return rows
    meta = model._meta
    fields = list(meta.concrete_fields)
    pk_name = meta.pk.attname
    defaults = {f.attname: f.get_default() for f in fields if f.attname != pk_name and not _auto_time(f)}
    stamps = {f.attname: now for f in fields if _auto_time(f)}
    for i, (row, pk) in enumerate(zip(rows, reserve_ids(model, len(rows)))):
        rows[i] = {**defaults, **row, **stamps, pk_name: pk}
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**row) for row in rows], batch_size=BATCH)
        return rows
    names = [f.attname for f in fields]
    json_fields = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
        for row in rows:
            values = [row[name] for name in names]
            for i in json_fields:
                if values[i] is not None:
                    values[i] = json.dumps(values[i], cls=DjangoJSONEncoder, ensure_ascii=False)
            copy.write_row(values)
    return rows
