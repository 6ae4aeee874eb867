"""The production stack of deploy/ started on this machine: gunicorn with deploy/gunicorn.conf.py behind nginx with
deploy/nginx/quartermaster.conf (its ports, certificate and paths moved to loopback and a temporary folder, the rest
as shipped), QM_ENV=production, a self-signed certificate. Chromium signs in over HTTPS, the API answers a token,
nginx serves the static files itself, and the live map's event stream comes through the proxy unbuffered."""
import os
import re
import shutil
import signal
import subprocess
import time

import pytest
import requests
from django.db import connection
from playwright.sync_api import sync_playwright

from tests.support.browser import CHROMIUM, orm_allowed_under_playwright
from tests.support.fixtures import make_user

from .conftest import BIN, ROOT, database_url, free_port, subprocess_env

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
ARTIFACTS = ROOT / "test-artifacts" / "deploy"


def site_config(tmp_path, *, http_port, https_port, upstream_port, cert, key, static_root) -> str:
    """deploy/nginx/quartermaster.conf with only its addresses and paths replaced."""
    text = (ROOT / "deploy/nginx/quartermaster.conf").read_text()
    replacements = [
        (r"server 127\.0\.0\.1:8000;", f"server 127.0.0.1:{upstream_port};"),
        (r"\n\s*listen \[::\]:\d+[^;]*;", ""),
        (r"listen 80;", f"listen 127.0.0.1:{http_port};"),
        (r"listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        (r"/etc/ssl/quartermaster/fullchain\.pem", str(cert)),
        (r"/etc/ssl/quartermaster/privkey\.pem", str(key)),
        (r"/srv/quartermaster/staticfiles/", f"{static_root}/"),
    ]
    for pattern, new in replacements:
        text, count = re.subn(pattern, new, text)
        assert count, f"deploy/nginx/quartermaster.conf no longer has {pattern}"
    return text


def nginx_main_config(tmp_path, site: str) -> str:
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers read the static files in the test's folder
    temp = "\n".join(f"    {kind}_temp_path {tmp_path / kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                                                  "uwsgi", "scgi"))
    return (f"{user}worker_processes 1;\npid {tmp_path / 'nginx.pid'};\nerror_log {tmp_path / 'nginx-error.log'};\n"
            "daemon off;\nevents { worker_connections 256; }\nhttp {\n    include /etc/nginx/mime.types;\n"
            f"    access_log {tmp_path / 'nginx-access.log'};\n{temp}\n{site}\n}}\n")


def wait_for_port(port: int, proc: subprocess.Popen, log, seconds: float = 90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"exited {proc.returncode}: {log.read_text()[-3000:]}"
        try:
            with __import__("socket").create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"nothing listening on {port}: {log.read_text()[-3000:]}")


def stop(proc: subprocess.Popen):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def stack(tmp_path):
    make_user("deploy-admin", "administrator", superuser=True)
    http_port, https_port, upstream_port = free_port(), free_port(), free_port()
    static_root = tmp_path / "static"
    env = subprocess_env(
        QM_ENV="production", QM_SECRET_KEY="deploy-test-" + os.urandom(32).hex(), QM_ALLOWED_HOSTS="localhost",
        QM_DATABASE_URL=database_url(connection.settings_dict), QM_STATIC_ROOT=str(static_root),
        QM_MEDIA_ROOT=str(tmp_path / "media"), QM_GUNICORN_BIND=f"127.0.0.1:{upstream_port}",
        QM_GUNICORN_WORKERS="1", QM_GUNICORN_THREADS="8", PATH=f"{BIN}:{os.environ['PATH']}")
    done = subprocess.run([str(BIN / "qm"), "collectstatic", "--noinput"], check=False, env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    # Written after gunicorn started would not do for WhiteNoise (it lists STATIC_ROOT at start): only nginx serves it.
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "2", "-subj", "/CN=localhost", "-addext",
                    "subjectAltName=DNS:localhost"], check=True, capture_output=True)
    site = site_config(tmp_path, http_port=http_port, https_port=https_port, upstream_port=upstream_port,
                       cert=cert, key=key, static_root=static_root)
    (tmp_path / "nginx.conf").write_text(nginx_main_config(tmp_path, site))
    gunicorn_log, nginx_log = tmp_path / "gunicorn.log", tmp_path / "nginx.out"
    with open(gunicorn_log, "w") as glog, open(nginx_log, "w") as nlog:
        gunicorn = subprocess.Popen([str(BIN / "gunicorn"), "-c", str(ROOT / "deploy/gunicorn.conf.py")], env=env,
                                    cwd=tmp_path, stdout=glog, stderr=subprocess.STDOUT)
        nginx = subprocess.Popen([NGINX, "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)],
                                 stdout=nlog, stderr=subprocess.STDOUT)
    try:
        wait_for_port(upstream_port, gunicorn, gunicorn_log)
        wait_for_port(https_port, nginx, nginx_log)
        (static_root / "only-nginx.txt").write_text("served by nginx\n")
        yield {"http": f"http://localhost:{http_port}", "https": f"https://localhost:{https_port}",
               "cert": str(cert), "static_root": static_root, "gunicorn_log": gunicorn_log}
    finally:
        stop(nginx)
        stop(gunicorn)


def test_production_stack_over_tls(stack, tmp_path):
    https, cert = stack["https"], stack["cert"]  # requests checks the chain against the self-signed certificate
    session = requests.Session()

    # Plain HTTP only redirects to HTTPS.
    answer = requests.get(f"{stack['http']}/accounts/login/", allow_redirects=False, timeout=30)
    assert answer.status_code == 301
    assert answer.headers["Location"] == "https://localhost/accounts/login/"

    # Django sees HTTPS through X-Forwarded-Proto: no redirect loop, HSTS and the other security headers.
    login = session.get(f"{https}/accounts/login/", timeout=60, verify=cert)
    assert login.status_code == 200, login.text[:500]
    assert login.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert login.headers["X-Frame-Options"] == "DENY"
    assert login.headers["X-Content-Type-Options"] == "nosniff"
    assert "Secure" in login.headers["Set-Cookie"]  # the CSRF cookie

    # Static files: nginx serves STATIC_ROOT itself (the file appeared after gunicorn had listed the folder).
    static = session.get(f"{https}/static/only-nginx.txt", timeout=30, verify=cert)
    assert static.status_code == 200 and static.text == "served by nginx\n"
    assert static.headers["Cache-Control"] == "max-age=604800, public"  # the site file's `expires 7d`
    collected = (stack["static_root"] / "rest_framework/css/bootstrap.min.css")  # by `qm collectstatic`
    answer = session.get(f"{https}/static/rest_framework/css/bootstrap.min.css", timeout=30, verify=cert)
    assert answer.status_code == 200 and answer.content == collected.read_bytes()

    # The API over HTTPS: a token, then a read with it.
    token = session.post(f"{https}/api/v1/auth/token/", json={"username": "deploy-admin", "password": "pass-12345"},
                         timeout=60, verify=cert)
    assert token.status_code == 200, token.text[:500]
    vehicles = requests.get(f"{https}/api/v1/vehicles/", verify=cert, timeout=60,
                            headers={"Authorization": f"Token {token.json()['token']}"})
    assert vehicles.status_code == 200, vehicles.text[:500]
    assert vehicles.json()["count"] == 0

    # Chromium signs in (secure session and CSRF cookies over TLS, the CSRF origin check behind the proxy).
    with orm_allowed_under_playwright(), sync_playwright() as p:
        browser = p.chromium.launch(**CHROMIUM)
        try:
            context = browser.new_context(ignore_https_errors=True)
            page = context.new_page()
            page.goto(f"{https}/accounts/login/")
            page.fill("#id_username", "deploy-admin")
            page.fill("input[name=password]", "pass-12345")
            page.click("#login-submit")
            page.wait_for_url(f"{https}/", timeout=60_000)
            cookies = {c["name"]: c for c in context.cookies()}
            assert cookies["sessionid"]["secure"] and cookies["csrftoken"]["secure"]
            session_cookie = cookies["sessionid"]["value"]
            # The live map's EventSource connects through nginx (HTTP/2 over TLS) and goes live.
            page.goto(f"{https}/map/")
            page.wait_for_function("document.getElementById('stream-status').dataset.state === 'live'",
                                   timeout=60_000)
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "live-map-behind-nginx.png"))
        finally:
            browser.close()

    # The live map's event stream: its first event comes through nginx at once, not held in a buffer.
    started = time.monotonic()
    with requests.get(f"{https}/map/stream/", verify=cert, stream=True, timeout=30,
                      cookies={"sessionid": session_cookie}) as stream:
        assert stream.status_code == 200
        assert stream.headers["Content-Type"].startswith("text/event-stream")
        first = next(stream.iter_content(chunk_size=None))
    assert first.startswith(b"retry: 1000")
    assert time.monotonic() - started < 20
