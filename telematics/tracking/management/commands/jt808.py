"""`qm jt808 [--host 0.0.0.0] [--port 7808]`: the JT/T 808 gateway (terminals over TCP, fixes into MQTT)."""
import json
import logging

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from quartermaster.context import change_context
from quartermaster.errors import DomainError

from ... import jt808


class Command(BaseCommand):
    help = ("JT/T 808-2013/2019 gateway: registration, authentication, heartbeats and location reports over TCP; "
            "fixes published to {prefix}/terminals/{phone}/position for `qm ingest` (SIGTERM to stop).")

    def add_arguments(self, parser):
        parser.add_argument("--host", default="0.0.0.0")
        parser.add_argument("--port", type=int, default=7808)
        parser.add_argument("--mqtt-url", default=None, help="default: QM_MQTT_URL")
        parser.add_argument("--prefix", default=None, help="topic prefix; default: QM_TOPIC_PREFIX")
        parser.add_argument("--client-id", default="", help="MQTT client id (default qm-jt808-<random>)")

    def handle(self, *args, **options):
        url = options["mqtt_url"] or settings.QM_MQTT_URL
        if not url:
            raise CommandError("no broker: set QM_MQTT_URL=mqtt://[user:pass@]host:port or pass --mqtt-url")
        logging.getLogger("qm").setLevel(logging.INFO)

        def ready(gateway):
            self.stdout.write(f"jt808 gateway listening on {gateway.host}:{gateway.port}")
            self.stdout.flush()

        try:
            with change_context(source="ingest", username="jt808"):
                counters = jt808.run(url=url, prefix=options["prefix"] or settings.QM_TOPIC_PREFIX,
                                     host=options["host"], port=options["port"], client_id=options["client_id"],
                                     ready=ready)
        except (DomainError, OSError) as exc:
            raise CommandError(getattr(exc, "message", None) or str(exc)) from None
        self.stdout.write(json.dumps({"counters": dict(counters)}, sort_keys=True))
