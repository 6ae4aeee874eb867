"""The simulation: every terminal, docking station and scenario injection merged into one message stream in
simulated time, its ground truth, and the two sinks (JSON lines for a dry run, MQTT paced by a clock)."""
from __future__ import annotations

import datetime as dt
import heapq
import json
import math
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from django.utils.translation import gettext_lazy as _

from quartermaster.errors import DomainError
from telematics.tracking.mqttclient import stop_loop

from .city import CityMap
from .docks import DockSpec, dock_messages
from .duty import DutyBook
from .journeys import trips_truth, unused_orders
from .plan import CST, OFF_DUTY_MOVE_M, OUTSIDE_JURISDICTION_M, Drive, Episode, Excursion, VehiclePlanner
from .scenarios import EXCURSIONS, Event, Scenario, _event_where, check_disjoint
from .terminals import Message, Terminal, TerminalSpec, Transport, dumps, ts_iso

# Rules' thresholds (SPEC "Alerts") the ground truth's windows are built from.
VENUE_DWELL = dt.timedelta(minutes=10)
OUT_OF_JURISDICTION_DWELL = dt.timedelta(minutes=5)
SILENCE = dt.timedelta(minutes=30)
OFF_DUTY_STOP = dt.timedelta(minutes=60)  # an off_duty_use journey ends once the vehicle has stood still this long
FUTURE_TS = "2099-01-01T08:00:00+08:00"
TRUTH_MATCH_RULE = ("One alert per episode: each expected alert is matched by exactly one raised alert of the same "
                    "kind and terminal whose started_at lies in its `start` window (and ended_at, once closed, in its "
                    "`end` window), and every raised alert matches an expected one. `part_of` names the kind of the "
                    "alert it belongs to (a venue_parking stop during an off_duty_use journey).")


@dataclass
class SimConfig:
    start: dt.datetime
    end: dt.datetime | None
    seed: int = 1
    interval: float = 30.0
    rest_interval: float = 120.0
    prefix: str = "qm"

    def __post_init__(self):
        if self.interval <= 0 or self.rest_interval <= 0:
            raise DomainError(_("上报间隔须大于 0"), field="interval")
        if self.end is not None and self.end <= self.start:
            raise DomainError(_("模拟的结束须晚于开始"), field="duration")


@dataclass
class Simulation:
    city: CityMap
    fleet: list[TerminalSpec]
    duty_book: DutyBook
    config: SimConfig
    scenarios: list[Scenario] = field(default_factory=list)
    docks: list[DockSpec] = field(default_factory=list)

    def __post_init__(self):
        check_disjoint(self.scenarios)
        if not self.fleet:
            raise DomainError(_("没有可模拟的车辆：请导入本局数据（含终端号）或使用 --vehicles N"), field="vehicles")
        self._by_id = {spec.terminal_id: spec for spec in self.fleet}
        excursions: dict[str, list[Excursion]] = {}
        transports: dict[str, Transport] = {spec.terminal_id: Transport() for spec in self.fleet}
        for sc in self.scenarios:
            for ev in sc.events:
                if ev.vehicle is not None and ev.vehicle not in self._by_id:
                    raise DomainError(_("%(where)s 指定的车辆 %(vehicle)s 不在模拟的终端之中"), field="vehicle",
                                      where=_event_where(sc.name, ev.index), vehicle=ev.vehicle)
                if ev.type in EXCURSIONS:
                    excursions.setdefault(ev.vehicle, []).append(_excursion(sc, ev))
                elif ev.type in ("silence", "dead_zone", "duplicates", "out_of_order"):
                    window = (ev.at, ev.at + ev.params["duration"])
                    getattr(transports[ev.vehicle], {"silence": "silent", "dead_zone": "dead_zones"}.get(
                        ev.type, ev.type)).append(window)
                elif ev.type == "gcj02":
                    transports[ev.vehicle].fmt = "gcj02"
                elif ev.type == "owntracks":
                    transports[ev.vehicle].fmt = "owntracks"
                    transports[ev.vehicle].owntracks = (str(ev.params["user"]), str(ev.params["device"]))
        cfg = self.config
        self.terminals = [
            Terminal(spec=spec, planner=VehiclePlanner(key=spec.terminal_id, unit_path=spec.unit_path, city=self.city,
                                                       seed=cfg.seed, pick=i, parked=spec.parked),
                     duty=self.duty_book.for_unit(spec.unit_path), excursions=excursions.get(spec.terminal_id, []),
                     transport=transports[spec.terminal_id], seed=cfg.seed, interval=cfg.interval,
                     rest_interval=cfg.rest_interval, prefix=cfg.prefix)
            for i, spec in enumerate(self.fleet)]
        self._terminal = {t.spec.terminal_id: t for t in self.terminals}

    # --- the stream -----------------------------------------------------------------------------

    def messages(self) -> Iterator[Message]:
        cfg = self.config
        streams: list[Iterable[Message]] = [t.messages(cfg.start, cfg.end) for t in self.terminals]
        missed = self._missed_offloads()
        streams += [dock_messages(d, duty=self.duty_book.for_unit(d.unit_path), start=cfg.start, end=cfg.end,
                                  seed=cfg.seed, prefix=cfg.prefix, missed={(m[0], m[1]) for m in missed})
                    for d in self.docks]
        streams.append(self._malformed())
        return heapq.merge(*streams, key=lambda m: m.t)

    def _malformed(self) -> list[Message]:
        cfg = self.config
        victim = self.fleet[0].terminal_id
        out = []
        for sc in self.scenarios:
            for ev in sc.events:
                if ev.type != "malformed":
                    continue
                for k in range(ev.params["count"]):
                    t = ev.at + dt.timedelta(seconds=7 * k)
                    if t < cfg.start or (cfg.end is not None and t >= cfg.end):
                        continue
                    out.append(_bad_message(ev.params["reason"], t, k, cfg.prefix, victim, self.city))
        return sorted(out, key=lambda m: m.t)

    def _missed_offloads(self) -> list[tuple[str, dt.date, str]]:
        """(recorder tag, day, dock) for each dock_miss event: `recorder` names a tag, or (default 1) the n-th
        recorder of the unit's dock."""
        out = []
        docks = {d.unit_code: d for d in self.docks}
        for sc in self.scenarios:
            for ev in sc.events:
                if ev.type != "dock_miss":
                    continue
                dock = docks.get(ev.params["unit"])
                if dock is None:
                    raise DomainError(_("%(where)s：单位 %(unit_code)s 没有采集站（没有已发放的执法记录仪）"),
                                      field="unit", where=_event_where(sc.name, ev.index),
                                      unit_code=ev.params["unit"])
                rec = ev.params.get("recorder", 1)
                if isinstance(rec, int):
                    if not 1 <= rec <= len(dock.recorders):
                        raise DomainError(_("%(where)s：%(unit_code)s 有 %(count)s 台执法记录仪，没有第 %(number)s 台"),
                                          field="recorder", where=_event_where(sc.name, ev.index),
                                          unit_code=dock.unit_code, count=len(dock.recorders), number=rec)
                    rec = dock.recorders[rec - 1]
                elif rec not in dock.recorders:
                    raise DomainError(_("%(where)s：执法记录仪 %(recorder)s 不在采集站 %(dock)s"), field="recorder",
                                      where=_event_where(sc.name, ev.index), recorder=rec, dock=dock.dock_id)
                day = sc.start.astimezone(CST).date() + dt.timedelta(days=ev.params["day"])
                out.append((rec, day, sc.name))
        return out

    # --- ground truth ---------------------------------------------------------------------------

    def truth(self, scenario: Scenario) -> dict:
        """What a correct system concludes from this scenario in this run: alerts with time windows, dead letters
        by reason, the trips and terminal bindings to register first, and the offloads that never came."""
        cfg = self.config
        slack = dt.timedelta(seconds=max(cfg.interval, cfg.rest_interval) + 60)
        alerts: list[dict] = []
        dead: Counter = Counter()
        trips, bindings = [], []
        for ev in scenario.events:
            term = self._terminal.get(ev.vehicle) if ev.vehicle else None
            if ev.type in EXCURSIONS:
                ep = self._episode(term, scenario, ev)
                alerts += self._excursion_alerts(term, ev, ep, slack)
                if ev.type == "approved_trip":
                    trips.append(self._trip(term, ev, ep))
            elif ev.type == "silence":
                alerts.append(self._silence_alert(term, ev, slack))
            elif ev.type == "dead_zone" and ev.params["duration"] >= SILENCE:
                raise DomainError(_("%(where)s：%(duration)s 的信号盲区看起来会像终端失联；请保持在 30 分钟以内"),
                                  field="duration", where=_event_where(scenario.name, ev.index),
                                  duration=ev.params["duration"])
            elif ev.type == "duplicates":
                dead["duplicate"] += self._count_delivered(term, ev.at, ev.at + ev.params["duration"])
            elif ev.type == "malformed":
                dead[ev.params["reason"]] += ev.params["count"]
            elif ev.type == "owntracks":
                bindings.append({"terminal": ev.vehicle, "vehicle": term.spec.plate, "terminal_id": term.reported_id})
            elif ev.type == "order":
                trips.append(self._order(term, ev.params, None))
        missed = [{"recorder": tag, "recorded_on": day.isoformat()} for tag, day, name in self._missed_offloads()
                  if name == scenario.name]
        alerts.sort(key=lambda a: (a["start"][0], a["kind"], a["terminal"]))
        journeys = self._trips_truth(scenario, trips)
        return {"scenario": scenario.name, "seed": cfg.seed, "start": ts_iso(cfg.start),
                "end": ts_iso(cfg.end) if cfg.end else None, "interval_s": cfg.interval,
                "rest_interval_s": cfg.rest_interval, "match": TRUTH_MATCH_RULE, "alerts": alerts,
                "dead_letters": dict(sorted(dead.items())), "trips": trips, "terminals": bindings,
                "missed_offloads": missed, "journeys": journeys, "unused_trips": unused_orders(trips, journeys)}

    def _trips_truth(self, scenario: Scenario, orders: list[dict]) -> list[dict]:
        """The trips (SPEC "Trips") of the vehicles the scenario steers, with their classes; none for a terminal
        with silences (what it drove then is not in its track) or for a run without an end."""
        cfg = self.config
        if cfg.end is None:
            return []
        proj = self.city.projection
        fix_gap = dt.timedelta(seconds=max(cfg.interval, cfg.rest_interval))
        out = []
        for vehicle in sorted({ev.vehicle for ev in scenario.events if ev.vehicle}):
            term = self._terminal[vehicle]
            if term.transport.silent:
                continue
            out += trips_truth(term, cfg.start, cfg.end, [o for o in orders if o["terminal"] == term.reported_id],
                               fix_gap=fix_gap, to_xy=lambda lon, lat: tuple(map(float, proj.to_xy(lon, lat))))
        return sorted(out, key=lambda j: (j["terminal"], j["start"]))

    def _episode(self, term: Terminal, scenario: Scenario, ev: Event) -> Episode:
        label = _label(scenario, ev)
        plan = term.plan(ev.at.astimezone(CST).date())
        for ep in plan.episodes:
            if ep.label == label:
                return ep
        raise DomainError(_("%(where)s 没有发生"), field="events", where=_event_where(scenario.name, ev.index))

    def _alert(self, kind: str, term: Terminal, start, end, **extra) -> dict:
        return {"kind": kind, "terminal": term.reported_id, "vehicle": term.spec.plate,
                "start": [ts_iso(start[0]), ts_iso(start[1])], "end": [ts_iso(end[0]), ts_iso(end[1])], **extra}

    def _excursion_alerts(self, term: Terminal, ev: Event, ep: Episode, slack: dt.timedelta) -> list[dict]:
        if ev.type == "approved_trip":
            return []
        out = []
        if ep.venue is not None and ep.leave - ep.arrive >= VENUE_DWELL + slack:
            extra = {"part_of": "off_duty_use"} if ep.off_duty else {}
            out.append(self._alert("venue_parking", term, (ep.arrive - slack, ep.arrive + VENUE_DWELL + slack),
                                   (ep.leave - slack, ep.leave + slack), venue=ep.venue,
                                   venue_category=ep.venue_category, **extra))
        if ep.off_duty:
            out += self._off_duty_journeys(term, ev, ep, slack)
        if ep.destination == "outside":
            area = term.planner.area.polygon
            far = self._outside_far(area)
            t_out = _first_time(ep.outbound, far)
            t_in = _last_time(ep.inbound, far)
            if t_in - t_out < OUT_OF_JURISDICTION_DWELL + slack:
                raise DomainError(_("第 %(index)s 个事件：在辖区外的时间太短，不会产生报警；请延长 dwell"),
                                  field="dwell", index=ev.index)
            out.append(self._alert("out_of_jurisdiction", term, (t_out - slack, t_out + OUT_OF_JURISDICTION_DWELL
                                                                  + slack),
                                   (t_in - slack, t_in + OUT_OF_JURISDICTION_DWELL + slack)))
        return out

    def _off_duty_journeys(self, term: Terminal, ev: Event, ep: Episode, slack: dt.timedelta) -> list[dict]:
        """off_duty_use: one journey there and back, or two when the stay ends the first (≥ OFF_DUTY_STOP)."""
        stay = ep.leave - ep.arrive
        if abs(stay - OFF_DUTY_STOP) < slack:
            raise DomainError(_("第 %(index)s 个事件：停留 %(stay)s 太接近结束一次非工作时间出行的一小时；"
                                "请明显缩短或延长"),
                              field="dwell", index=ev.index, stay=stay)
        t500 = _first_time(ep.outbound, _moved_from(ep.outbound))
        if stay < OFF_DUTY_STOP:
            return [self._alert("off_duty_use", term, (ep.depart - slack, t500 + slack),
                                (ep.back - slack, ep.back + slack))]
        out = [self._alert("off_duty_use", term, (ep.depart - slack, t500 + slack),
                           (ep.arrive - slack, ep.arrive + slack))]
        if ep.inbound.route.length >= OFF_DUTY_MOVE_M:
            back500 = _first_time(ep.inbound, _moved_from(ep.inbound))
            out.append(self._alert("off_duty_use", term, (ep.leave - slack, back500 + slack),
                                   (ep.back - slack, ep.back + slack)))
        return out

    @staticmethod
    def _outside_far(area):
        from shapely.geometry import Point

        return lambda x, y: area.distance(Point(x, y)) >= OUTSIDE_JURISDICTION_M

    def _trip(self, term: Terminal, ev: Event, ep: Episode) -> dict:
        p = ev.params
        # Off duty, driving on past the window would raise off_duty_use; on duty an overrun only makes it overtime.
        if ep.depart < p["trip_start"] or (ep.back > p["trip_end"] and ep.off_duty):
            raise DomainError(_("第 %(index)s 个事件：行程 %(trip)s 超出批准的时段 %(window)s"), field="trip",
                              index=ev.index, trip=f"{ep.depart:%H:%M}-{ep.back:%H:%M}",
                              window=f"{p['trip_start']:%H:%M}-{p['trip_end']:%H:%M}")
        dest = {"stop": ep.stop_xy, "none": None}.get(p["to"]) if p["to"] != "elsewhere" else self._elsewhere(term, ep)
        return self._order(term, p, dest)

    def _order(self, term: Terminal, p: dict, dest_xy: tuple[float, float] | None) -> dict:
        lon, lat = self.city.projection.to_lonlat(*dest_xy) if dest_xy is not None else (None, None)
        return {"terminal": term.reported_id, "vehicle": term.spec.plate, "start": ts_iso(p["trip_start"]),
                "end": ts_iso(p["trip_end"]), "purpose": p["purpose"], "approved_by": p["approved_by"],
                "dest_lat": None if lat is None else round(float(lat), 6),
                "dest_lon": None if lon is None else round(float(lon), 6)}

    def _elsewhere(self, term: Terminal, ep: Episode) -> tuple[float, float]:
        """A stop of the vehicle's own area as far as can be from where the excursion went (off_route)."""
        from shapely.geometry import LineString, Point

        path = LineString([tuple(p) for d in (ep.outbound, ep.inbound) for p in d.route.xy])
        xy = self.city.graph.node_xy
        node = max(sorted(term.planner.area.safe_nodes), key=lambda n: path.distance(Point(xy[n])))
        if path.distance(Point(xy[node])) < 600:
            raise DomainError(_("%(terminal)s：其区域内没有离这次出行 600 米以外的地点，无法生成不按单行驶的派车单"),
                              field="trip", terminal=term.spec.terminal_id)
        return float(xy[node][0]), float(xy[node][1])

    def _silence_alert(self, term: Terminal, ev: Event, slack: dt.timedelta) -> dict:
        until = ev.at + ev.params["duration"]
        last = resume = None
        for fix in term.fixes(self.config.start, until + dt.timedelta(seconds=2 * self.config.rest_interval + 1)):
            if fix.t < ev.at:
                last = fix.t
            elif fix.t >= until:
                resume = fix.t
                break
        if last is None or resume is None:
            raise DomainError(_("第 %(index)s 个事件：失联须在模拟开始之后开始、在结束之前结束"), field="at",
                              index=ev.index)
        if resume - last < SILENCE + slack:
            raise DomainError(_("第 %(index)s 个事件：短于 30 分钟的失联不会产生报警；请延长"), field="duration",
                              index=ev.index)
        return self._alert("terminal_silent", term, (last - slack, last + SILENCE + slack),
                           (resume - slack, resume + slack))

    def _count_delivered(self, term: Terminal, lo: dt.datetime, hi: dt.datetime) -> int:
        tr = term.transport
        return sum(1 for f in term.fixes(self.config.start, hi) if f.t >= lo
                   and not any(a <= f.t < b for a, b in tr.silent + tr.dead_zones + tr.out_of_order))


def _label(scenario: Scenario, ev: Event) -> str:
    return f"{scenario.name}#{ev.index}"


def _excursion(sc: Scenario, ev: Event) -> Excursion:
    p = ev.params
    destination = {"venue_visit": f"venue:{p.get('category')}", "private_trip": "private",
                   "leave_jurisdiction": "outside"}.get(ev.type, p.get("destination"))
    return Excursion(at=ev.at, dwell=p["dwell"], destination=destination, label=_label(sc, ev),
                     min_distance_m=float(p.get("min_distance", 1500)), venue=p.get("venue"))


def _moved_from(drive: Drive):
    """Whether a point is OFF_DUTY_MOVE_M in a straight line from the drive's start (the rules add up the legs
    between fixes, which is never less: a time found this way is an upper bound)."""
    x0 = drive.route.xy[0]
    return lambda x, y: math.dist((x, y), x0) >= OFF_DUTY_MOVE_M


def _first_time(drive: Drive, cond) -> dt.datetime:
    for second in range(0, int((drive.t1 - drive.t0).total_seconds()) + 1, 5):
        t = drive.t0 + dt.timedelta(seconds=second)
        x, y, _ = drive.at(t)
        if cond(x, y):
            return t
    return drive.t1


def _last_time(drive: Drive, cond) -> dt.datetime:
    last = drive.t0
    for second in range(0, int((drive.t1 - drive.t0).total_seconds()) + 1, 5):
        t = drive.t0 + dt.timedelta(seconds=second)
        if cond(*drive.at(t)[:2]):
            last = t
    return last


def _bad_message(reason: str, t: dt.datetime, k: int, prefix: str, victim: str, city: CityMap) -> Message:
    lon, lat = city.projection.lon0, city.projection.lat0
    topic = f"{prefix}/terminals/{victim}/position"
    good = {"ts": ts_iso(t), "lat": lat, "lon": lon, "speed": 0.0, "heading": 0, "acc": False, "crs": "wgs84"}
    if reason == "bad_json":
        payload = dumps(good)[: 20 + k]
    elif reason == "missing_field":
        payload = dumps({key: v for key, v in good.items() if key != ("lat" if k % 2 == 0 else "ts")})
    elif reason == "out_of_range":
        payload = dumps({**good, "lat": 91.5 + k} if k % 2 == 0 else {**good, "lon": 190.25 + k})
    elif reason == "future_timestamp":
        payload = dumps({**good, "ts": FUTURE_TS})
    else:
        topic = f"{prefix}/terminals/X{9000 + k}/position"
        payload = dumps(good)
    return Message(t, topic, payload)


# --- sinks ----------------------------------------------------------------------------------------

def write_jsonl(messages: Iterable[Message], path: Path | str) -> int:
    """The dry run: one JSON object per line, {"t", "topic", "payload", "qos"}; returns the count."""
    n = 0
    with open(path, "w", encoding="utf-8", newline="\n") as fp:
        for m in messages:
            fp.write(dumps({"t": ts_iso(m.t), "topic": m.topic, "payload": m.payload, "qos": m.qos}) + "\n")
            n += 1
    return n


class SimClock:
    """Simulated time running `speed` times the wall clock from `start` (speed 0: as fast as possible), never
    ahead of the real present, so terminals never report the future."""

    def __init__(self, start: dt.datetime, speed: float, stop: threading.Event | None = None):
        if speed < 0:
            raise DomainError(_("速度须为 0（尽快）或正数"), field="speed")
        self.start = start
        self.speed = speed
        self.wall0 = time.time()
        self.stop = stop or threading.Event()

    def due(self, t: dt.datetime) -> float:
        """The wall-clock time (epoch seconds) at which simulated time `t` is reached."""
        paced = self.wall0 + (t - self.start).total_seconds() / self.speed if self.speed else 0.0
        return max(paced, t.timestamp())

    def wait_until(self, t: dt.datetime) -> bool:
        """Sleeps until `t` is due; False when stopped meanwhile."""
        delay = self.due(t) - time.time()
        if delay > 0:
            return not self.stop.wait(delay)
        return not self.stop.is_set()


def parse_mqtt_url(url: str) -> dict:
    parsed = urlparse(url or "")
    if parsed.scheme not in ("mqtt", "tcp") or not parsed.hostname:
        raise DomainError(_("MQTT 地址“%(url)s”不是 mqtt://[user:pass@]host:port 格式"), field="mqtt", url=url)
    return {"host": parsed.hostname, "port": parsed.port or 1883, "username": parsed.username,
            "password": parsed.password}


def mqtt_client(url: str, client_id: str):
    """A connected paho-mqtt 2 client with its network loop running."""
    import paho.mqtt.client as mqtt

    params = parse_mqtt_url(url)
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True)
    if params["username"]:
        client.username_pw_set(params["username"], params["password"])
    client.max_inflight_messages_set(500)
    connected = threading.Event()
    client.on_connect = lambda c, u, flags, rc, props=None: connected.set()
    try:
        client.connect(params["host"], params["port"], keepalive=30)
    except OSError as exc:
        raise DomainError(_("无法连接 %(url)s 的 MQTT 代理：%(reason)s"), field="mqtt", url=url, reason=exc) from None
    client.loop_start()
    if not connected.wait(10):
        stop_loop(client)
        raise DomainError(_("%(url)s 的 MQTT 代理没有接受连接"), field="mqtt", url=url)

    return client


def publish(messages: Iterable[Message], *, url: str, clock: SimClock, client_id: str, progress=None) -> int:
    """Publishes each message when the clock reaches its time; returns how many went out. Waits for the broker
    to acknowledge every QoS 1 message before returning (bounded window, see SPEC's note on message ids), unless
    the clock is stopped meanwhile."""
    client = mqtt_client(url, client_id)
    sent = 0
    pending = []
    try:
        for m in messages:
            if not clock.wait_until(m.t):
                break
            pending.append(client.publish(m.topic, m.payload, qos=m.qos))
            sent += 1
            if len(pending) >= 2000:
                _drain(pending, clock.stop)
                pending.clear()
            if progress is not None:
                progress(m)
        _drain(pending, clock.stop)
    finally:
        stop_loop(client)
        client.disconnect()
    return sent


def _drain(pending: list, stop: threading.Event, timeout: float = 30.0) -> None:
    """Waits (at most `timeout`) for the broker to acknowledge `pending`, in short steps so a stop is obeyed."""
    deadline = time.monotonic() + timeout
    for info in pending:
        while not info.is_published() and not stop.is_set() and time.monotonic() < deadline:
            try:
                info.wait_for_publish(0.2)
            except (ValueError, RuntimeError):  # never queued or failed: nothing to wait for
                break


def write_truth(truth: dict, path: Path | str) -> None:
    Path(path).write_text(json.dumps(truth, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
