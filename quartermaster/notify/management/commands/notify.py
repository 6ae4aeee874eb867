"""`qm notify`: the delivery worker (alerts to subscribers, daily digests, scheduled reports, retries)."""
import json
import signal
import threading

from django.core.management.base import BaseCommand

from quartermaster.notify import worker


class Command(BaseCommand):
    help = ("Sends notifications: fans raised alerts out to their subscribers (in-app, e-mail, 企业微信 and 钉钉 "
            "robots), makes the daily digests, runs the due scheduled reports and sends every due delivery, "
            "retrying failures with backoff. Runs until stopped (SIGTERM / Ctrl-C); --once looks once and exits.")

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one look at everything, print the counts, exit")
        parser.add_argument("--poll", type=float, default=None, help="seconds between looks (QM_NOTIFY_POLL_S)")

    def handle(self, *args, **opts):
        if opts["once"]:
            self.stdout.write(json.dumps(worker.tick(), ensure_ascii=False))
            return
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        self.stdout.write("notify worker running")
        self.stdout.flush()
        worker.run(stop, opts["poll"])
