"""`qm serve`: the web app on a threaded WSGI server, static files through WhiteNoise, no autoreloader."""
import signal
import socketserver
import sys
import threading

from django.core.management.base import BaseCommand, CommandError
from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer, get_internal_wsgi_application
from django.utils.translation import gettext as _

from quartermaster.cli import port_number


class ThreadedWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    """One thread per connection, so long-lived responses (the live map's server-sent events) never hold up
    other requests; daemon threads, so an open event stream does not keep the process alive on shutdown."""

    daemon_threads = True
    block_on_close = False


class QuietRequestHandler(WSGIRequestHandler):
    """Django's handler without the per-request log line (kept with --access-log)."""

    def log_message(self, format, *args):
        pass


class Command(BaseCommand):
    help = ("Serve the web app (pages, /api/v1/, static files, the live map's event stream) on a threaded WSGI "
            "server until SIGINT or SIGTERM.")

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        parser.add_argument("--port", type=port_number, default=8000, help="port (default 8000)")
        parser.add_argument("--access-log", action="store_true", help="log every request on standard error")

    def handle(self, *args, host, port, access_log, **options):
        handler = WSGIRequestHandler if access_log else QuietRequestHandler
        try:
            server = ThreadedWSGIServer((host, port), handler, ipv6=":" in host)
        except OSError as exc:
            raise CommandError(_("无法在 %(host)s:%(port)s 上监听：%(reason)s")
                               % {"host": host, "port": port, "reason": exc.strerror or exc}) from None
        server.set_app(get_internal_wsgi_application())

        def stop(signum, frame):
            # shutdown() waits for serve_forever to return, so it must run on another thread.
            threading.Thread(target=server.shutdown, daemon=True).start()

        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, stop)
        shown = f"[{host}]" if ":" in host else host
        self.stdout.write(f"serving on http://{shown}:{server.server_address[1]}/")
        sys.stdout.flush()
        try:
            server.serve_forever(poll_interval=0.25)
        finally:
            server.server_close()
        self.stdout.write("stopped")
