"""`qm demo`: sample bureau and city, demo logins, an embedded MQTT broker, the ingest, ~50 simulated vehicles
with a few scenarios, and the web app, in one command; Ctrl-C (or SIGTERM) stops all of it."""
import signal
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from quartermaster.cli import port_number
from quartermaster.errors import DomainError


class Command(BaseCommand):
    help = ("Bring up the whole product on this machine: prepares the database (the embedded default: a SQLite "
            "file in the working directory) with the sample bureau, the sample city and one login per role, "
            "starts an MQTT broker (Mosquitto when installed, else amqtt), `qm ingest`, `qm jt808`, `qm notify`, "
            "`qm simulate` "
            "(the 50 sample vehicles replaying the last duty day before today at a speed-up, with scenarios that "
            "raise alerts within minutes; three of them speak JT/T 808 to the gateway) and `qm serve`, "
            "prints the URL and the logins, and stops everything on Ctrl-C.")

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="web app address (default 127.0.0.1)")
        parser.add_argument("--port", type=port_number, default=8000, help="web app port (default 8000)")
        parser.add_argument("--speed", type=float, default=60.0,
                            help="simulated seconds per second (default 60: a duty day in about 10 minutes)")
        parser.add_argument("--seed", type=int, default=1, help="the simulation's seed")
        parser.add_argument("--start", default=None,
                            help="simulated start, ISO 8601 (default 08:05 of the last duty day before today)")
        parser.add_argument("--resume", action="store_true",
                            help="keep the fixes and alerts of the last demo on this database and go on where it "
                                 "left off, without scenarios (default: clear them and replay the day afresh)")
        parser.add_argument("--broker", choices=["auto", "mosquitto", "amqtt"], default="auto",
                            help="the embedded broker when QM_MQTT_URL is not set (auto: Mosquitto if installed)")
        parser.add_argument("--no-scenarios", action="store_true", help="plain duty days, no injected behaviour")
        parser.add_argument("--quiet", action="store_true", help="do not relay the children's output")
        parser.add_argument("--jt808-port", type=port_number, default=7808,
                            help="port of the JT/T 808 gateway (`qm jt808`) three of the vehicles report to")

    def handle(self, *args, **opts):
        from django.conf import settings

        from simulators import demo
        from simulators.plan import CST
        from simulators.scenarios import parse_datetime

        workdir = Path.cwd()
        runner = demo.Demo(out=self.stdout, host=opts["host"], port=opts["port"], speed=opts["speed"],
                           seed=opts["seed"], workdir=workdir, quiet=opts["quiet"], jt808_port=opts["jt808_port"])

        try:
            demo.check_port_free(opts["host"], opts["port"])
            demo.check_port_free("127.0.0.1", opts["jt808_port"], "--jt808-port", "listen for JT/T 808 terminals")
            demo.prepare_database(say=runner.say)
            resumed = demo.resume_point() if opts["resume"] and opts["start"] is None else None
            if not opts["resume"]:
                # Each start replays its day afresh: fixes newer than the stored ones, rules without a past.
                removed = demo.clear_telemetry()
                if removed["position"] or removed["alert"]:
                    runner.say(f"cleared the last demo's {removed['position']} fixes and {removed['alert']} alerts "
                               f"to replay its day again (keep them: --resume)")
            if opts["start"]:
                start = parse_datetime(opts["start"], "--start")
            else:
                start = resumed or demo.replay_start()
        except KeyboardInterrupt:
            raise CommandError(_("准备数据库时被中断；没有启动任何部分")) from None
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        scenarios = [] if opts["no_scenarios"] or resumed else demo.demo_scenarios(workdir)
        if resumed:
            shown = start.astimezone(CST).strftime("%Y-%m-%d %H:%M:%S")
            runner.say(f"resuming the simulation where the last demo left off ({shown}); "
                       f"remove {demo.database_label()} to start afresh")

        # From here on a stop request ends the children in order instead of interrupting this process.
        def ask_stop(signum, frame):
            runner.stopping.set()

        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, ask_stop)
        status = 0
        try:
            # Written before the children start: they write to the same SQLite file.
            logins = demo.ensure_logins()
            demo.load_office_work(say=runner.say)
            _subscribe_demo_logins()
            runner.start(mqtt_url=settings.QM_MQTT_URL, broker=opts["broker"], start=start, scenarios=scenarios)
            runner.wait_ready()
            shown = f"[{opts['host']}]" if ":" in opts["host"] else opts["host"]
            since = start.astimezone(CST).strftime("%Y-%m-%d %H:%M")
            lines = [f"Quartermaster demo at http://{shown}:{opts['port']}/  (live map: /map/, API: /api/v1/)",
                     f"simulating from {since} (Asia/Shanghai) at {opts['speed']:g}x; database {demo.database_label()}",
                     "logins (username / password / role / scope):"]
            lines += [f"  {u:<10} {p:<14} {r:<14} {s}" for u, p, r, s in logins]
            lines.append("Press Ctrl-C to stop.")
            self.stdout.write("\n".join(lines))
            self.stdout.flush()
            status = runner.supervise()
        except DomainError as exc:
            if not runner.stopping.is_set():  # a stop asked for while starting is not a failure
                raise CommandError(str(exc)) from None
        finally:
            runner.stop()
        if status:
            raise CommandError(_("演示的某个部分意外停止（见上面的输出）"))


def _subscribe_demo_logins() -> None:
    """The fleet manager and the administrator hear of every alert in-app (the bell), so the demo shows it."""
    from django.contrib.auth import get_user_model

    from quartermaster.notify.models import Subscription
    from quartermaster.notify.services import subscription_save

    for user in get_user_model().objects.filter(username__in=("fleet", "admin")):
        if not Subscription.objects.filter(user=user).exists():
            subscription_save(user=user, name="全部告警（站内消息）", in_app=True)
