"""What the benchmarks share: Django set-up and a scratch PostgreSQL database beside QM_DATABASE_URL's."""
import os
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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


class QmProcess:
    """A `qm` command run beside a benchmark: started, waited for until it prints `ready_text`, its memory and CPU
    read from /proc, stopped with SIGTERM."""

    def __init__(self, args: list[str], env: dict, ready_text: str, what: str):
        self.proc = subprocess.Popen([str(ROOT / ".venv/bin/qm"), *args], env={**os.environ, **env},
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
        self.lines: list[str] = []
        ready = threading.Event()

        def read():
            for line in self.proc.stdout:
                self.lines.append(line)
                if ready_text in line:
                    ready.set()
        threading.Thread(target=read, daemon=True).start()
        if not ready.wait(120):
            self.proc.kill()
            raise RuntimeError(f"{what} did not start:\n" + "".join(self.lines))

    def rss_mb(self) -> tuple[float, float]:
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        values = {k: int(v.split()[0]) / 1024 for k, v in (line.split(":", 1) for line in status.splitlines())
                  if k in ("VmRSS", "VmHWM")}
        return values["VmRSS"], values["VmHWM"]

    def cpu_s(self) -> float:
        """CPU seconds (user + system) the process has used so far."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
