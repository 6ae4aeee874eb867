"""Reads the counts compliance needs for one unit's subtree on one date: a few GROUP BY queries, no per-row work.

Counts are kept per unit (the unit's own rows); the evaluator rolls them up the tree. "As of" a past date reads
the ledger: an asset's state is its last custody event before the end of that day (Asia/Shanghai), a person's
the last PersonHistory row effective on or before it. Today or later reads the current tables (the same answer,
without scanning the ledger).
"""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db import connection
from django.utils import timezone

from ..choices import COUNTED_STATUSES, DEPARTED_STATUSES, AssetStatus, CategoryCode, PersonRole, PersonStatus
from ..models import Asset, CustodyEvent, ItemType, OrgUnit, Person, PersonHistory

SHANGHAI = ZoneInfo("Asia/Shanghai")
OFFICER_ONLY = (CategoryCode.UNIFORM, CategoryCode.INSIGNIA, CategoryCode.CERTIFICATE)


@dataclass(frozen=True)
class UnitRow:
    id: int
    code: str
    name: str
    kind: str
    path: str
    parent_id: int | None
    population: int | None


@dataclass
class Facts:
    """Everything the evaluator reads; plain data, so rules are pure functions of it."""

    as_of: dt.date
    root_id: int
    units: list[UnitRow]
    own: dict[int, Counter] = field(default_factory=dict)
    departed: list[tuple[int, int, frozenset]] = field(default_factory=list)  # (person, unit, categories held)
    certificate_losses: list[tuple[int, int]] = field(default_factory=list)  # (unit, days from loss to report)
    history_year_ago: bool = False
    dock_reports: bool = False
    offload_window: int = 7

    def unit(self, unit_id: int) -> UnitRow:
        return self._by_id[unit_id]

    def __post_init__(self):
        self._by_id = {u.id: u for u in self.units}


def end_of_day(day: dt.date) -> dt.datetime:
    """The first instant after `day` in Asia/Shanghai: events strictly before it happened on or before `day`."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=SHANGHAI)


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def is_current(as_of: dt.date) -> bool:
    return as_of >= timezone.localdate()


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _like_prefix(path: str) -> str:
    return path.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _dtparam(moment: dt.datetime):
    return connection.ops.adapt_datetimefield_value(moment)


def asset_states_sql(as_of: dt.date) -> tuple[str, list]:
    """SQL of (asset_id, status, unit_id, holder_person_id, changed_at) as the ledger stood at the end of as_of."""
    if is_current(as_of):
        return (f"SELECT id AS asset_id, status, unit_id, holder_person_id, NULL AS changed_at FROM {_t(Asset)}", [])
    ev = _t(CustodyEvent)
    cutoff = _dtparam(end_of_day(as_of))
    if connection.vendor == "postgresql":
        return (f"SELECT DISTINCT ON (asset_id) asset_id, status_after AS status, unit_after_id AS unit_id, "
                f"holder_person_after_id AS holder_person_id, occurred_at AS changed_at FROM {ev} "
                f"WHERE occurred_at < %s ORDER BY asset_id, occurred_at DESC, id DESC", [cutoff])
    return (f"SELECT e.asset_id, e.status_after AS status, e.unit_after_id AS unit_id, "
            f"e.holder_person_after_id AS holder_person_id, e.occurred_at AS changed_at FROM {ev} e "
            f"WHERE e.id = (SELECT e2.id FROM {ev} e2 WHERE e2.asset_id = e.asset_id AND e2.occurred_at < %s "
            f"ORDER BY e2.occurred_at DESC, e2.id DESC LIMIT 1)", [cutoff])


def person_states_sql(on: dt.date, *, current: bool | None = None) -> tuple[str, list]:
    """SQL of (person_id, unit_id, role, status, frontline) as people stood on `on` (none: not yet there)."""
    if is_current(on) if current is None else current:
        return f"SELECT id AS person_id, unit_id, role, status, frontline FROM {_t(Person)}", []
    ph = _t(PersonHistory)
    if connection.vendor == "postgresql":
        return (f"SELECT DISTINCT ON (person_id) person_id, unit_id, role, status, frontline FROM {ph} "
                f"WHERE effective <= %s ORDER BY person_id, effective DESC, id DESC", [on])
    return (f"SELECT h.person_id, h.unit_id, h.role, h.status, h.frontline FROM {ph} h "
            f"WHERE h.id = (SELECT h2.id FROM {ph} h2 WHERE h2.person_id = h.person_id AND h2.effective <= %s "
            f"ORDER BY h2.effective DESC, h2.id DESC LIMIT 1)", [on])


def _rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _placeholders(values) -> str:
    return ", ".join(["%s"] * len(values))


def collect(root: OrgUnit, as_of: dt.date, *, offload_window: int = 7) -> Facts:
    """The counts of `root`'s subtree on `as_of` (see the module docstring)."""
    units = [UnitRow(*r) for r in OrgUnit.objects.filter(path__startswith=root.path).order_by("path").values_list(
        "id", "code", "name", "kind", "path", "parent_id", "population")]
    facts = Facts(as_of=as_of, root_id=root.pk, units=units, offload_window=offload_window)
    own: dict[int, Counter] = defaultdict(Counter)
    prefix = _like_prefix(root.path)
    ou = _t(OrgUnit)
    states, sparams = asset_states_sql(as_of)
    people, pparams = person_states_sql(as_of)
    counted = [str(s) for s in COUNTED_STATUSES]
    departed_statuses = [str(s) for s in DEPARTED_STATUSES]

    # People: active officers, frontline, auxiliaries, valid certificates, per unit.
    rows = _rows(
        f"SELECT p.unit_id, p.role, p.status, p.frontline, COUNT(*), "
        f"SUM(CASE WHEN pp.cert_no <> '' AND pp.cert_expires >= %s THEN 1 ELSE 0 END) "
        f"FROM ({people}) p JOIN {_t(Person)} pp ON pp.id = p.person_id JOIN {ou} u ON u.id = p.unit_id "
        f"WHERE u.path LIKE %s ESCAPE '\\' GROUP BY p.unit_id, p.role, p.status, p.frontline",
        [as_of, *pparams, prefix])
    for unit_id, role, status, frontline, n, valid in rows:
        c = own[unit_id]
        if status == PersonStatus.ACTIVE and role == PersonRole.OFFICER:
            c["officers"] += n
            c["officers_valid_certificate"] += int(valid or 0)
            if frontline:
                c["frontline"] += n
        elif status == PersonStatus.ACTIVE and role == PersonRole.AUXILIARY:
            c["auxiliaries"] += n
        elif status in DEPARTED_STATUSES:
            c["departed"] += n

    # Auxiliaries one year earlier, always from the dated history.
    year_ago = years_before(as_of, 1)
    facts.history_year_ago = PersonHistory.objects.filter(effective__lte=year_ago).exists()
    if facts.history_year_ago:
        old, oparams = person_states_sql(year_ago, current=False)
        for unit_id, n in _rows(
                f"SELECT p.unit_id, COUNT(*) FROM ({old}) p JOIN {ou} u ON u.id = p.unit_id "
                f"WHERE u.path LIKE %s ESCAPE '\\' AND p.role = %s AND p.status = %s GROUP BY p.unit_id",
                [*oparams, prefix, PersonRole.AUXILIARY, PersonStatus.ACTIVE]):
            own[unit_id]["auxiliaries_year_ago"] += n

    # Owned equipment (in stock, issued, in repair) by unit, category and item.
    for unit_id, category, item, n in _rows(
            f"SELECT s.unit_id, a.category_id, a.item, COUNT(*) FROM ({states}) s "
            f"JOIN {_t(Asset)} a ON a.id = s.asset_id JOIN {ou} u ON u.id = s.unit_id "
            f"WHERE u.path LIKE %s ESCAPE '\\' AND s.status IN ({_placeholders(counted)}) "
            f"GROUP BY s.unit_id, a.category_id, a.item", [*sparams, prefix, *counted]):
        own[unit_id][f"asset:{category}"] += n
        if item:
            own[unit_id][f"item:{category}:{item}"] += n

    # Seals: counted, and with an active person as custodian.
    for unit_id, n, kept in _rows(
            f"SELECT s.unit_id, COUNT(*), SUM(CASE WHEN s.status = %s AND p.status = %s THEN 1 ELSE 0 END) "
            f"FROM ({states}) s JOIN {_t(Asset)} a ON a.id = s.asset_id JOIN {ou} u ON u.id = s.unit_id "
            f"LEFT JOIN ({people}) p ON p.person_id = s.holder_person_id "
            f"WHERE u.path LIKE %s ESCAPE '\\' AND a.category_id = %s AND s.status IN ({_placeholders(counted)}) "
            f"GROUP BY s.unit_id",
            [AssetStatus.ISSUED, PersonStatus.ACTIVE, *sparams, *pparams, prefix, CategoryCode.SEAL, *counted]):
        own[unit_id]["seals"] += n
        own[unit_id]["seals_with_custodian"] += int(kept or 0)

    # Departed people (by their unit) and the officer-only items they still hold.
    held: dict[int, set] = defaultdict(set)
    for person_id, category in _rows(
            f"SELECT DISTINCT s.holder_person_id, a.category_id FROM ({states}) s "
            f"JOIN {_t(Asset)} a ON a.id = s.asset_id JOIN ({people}) p ON p.person_id = s.holder_person_id "
            f"JOIN {ou} u ON u.id = p.unit_id WHERE u.path LIKE %s ESCAPE '\\' AND s.status = %s "
            f"AND p.status IN ({_placeholders(departed_statuses)})",
            [*sparams, *pparams, prefix, AssetStatus.ISSUED, *departed_statuses]):
        held[person_id].add(category)
    for person_id, unit_id in _rows(
            f"SELECT p.person_id, p.unit_id FROM ({people}) p JOIN {ou} u ON u.id = p.unit_id "
            f"WHERE u.path LIKE %s ESCAPE '\\' AND p.status IN ({_placeholders(departed_statuses)})",
            [*pparams, prefix, *departed_statuses]):
        facts.departed.append((person_id, unit_id, frozenset(held.get(person_id, ()))))

    # Lost certificates: how many days passed between the loss and its report.
    for unit_id, lost, reported in CustodyEvent.objects.filter(
            action="report_lost", asset__category_id=CategoryCode.CERTIFICATE, occurred_at__lt=end_of_day(as_of),
            unit_after__path__startswith=root.path).values_list("unit_after_id", "date_lost", "date_reported"):
        facts.certificate_losses.append((unit_id, (reported - lost).days if lost and reported else 10 ** 6))

    _uniforms(own, states, sparams, prefix, as_of)
    _vehicles(own, {u.id for u in units}, as_of)
    _recorders(facts, own, root, as_of, offload_window)
    facts.own = dict(own)
    return facts


def _uniforms(own, states: str, sparams: list, prefix: str, as_of: dt.date) -> None:
    """Issued uniform items and those past their replacement date: (acquired, else the date it was issued) +
    service years, the asset's own, else its item type's."""
    years_by_item: dict[str, int] = {}
    for code, name, years in ItemType.objects.filter(category_id=CategoryCode.UNIFORM).values_list(
            "code", "name", "service_years"):
        if years:
            years_by_item.setdefault(name, years)
            years_by_item.setdefault(code, years)
    whens = " ".join("WHEN a.item = %s THEN %s" for _ in years_by_item)
    years_expr = f"COALESCE(a.service_years, CASE {whens} ELSE NULL END)" if years_by_item else "a.service_years"
    years_params: list = [v for pair in years_by_item.items() for v in pair]
    distinct_years = set(years_by_item.values()) | set(
        Asset.objects.filter(category_id=CategoryCode.UNIFORM, service_years__isnull=False)
        .values_list("service_years", flat=True).distinct())
    issued_at = f"(SELECT MAX(e.occurred_at) FROM {_t(CustodyEvent)} e WHERE e.asset_id = a.id AND e.action = 'issue')"
    if not is_current(as_of):
        issued_at = "s.changed_at"  # the last event of an issued item is its issue
    cases, case_params = [], []
    for y in sorted(distinct_years):
        # Past its replacement date: base + y years < as_of, i.e. base before as_of - y years.
        limit = years_before(as_of, y)
        cases.append(f"WHEN ({years_expr}) = %s AND ((a.acquired IS NOT NULL AND a.acquired < %s) OR "
                     f"(a.acquired IS NULL AND {issued_at} < %s)) THEN 1")
        case_params += [*years_params, y, limit,
                        _dtparam(dt.datetime.combine(limit, dt.time(0), tzinfo=SHANGHAI))]
    overdue = f"CASE {' '.join(cases)} ELSE 0 END" if cases else "0"
    for unit_id, n, unknown, late in _rows(
            f"SELECT s.unit_id, COUNT(*), SUM(CASE WHEN ({years_expr}) IS NULL THEN 1 ELSE 0 END), SUM({overdue}) "
            f"FROM ({states}) s JOIN {_t(Asset)} a ON a.id = s.asset_id JOIN {_t(OrgUnit)} u ON u.id = s.unit_id "
            f"WHERE u.path LIKE %s ESCAPE '\\' AND a.category_id = %s AND s.status = %s GROUP BY s.unit_id",
            [*years_params, *case_params, *sparams, prefix, CategoryCode.UNIFORM, AssetStatus.ISSUED]):
        own[unit_id]["uniforms_issued"] += n
        own[unit_id]["uniforms_unknown_life"] += int(unknown or 0)
        own[unit_id]["uniforms_overdue"] += int(late or 0)


def vehicle_dossier_complete(vehicle, on: dt.date) -> bool:
    """SPEC: VIN, acquired date, and insurance and annual inspection not expired on `on`."""
    from telematics import selectors as vehicle_selectors

    gaps = getattr(vehicle_selectors, "vehicle_dossier_gaps", None)
    if gaps is not None:
        return not gaps(vehicle, on)
    return bool(vehicle.vin and vehicle.acquired and vehicle.insurance_expires and vehicle.insurance_expires >= on
                and vehicle.inspection_expires and vehicle.inspection_expires >= on)


def counted_vehicles(unit_ids: set[int], as_of: dt.date) -> list:
    from telematics.choices import COUNTED_VEHICLE_STATUSES
    from telematics.selectors import vehicles_as_of

    return [v for v in vehicles_as_of(as_of) if v.unit_id in unit_ids and v.status in COUNTED_VEHICLE_STATUSES]


def _vehicles(own, unit_ids: set[int], as_of: dt.date) -> None:
    for v in counted_vehicles(unit_ids, as_of):
        c = own[v.unit_id]
        c["vehicles"] += 1
        c["seats"] += v.seats
        c["vehicles_livery_compliant"] += int(bool(v.livery_compliant))
        c["vehicles_dossier_complete"] += int(vehicle_dossier_complete(v, as_of))


def offload_days(as_of: dt.date, window: int) -> list[dt.date]:
    return [as_of - dt.timedelta(days=i) for i in range(window - 1, -1, -1)]


def recorder_days(root: OrgUnit, as_of: dt.date, window: int) -> dict[int, list[tuple[int, str, dt.date]]]:
    """Per unit, the (asset, tag, day) recorder-days owed in the window: every day a recorder stood issued at
    the end of it while belonging to a unit of the subtree."""
    days = offload_days(as_of, window)
    cutoffs = [end_of_day(d) for d in days]
    touched = CustodyEvent.objects.filter(unit_after__path__startswith=root.path,
                                          asset__category_id=CategoryCode.RECORDER).values("asset_id")
    events = (CustodyEvent.objects.filter(asset_id__in=touched, occurred_at__lt=cutoffs[-1])
              .order_by("asset_id", "occurred_at", "id")
              .values_list("asset_id", "asset__tag", "occurred_at", "status_after", "unit_after__path",
                           "unit_after_id"))
    owed: dict[int, list] = defaultdict(list)

    def settle(asset, state, upto: dt.datetime | None, index: int) -> int:
        # Days whose end comes before `upto` (None: all remaining) close with `state`.
        while index < len(days) and (upto is None or upto >= cutoffs[index]):
            if state and state[0] == AssetStatus.ISSUED and state[1].startswith(root.path):
                owed[state[2]].append((asset[0], asset[1], days[index]))
            index += 1
        return index

    asset, state, index = None, None, 0
    for asset_id, tag, at, status, path, unit_id in events.iterator(chunk_size=5000):
        if asset is None or asset[0] != asset_id:
            if asset is not None:
                settle(asset, state, None, index)
            asset, state, index = (asset_id, tag), None, 0
        index = settle(asset, state, at, index)
        state = (status, path, unit_id)
    if asset is not None:
        settle(asset, state, None, index)
    return owed


def _recorders(facts: Facts, own, root: OrgUnit, as_of: dt.date, window: int) -> None:
    from telematics.tracking.models import DockOffload

    days = offload_days(as_of, window)
    reports = DockOffload.objects.filter(recorded_on__gte=days[0], recorded_on__lte=as_of,
                                         ts__lt=end_of_day(as_of))
    facts.dock_reports = reports.exists()
    if not facts.dock_reports:
        return
    offloaded = set(reports.values_list("recorder_tag", "recorded_on"))
    for unit_id, owed in recorder_days(root, as_of, window).items():
        own[unit_id]["recorder_days"] += len(owed)
        own[unit_id]["recorder_days_offloaded"] += sum(1 for _, tag, day in owed if (tag, day) in offloaded)
