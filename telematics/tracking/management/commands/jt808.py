"""`qm jt808 [--host 0.0.0.0] [--port 7808]`: the JT/T 808 gateway (terminals over TCP, fixes into MQTT);
`qm jt808 --locate PHONE` / `--interval PHONE SECONDS [--sleep-interval SECONDS]`: a command to a connected terminal
through the running gateway, and its answer."""
import json
import logging

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from quartermaster.cli import port_number
from quartermaster.context import change_context
from quartermaster.errors import DomainError

from ... import jt808


NO_ANSWER = "no answer (is qm jt808 running?)"


class Command(BaseCommand):
    help = ("JT/T 808-2013/2019 gateway: registration, authentication, heartbeats and location reports over TCP; "
            "fixes published to {prefix}/terminals/{phone}/position for `qm ingest` (SIGTERM to stop).")

    def add_arguments(self, parser):
        parser.add_argument("--host", default="0.0.0.0")
        parser.add_argument("--port", type=port_number, default=7808)
        parser.add_argument("--mqtt-url", default=None, help="default: QM_MQTT_URL")
        parser.add_argument("--prefix", default=None, help="topic prefix; default: QM_TOPIC_PREFIX")
        parser.add_argument("--client-id", default="", help="MQTT client id (default qm-jt808-<random>)")
        parser.add_argument("--locate", metavar="PHONE", default=None,
                            help="instead of serving: ask the terminal for its position now (0x8201) through the "
                                 "running gateway and print the answer")
        parser.add_argument("--interval", nargs=2, metavar=("PHONE", "SECONDS"), default=None,
                            help="instead of serving: set the terminal's reporting interval (0x8103, parameter "
                                 "0x0029) and print its answer")
        parser.add_argument("--sleep-interval", type=int, default=None, metavar="SECONDS",
                            help="with --interval: also the interval while asleep, ACC off (parameter 0x0027)")
        parser.add_argument("--wait", type=float, default=15.0, help="seconds to wait for the answer (default 15)")

    def handle(self, *args, **options):
        url = options["mqtt_url"] or settings.QM_MQTT_URL
        if not url:
            raise CommandError(gettext("没有 MQTT 服务器：请设置 QM_MQTT_URL=mqtt://"
                                       "[user:pass@]host:port 或用 --mqtt-url"))
        prefix = options["prefix"] or settings.QM_TOPIC_PREFIX
        if options["locate"] or options["interval"]:
            if options["locate"]:
                phone, request = options["locate"], {"command": "locate"}
            else:
                phone, seconds = options["interval"]
                if not seconds.isdigit():
                    raise CommandError(gettext("--interval 的秒数应为整数，而不是 %(value)s") % {"value": repr(seconds)})
                request = {"command": "interval", "seconds": int(seconds)}
                if options["sleep_interval"] is not None:
                    request["sleep_seconds"] = options["sleep_interval"]
            answer = self._command(url, prefix, phone, request, options["wait"])
            self.stdout.write(json.dumps(answer, ensure_ascii=False))
            if answer.get("status") != "ok":
                status = answer.get("status")
                if status == NO_ANSWER:  # the reason in the operator's language; the JSON line keeps its value
                    status = gettext("没有应答（qm jt808 是否在运行、终端是否在线？）")
                raise CommandError(gettext("终端 %(phone)s：%(status)s") % {"phone": phone, "status": status})
            return
        logging.getLogger("qm").setLevel(logging.INFO)

        def ready(gateway):
            self.stdout.write(f"jt808 gateway listening on {gateway.host}:{gateway.port}")
            self.stdout.flush()

        try:
            with change_context(source="ingest", username="jt808"):
                counters = jt808.run(url=url, prefix=prefix,
                                     host=options["host"], port=options["port"], client_id=options["client_id"],
                                     ready=ready)
        except (DomainError, OSError) as exc:
            raise CommandError(getattr(exc, "message", None) or str(exc)) from None
        self.stdout.write(json.dumps({"counters": dict(counters)}, sort_keys=True))

    def _command(self, url: str, prefix: str, phone: str, request: dict, wait: float) -> dict:
        try:
            answer = jt808.send_command(url=url, prefix=prefix, phone=phone, request=request, wait=wait)
        except jt808.CommandError as exc:
            raise CommandError(gettext("无法把指令交给 JT/T 808 网关：%(error)s") % {"error": exc}) from None
        if answer.get("status") == "timeout":
            answer["status"] = NO_ANSWER
        return answer
