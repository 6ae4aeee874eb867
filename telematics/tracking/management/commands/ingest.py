"""`qm ingest [--shard K/N]`: subscribe to the terminals' topics and store, check and alert."""
import json
import logging

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from quartermaster.context import change_context
from quartermaster.errors import DomainError

from ...ingest import Ingest


class Command(BaseCommand):
    help = "MQTT ingest: fixes and dock reports in, positions, alerts and dead letters out (SIGTERM to stop)."

    def add_arguments(self, parser):
        parser.add_argument("--mqtt-url", default=None, help="default: QM_MQTT_URL")
        parser.add_argument("--prefix", default=None, help="topic prefix; default: QM_TOPIC_PREFIX")
        parser.add_argument("--shard", default=None, metavar="K/N",
                            help="worker K of N (0 <= K < N): the terminals whose id hashes to K; same as --worker K "
                                 "--workers N")
        parser.add_argument("--worker", type=int, default=0, help="this worker's number, 0..N-1")
        parser.add_argument("--workers", type=int, default=1, help="how many workers share the terminals")
        parser.add_argument("--exact-topics", action="store_true",
                            help="with several workers, worker 0 too subscribes only its terminals' topics (and the "
                                 "docks): for a broker whose ACL (qm mqtt acl) keeps unregistered terminals out, as "
                                 "their messages then reach no worker")
        parser.add_argument("--client-id", default="", help="MQTT client id (default qm-ingest-K-of-N)")

    def handle(self, *args, **options):
        url = options["mqtt_url"] or settings.QM_MQTT_URL
        if not url:
            raise CommandError(gettext("没有 MQTT 服务器：请设置 QM_MQTT_URL=mqtt://"
                                       "[user:pass@]host:port 或用 --mqtt-url"))
        logging.getLogger("qm").setLevel(logging.INFO)
        if options["shard"]:
            try:
                options["worker"], options["workers"] = (int(n) for n in options["shard"].split("/"))
            except ValueError:
                raise CommandError(gettext("--shard %(shard)s 不是 K/N 形式（如 0/2）") % {
                    "shard": repr(options["shard"])}) from None
        try:
            ingest = Ingest(url=url, prefix=options["prefix"] or settings.QM_TOPIC_PREFIX, worker=options["worker"],
                            workers=options["workers"], client_id=options["client_id"],
                            exact_topics=options["exact_topics"])
        except DomainError as exc:
            raise CommandError(exc.message) from None
        ingest.install_signal_handlers()
        with change_context(source="ingest", username="ingest"):
            counters = ingest.run()
        self.stdout.write(json.dumps({"counters": counters}, sort_keys=True))
