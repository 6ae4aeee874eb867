"""The files of deploy/ that no test starts: the systemd units pass `systemd-analyze verify` (with the install path
moved to this checkout's virtualenv), run commands that exist, and the environment example names only settings
that something reads."""
import re
import shutil
import subprocess

import pytest
from django.core.management import get_commands

from .conftest import BIN, ROOT

UNITS = ROOT / "deploy/systemd"


def test_systemd_units_verify(tmp_path):
    for unit in UNITS.iterdir():
        (tmp_path / unit.name).write_text(unit.read_text().replace("/srv/quartermaster/.venv/bin/", f"{BIN}/"))
    shutil.copy(tmp_path / "qm-ingest@.service", tmp_path / "qm-ingest@0.service")  # an instance of the template
    names = sorted(p.name for p in tmp_path.iterdir() if p.name != "qm-ingest@.service")
    assert {"qm-web.service", "qm-ingest@0.service", "qm-jt808.service", "qm-notify.service", "qm-rollup.service",
            "qm-rollup.timer"} <= set(names)
    done = subprocess.run(["systemd-analyze", "verify", "--man=no", *names], cwd=tmp_path, capture_output=True,
                          text=True, check=False, timeout=120)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr


def test_units_run_real_commands():
    commands = get_commands()
    used = set()
    for unit in UNITS.glob("*.service"):
        for line in unit.read_text().splitlines():
            match = re.match(r"Exec(?:Start|StartPre)=\S*/qm (\w+)", line)
            if match:
                used.add(match.group(1))
    assert used == {"check", "ingest", "jt808", "notify", "retention", "rollup"}
    assert used <= set(commands)


@pytest.mark.parametrize("name", ["quartermaster.env.example"])
def test_environment_example_names_only_read_settings(name):
    keys = re.findall(r"^#?\s*(QM_[A-Z0-9_]+)=", (ROOT / "deploy" / name).read_text(), flags=re.M)
    assert "QM_ENV" in keys and "QM_SECRET_KEY" in keys
    sources = "".join(p.read_text() for folder in ("quartermaster", "telematics", "deploy")
                      for p in (ROOT / folder).rglob("*") if p.suffix in (".py", ".service") and p.is_file())
    unread = [k for k in keys if f'"{k}"' not in sources and "${" + k + "}" not in sources]
    assert not unread
