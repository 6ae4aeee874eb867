"""Helpers of the deployment tests: `qm` and gunicorn run as subprocesses on the test database."""
import os
import socket
import sys
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url(settings_dict: dict, name: str | None = None) -> str:
    """postgresql:// URL of the database Django's connection points at (the test database), or another on it."""
    user = quote(settings_dict.get("USER") or "postgres")
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{quote(password)}" if password else user
    host = settings_dict.get("HOST") or "127.0.0.1"
    return f"postgresql://{auth}@{host}:{settings_dict.get('PORT') or 5432}/{name or settings_dict['NAME']}"


def subprocess_env(**overrides) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QM_") and k != "DJANGO_SETTINGS_MODULE"}
    env.update(overrides)
    return env
