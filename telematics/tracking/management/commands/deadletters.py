"""`qm deadletters [--reason R] [--retry]`: list dead letters with counts per reason, or send them through the
ingest again (republished to their topic, e.g. after an unknown terminal has been registered)."""
import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from quartermaster.cli import positive_int

from ...choices import RETRIABLE_REASONS, DeadLetterReason
from ...models import DeadLetter
from ...mqttclient import stop_loop
from ...selectors import dead_letter_counts


class Command(BaseCommand):
    help = "List dead letters, or --retry them through the running ingest."

    def add_arguments(self, parser):
        parser.add_argument("--reason", action="append", choices=DeadLetterReason.values,
                            help="only these reasons (repeatable); --retry defaults to unknown_terminal and "
                                 "future_timestamp")
        parser.add_argument("--retry", action="store_true")
        parser.add_argument("--mqtt-url", default=None, help="default: QM_MQTT_URL")
        parser.add_argument("--format", choices=("json", "table"), default="table")
        parser.add_argument("--limit", type=positive_int, default=100, help="at most this many letters (default 100)")

    def handle(self, *args, **options):
        reasons = options["reason"]
        if options["retry"]:
            return self.retry(reasons or list(RETRIABLE_REASONS), options["mqtt_url"] or settings.QM_MQTT_URL)
        qs = DeadLetter.objects.all()
        if reasons:
            qs = qs.filter(reason__in=reasons)
        rows = [{"id": d.pk, "received_at": d.received_at.isoformat(), "reason": d.reason, "terminal": d.terminal,
                 "topic": d.topic, "detail": d.detail, "payload": d.payload} for d in qs[:options["limit"]]]
        if options["format"] == "json":
            self.stdout.write(json.dumps({"counts": dead_letter_counts(), "dead_letters": rows}, ensure_ascii=False,
                                         indent=2))
            return
        for reason, n in sorted(dead_letter_counts().items()):
            self.stdout.write(f"{reason}: {n}")
        for r in rows:
            self.stdout.write(f"{r['id']}  {r['received_at']}  {r['reason']}  {r['topic']}  {r['detail']}")

    def retry(self, reasons, url):
        """Republishing (rather than storing here) keeps one writer per terminal: the running ingest's rules see
        the fixes in order with the rest, and a still-unknown terminal simply becomes a dead letter again."""
        import paho.mqtt.client as mqtt

        from ...ingest import mqtt_configure, parse_mqtt_url

        if not url:
            raise CommandError(gettext("--retry 通过 MQTT 服务器重新发布：请设置 QM_MQTT_URL 或用 --mqtt-url"))
        server = parse_mqtt_url(url)
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="", protocol=mqtt.MQTTv311)
        mqtt_configure(client, server)
        try:
            client.connect(server["host"], server["port"])
        except OSError as exc:
            raise CommandError(gettext("无法连接 MQTT 服务器 %(host)s:%(port)s：%(error)s") % {
                "host": server["host"], "port": server["port"], "error": exc}) from None
        client.loop_start()
        sent = skipped = 0
        try:
            for letter in DeadLetter.objects.filter(reason__in=reasons).order_by("received_at", "id").iterator():
                if letter.truncated:
                    skipped += 1
                    continue
                info = client.publish(letter.topic, letter.payload.encode(), qos=1)
                info.wait_for_publish(10)
                if not info.is_published():
                    raise CommandError(gettext("MQTT 服务器没有接收死信 %(letter)s；已停止（没有丢失任何内容）") % {
                        "letter": letter.pk})
                letter.delete()
                sent += 1
        finally:
            client.disconnect()
            stop_loop(client)
        self.stdout.write(f"republished {sent} dead letters; {skipped} truncated ones kept")
