"""The URL of the database a connection really uses (a test or scratch database included), for child processes
(`qm ingest`, `qm import`, `qm serve`) that must work on the very same one."""
from pathlib import Path

from django.db import connection


def connection_url(name: str | None = None) -> str:
    """QM_DATABASE_URL-style URL of the default connection's database, or of database `name` on its server."""
    s = connection.settings_dict
    name = name or s["NAME"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(name).resolve()}"
    auth = (s.get("USER") or "postgres") + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgresql://{auth}@{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{name}"
