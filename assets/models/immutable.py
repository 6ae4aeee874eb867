"""Append-only rows: saved once, never updated or deleted through the ORM (the database also refuses, on PostgreSQL)."""
from django.db import models

from quartermaster.errors import DomainError

from ..access import RestrictedQuerySet


class AppendOnlyQuerySet(RestrictedQuerySet):
    def update(self, **kwargs):
        raise DomainError(f"{self.model._meta.verbose_name} is append-only and cannot be edited.", code="append_only")

    def delete(self):
        raise DomainError(f"{self.model._meta.verbose_name} is append-only and cannot be deleted.", code="append_only")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise DomainError(f"{self._meta.verbose_name} is append-only and cannot be edited.", code="append_only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise DomainError(f"{self._meta.verbose_name} is append-only and cannot be deleted.", code="append_only")


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
