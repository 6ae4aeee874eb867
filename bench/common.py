"""What the benchmarks share: Django set-up and a scratch PostgreSQL database beside QM_DATABASE_URL's."""
import os
from collections.abc import Iterator
from contextlib import contextmanager


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quartermaster.settings")
    import django

    django.setup()


def on_postgresql(why: str = "the benchmark targets PostgreSQL") -> bool:
    """True on PostgreSQL; otherwise says why the benchmark is skipped."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return True
    print(f"   skipped: set QM_DATABASE_URL to a PostgreSQL database ({why})")
    return False


@contextmanager
def scratch_database(suffix: str, *, keepdb: bool = False) -> Iterator[str]:
    """Creates and migrates `<database>_bench_<suffix>`, connects to it, yields its name and drops it afterwards
    (with `keepdb`: reuses a kept one and keeps it, for profiling)."""
    from django.db import connection

    settings_dict = connection.settings_dict
    original = settings_dict["NAME"]
    name = f"{original}_bench_{suffix}"
    settings_dict["TEST"] = {**settings_dict.get("TEST", {}), "NAME": name}
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=keepdb, serialize=False)
    try:
        yield name
    finally:
        if keepdb:
            print(f"   kept the database {name}")
        else:
            connection.creation.destroy_test_db(original, verbosity=0)
