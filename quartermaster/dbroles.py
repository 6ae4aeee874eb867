"""The PostgreSQL runtime role: it reads and writes the registry but may only read and insert on append-only tables.

The migration owner (the role `qm migrate` connects as) owns every table; the web app, the ingest and the
other commands connect as the runtime role named by `QM_DATABASE_RUNTIME_ROLE`. That role is granted SELECT,
INSERT, UPDATE and DELETE on the ordinary tables, only SELECT and INSERT on the append-only ones (custody
ledger, change log, personnel and vehicle history, saved compliance reports) and only SELECT on
`django_migrations`; never TRUNCATE, and not being the owner it can neither alter a table nor disable its
triggers. Positions and legs it may read and insert only too: fixes leave through the retention functions
(`tracking_purge_fixes`, `tracking_drop_fix_chunks`: SECURITY DEFINER, legal holds kept), which it may execute. The owner itself is held back by the append-only triggers (UPDATE, DELETE, TRUNCATE refused).
"""
from __future__ import annotations

import re

from django.conf import settings
from django.core.checks import Error, register
from django.db import connections
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _

from quartermaster.errors import DomainError

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class RoleError(DomainError):
    """The runtime role cannot be set up as asked (bad name, missing role, not PostgreSQL)."""


def check_role_name(role: str) -> str:
    if not ROLE_NAME.match(role or ""):
        raise RoleError(_("运行角色名 %(role)s：只能使用小写字母、数字和 _（至多 63 个字符）"), field="role",
                        role=repr(role))
    return role


def require_postgresql(using: str = "default") -> None:
    vendor = connections[using].vendor
    if vendor != "postgresql":
        raise RoleError(_("数据库角色需要 PostgreSQL；当前数据库是 %(vendor)s（见 README 的“SQLite”一节）"),
                        vendor=vendor)


def role_exists(role: str, using: str = "default") -> bool:
    require_postgresql(using)
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        return cursor.fetchone() is not None


def grant_statements(role: str, using: str = "default") -> list[str]:
    """The GRANT/REVOKE statements that give `role` exactly the runtime privileges on the current schema."""
    from assets.models.immutable import append_only_tables

    connection = connections[using]
    quote = connection.ops.quote_name
    role = quote(check_role_name(role))
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = quote(cursor.fetchone()[0])
    existing = set(connection.introspection.table_names())
    from telematics.tracking.retention import FIX_TABLES, PURGE_FUNCTIONS

    read_insert = [quote(t) for t in (*append_only_tables(), *FIX_TABLES) if t in existing]
    statements = [
        f"GRANT USAGE ON SCHEMA {schema} TO {role}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
    ]
    if read_insert:
        statements.append(f"REVOKE UPDATE, DELETE ON {', '.join(read_insert)} FROM {role}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT p.oid::regprocedure::text FROM pg_proc p WHERE p.proname = ANY(%s) "
                       "AND p.pronamespace = current_schema()::regnamespace", [list(PURGE_FUNCTIONS)])
        statements += [f"GRANT EXECUTE ON FUNCTION {signature} TO {role}" for (signature,) in cursor.fetchall()]
    if "django_migrations" in existing:
        statements.append(f"REVOKE INSERT, UPDATE, DELETE ON {quote('django_migrations')} FROM {role}")
    return statements


def grant_runtime_role(role: str, using: str = "default") -> list[str]:
    """Applies the runtime privileges to an existing `role`; returns the statements run."""
    connection = connections[using]
    if not role_exists(check_role_name(role), using):
        raise RoleError(_("角色 %(role)s 不存在：请先创建（qm dbroles --create，或由超级用户执行 CREATE ROLE "
                          "%(name)s LOGIN PASSWORD '…'），然后再运行一次"), field="role", role=repr(role), name=role)
    statements = grant_statements(role, using)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    return statements


def create_role(role: str, password: str = "", using: str = "default") -> None:
    """Creates `role` as a login role (with `password` when given); needs CREATEROLE."""
    from psycopg import sql

    connection = connections[using]
    connection.ensure_connection()
    statement = sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(check_role_name(role)))
    if password:
        statement = sql.SQL("{} PASSWORD {}").format(statement, sql.Literal(password))
    with connection.cursor() as cursor:
        cursor.execute(statement.as_string(connection.connection))


def grant_after_migrate(sender, using: str = "default", **_kwargs) -> None:
    """post_migrate: re-grants the runtime role (when one is configured), so a table a migration adds is covered."""
    role = getattr(settings, "QM_DATABASE_RUNTIME_ROLE", "")
    from django.core.management import CommandError

    if not role or connections[using].vendor != "postgresql" or sender.name != "quartermaster":
        return
    try:
        grant_runtime_role(role, using)
    except RoleError as exc:
        raise CommandError(_gettext("已完成迁移，但 QM_DATABASE_RUNTIME_ROLE：%(reason)s")
                           % {"reason": exc}) from None


@register("qm")
def check_runtime_role_setting(app_configs=None, **_kwargs) -> list[Error]:
    """A runtime role name that cannot be a PostgreSQL role is a configuration error, caught before any migrate."""
    role = getattr(settings, "QM_DATABASE_RUNTIME_ROLE", "")
    if role and not ROLE_NAME.match(role):
        return [Error(f"QM_DATABASE_RUNTIME_ROLE {role!r}: use lower-case letters, digits and _ (at most 63)",
                      id="qm.E301")]
    return []
