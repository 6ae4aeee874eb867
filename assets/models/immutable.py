"""Append-only rows: saved once, never updated or deleted through the ORM (the database also refuses, on PostgreSQL)."""
from django.apps import apps
from django.db import models

from django.utils.translation import gettext_lazy as _

from quartermaster.errors import DomainError

from ..access import RestrictedQuerySet


class AppendOnlyQuerySet(RestrictedQuerySet):
    def update(self, **kwargs):
        raise DomainError(_("%(record)s只能追加，不能修改"), code="append_only", record=self.model._meta.verbose_name)

    def delete(self):
        raise DomainError(_("%(record)s只能追加，不能删除"), code="append_only", record=self.model._meta.verbose_name)


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise DomainError(_("%(record)s只能追加，不能修改"), code="append_only", record=self._meta.verbose_name)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise DomainError(_("%(record)s只能追加，不能删除"), code="append_only", record=self._meta.verbose_name)


def forbid_update_delete_sql(table: str) -> tuple[str, str]:
    """A PostgreSQL trigger that refuses UPDATE and DELETE on `table` (forward and reverse SQL)."""
    fn = f"{table}_append_only"
    forward = f"""
        CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION '{table} is append-only: %% refused', TG_OP USING ERRCODE = 'insufficient_privilege';
        END; $$ LANGUAGE plpgsql;
        CREATE TRIGGER {fn}_trg BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION {fn}();
    """
    reverse = f"DROP TRIGGER IF EXISTS {fn}_trg ON {table}; DROP FUNCTION IF EXISTS {fn}();"
    return forward, reverse


def forbid_truncate_sql(table: str) -> tuple[str, str]:
    """A PostgreSQL statement trigger that refuses TRUNCATE on `table`, calling the function of
    `forbid_update_delete_sql` (created first). TRUNCATE fires no row trigger: without it the owner could still
    empty the table in one statement."""
    fn = f"{table}_append_only"
    forward = (f"CREATE TRIGGER {fn}_truncate_trg BEFORE TRUNCATE ON {table} "
               f"FOR EACH STATEMENT EXECUTE FUNCTION {fn}();")
    reverse = f"DROP TRIGGER IF EXISTS {fn}_truncate_trg ON {table};"
    return forward, reverse


def sqlite_triggers_sql(table: str) -> list[str]:
    """SQLite triggers refusing UPDATE and DELETE on `table` (SQLite has no TRUNCATE: a DELETE fires them)."""
    return [f"CREATE TRIGGER IF NOT EXISTS {table}_append_only_{op.lower()} BEFORE {op} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op} refused'); END"
            for op in ("UPDATE", "DELETE")]


def ensure_sqlite_triggers(sender=None, using: str = "default", **_kwargs) -> None:
    """post_migrate: the append-only triggers of a SQLite database (the demo's), made again after every migrate.

    Not a migration: rebuilding a table (how Django alters one on SQLite) drops its triggers, so they are
    checked after every migrate instead, for every append-only model at once.
    """
    from django.db import connections

    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for table in append_only_tables():
            if table in existing:
                for statement in sqlite_triggers_sql(table):
                    cursor.execute(statement)


def append_only_tables() -> list[str]:
    """The tables of every installed append-only model: the runtime role may only read and insert there."""
    return sorted(model._meta.db_table for model in apps.get_models()
                  if issubclass(model, AppendOnlyModel) and not model._meta.proxy)
