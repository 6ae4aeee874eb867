"""Recorder-days: which recorders were in use on which days, and whether their footage was offloaded in time.

SPEC recorder-daily-offload (jiangsu) and recorder-timely-offload (model): a recorder is in use on day D when the
ledger shows it held by an officer at any moment of D's duty hours (the duty calendar of the officer's unit), or a
dock report says it recorded on D. It is offloaded for D when a dock report of D arrived by the deadline: the end
of D plus the deadline hours (24: the end of the next day). The days judged are the `window` days before the date
whose deadline has passed by the end of the date; days before the bureau's first dock report cannot be judged.

Two ways to the same answer: `collect` (the report: recorders that kept one state through the window are counted
in SQL, by their dock reports and their holder's duty days; the few that moved are walked through the ledger) and
`recorder_days` (every recorder walked through the ledger: the drill-down, and the tests' reference).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection

from assets.choices import COUNTED_STATUSES, AssetStatus, CategoryCode, PersonRole
from assets.models import CustodyEvent, OrgUnit, Person

from . import keys
from .facts import Facts, Needs, _dtparam, _placeholders, _rows, _t, end_of_day


@dataclass(frozen=True)
class RecorderDay:
    asset_id: int
    tag: str
    unit_id: int
    day: dt.date
    held: bool  # held by an officer during the day's duty hours
    recorded: bool  # a dock report says it recorded that day
    offloaded: bool  # … and one arrived by the deadline


def deadline(day: dt.date, hours: float) -> dt.datetime:
    return end_of_day(day) + dt.timedelta(hours=hours)


def window_days(as_of: dt.date, window: int, hours: float) -> list[dt.date]:
    """The `window` days before `as_of` whose deadline has passed by the end of `as_of`, oldest first."""
    last = as_of - dt.timedelta(days=1)
    while deadline(last, hours) > end_of_day(as_of):
        last -= dt.timedelta(days=1)
    return [last - dt.timedelta(days=i) for i in range(window - 1, -1, -1)]


def first_dock_day(as_of: dt.date, *, until: dt.date | None = None) -> dt.date | None:
    """The day the bureau's first dock report (known by the end of `as_of`) recorded; with `until`, None when that
    day comes after `until` (the dock's day index then stops at `until` instead of walking every later report of
    the ones not yet known on `as_of`)."""
    from telematics.tracking.models import DockOffload

    reports = DockOffload.objects.filter(ts__lt=end_of_day(as_of))
    if until is not None:
        reports = reports.filter(recorded_on__lte=until)
    return reports.order_by("recorded_on").values_list("recorded_on", flat=True).first()


def judged_days(as_of: dt.date, window: int, hours: float) -> list[dt.date]:
    days = window_days(as_of, window, hours)
    first = first_dock_day(as_of, until=days[-1]) if days else None
    if first is None:
        return []
    return [d for d in days if d >= first]


def _duty_days(days: list[dt.date]):
    """unit id -> bit mask of the days (bit i: days[i]) on which the unit has duty hours (a shift starting)."""
    from telematics.calendar import duty_calendar

    calendar, cache = duty_calendar(), {}
    kinds = [calendar.day_kind(day) for day in days]  # once per day: chinese-calendar is slow to ask

    def mask(unit_id: int | None) -> int:
        if unit_id is None:
            return 0
        if unit_id not in cache:
            on = calendar.kinds_with_duty(unit_id)
            cache[unit_id] = sum(1 << i for i, kind in enumerate(kinds) if kind in on)
        return cache[unit_id]
    return mask


def _duty_windows(calendar, unit_id: int, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    """The duty hours of `day`: its shifts (an overnight shift begun the evening before belongs to that day)."""
    midnight = end_of_day(day - dt.timedelta(days=1))
    return [(s, e) for s, e in calendar.duty_windows(unit_id, day) if s >= midnight]


def _reports(tags, days: list[dt.date], hours: float, as_of: dt.date) -> dict[tuple[str, dt.date], bool]:
    """(tag, day) -> offloaded by the deadline, for every dock report of those days known by the end of as_of."""
    from telematics.tracking.models import DockOffload

    found: dict[tuple[str, dt.date], bool] = {}
    tags = sorted(set(tags))
    for start in range(0, len(tags), 5000):
        for tag, day, ts in (DockOffload.objects.filter(
                recorder_tag__in=tags[start:start + 5000], recorded_on__gte=days[0], recorded_on__lte=days[-1],
                ts__lt=end_of_day(as_of)).values_list("recorder_tag", "recorded_on", "ts")):
            found[(tag, day)] = found.get((tag, day), False) or ts < deadline(day, hours)
    return found


def _timelines(asset_ids, until: dt.datetime) -> dict[int, list[tuple]]:
    """asset -> its ledger events before `until`: (occurred_at, status, unit, holder person), in order."""
    lines: dict[int, list[tuple]] = defaultdict(list)
    ids = sorted(asset_ids)
    for start in range(0, len(ids), 5000):
        for row in (CustodyEvent.objects.filter(asset_id__in=ids[start:start + 5000], occurred_at__lt=until)
                    .order_by("asset_id", "occurred_at", "id")
                    .values_list("asset_id", "occurred_at", "status_after", "unit_after_id",
                                 "holder_person_after_id")):
            lines[row[0]].append(row[1:])
    return lines


def _walk(asset_id: int, tag: str, timeline: list[tuple], days: list[dt.date], within: set[int],
          officers: dict[int, int], reports: dict, windows) -> list[RecorderDay]:
    """The recorder-days of one recorder from its ledger timeline (see the module docstring)."""
    out = []
    for day in days:
        start, end = end_of_day(day - dt.timedelta(days=1)), end_of_day(day)
        spans, unit_at_end = [], None
        for i, (at, status, unit_id, holder) in enumerate(timeline):
            if at >= end:
                break
            until = timeline[i + 1][0] if i + 1 < len(timeline) else None
            unit_at_end = unit_id if status in COUNTED_STATUSES else None
            if until is not None and until <= start:
                continue
            if status == AssetStatus.ISSUED and holder in officers:
                spans.append((max(at, start), min(until, end) if until else end, officers[holder]))
        if unit_at_end is None or unit_at_end not in within:
            continue
        held = any(s < we and ws < e for s, e, unit_id in spans for ws, we in windows(unit_id, day))
        recorded = (tag, day) in reports
        if held or recorded:
            out.append(RecorderDay(asset_id, tag, unit_at_end, day, held, recorded, reports.get((tag, day), False)))
    return out


def recorder_days(root: OrgUnit, as_of: dt.date, days: list[dt.date], hours: float,
                  asset_ids: set[int] | None = None) -> list[RecorderDay]:
    """Every recorder-day of `root`'s subtree in `days` (`asset_ids`: only those recorders), each recorder walked
    through the ledger. Slow but plain: the drill-down's rows, and the reference the fast counts are tested
    against."""
    from telematics.calendar import duty_calendar

    if not days:
        return []
    within = set(OrgUnit.objects.filter(path__startswith=root.path).values_list("pk", flat=True))
    until = end_of_day(days[-1])
    candidates = CustodyEvent.objects.filter(asset__category_id=CategoryCode.RECORDER, occurred_at__lt=until,
                                             unit_after_id__in=within)
    if asset_ids is not None:
        candidates = candidates.filter(asset_id__in=asset_ids)
    ids = set(candidates.values_list("asset_id", flat=True))
    if not ids:
        return []
    from assets.models import Asset

    tags = dict(Asset.objects.filter(pk__in=ids).values_list("pk", "tag"))
    timelines = _timelines(ids, until)
    holders = {h for line in timelines.values() for *_, h in line if h}
    officers = dict(Person.objects.filter(pk__in=holders, role=PersonRole.OFFICER).values_list("pk", "unit_id"))
    reports = _reports(tags.values(), days, hours, as_of)
    calendar, cache = duty_calendar(), {}

    def windows(unit_id: int, day: dt.date):
        if (unit_id, day) not in cache:
            cache[(unit_id, day)] = _duty_windows(calendar, unit_id, day)
        return cache[(unit_id, day)]
    out = []
    for asset_id in sorted(ids):
        out.extend(_walk(asset_id, tags[asset_id], timelines[asset_id], days, within, officers, reports, windows))
    return out


def collect(facts: Facts, own, root: OrgUnit, needs: Needs, states: str, sparams: list, within: tuple[str, list],
            small: bool) -> None:
    """The recorder-days of the report (see the module docstring) into the units' counters."""
    from telematics.tracking.models import DockOffload

    days = judged_days(facts.as_of, needs.offload_window, needs.offload_deadline_hours)
    facts.offload_days = days
    facts.dock_reports = bool(days)
    if not days:
        return
    hours = needs.offload_deadline_hours
    start, until = end_of_day(days[0] - dt.timedelta(days=1)), end_of_day(days[-1])
    # Recorders with a ledger event from the first day judged to the end of the date: walked one by one.
    moved = set(CustodyEvent.objects.filter(asset__category_id=CategoryCode.RECORDER, occurred_at__gte=start,
                                            occurred_at__lt=end_of_day(facts.as_of))
                .values_list("asset_id", flat=True))
    exclude = f"AND a.id NOT IN ({_placeholders(moved)})" if moved else ""
    bits = " ".join("WHEN %s THEN %s" for _ in days)
    bit_params = [v for i, day in enumerate(days) for v in (day, 1 << i)]
    deadline_params = [v for day in days for v in (day, _dtparam(deadline(day, hours)))]
    dock = _t(DockOffload)
    in_a, a_ids = within
    counted = [str(s) for s in COUNTED_STATUSES]
    tags, tag_params = "", []
    if small:  # a brigade: the dock reports of its own recorders, through the tag index
        mine = [tag for (tag,) in _rows(
            f"SELECT a.tag FROM ({states}) a WHERE {in_a} AND a.category_id = %s AND a.status IN "
            f"({_placeholders(counted)})", [*sparams, *a_ids, CategoryCode.RECORDER, *counted])]
        if not mine and not moved:
            return
        tags, tag_params = f"AND d.recorder_tag IN ({_placeholders(mine or [''])})", mine or [""]
    window = f"d.recorded_on >= %s AND d.recorded_on <= %s AND d.ts < %s {tags}"
    window_params = [days[0], days[-1], _dtparam(end_of_day(facts.as_of)), *tag_params]
    if connection.vendor == "postgresql":
        # One pass in the order of the dock's (tag, day, …) index: the days' bits OR-ed per recorder.
        offloads = (f"SELECT d.recorder_tag AS tag, bit_or(CASE d.recorded_on {bits} END) AS reported, "
                    f"bit_or(CASE WHEN d.ts < CASE d.recorded_on {bits} END THEN CASE d.recorded_on {bits} END "
                    f"ELSE 0 END) AS offloaded FROM {dock} d WHERE {window} GROUP BY d.recorder_tag")
        offload_params = [*bit_params, *deadline_params, *bit_params, *window_params]
    else:  # each day's bit once per recorder, summed
        offloads = (f"SELECT r.tag, SUM(r.bit) AS reported, SUM(CASE WHEN r.first < r.deadline THEN r.bit ELSE 0 END) "
                    f"AS offloaded FROM (SELECT d.recorder_tag AS tag, CASE d.recorded_on {bits} END AS bit, "
                    f"CASE d.recorded_on {bits} END AS deadline, MIN(d.ts) AS first FROM {dock} d "
                    f"WHERE {window} GROUP BY d.recorder_tag, d.recorded_on) r GROUP BY r.tag")
        offload_params = [*bit_params, *deadline_params, *window_params]
    duty = _duty_days(days)
    for unit_id, holder_unit, role, reported, offloaded, n in _rows(
            f"SELECT a.unit_id, hp.unit_id, hp.role, o.reported, o.offloaded, COUNT(*) FROM ({states}) a "
            f"LEFT JOIN {_t(Person)} hp ON hp.id = a.holder_person_id AND a.status = %s "
            f"LEFT JOIN ({offloads}) o ON o.tag = a.tag "
            f"WHERE {in_a} AND a.category_id = %s AND a.status IN ({_placeholders(counted)}) {exclude} "
            f"GROUP BY a.unit_id, hp.unit_id, hp.role, o.reported, o.offloaded",
            [*sparams, AssetStatus.ISSUED, *offload_params, *a_ids, CategoryCode.RECORDER, *counted, *moved]):
        in_use = int(reported or 0) | (duty(holder_unit) if role == PersonRole.OFFICER else 0)
        own[unit_id][keys.RECORDER_DAYS] += n * bin(in_use).count("1")
        own[unit_id][keys.RECORDER_DAYS_OFFLOADED] += n * bin(int(offloaded or 0)).count("1")
    if moved:
        for rd in recorder_days(root, facts.as_of, days, hours, asset_ids=moved):
            own[rd.unit_id][keys.RECORDER_DAYS] += 1
            own[rd.unit_id][keys.RECORDER_DAYS_OFFLOADED] += int(rd.offloaded)
