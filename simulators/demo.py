"""`qm demo`: the whole product on one machine — the database prepared with the sample bureau, city and demo
logins, an embedded MQTT broker, and `qm ingest`, `qm simulate` and `qm serve` as supervised child processes
that all stop together."""
from __future__ import annotations

import ctypes
import datetime as dt
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection

from quartermaster.dburl import connection_url
from django.utils.translation import gettext_lazy as _

from quartermaster.errors import DomainError

from .plan import CST
from .scenarios import SCENARIO_DIR

# Scenarios the demo plays on its day: each steers its own vehicle, so all run together. Paths under SCENARIO_DIR.
DEMO_SCENARIOS = ("restaurant_lunch", "leave_jurisdiction", "terminal_silence", "ktv_evening", "private_trip",
                  "approved_trip", "recorder_missed_day", "malformed", "demo/late_return")
# (username, role, unit code or None for the whole bureau): one login per role.
DEMO_LOGINS = (("admin", "administrator", None), ("logistics", "logistics", "CZ-TN"), ("fleet", "fleet", "CZ"),
               ("auditor", "auditor", None))
# A squadron keeping the common weekday schedule: its duty days are the days the demo replays.
DUTY_REFERENCE_UNIT = "CZ-ZL-01"
DAY_START = dt.time(8, 5)  # the squadrons (on duty from 08:00) roll out 8-20 minutes into their shift
# The demo gives each unit with a jurisdiction a depot where its simulated vehicles park, this big (not_in_depot).
DEPOT_RADIUS_M = 150.0
# Vehicles whose terminals speak JT/T 808 to the demo's gateway: their sample terminals (T0045..T0047) are swapped
# for JT/T 808 terminals, bound by their phone numbers.
DEMO_JT808_TERMINALS = {"T0045": "013800000045", "T0046": "013800000046", "T0047": "013800000047"}
STOP_TIMEOUT_S = 15.0
READY_TIMEOUT_S = 120.0
PR_SET_PDEATHSIG = 1


try:
    _prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up now: the child between fork and exec only calls it
except (AttributeError, OSError):  # not Linux: the demo's own shutdown still stops its children
    _prctl = None


def _die_with_parent() -> None:
    """In the child before exec: the kernel sends SIGTERM if the demo dies without stopping its children."""
    if _prctl is not None:
        _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


# What a port or a child process is for, as the refusals name it (callers pass the English key).
_PURPOSES = {
    "serve the demo": _("提供演示服务"),
    "listen for JT/T 808 terminals": _("监听 JT/T 808 终端"),
    "subscribed to the broker": _("订阅代理"),
    "listening for JT/T 808 terminals": _("监听 JT/T 808 终端"),
    "prepared the simulation": _("准备模拟"),
    "listening": _("监听"),
}


def check_port_free(
host: str, port: int, flag: str = "--port", what: str = "serve the demo") -> None:
    """Refuses at once, before a minute of preparation, a port the web app (or the gateway) could not listen on."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            raise DomainError(_("无法在 %(host)s:%(port)s 上%(what)s：%(reason)s；请用 %(flag)s 指定其他端口"),
                              field=flag.lstrip("-"), host=host, port=port, what=_PURPOSES.get(what, what),
                              reason=exc.strerror or exc, flag=flag) from None


# --- preparing the database ---------------------------------------------------------------------

def database_label() -> str:
    """Where the demo's data lives, as a person would name it (the file of a SQLite database)."""
    s = connection.settings_dict
    return str(Path(s["NAME"]).resolve()) if connection.vendor == "sqlite" else settings.DATABASE_URL.split("@")[-1]


def prepare_database(*, say) -> None:
    """Migrates, then loads what is missing: the sample bureau (units, people, assets, 50 vehicles with
    terminals T0001..T0050, duty schedules, holidays, trips) and the sample city's layers."""
    from django.core.management import call_command

    from assets.models import OrgUnit
    from gis.selectors import active_version

    say("migrating the database")
    call_command("migrate", verbosity=0, interactive=False, skip_checks=True)  # `qm demo` ran them
    if not OrgUnit.objects.exists():
        from quartermaster.context import change_context, current
        from workbook import WorkbookError
        from workbook.sample_bureau import STAGE_DAYS, load_sample_bureau

        try:
            with change_context(source="import", username=current().username):
                results = load_sample_bureau()
        except WorkbookError as exc:
            raise DomainError(_("示例单位工作簿没有导入：%(errors)s"), field="workbook",
                              errors="; ".join(str(e) for e in exc.errors[:5])) from None
        say(f"loaded the sample bureau with {len(STAGE_DAYS)} stages of history since "
            f"{STAGE_DAYS[0] // 365} years ago: {results[-1].summary()}")
    if active_version(layer="streets") is None:
        from gis.sample import build_city
        from gis.services import sample_city_load

        sample_city_load(city=build_city(seed=1))
        say("loaded the sample city (grid, venues, jurisdictions, streets, places)")
    elif active_version(layer="places") is None and active_version(layer="streets").source_file.startswith("sample city"):
        # A demo database from before the places layer: its sample city gets the named places too.
        from gis.sample import build_city
        from gis.services import layer_load_frame

        layer_load_frame(layer="places", frame=build_city(seed=1).places, source_file="sample city (places)")
        say("loaded the sample city's places")
    bind_jt808_terminals(say=say)
    set_depots(say=say)


def load_office_work(*, say) -> None:
    """The equipment office's recent work (costs, recorder shifts, an inspection, disposals, this year's annual
    inventory), once, so each office page shows something; after the logins (the administrator approved one
    disposal)."""
    from django.contrib.auth import get_user_model

    from quartermaster.context import change_context

    from .office_sample import load_office_sample

    approver = get_user_model().objects.filter(username=DEMO_LOGINS[0][0]).first()
    with change_context(source="system", username="demo"):
        loaded = load_office_sample(approver=approver)
    if loaded:
        say(f"loaded the office's recent work: {loaded['costs']} vehicle costs, {loaded['pool']} pooled recorders "
            f"with their shifts, a footage inspection, {loaded['disposals']} disposal requests (one awaiting "
            f"approval), this year's annual inventory of CZ-TN-01")


def bind_jt808_terminals(*, say) -> None:
    """Swaps the sample terminals of DEMO_JT808_TERMINALS for JT/T 808 ones (once), as a bureau commissions a
    terminal: its phone number bound to the vehicle."""
    from telematics.models import Vehicle
    from telematics.services import vehicle_bind_terminal

    swapped = []
    for vehicle in Vehicle.objects.filter(terminal_id__in=DEMO_JT808_TERMINALS).order_by("terminal_id"):
        vehicle_bind_terminal(vehicle=vehicle, terminal_id=DEMO_JT808_TERMINALS[vehicle.terminal_id])
        swapped.append(vehicle.plate)
    if swapped:
        say(f"bound JT/T 808 terminals (phone numbers) to {', '.join(swapped)}")


def ensure_logins() -> list[tuple[str, str, str, str]]:
    """The demo logins, one per role, each with a fresh password (printed, never stored in clear);
    returns (username, password, role, scope)."""
    from django.contrib.auth import get_user_model

    from assets.models import OrgUnit
    from assets.users import user_create, user_update

    out = []
    for username, role, code in DEMO_LOGINS:
        unit = OrgUnit.objects.get(code=code) if code else None
        password = secrets.token_urlsafe(9)
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            user_create(username=username, password=password, role=role, unit=unit)
        else:
            user_update(user=user, password=password, role=role, unit=unit)
        out.append((username, password, role, code or "CZ (全局)"))
    return out



def replay_start(now: dt.datetime | None = None) -> dt.datetime:
    """08:05 of the newest duty day before today: the day the demo replays at its speed-up. The whole day lies in
    the past, so its scenarios (from 10:00 to the evening) play within minutes whatever the hour the demo is
    started (simulated time never runs ahead of the real present: the replay starts in the past and catches up)."""
    from simulators.duty import DutyBook

    now = (now or dt.datetime.now(CST)).astimezone(CST)
    windows = DutyBook.from_registry().for_unit([DUTY_REFERENCE_UNIT])
    day = now.date() - dt.timedelta(days=1)
    for _attempt in range(30):
        if windows(day):
            break
        day -= dt.timedelta(days=1)
    return dt.datetime.combine(day, DAY_START, CST)


def clear_telemetry() -> dict[str, int]:
    """Removes what an earlier demo's simulation left — fixes, legs, alerts (with their reviews), dead letters, dock
    reports and the rules' checkpoint — so the replayed day (the same day, or one the stored fixes are newer than)
    is stored and judged afresh; the registry, users, layers and approved trips stay. Returns what was removed."""
    from django.db import transaction

    from telematics.tracking.models import Alert, DeadLetter, DockOffload, Leg, Position, RuleCheckpoint

    removed = {}
    with transaction.atomic():
        for model in (Alert, Position, Leg, DeadLetter, DockOffload, RuleCheckpoint):
            removed[model._meta.model_name] = model.objects.count()
            model.objects.all().delete()
    return removed


def set_depots(*, say) -> None:
    """Gives every unit with a jurisdiction on the loaded map, and no depot yet, the depot its simulated vehicles
    park at (the simulator's choice: the sample city's brigade depot when inside the jurisdiction, else a central
    street point), so `not_in_depot` is judged against where the vehicles really spend the night."""
    from assets.models import OrgUnit
    from assets.services import unit_update
    from simulators.city import loaded_city_map

    city = loaded_city_map()
    if city is None:
        return
    named = []
    for unit in OrgUnit.objects.filter(depot_lat__isnull=True, code__in=list(city.jurisdictions)).order_by("code"):
        x, y = city.depot_for(city.area(unit.code), unit.ancestors_codes())
        lon, lat = city.projection.to_lonlat(x, y)
        unit_update(unit=unit, depot_lat=round(lat, 6), depot_lon=round(lon, 6), depot_radius_m=DEPOT_RADIUS_M)
        named.append(unit.code)
    if named:
        say(f"gave {len(named)} units a depot where their vehicles park ({', '.join(named)})")


def beyond_fix_age_limit(start: dt.datetime, now: dt.datetime | None = None) -> bool:
    """Whether a simulation from `start` (a --start, or a demo resumed long after) would publish fixes older than
    QM_MAX_FIX_AGE_DAYS, which the ingest keeps only as stale dead letters (an hour's margin for start-up)."""
    from telematics.tracking import conf

    days = conf.get("QM_MAX_FIX_AGE_DAYS")
    now = now or dt.datetime.now(dt.UTC)
    return days > 0 and now - start > dt.timedelta(days=days) - dt.timedelta(hours=1)


def resume_point() -> dt.datetime | None:
    """Just after the newest stored fix, when an earlier demo already drove on this database."""
    from django.db.models import Max

    from telematics.tracking.models import Position

    newest = Position.objects.aggregate(t=Max("ts"))["t"]
    return newest.replace(microsecond=0) + dt.timedelta(seconds=1) if newest else None


# --- the children ---------------------------------------------------------------------------------

@dataclass
class Child:
    name: str
    proc: subprocess.Popen
    ready: threading.Event
    lines: list[str]


class Demo:
    """Starts and supervises the broker and the child processes; stop() ends them in reverse order."""

    def __init__(self, *, out, host: str, port: int, speed: float, seed: int, workdir: Path, quiet: bool,
                 jt808_port: int = 7808):
        self.out = out
        self.host, self.port, self.speed, self.seed = host, port, speed, seed
        self.jt808_port = jt808_port
        self.workdir = workdir
        self.quiet = quiet
        self.children: list[Child] = []
        self.broker = None
        self.stopping = threading.Event()
        self._print_lock = threading.Lock()

    def say(self, text: str) -> None:
        with self._print_lock:
            self.out.write(f"qm demo: {text}\n")
            self.out.flush()

    def _env(self, mqtt_url: str, extra: dict | None = None) -> dict:
        env = {**os.environ, "QM_DATABASE_URL": connection_url(), "QM_MQTT_URL": mqtt_url,
               "QM_TOPIC_PREFIX": settings.QM_TOPIC_PREFIX, "PYTHONUNBUFFERED": "1", **(extra or {})}
        if self.broker is not None and self.broker.kind == "amqtt":
            env.setdefault("QM_MQTT_PROTOCOL", "3.1.1")  # amqtt speaks no MQTT 5: skip the ingest's probe
        return env

    def spawn(self, name: str, args: list[str], env: dict, ready_text: str | None) -> Child:
        qm = shutil.which("qm") or str(Path(sys.executable).with_name("qm"))
        # A session of its own: Ctrl-C in the terminal reaches only the demo, which stops the children in order.
        # The demo ran the system checks once; each child skipping them starts seconds sooner.
        proc = subprocess.Popen([qm, *args, "--skip-checks"], env=env, cwd=self.workdir, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
                                start_new_session=True, preexec_fn=_die_with_parent)  # noqa: PLW1509 - one C call
        child = Child(name, proc, threading.Event(), [])

        def relay():
            for line in proc.stdout:
                child.lines.append(line)
                if ready_text is None or ready_text in line:
                    child.ready.set()
                if not self.quiet:
                    with self._print_lock:
                        self.out.write(f"[{name}] {line}")
                        self.out.flush()
        threading.Thread(target=relay, name=f"qm-demo-{name}", daemon=True).start()
        self.children.append(child)
        self.say(f"started {name} (pid {proc.pid})")
        return child

    def _wait_ready(self, child: Child, what: str) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not child.ready.wait(0.2):
            if child.proc.poll() is not None or self.stopping.is_set() or time.monotonic() > deadline:
                tail = "".join(child.lines[-20:])
                raise DomainError(_("%(process)s 没有就绪（%(what)s）：\n%(tail)s"), field=child.name,
                                  process=child.name, what=_PURPOSES.get(what, what), tail=tail)

    def start(self, *, mqtt_url: str | None, broker: str, start: dt.datetime, scenarios: list[Path]) -> None:
        from telematics.tracking import conf

        from .broker import EmbeddedBroker

        if mqtt_url is None:
            self.broker = EmbeddedBroker(prefer=broker)
            mqtt_url = self.broker.start(preexec_fn=_die_with_parent if self.broker.kind == "mosquitto" else None)
            pid = f", pid {self.broker.pid}" if self.broker.pid else " (in this process)"
            self.say(f"started the embedded MQTT broker ({self.broker.kind}{pid}) at {mqtt_url}")
        lag = (dt.datetime.now(dt.UTC) - start).total_seconds()
        # The replayed day lies in the past: the map shows its fixes as live rather than offline.
        serve_env = self._env(mqtt_url, {"QM_MAP_OFFLINE_S": str(int(lag + 3600))})
        self.spawn("serve", ["serve", "--host", self.host, "--port", str(self.port)], serve_env, "serving on")
        ingest_env = self._env(mqtt_url)
        if beyond_fix_age_limit(start):
            ingest_env["QM_MAX_FIX_AGE_DAYS"] = "0"
            self.say(f"the simulation starts more than QM_MAX_FIX_AGE_DAYS ({conf.get('QM_MAX_FIX_AGE_DAYS')}) days "
                     f"ago: the demo's ingest accepts fixes of any age")
        self.spawn("ingest", ["ingest"], ingest_env, "qm ingest: subscribed")
        self.spawn("jt808", ["jt808", "--host", "127.0.0.1", "--port", str(self.jt808_port)], ingest_env,
                   "listening")
        self.spawn("notify", ["notify"], self._env(mqtt_url), "notify worker running")
        sim_args = ["simulate", "--speed", str(self.speed), "--seed", str(self.seed), "--start",
                    start.isoformat(), "--city", "layers", "--forever", "--hold", "--protocol", "jt808",
                    "--jt808", f"127.0.0.1:{self.jt808_port}"]
        if scenarios:
            sim_args += ["--register", "--scenario", *map(str, scenarios)]
        self.spawn("simulate", sim_args, self._env(mqtt_url), "holding until SIGUSR1")

    def wait_ready(self) -> None:
        """The three children start side by side; the simulator publishes only once the ingest listens."""
        by_name = {c.name: c for c in self.children}
        self._wait_ready(by_name["ingest"], "subscribed to the broker")
        self._wait_ready(by_name["jt808"], "listening for JT/T 808 terminals")
        self._wait_ready(by_name["simulate"], "prepared the simulation")
        by_name["simulate"].proc.send_signal(signal.SIGUSR1)
        self._wait_ready(by_name["serve"], "listening")

    def supervise(self) -> int:
        """Until a stop is asked for (0) or a child dies on its own (1)."""
        while not self.stopping.wait(0.5):
            for child in self.children:
                code = child.proc.poll()
                if code is not None and not (child.name == "simulate" and code == 0):
                    self.say(f"{child.name} exited with status {code}; stopping the demo")
                    return 1
        return 0

    def stop(self) -> None:
        self.stopping.set()
        # The simulator first (no more input), the gateway (it answers only what the broker has), the ingest next (it
        # commits what it holds), the web app last.
        order = ("simulate", "jt808", "ingest", "notify", "serve")
        for child in sorted(self.children, key=lambda c: order.index(c.name)):
            if child.proc.poll() is None:
                child.proc.send_signal(signal.SIGTERM)
            try:
                child.proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.say(f"{child.name} did not stop within {STOP_TIMEOUT_S:.0f} s; killed")
                child.proc.kill()
                child.proc.wait(5)
            self.say(f"stopped {child.name} (pid {child.proc.pid}, status {child.proc.returncode})")
        if self.broker is not None:
            self.broker.stop()
            self.say("stopped the MQTT broker")
            self.broker = None


def demo_scenarios(workdir: Path) -> list[Path]:
    """Copies of the built-in demo scenarios in the working directory, so their ground truth lands there."""
    target = workdir / "demo-data" / "scenarios"
    target.mkdir(parents=True, exist_ok=True)
    out = []
    for name in DEMO_SCENARIOS:
        path = target / f"{Path(name).name}.yaml"
        shutil.copyfile(SCENARIO_DIR / f"{name}.yaml", path)
        out.append(path)
    return out
