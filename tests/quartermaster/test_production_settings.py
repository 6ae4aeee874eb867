"""Production mode (QM_ENV=production): `qm check --deploy` clean with a key and host names of the site's own, and
a refusal naming the setting for each thing missing. Each case runs `qm` in a subprocess: settings load once."""
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

QM = str(Path(sys.executable).with_name("qm"))


def run_qm(tmp_path, *args, **env):
    base = {k: v for k, v in os.environ.items() if not k.startswith("QM_") and k != "DJANGO_SETTINGS_MODULE"}
    base["QM_DATABASE_URL"] = f"sqlite:///{tmp_path / 'qm.sqlite3'}"
    base.update(env)
    return subprocess.run([QM, *args], check=False, env=base, cwd=tmp_path, capture_output=True, text=True, timeout=120)


def production(**overrides):
    env = {"QM_ENV": "production", "QM_SECRET_KEY": secrets.token_urlsafe(64),
           "QM_ALLOWED_HOSTS": "qm.example.gov.cn,qm.internal"}
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def test_deploy_check_is_clean_in_production(tmp_path):
    done = run_qm(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **production())
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout
    assert "WARNING" not in done.stdout + done.stderr


def test_development_mode_still_warns(tmp_path):
    """Without QM_ENV the development defaults stay (make demo / make test need nothing), and the check says so."""
    done = run_qm(tmp_path, "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode != 0
    assert "security.W009" in done.stderr + done.stdout  # the development key


@pytest.mark.parametrize("overrides, named", [
    ({"QM_SECRET_KEY": None}, "QM_SECRET_KEY"),  # falls back to the development key
    ({"QM_SECRET_KEY": "quartermaster-insecure-development-key-change-me"}, "QM_SECRET_KEY"),
    ({"QM_SECRET_KEY": "short-but-random-Zq9"}, "QM_SECRET_KEY"),
    ({"QM_ALLOWED_HOSTS": None}, "QM_ALLOWED_HOSTS"),
    ({"QM_ALLOWED_HOSTS": "*"}, "QM_ALLOWED_HOSTS"),
])
def test_production_refuses_to_start(tmp_path, overrides, named):
    done = run_qm(tmp_path, "check", **production(**overrides))
    assert done.returncode != 0
    assert named in done.stderr
    assert "Traceback" not in done.stderr  # one line saying what to set, not a stack


def test_production_settings_values(tmp_path):
    code = ("from django.conf import settings as s; print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
            "s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, s.SECURE_SSL_REDIRECT, "
            "s.SECURE_PROXY_SSL_HEADER, s.X_FRAME_OPTIONS, s.ALLOWED_HOSTS)")
    done = run_qm(tmp_path, "shell", "--no-imports", "-c", code, **production(QM_DEBUG="1"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[0] == (
        "False True True 31536000 True True True ('HTTP_X_FORWARDED_PROTO', 'https') DENY "
        "['qm.example.gov.cn', 'qm.internal']")
    done = run_qm(tmp_path, "shell", "--no-imports", "-c", "from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT, "
                  "s.SECURE_HSTS_SECONDS)", **production(QM_SSL_REDIRECT="0", QM_HSTS_SECONDS="3600"))
    assert done.stdout.split("\n")[0] == "False 3600", done.stderr
