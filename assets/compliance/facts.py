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


def is_small(units: list[UnitRow]) -> bool:
    """A subtree small enough (a quarter of the units or less) to be read through the unit index."""
    return len(units) * 4 <= OrgUnit.objects.count()


def _within(column: str, units: list[UnitRow], small: bool) -> tuple[str, list]:
    """SQL saying `column` is one of the subtree's units, with its parameters. A small subtree (a brigade) goes as a
    list of ids, so PostgreSQL looks its rows up in the (unit, category, status) index instead of scanning the
    province's; a large one (the province) as a semi-join on the path, which PostgreSQL answers with one scan."""
    if not small:
        return (f"{column} IN (SELECT u.id FROM {_t(OrgUnit)} u WHERE u.path LIKE %s ESCAPE '\\')",
                [_like_prefix(units[0].path)])
    unit_ids = [u.id for u in units]
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [unit_ids]
    return f"{column} IN ({_placeholders(unit_ids)})", unit_ids


def _dtparam(moment: dt.datetime):
    return connection.ops.adapt_datetimefield_value(moment)


STATE_COLUMNS = "a.id, a.tag, a.category_id, a.item, a.acquired, a.service_years"


def asset_states_sql(as_of: dt.date) -> tuple[str, list]:
    """SQL of every asset as the ledger stood at the end of as_of: (id, tag, category_id, item, acquired,
    service_years, status, unit_id, holder_person_id, changed_at). Queries use it as `(...) a`."""
    asset = _t(Asset)
    if is_current(as_of):
        return (f"SELECT {STATE_COLUMNS}, a.status, a.unit_id, a.holder_person_id, "
                f"CAST(NULL AS TIMESTAMP WITH TIME ZONE) AS changed_at FROM {asset} a", [])
    ev = _t(CustodyEvent)
    cutoff = _dtparam(end_of_day(as_of))
    if connection.vendor == "postgresql":
        last = (f"SELECT DISTINCT ON (asset_id) asset_id, status_after, unit_after_id, holder_person_after_id, "
                f"occurred_at FROM {ev} WHERE occurred_at < %s ORDER BY asset_id, occurred_at DESC, id DESC")
    else:
        last = (f"SELECT e.asset_id, e.status_after, e.unit_after_id, e.holder_person_after_id, e.occurred_at "
                f"FROM {ev} e WHERE e.id = (SELECT e2.id FROM {ev} e2 WHERE e2.asset_id = e.asset_id "
                f"AND e2.occurred_at < %s ORDER BY e2.occurred_at DESC, e2.id DESC LIMIT 1)")
    return (f"SELECT {STATE_COLUMNS}, l.status_after AS status, l.unit_after_id AS unit_id, "
            f"l.holder_person_after_id AS holder_person_id, l.occurred_at AS changed_at "
            f"FROM ({last}) l JOIN {asset} a ON a.id = l.asset_id", [cutoff])


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


def collect(root: OrgUnit, as_of: dt.date, *, offload_window: int = 7,
            item_categories: tuple[str, ...] = ("protective", "office")) -> Facts:
    """The counts of `root`'s subtree on `as_of` (see the module docstring)."""
    if connection.vendor != "postgresql":
        return _collect(root, as_of, offload_window, tuple(item_categories))
    # PostgreSQL's JIT spends most of a second compiling these short aggregates; they run faster without it.
    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")
    try:
        return _collect(root, as_of, offload_window, tuple(item_categories))
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET jit")
            cursor.execute(f"DROP TABLE IF EXISTS {_PAST_STATES}")


_PAST_STATES = "qm_compliance_asset_states"


def _asset_states_once(as_of: dt.date) -> tuple[str, list]:
    """asset_states_sql, but a past date's ledger scan is done once per report into a temporary table: the
    report reads the states half a dozen times, and each read would sort the whole ledger again."""
    states, params = asset_states_sql(as_of)
    if is_current(as_of) or connection.vendor != "postgresql":
        return states, params
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_PAST_STATES}")
        cursor.execute(f"CREATE TEMPORARY TABLE {_PAST_STATES} AS {states}", params)
    return f"SELECT * FROM {_PAST_STATES}", []


def _collect(root: OrgUnit, as_of: dt.date, offload_window: int, item_categories: tuple[str, ...]) -> Facts:
    units = [UnitRow(*r) for r in OrgUnit.objects.filter(path__startswith=root.path).order_by("path").values_list(
        "id", "code", "name", "kind", "path", "parent_id", "population")]
    facts = Facts(as_of=as_of, root_id=root.pk, units=units, offload_window=offload_window)
    own: dict[int, Counter] = defaultdict(Counter)
    unit_ids = [u.id for u in units]
    small = is_small(units)
    in_p, p_ids = _within("p.unit_id", units, small)
    in_a, a_ids = _within("a.unit_id", units, small)
    states, sparams = _asset_states_once(as_of)
    people, pparams = person_states_sql(as_of)
    counted = [str(s) for s in COUNTED_STATUSES]
    departed_statuses = [str(s) for s in DEPARTED_STATUSES]

    # People: active officers, frontline, auxiliaries, valid certificates, per unit.
    rows = _rows(
        f"SELECT p.unit_id, p.role, p.status, p.frontline, COUNT(*), "
        f"SUM(CASE WHEN pp.cert_no <> '' AND pp.cert_expires >= %s THEN 1 ELSE 0 END) "
        f"FROM ({people}) p JOIN {_t(Person)} pp ON pp.id = p.person_id "
        f"WHERE {in_p} GROUP BY p.unit_id, p.role, p.status, p.frontline",
        [as_of, *pparams, *p_ids])
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
                f"SELECT p.unit_id, COUNT(*) FROM ({old}) p "
                f"WHERE {in_p} AND p.role = %s AND p.status = %s GROUP BY p.unit_id",
                [*oparams, *p_ids, PersonRole.AUXILIARY, PersonStatus.ACTIVE]):
            own[unit_id]["auxiliaries_year_ago"] += n

    # Owned equipment (in stock, issued, in repair) by unit and category, and by item where rules count items.
    for unit_id, category, n in _rows(
            f"SELECT a.unit_id, a.category_id, COUNT(*) FROM ({states}) a "
            f"WHERE {in_a} AND a.status IN ({_placeholders(counted)}) "
            f"GROUP BY a.unit_id, a.category_id", [*sparams, *a_ids, *counted]):
        own[unit_id][f"asset:{category}"] += n
    if item_categories:
        for unit_id, category, item, n in _rows(
                f"SELECT a.unit_id, a.category_id, a.item, COUNT(*) FROM ({states}) a "
                f"WHERE {in_a} AND a.status IN ({_placeholders(counted)}) "
                f"AND a.category_id IN ({_placeholders(item_categories)}) GROUP BY a.unit_id, a.category_id, a.item",
                [*sparams, *a_ids, *counted, *item_categories]):
            own[unit_id][f"item:{category}:{item}"] += n

    # Seals: counted, and with an active person as custodian.
    for unit_id, n, kept in _rows(
            f"SELECT a.unit_id, COUNT(*), SUM(CASE WHEN a.status = %s AND p.status = %s THEN 1 ELSE 0 END) "
            f"FROM ({states}) a "
            f"LEFT JOIN ({people}) p ON p.person_id = a.holder_person_id "
            f"WHERE {in_a} AND a.category_id = %s AND a.status IN ({_placeholders(counted)}) "
            f"GROUP BY a.unit_id",
            [AssetStatus.ISSUED, PersonStatus.ACTIVE, *sparams, *pparams, *a_ids, CategoryCode.SEAL, *counted]):
        own[unit_id]["seals"] += n
        own[unit_id]["seals_with_custodian"] += int(kept or 0)

    # Departed people (by their unit) and the officer-only items they still hold.
    departed = _rows(
        f"SELECT p.person_id, p.unit_id FROM ({people}) p "
        f"WHERE {in_p} AND p.status IN ({_placeholders(departed_statuses)})",
        [*pparams, *p_ids, *departed_statuses])
    held: dict[int, set] = defaultdict(set)
    ids = [person_id for person_id, _ in departed]
    for start in range(0, len(ids), 5000):
        chunk = ids[start:start + 5000]
        for person_id, category in _rows(
                f"SELECT DISTINCT a.holder_person_id, a.category_id FROM ({states}) a WHERE a.status = %s "
                f"AND a.holder_person_id IN ({_placeholders(chunk)})", [*sparams, AssetStatus.ISSUED, *chunk]):
            held[person_id].add(category)
    facts.departed = [(person_id, unit_id, frozenset(held.get(person_id, ()))) for person_id, unit_id in departed]

    # Lost certificates: how many days passed between the loss and its report.
    for unit_id, lost, reported in CustodyEvent.objects.filter(
            action="report_lost", asset__category_id=CategoryCode.CERTIFICATE, occurred_at__lt=end_of_day(as_of),
            unit_after_id__in=unit_ids).values_list("unit_after_id", "date_lost", "date_reported"):
        facts.certificate_losses.append((unit_id, (reported - lost).days if lost and reported else 10 ** 6))

    _uniforms(own, states, sparams, units, small, as_of)
    _vehicles(own, {u.id for u in units}, as_of)
    _recorders(facts, own, root, as_of, offload_window, states, sparams, small)
    facts.own = dict(own)
    return facts


def _uniforms(own, states: str, sparams: list, units: list[UnitRow], small: bool, as_of: dt.date) -> None:
    """Issued uniform items and those past their replacement date: (acquired, else the date it was issued) +
    service years, the asset's own, else its item type's."""
    years_by_item: dict[str, int] = {}
    for code, name, years in ItemType.objects.filter(category_id=CategoryCode.UNIFORM).values_list(
            "code", "name", "service_years"):
        if years:
            years_by_item.setdefault(name, years)
            years_by_item.setdefault(code, years)
    distinct_years = set(years_by_item.values()) | set(
        Asset.objects.filter(category_id=CategoryCode.UNIFORM, service_years__isnull=False,
                             **({"unit_id__in": [u.id for u in units]} if small else {}))
        .order_by().values_list("service_years", flat=True).distinct())
    if is_current(as_of):
        issued_at = (f"(SELECT MAX(e.occurred_at) FROM {_t(CustodyEvent)} e WHERE e.asset_id = a.id "
                     f"AND e.action = 'issue')")
    else:
        issued_at = "a.changed_at"  # the last event of an issued item is its issue
    cases, case_params = [], []
    for y in sorted(distinct_years):
        # Past its replacement date: base + y years < as_of, i.e. base before as_of - y years. CASE (not OR)
        # so the issue-date subquery runs only for items without an acquisition date.
        limit = years_before(as_of, y)
        cases.append("WHEN life = %s THEN CASE WHEN acquired IS NOT NULL THEN "
                     "CASE WHEN acquired < %s THEN 1 ELSE 0 END "
                     "WHEN issued_at < %s THEN 1 ELSE 0 END")
        case_params += [y, limit, _dtparam(dt.datetime.combine(limit, dt.time(0), tzinfo=SHANGHAI))]
    overdue = f"CASE {' '.join(cases)} ELSE 0 END" if cases else "0"
    lookup = " ".join("WHEN %s THEN %s" for _ in years_by_item)
    life = f"COALESCE(a.service_years, CASE a.item {lookup} ELSE NULL END)" if years_by_item else "a.service_years"
    lookup_params = [v for pair in years_by_item.items() for v in pair]
    in_a, a_ids = _within("a.unit_id", units, small)
    for unit_id, n, unknown, late in _rows(
            f"SELECT unit_id, COUNT(*), SUM(CASE WHEN life IS NULL THEN 1 ELSE 0 END), SUM({overdue}) FROM ("
            f"SELECT a.unit_id, {life} AS life, a.acquired, "
            f"CASE WHEN a.acquired IS NULL THEN {issued_at} END AS issued_at "
            f"FROM ({states}) a WHERE {in_a} AND a.category_id = %s AND a.status = %s) uniforms GROUP BY unit_id",
            [*case_params, *lookup_params, *sparams, *a_ids, CategoryCode.UNIFORM, AssetStatus.ISSUED]):
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

    return [v for v in vehicles_as_of(as_of, unit_ids=unit_ids) if v.status in COUNTED_VEHICLE_STATUSES]


def _vehicles(own, unit_ids: set[int], as_of: dt.date) -> None:
    for v in counted_vehicles(unit_ids, as_of):
        c = own[v.unit_id]
        c["vehicles"] += 1
        c["seats"] += v.seats
        c["vehicles_livery_compliant"] += int(bool(v.livery_compliant))
        c["vehicles_dossier_complete"] += int(vehicle_dossier_complete(v, as_of))


def offload_days(as_of: dt.date, window: int) -> list[dt.date]:
    return [as_of - dt.timedelta(days=i) for i in range(window - 1, -1, -1)]


def _moved_recorders(days: list[dt.date]) -> set[int]:
    """Recorders with a ledger event inside the window; the others kept one state on every day of it."""
    return set(CustodyEvent.objects.filter(asset__category_id=CategoryCode.RECORDER,
                                           occurred_at__gte=end_of_day(days[0]), occurred_at__lt=end_of_day(days[-1]))
               .values_list("asset_id", flat=True))


def recorder_days(root: OrgUnit, as_of: dt.date, window: int, *, only_moved: bool = False
                  ) -> dict[int, list[tuple[int, str, dt.date]]]:
    """Per unit, the (asset, tag, day) recorder-days owed in the window: every day a recorder stood issued at
    the end of it while belonging to a unit of the subtree (`only_moved`: just the recorders that moved)."""
    days = offload_days(as_of, window)
    cutoffs = [end_of_day(d) for d in days]
    owed: dict[int, list] = defaultdict(list)
    moved = _moved_recorders(days)
    if only_moved and not moved:
        return owed
    states, params = asset_states_sql(as_of)
    for asset_id, tag, unit_id in () if only_moved else _rows(
            f"SELECT a.id, a.tag, a.unit_id FROM ({states}) a JOIN {_t(OrgUnit)} u ON u.id = a.unit_id "
            f"WHERE u.path LIKE %s ESCAPE '\\' AND a.category_id = %s AND a.status = %s",
            [*params, _like_prefix(root.path), CategoryCode.RECORDER, AssetStatus.ISSUED]):
        if asset_id not in moved:
            owed[unit_id].extend((asset_id, tag, day) for day in days)
    events = (CustodyEvent.objects.filter(asset_id__in=moved, occurred_at__lt=cutoffs[-1])
              .order_by("asset_id", "occurred_at", "id")
              .values_list("asset_id", "asset__tag", "occurred_at", "status_after", "unit_after__path",
                           "unit_after_id"))

    def settle(asset, state, upto: dt.datetime | None, index: int) -> int:
        # Days whose end comes before `upto` (None: all remaining) close with `state`.
        while index < len(days) and (upto is None or upto >= cutoffs[index]):
            if state and state[0] == AssetStatus.ISSUED and state[1].startswith(root.path):
                owed[state[2]].append((asset[0], asset[1], days[index]))
            index += 1
        return index

    asset, state, index = None, None, 0
    for asset_id, tag, at, status, path, unit_id in (events if moved else ()):
        if asset is None or asset[0] != asset_id:
            if asset is not None:
                settle(asset, state, None, index)
            asset, state, index = (asset_id, tag), None, 0
        index = settle(asset, state, at, index)
        state = (status, path, unit_id)
    if asset is not None:
        settle(asset, state, None, index)
    return owed


def _recorders(facts: Facts, own, root: OrgUnit, as_of: dt.date, window: int, states: str, params: list,
               small: bool) -> None:
    from telematics.tracking.models import DockOffload

    days = offload_days(as_of, window)
    reports = DockOffload.objects.filter(recorded_on__gte=days[0], recorded_on__lte=as_of,
                                         ts__lt=end_of_day(as_of))
    facts.dock_reports = reports.exists()
    if not facts.dock_reports:
        return
    # Recorders that kept one state through the window: counted in SQL (issued → owes every day of it).
    moved = sorted(_moved_recorders(days))
    exclude = f"AND a.id NOT IN ({_placeholders(moved)})" if moved else ""
    in_a, a_ids = _within("a.unit_id", facts.units, small)
    for unit_id, recorders, offloaded in _rows(
            f"SELECT a.unit_id, COUNT(*), SUM((SELECT COUNT(DISTINCT d.recorded_on) FROM {_t(DockOffload)} d "
            f"WHERE d.recorder_tag = a.tag AND d.recorded_on >= %s AND d.recorded_on <= %s AND d.ts < %s)) "
            f"FROM ({states}) a "
            f"WHERE {in_a} AND a.category_id = %s AND a.status = %s {exclude} "
            f"GROUP BY a.unit_id",
            [days[0], as_of, _dtparam(end_of_day(as_of)), *params, *a_ids,
             CategoryCode.RECORDER, AssetStatus.ISSUED, *moved]):
        own[unit_id]["recorder_days"] += recorders * len(days)
        own[unit_id]["recorder_days_offloaded"] += int(offloaded or 0)
    owed_moved = recorder_days(root, as_of, window, only_moved=True)
    if owed_moved:
        tags = {tag for owed in owed_moved.values() for _, tag, _ in owed}
        offloaded_pairs = set(reports.filter(recorder_tag__in=tags).values_list("recorder_tag", "recorded_on"))
        for unit_id, owed in owed_moved.items():
            own[unit_id]["recorder_days"] += len(owed)
            own[unit_id]["recorder_days_offloaded"] += sum(1 for _, tag, day in owed if (tag, day) in offloaded_pairs)
