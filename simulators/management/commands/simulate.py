"""`qm simulate`: vehicle terminals and docking stations publishing over MQTT (or to a JSON-lines file)."""
import datetime as dt
import signal
import sys
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from quartermaster.errors import DomainError
from simulators import jt808
from simulators.demo import beyond_fix_age_limit
from simulators.engine import SimClock, publish, write_jsonl, write_truth
from simulators.runner import RunRequest, build, register_declarations
from simulators.scenarios import parse_datetime, parse_duration
from telematics.tracking import conf as tracking_conf


def gateway_address(text: str) -> str:
    """argparse type of --jt808: HOST:PORT with a port number, refused as a usage error before anything runs."""
    import argparse

    from quartermaster.cli import port_number

    host, colon, port = text.rpartition(":")
    if not colon:
        raise argparse.ArgumentTypeError(_("应为 HOST:PORT（如 127.0.0.1:7808），而不是 %(value)s") % {"value": text})
    port_number(port)
    return text


class Command(BaseCommand):
    help = ("Simulates the fleet's GPS terminals (the registry's vehicles, or --vehicles N synthetic ones) driving "
            "the city's streets, and the recorders' docking stations, with optional scenario files.")

    def add_arguments(self, parser):
        parser.add_argument("--mqtt", default=None, help="mqtt://[user:pass@]host:port (default QM_MQTT_URL)")
        parser.add_argument("--prefix", default=None, help="topic prefix (default QM_TOPIC_PREFIX)")
        parser.add_argument("--vehicles", type=int, default=None, help="N synthetic vehicles instead of the registry's")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--speed", type=float, default=1.0,
                            help="simulated seconds per wall-clock second; 0 = as fast as possible (never ahead of now)")
        parser.add_argument("--start", default=None, help="simulated start, ISO 8601 (default: the scenario's start)")
        parser.add_argument("--duration", default=None, help="simulated duration, e.g. 2h, 90m (default: forever, "
                                                             "or the scenario's)")
        parser.add_argument("--forever", action="store_true",
                            help="keep going after the scenarios' window until stopped (the demo)")
        parser.add_argument("--hold", action="store_true",
                            help="prepare, then wait for SIGUSR1 before publishing (the demo sends it once the ingest "
                                 "has subscribed, so no early message is lost)")
        parser.add_argument("--interval", type=float, default=30.0, help="report interval while the ignition is on (s)")
        parser.add_argument("--rest-interval", type=float, default=120.0,
                            help="report interval when parked (s); the ignition coming on is reported at once")
        parser.add_argument("--scenario", nargs="+", default=[], metavar="FILE", help="scenario YAML files")
        parser.add_argument("--dry-run", metavar="FILE", default=None,
                            help="write the message stream as JSON lines to FILE instead of publishing")
        parser.add_argument("--no-truth", action="store_true",
                            help="do not write <scenario>.truth.json next to each scenario")
        parser.add_argument("--register", action="store_true",
                            help="first register the scenarios' approved trips and OwnTracks bindings")
        parser.add_argument("--city", choices=["auto", "sample", "layers"], default="auto",
                            help="streets to drive: the loaded layers (auto when loaded) or the sample city")
        parser.add_argument("--no-docks", action="store_true", help="no docking-station reports")
        parser.add_argument("--protocol", choices=["mqtt", "jt808"], default="mqtt",
                            help="jt808: terminals whose id is a 12- or 20-digit phone number speak JT/T 808 to the "
                                 "gateway (--jt808); the others, and the docks, still publish over MQTT")
        parser.add_argument("--jt808", default="127.0.0.1:7808", metavar="HOST:PORT", type=gateway_address,
                            help="the JT/T 808 gateway (`qm jt808`) for --protocol jt808")

    def handle(self, *args, **opts):
        try:
            req = RunRequest(
                start=parse_datetime(opts["start"], "--start") if opts["start"] else None,
                duration=parse_duration(opts["duration"], "--duration") if opts["duration"] else None,
                seed=opts["seed"], interval=opts["interval"], rest_interval=opts["rest_interval"],
                prefix=opts["prefix"] or settings.QM_TOPIC_PREFIX, vehicles=opts["vehicles"],
                scenario_files=tuple(opts["scenario"]), city=opts["city"], docks=not opts["no_docks"],
                forever=opts["forever"])
            if req.start is None and not req.scenario_files:
                now = dt.datetime.now(dt.UTC).replace(microsecond=0)
                req.start = now
            sim = build(req)
            truths = [(sc, sim.truth(sc)) for sc in sim.scenarios]
            if opts["register"]:
                trips, bound = register_declarations([t for _, t in truths])
                self.stderr.write(_("已登记 %(trips)s 份批准的派车单、%(bound)s 个终端绑定")
                                  % {"trips": trips, "bound": bound})
            if not opts["no_truth"]:
                for sc, truth in truths:
                    write_truth(truth, sc.truth_path)
                    self.stderr.write(_("真值文件：%(path)s") % {"path": sc.truth_path})
            if opts["dry_run"]:
                try:
                    n = write_jsonl(sim.messages(), opts["dry_run"])
                except OSError as exc:
                    raise CommandError(_("无法写入 %(path)s：%(reason)s")
                                       % {"path": opts["dry_run"], "reason": exc.strerror or exc}) from None
                self.stderr.write(_("已将 %(count)s 条消息写入 %(path)s") % {"count": n, "path": opts["dry_run"]})
                return
            if beyond_fix_age_limit(sim.config.start):
                self.stderr.write(_("注意：模拟的起点早于 QM_MAX_FIX_AGE_DAYS（%(days)s 天前）：有此限制的接入服务只把"
                                    "更早的定位作为 stale_timestamp 死信保存；要回放历史，请发往以 "
                                    "QM_MAX_FIX_AGE_DAYS=0 启动的接入服务，或用 --start 指定起点")
                                  % {"days": tracking_conf.get("QM_MAX_FIX_AGE_DAYS")})
            url = opts["mqtt"] or settings.QM_MQTT_URL
            if not url and opts["protocol"] == "mqtt":
                raise CommandError(_("没有 MQTT 代理：请用 --mqtt URL 指定或设置 QM_MQTT_URL（或使用 --dry-run 文件）"))
            stop = threading.Event()
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, lambda *_: stop.set())
            if opts["hold"]:
                self._hold(stop)
                if stop.is_set():
                    return
            clock = SimClock(sim.config.start, opts["speed"], stop)
            self.stderr.write(_("模拟 %(terminals)s 个终端和 %(docks)s 个采集站，自 %(start)s 起，速度 %(speed)s → %(url)s")
                              % {"terminals": len(sim.terminals), "docks": len(sim.docks),
                                 "start": sim.config.start.isoformat(), "speed": opts["speed"] or _("最快"),
                                 "url": url})
            started = time.monotonic()
            messages = sim.messages()
            fleet = None
            if opts["protocol"] == "jt808":
                fleet = jt808.Fleet(*jt808.parse_address(opts["jt808"]),
                                    plates={t.spec.terminal_id: t.spec.plate or "" for t in sim.terminals})
                fleet.start()
                messages = jt808.divert(messages, fleet=fleet, prefix=req.prefix, clock=clock)
                self.stderr.write(_("JT/T 808 终端向 %(address)s 报告") % {"address": opts["jt808"]})
            try:
                if url:
                    sent = publish(messages, url=url, clock=clock, client_id=f"qm-sim-{req.seed}-{time.time_ns()}")
                else:  # no broker: only the JT/T 808 terminals report
                    sent = 0
                    skipped = sum(1 for _ in messages)
                    self.stderr.write(_("没有 MQTT 代理：%(count)s 条 MQTT 消息（采集站、其他终端）未发送")
                                      % {"count": skipped})
                if fleet is not None:
                    answered = fleet.drain()
                    self.stderr.write(_("JT/T 808：网关应答了 %(count)s 个定位") % {"count": answered})
            finally:
                if fleet is not None:
                    fleet.stop()
            elapsed = time.monotonic() - started
            self.stderr.write(_("已发布 %(count)s 条消息，用时 %(seconds)s 秒")
                              % {"count": sent, "seconds": f"{elapsed:.1f}"})
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        sys.stderr.flush()

    def _hold(self, stop: threading.Event) -> None:
        go = threading.Event()
        signal.signal(signal.SIGUSR1, lambda *_: go.set())
        self.stderr.write("ready; holding until SIGUSR1")
        sys.stderr.flush()
        while not go.wait(0.2) and not stop.is_set():
            pass
