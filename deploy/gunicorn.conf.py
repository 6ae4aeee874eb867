"""gunicorn for Quartermaster behind nginx (deploy/nginx/quartermaster.conf): `gunicorn -c deploy/gunicorn.conf.py`.

Threaded workers (gthread): the live map's event stream (/map/stream/) holds one thread for up to QM_MAP_STREAM_MAX_S
(300 s) and then the browser reconnects, so each worker needs threads to spare for the pages and the API. Every
figure can be overridden from the environment (QM_GUNICORN_*), e.g. in /etc/quartermaster/quartermaster.env.
"""
import multiprocessing
import os

wsgi_app = "quartermaster.wsgi:application"
bind = os.environ.get("QM_GUNICORN_BIND", "127.0.0.1:8000")  # loopback only: nginx is the one door
workers = int(os.environ.get("QM_GUNICORN_WORKERS", str(min(4, multiprocessing.cpu_count() * 2 + 1))))
worker_class = "gthread"
threads = int(os.environ.get("QM_GUNICORN_THREADS", "32"))
# A request may take this long (reports, workbook imports, PDFs); the event stream is a steady trickle, so a
# gthread worker's timeout (its heartbeat) does not cut it off.
timeout = int(os.environ.get("QM_GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then (a slow leak never grows without bound), not all at once.
max_requests = 5000
max_requests_jitter = 500
# nginx on the same host sets X-Forwarded-Proto; only it is trusted to.
forwarded_allow_ips = os.environ.get("QM_GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = os.environ.get("QM_GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("QM_GUNICORN_LOG_LEVEL", "info")
proc_name = "quartermaster"
