"""Reads the counts compliance needs for one unit's subtree on one date: a few GROUP BY queries, no per-row work.

Counts are kept per unit (the unit's own rows); the evaluator rolls them up the tree. "As of" a past date reads
the ledger: an asset's state is its last custody event before the end of that day (Asia/Shanghai), a person's
the last PersonHistory row effective on or before it. Today or later reads the current tables (the same answer,
without scanning the ledger). On PostgreSQL a past date reads the ledger only for the assets that moved after it:
the others still stand as their current row says (see asset_states_sql).
"""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone

from assets.choices import (
    COUNTED_STATUSES,
    DEPARTED_STATUSES,
    AssetStatus,
    CategoryCode,
    CustodyAction,
    PersonRole,
    PersonStatus,
    UnitKind,
)
from assets.models import Asset, CustodyEvent, ItemType, OrgUnit, Person, PersonHistory

from . import keys

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


@dataclass(frozen=True)
class Needs:
    """What a standard's checks read beyond the counts every report has (compliance.rules.needs)."""

    item_categories: tuple[str, ...] = ()  # counted by item name
    personal_categories: tuple[str, ...] = ()  # personal kit: holders and pool per unit
    certificates: bool = False  # officers holding a valid certificate
    insignia_items: tuple[tuple[str, ...], ...] = ()  # the full insignia set: each entry the names of one item
    auxiliaries_uniformed: bool = False
    offload_window: int = 0  # recorder offloads: the days judged (0: not read)
    offload_deadline_hours: float = 24


@dataclass
class Facts:
    """Everything the evaluator reads; plain data, so rules are pure functions of it."""

    as_of: dt.date
    root_id: int
    units: list[UnitRow]
    own: dict[int, Counter] = field(default_factory=dict)
    # (person, unit, status, categories held): transferred or retired people and what they still hold
    departed: list[tuple[int, int, str, frozenset]] = field(default_factory=list)
    # (unit, days from loss to report; None when the loss or its report has no date)
    certificate_losses: list[tuple[int, int | None]] = field(default_factory=list)
    history_year_ago: bool = False
    dock_reports: bool = False  # some recorder-day of the window falls on or after the bureau's first dock report
    offload_days: list[dt.date] = field(default_factory=list)  # the days judged

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


def is_whole(units: list[UnitRow]) -> bool:
    """The subtree holds every unit (the province's report): any row with a unit is in it."""
    return len(units) == OrgUnit.objects.count()


def _within(column: str, units: list[UnitRow], small: bool, whole: bool = False) -> tuple[str, list]:
    """SQL saying `column` is one of the subtree's units, with its parameters. A small subtree (a brigade) goes as a
    list of ids, so PostgreSQL looks its rows up in the (unit, category, status) index instead of scanning the
    province's; a large one as a semi-join on the path, which PostgreSQL answers with one scan; the whole tree
    needs no join at all."""
    if whole:
        return f"{column} IS NOT NULL", []
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


def moved_states_sql(as_of: dt.date, *, concerning: tuple[str, list] | None = None) -> tuple[str, list]:
    """SQL of every asset with a ledger event after the end of as_of (PostgreSQL only): its columns as now
    (asset_id, tag, category_id, item, acquired, service_years, status, unit_id, holder_person_id) and its state
    then (status_after, unit_after_id, holder_person_after_id, occurred_at; all NULL when it had no event yet).
    The ledger's (occurred_at) index finds them; one probe of the ledger's (asset, occurred_at, id) index and one
    of the asset's primary key read each, so a recent date costs its few movements, not a sort of the whole
    ledger (LIMIT 1 keeps PostgreSQL probing, rather than scanning all assets to join a few).

    `concerning`: a condition on `{unit}` and `{holder}` (with its parameters) the asset must meet now or then to
    be kept; its latest event, among those read anyway, says where it stands now, so the others cost no probe of
    the asset table."""
    ev = _t(CustodyEvent)
    cutoff = _dtparam(end_of_day(as_of))
    moved, keep, keep_params = f"SELECT DISTINCT asset_id FROM {ev} WHERE occurred_at >= %s", "", []
    if concerning is not None:
        moved = (f"SELECT DISTINCT ON (asset_id) asset_id, unit_after_id AS unit_now, holder_person_after_id AS "
                 f"holder_now FROM {ev} WHERE occurred_at >= %s ORDER BY asset_id, occurred_at DESC, id DESC")
        now = concerning[0].format(unit="m.unit_now", holder="m.holder_now")
        then = concerning[0].format(unit="l.unit_after_id", holder="l.holder_person_after_id")
        keep, keep_params = f"WHERE ({now}) OR ({then})", [*concerning[1], *concerning[1]]
    return (f"SELECT a.id AS asset_id, a.tag, a.category_id, a.item, a.acquired, a.service_years, a.status, "
            f"a.unit_id, a.holder_person_id, a.expires, a.issued_at, l.status_after, l.unit_after_id, "
            f"l.holder_person_after_id, l.occurred_at, l.expires_after FROM ({moved}) m "
            f"LEFT JOIN LATERAL (SELECT e.status_after, e.unit_after_id, e.holder_person_after_id, e.occurred_at, "
            f"e.expires_after FROM {ev} e WHERE e.asset_id = m.asset_id AND e.occurred_at < %s "
            f"ORDER BY e.occurred_at DESC, e.id DESC LIMIT 1) l ON TRUE "
            f"CROSS JOIN LATERAL (SELECT * FROM {_t(Asset)} x WHERE x.id = m.asset_id LIMIT 1) a {keep}",
            [cutoff, cutoff, *keep_params])


def asset_states_sql(as_of: dt.date, *, moved: str | None = None) -> tuple[str, list]:
    """SQL of every asset as the ledger stood at the end of as_of: (id, tag, category_id, item, acquired,
    service_years, status, unit_id, holder_person_id, changed_at, expires, issued_at). Queries use it as `(...) a`.
    issued_at: when an issued item was issued (the last event of an issued item is its issue, but for a renewal).

    changed_at is the time of the asset's last event up to as_of where the report needs it from the ledger, NULL
    where that last event is also its latest (ask the ledger then). On PostgreSQL a past date takes the current
    tables for the assets that have not moved since (the Asset row is the projection of its latest event and the
    ledger is never back-dated) and the ledger for those that have (`moved`: a table of moved_states_sql)."""
    asset = _t(Asset)
    if is_current(as_of):
        return (f"SELECT {STATE_COLUMNS}, a.status, a.unit_id, a.holder_person_id, "
                f"CAST(NULL AS TIMESTAMP WITH TIME ZONE) AS changed_at, a.expires, a.issued_at FROM {asset} a", [])
    issued = str(AssetStatus.ISSUED)
    ev = _t(CustodyEvent)
    cutoff = _dtparam(end_of_day(as_of))
    if connection.vendor == "postgresql":
        if moved is None:
            unmoved = f"SELECT 1 FROM {ev} e WHERE e.asset_id = a.id AND e.occurred_at >= %s"
            moved, params = moved_states_sql(as_of)
            moved, params = f"({moved})", [cutoff, *params]
        else:
            unmoved, params = f"SELECT 1 FROM {moved} m WHERE m.asset_id = a.id", []
        return (f"SELECT {STATE_COLUMNS}, a.status, a.unit_id, a.holder_person_id, "
                f"CAST(NULL AS TIMESTAMP WITH TIME ZONE) AS changed_at, a.expires, a.issued_at "
                f"FROM {asset} a WHERE NOT EXISTS ({unmoved}) "
                f"UNION ALL SELECT m.asset_id, m.tag, m.category_id, m.item, m.acquired, m.service_years, "
                f"m.status_after, m.unit_after_id, m.holder_person_after_id, m.occurred_at, m.expires_after, "
                f"CASE WHEN m.status_after = '{issued}' THEN m.occurred_at END FROM {moved} m "
                f"WHERE m.status_after IS NOT NULL", params)
    last = (f"SELECT e.asset_id, e.status_after, e.unit_after_id, e.holder_person_after_id, e.occurred_at, "
            f"e.expires_after FROM {ev} e WHERE e.id = (SELECT e2.id FROM {ev} e2 WHERE e2.asset_id = e.asset_id "
            f"AND e2.occurred_at < %s ORDER BY e2.occurred_at DESC, e2.id DESC LIMIT 1)")
    return (f"SELECT {STATE_COLUMNS}, l.status_after AS status, l.unit_after_id AS unit_id, "
            f"l.holder_person_after_id AS holder_person_id, l.occurred_at AS changed_at, l.expires_after AS expires, "
            f"CASE WHEN l.status_after = '{issued}' THEN l.occurred_at END AS issued_at "
            f"FROM ({last}) l JOIN {asset} a ON a.id = l.asset_id", [cutoff])


def person_states_sql(on: dt.date, *, current: bool | None = None, ever_in: tuple[str, list] | None = None
                      ) -> tuple[str, list]:
    """SQL of (person_id, unit_id, role, status, frontline) as people stood on `on` (none: not yet there).
    `ever_in`: a condition on `h.unit_id` (with its parameters) some history row of the person must meet; it
    narrows the history read to the people who ever stood in those units (on PostgreSQL one probe of the
    (person, effective) index each; LIMIT 1 keeps it probing rather than sorting everyone's history)."""
    if is_current(on) if current is None else current:
        return f"SELECT id AS person_id, unit_id, role, status, frontline FROM {_t(Person)}", []
    ph = _t(PersonHistory)
    narrow, narrow_params = "", []
    if ever_in is not None:
        if connection.vendor == "postgresql":
            return (f"SELECT ids.person_id, g.unit_id, g.role, g.status, g.frontline "
                    f"FROM (SELECT DISTINCT h.person_id FROM {ph} h WHERE {ever_in[0]}) ids "
                    f"CROSS JOIN LATERAL (SELECT unit_id, role, status, frontline FROM {ph} "
                    f"WHERE person_id = ids.person_id AND effective <= %s "
                    f"ORDER BY effective DESC, id DESC LIMIT 1) g", [*ever_in[1], on])
        narrow, narrow_params = f"AND person_id IN (SELECT h.person_id FROM {ph} h WHERE {ever_in[0]})", ever_in[1]
    if connection.vendor == "postgresql":
        return (f"SELECT DISTINCT ON (person_id) person_id, unit_id, role, status, frontline FROM {ph} "
                f"WHERE effective <= %s {narrow} ORDER BY person_id, effective DESC, id DESC", [on, *narrow_params])
    return (f"SELECT g.person_id, g.unit_id, g.role, g.status, g.frontline FROM {ph} g "
            f"WHERE g.id = (SELECT h2.id FROM {ph} h2 WHERE h2.person_id = g.person_id AND h2.effective <= %s "
            f"ORDER BY h2.effective DESC, h2.id DESC LIMIT 1) {narrow}", [on, *narrow_params])


def _rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _placeholders(values) -> str:
    return ", ".join(["%s"] * len(values))


def collect(root: OrgUnit, as_of: dt.date, needs: Needs = Needs()) -> Facts:
    """The counts of `root`'s subtree on `as_of` (see the module docstring)."""
    if connection.vendor != "postgresql":
        return _collect(root, as_of, needs)
    try:
        own_transaction = not connection.in_atomic_block
        with transaction.atomic():
            with connection.cursor() as cursor:
                if own_transaction:
                    # One snapshot for every query of the report: a past date adds the moved assets' states to the
                    # current rows, which must not move in between.
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                # PostgreSQL's JIT spends most of a second compiling these short aggregates; they run faster
                # without it. The rows read here are in memory on any live server: with the default random page
                # cost PostgreSQL scans a table rather than probe an index a few hundred times.
                cursor.execute("SET jit = off; SET random_page_cost = 1.1")
            return _collect(root, as_of, needs)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"RESET jit; RESET random_page_cost; RESET max_parallel_workers_per_gather; "
                           f"DROP TABLE IF EXISTS {_MOVED}")


_MOVED = "qm_compliance_moved_assets"


def _asset_states_once(as_of: dt.date, concerning: tuple[str, list] | None = None
                       ) -> tuple[str, list, str | None]:
    """asset_states_sql, but a past date's moved assets are read from the ledger once per report, into a temporary
    table: the report reads the states half a dozen times. Also returns that table's name (None: no table). The
    table is not analysed: PostgreSQL sizes it from its pages, which is all these plans need, and analysing a
    year's movements costs a quarter of a second. `concerning`: see moved_states_sql; the queries over the
    states must then ask only for assets meeting it (they stand as they do now otherwise)."""
    if is_current(as_of) or connection.vendor != "postgresql":
        return *asset_states_sql(as_of), None
    moved, params = moved_states_sql(as_of, concerning=concerning)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_MOVED}")
        cursor.execute(f"CREATE TEMPORARY TABLE {_MOVED} AS {moved}", params)
    return *asset_states_sql(as_of, moved=_MOVED), _MOVED


def _collect(root: OrgUnit, as_of: dt.date, needs: Needs) -> Facts:
    units = [UnitRow(*r) for r in OrgUnit.objects.filter(path__startswith=root.path).order_by("path").values_list(
        "id", "code", "name", "kind", "path", "parent_id", "population")]
    facts = Facts(as_of=as_of, root_id=root.pk, units=units)
    own: dict[int, Counter] = defaultdict(Counter)
    for unit in units:
        if unit.kind == UnitKind.BRIGADE:
            own[unit.id][keys.BRIGADES] += 1
    small = is_small(units)
    if small and connection.vendor == "postgresql":
        # A brigade's queries each read a few thousand rows: starting parallel workers costs more than it saves.
        with connection.cursor() as cursor:
            cursor.execute("SET max_parallel_workers_per_gather = 0")
    whole = not small and is_whole(units)
    in_p, p_ids = _within("p.unit_id", units, small, whole)
    in_a, a_ids = _within("a.unit_id", units, small, whole)
    # A brigade's people come from the history of those who ever stood in it, not the province's; of the assets
    # moved since a past date, only those in its units or held by those people (now or then) concern it: its
    # queries ask for assets by unit or by the holders among its people.
    ever_in = _within("h.unit_id", units, small) if small else None
    concerning = None
    if small:
        in_units, unit_params = _within("{unit}", units, small)
        concerning = (f"{in_units} OR {{holder}} IN (SELECT h.person_id FROM {_t(PersonHistory)} h "
                      f"WHERE {ever_in[0]})", [*unit_params, *ever_in[1]])
    states, sparams, moved = _asset_states_once(as_of, concerning)
    people, pparams = person_states_sql(as_of)
    own_people, opparams = person_states_sql(as_of, ever_in=ever_in)
    counted = [str(s) for s in COUNTED_STATUSES]
    departed_statuses = [str(s) for s in DEPARTED_STATUSES]

    # People: active officers, frontline, auxiliaries, departed, per unit. A brigade's few hundred are read once
    # (on a past date each costs a probe of the history) and counted here, for the holdings and departures below
    # too; a province's are grouped by PostgreSQL, and read again where needed.
    mine = None
    if small:
        mine = _rows(f"SELECT p.person_id, p.unit_id, p.role, p.status, p.frontline FROM ({own_people}) p "
                     f"WHERE {in_p}", [*opparams, *p_ids])
        grouped = Counter((unit_id, role, status, frontline) for _, unit_id, role, status, frontline in mine)
        people_counts = [(*key, n) for key, n in grouped.items()]
    else:
        people_counts = _rows(
            f"SELECT p.unit_id, p.role, p.status, p.frontline, COUNT(*) FROM ({own_people}) p "
            f"WHERE {in_p} GROUP BY p.unit_id, p.role, p.status, p.frontline", [*opparams, *p_ids])
    for unit_id, role, status, frontline, n in people_counts:
        c = own[unit_id]
        if status == PersonStatus.ACTIVE and role == PersonRole.OFFICER:
            c[keys.OFFICERS] += n
            if frontline:
                c[keys.FRONTLINE] += n
        elif status == PersonStatus.ACTIVE and role == PersonRole.AUXILIARY:
            c[keys.AUXILIARIES] += n
        elif status in DEPARTED_STATUSES:
            c[keys.DEPARTED] += n

    # Auxiliaries one year earlier, always from the dated history.
    year_ago = years_before(as_of, 1)
    facts.history_year_ago = PersonHistory.objects.filter(effective__lte=year_ago).exists()
    if facts.history_year_ago:
        old, oparams = person_states_sql(year_ago, current=False, ever_in=ever_in)
        for unit_id, n in _rows(
                f"SELECT p.unit_id, COUNT(*) FROM ({old}) p "
                f"WHERE {in_p} AND p.role = %s AND p.status = %s GROUP BY p.unit_id",
                [*oparams, *p_ids, PersonRole.AUXILIARY, PersonStatus.ACTIVE]):
            own[unit_id][keys.AUXILIARIES_YEAR_AGO] += n

    _equipment(own, units, small, whole, as_of, needs.item_categories, moved)
    _holdings(own, needs, as_of, states, sparams, own_people, opparams, (in_p, p_ids), mine)
    if needs.personal_categories:
        cats = list(needs.personal_categories)
        for unit_id, category, n in _rows(
                f"SELECT a.unit_id, a.category_id, COUNT(*) FROM ({states}) a WHERE {in_a} "
                f"AND a.category_id IN ({_placeholders(cats)}) AND a.status IN ({_placeholders(counted)}) "
                f"AND a.holder_person_id IS NULL GROUP BY a.unit_id, a.category_id",
                [*sparams, *a_ids, *cats, *counted]):
            own[unit_id][keys.pool(category)] += n

    # Seals: counted, and with an active person as custodian (the few holders' states looked up by id).
    seals = _rows(f"SELECT a.unit_id, a.status, a.holder_person_id FROM ({states}) a "
                  f"WHERE {in_a} AND a.category_id = %s AND a.status IN ({_placeholders(counted)})",
                  [*sparams, *a_ids, CategoryCode.SEAL, *counted])
    holders = sorted({holder for _, status, holder in seals if status == AssetStatus.ISSUED and holder})
    active = set()
    for start in range(0, len(holders), 5000):
        chunk = holders[start:start + 5000]
        active.update(person_id for (person_id,) in _rows(
            f"SELECT p.person_id FROM ({people}) p WHERE p.status = %s "
            f"AND p.person_id IN ({_placeholders(chunk)})", [*pparams, PersonStatus.ACTIVE, *chunk]))
    for unit_id, status, holder in seals:
        own[unit_id][keys.SEALS] += 1
        own[unit_id][keys.SEALS_WITH_CUSTODIAN] += int(status == AssetStatus.ISSUED and holder in active)

    # Departed people (by their unit) and the categories they still hold.
    if mine is not None:
        departed = [(person_id, unit_id, status) for person_id, unit_id, _, status, _ in mine
                    if status in departed_statuses]
    else:
        departed = _rows(
            f"SELECT p.person_id, p.unit_id, p.status FROM ({own_people}) p "
            f"WHERE {in_p} AND p.status IN ({_placeholders(departed_statuses)})",
            [*opparams, *p_ids, *departed_statuses])
    held: dict[int, set] = defaultdict(set)
    ids = [person_id for person_id, _, _ in departed]
    for start in range(0, len(ids), 5000):
        chunk = ids[start:start + 5000]
        for person_id, category in _rows(
                f"SELECT DISTINCT a.holder_person_id, a.category_id FROM ({states}) a WHERE a.status = %s "
                f"AND a.holder_person_id IN ({_placeholders(chunk)})", [*sparams, AssetStatus.ISSUED, *chunk]):
            held[person_id].add(category)
    facts.departed = [(person_id, unit_id, status, frozenset(held.get(person_id, ())))
                      for person_id, unit_id, status in departed]

    # Lost certificates: how many days passed between the loss and its report (None: a date is missing).
    in_e, e_ids = _within("e.unit_after_id", units, small, whole)
    for unit_id, lost, reported in _rows(
            f"SELECT e.unit_after_id, e.date_lost, e.date_reported FROM {_t(CustodyEvent)} e "
            f"JOIN {_t(Asset)} a ON a.id = e.asset_id "
            f"WHERE e.action = %s AND e.occurred_at < %s AND a.category_id = %s AND {in_e}",
            [CustodyAction.REPORT_LOST, _dtparam(end_of_day(as_of)), CategoryCode.CERTIFICATE, *e_ids]):
        facts.certificate_losses.append((unit_id, (reported - lost).days if lost and reported else None))

    # The whole bureau: every vehicle, without sending the province's unit ids along.
    _vehicles(own, None if whole else {u.id for u in units}, as_of)
    if needs.offload_window:
        from . import recorders

        recorders.collect(facts, own, root, needs, states, sparams, (in_a, a_ids), small)
    facts.own = dict(own)
    return facts


def _holdings(own, needs: Needs, as_of: dt.date, states: str, sparams: list, own_people: str, opparams: list,
              within: tuple[str, list], mine: list[tuple] | None) -> None:
    """Per unit, the active people holding (issued to them, as of the date) what the checks look for: personal
    kit (holders per category), an unexpired certificate, every item of the full insignia set, an unexpired
    auxiliary's work card together with an auxiliary's uniform item. One pass over the holdings, grouped by
    person, joined to the people of the subtree."""
    flags, flag_params, categories = [], [], set()
    for category in needs.personal_categories:
        flags.append("MAX(CASE WHEN a.category_id = %s THEN 1 ELSE 0 END)")
        flag_params.append(category)
        categories.add(category)
    if needs.certificates:
        flags.append("MAX(CASE WHEN a.category_id = %s AND a.expires >= %s THEN 1 ELSE 0 END)")
        flag_params += [CategoryCode.CERTIFICATE, as_of]
        categories.add(CategoryCode.CERTIFICATE)
    for names in needs.insignia_items:
        flags.append(f"MAX(CASE WHEN a.category_id = %s AND a.item IN ({_placeholders(names)}) THEN 1 ELSE 0 END)")
        flag_params += [CategoryCode.INSIGNIA, *names]
        categories.add(CategoryCode.INSIGNIA)
    if needs.auxiliaries_uniformed:
        flags.append("MAX(CASE WHEN a.category_id = %s AND a.expires >= %s THEN 1 ELSE 0 END)")
        flags.append("MAX(CASE WHEN a.category_id = %s THEN 1 ELSE 0 END)")
        flag_params += [CategoryCode.AUX_CARD, as_of, CategoryCode.AUX_UNIFORM]
        categories |= {CategoryCode.AUX_CARD, CategoryCode.AUX_UNIFORM}
    if not flags:
        return
    in_p, p_ids = within
    cats = sorted(categories)
    names = [f"f{i}" for i in range(len(flags))]
    selected = ", ".join(f"{flag} AS {name}" for flag, name in zip(flags, names))
    def holding(source: str = "", on: str = "", who: str = "IS NOT NULL") -> str:
        return (f"SELECT a.holder_person_id AS person_id, {selected} FROM {source}({states}) a {on} "
                f"WHERE a.status = %s AND a.category_id IN ({_placeholders(cats)}) AND a.holder_person_id {who} "
                f"GROUP BY a.holder_person_id")
    holding_params = [*flag_params, *sparams, AssetStatus.ISSUED, *cats]
    if mine is not None:
        # A brigade (`mine`: its people, as read by _collect): the active ones' holdings through the holder index.
        people = {person_id: (unit_id, role) for person_id, unit_id, role, status, _ in mine
                  if status == PersonStatus.ACTIVE}
        if not people:
            return
        ids = sorted(people)
        if connection.vendor == "postgresql" and is_current(as_of):
            # Joined to the list of ids, PostgreSQL probes the (category, status, holder) index per person; given
            # `= ANY(ids)` it ANDs two bitmaps instead, one of them every issued item of those categories. (A past
            # date's states, current rows and moved ones, are not probed through a join: `= ANY` there.)
            sql = holding("unnest(CAST(%s AS bigint[])) who(id) JOIN ", "ON a.holder_person_id = who.id")
            sql_params = [*flag_params, ids, *holding_params[len(flag_params):]]
        elif connection.vendor == "postgresql":
            sql, sql_params = holding(who="= ANY(%s)"), [*holding_params, ids]
        else:
            sql, sql_params = holding(who=f"IN ({_placeholders(ids)})"), [*holding_params, *ids]
        grouped: Counter = Counter()
        for person_id, *values in _rows(sql, sql_params):
            grouped[(*people[person_id], *values)] += 1
        rows = [(*key, n) for key, n in grouped.items()]
    else:
        rows = _rows(
            f"SELECT p.unit_id, p.role, {', '.join(f'h.{n}' for n in names)}, COUNT(*) FROM ({own_people}) p "
            f"JOIN ({holding()}) h ON h.person_id = p.person_id "
            f"WHERE {in_p} AND p.status = %s GROUP BY p.unit_id, p.role, {', '.join(f'h.{n}' for n in names)}",
            [*opparams, *holding_params, *p_ids, PersonStatus.ACTIVE])
    for unit_id, role, *values, n in rows:
        c, values = own[unit_id], list(values)
        if role == PersonRole.OFFICER:
            for category in needs.personal_categories:
                c[keys.holders(category)] += n * values.pop(0)
            if needs.certificates:
                c[keys.OFFICERS_VALID_CERTIFICATE] += n * values.pop(0)
            if needs.insignia_items:
                full = all(values[:len(needs.insignia_items)])
                c[keys.OFFICERS_FULL_INSIGNIA] += n * int(full)
        elif role == PersonRole.AUXILIARY and needs.auxiliaries_uniformed:
            card, uniform = values[-2:]
            c[keys.AUXILIARIES_UNIFORMED] += n * int(bool(card and uniform))


def _equipment(own, units: list[UnitRow], small: bool, whole: bool, as_of: dt.date,
               item_categories: tuple[str, ...], moved: str | None) -> None:
    """Owned equipment (in stock, issued, in repair) by unit and category, by item where rules count items, and
    the issued uniform items with those past their replacement date (assets.selectors.uniform_due_on: service
    years after the issue to the holder, else after `acquired`).

    One pass over the current assets in the order of the asset (unit, category, item) index, which carries every
    column read here: PostgreSQL counts a province from the index alone, group after group, in parallel, without
    hashing a million rows. A past date adds the moved assets' states then and takes away their current rows
    (`moved`: moved_states_sql's table); other databases read the ledger states instead."""
    columns = "asset_id AS id, category_id, item, acquired, service_years"
    passes = [(f"{_t(Asset)} a", "1", [])]  # (rows, weight, parameters)
    if moved is not None:
        issued_then = f"CASE WHEN status_after = '{AssetStatus.ISSUED}' THEN occurred_at END"
        passes.append((
            f"(SELECT {columns}, status, unit_id, issued_at, -1 AS weight FROM {moved} UNION ALL "
            f"SELECT {columns}, status_after, unit_after_id, {issued_then}, 1 FROM {moved} "
            f"WHERE status_after IS NOT NULL) a",
            "a.weight", []))
    elif not is_current(as_of):
        states, params = asset_states_sql(as_of)
        passes = [(f"({states}) a", "1", params)]
    counted = [str(s) for s in COUNTED_STATUSES]
    in_a, a_ids = _within("a.unit_id", units, small, whole)
    life, life_params = _uniform_life()
    issued = "a.category_id = %s AND a.status = %s"
    issued_params = [CategoryCode.UNIFORM, AssetStatus.ISSUED]
    late_issue, late_issue_params = _before_replacement("a.issued_at", as_of, life, life_params, units, small)
    late_bought, late_bought_params = _before_replacement("a.acquired", as_of, life, life_params, units, small)
    unknown = f"({life} IS NULL OR (a.issued_at IS NULL AND a.acquired IS NULL))"
    late = (f"(a.issued_at IS NOT NULL AND {late_issue}) OR (a.issued_at IS NULL AND a.acquired IS NOT NULL "
            f"AND {late_bought})")
    for rows, weight, params in passes:
        total = "COUNT(*)" if weight == "1" else f"SUM({weight})"
        sql = (f"SELECT a.unit_id, a.category_id, a.item, {total}, "
               f"{total} FILTER (WHERE {issued}), "
               f"{total} FILTER (WHERE {issued} AND {unknown}), "
               f"{total} FILTER (WHERE {issued} AND NOT {unknown} AND ({late})) "
               f"FROM {rows} WHERE {in_a} AND a.status IN ({_placeholders(counted)}) "
               f"GROUP BY a.unit_id, a.category_id, a.item")
        sql_params = [*issued_params, *issued_params, *life_params, *issued_params, *life_params,
                      *late_issue_params, *late_bought_params, *params, *a_ids, *counted]
        # A province's asset table in its index order; a brigade's few rows and the moved assets' are hashed.
        in_order = not small and rows.startswith(_t(Asset))
        found = _sorted_groups(sql, sql_params) if in_order else _rows(sql, sql_params)
        for unit_id, category, name, n, uniforms, unknown_life, overdue in found:
            c = own[unit_id]
            c[keys.asset(category)] += n
            if category in item_categories:
                c[keys.item(category, name)] += n
            if uniforms or unknown_life or overdue:  # a past date's moves may cancel out (weights -1 and +1)
                c[keys.UNIFORMS_ISSUED] += uniforms or 0
                c[keys.UNIFORMS_UNKNOWN_LIFE] += unknown_life or 0
                c[keys.UNIFORMS_OVERDUE] += overdue or 0


def _sorted_groups(sql: str, params: list) -> list[tuple]:
    """Runs a GROUP BY that PostgreSQL should answer in index order: its estimate of the groups makes it prefer
    hashing the rows, which costs a province several times more."""
    if connection.vendor != "postgresql":
        return _rows(sql, params)
    with connection.cursor() as cursor:
        cursor.execute("SET enable_hashagg = off")
    try:
        return _rows(sql, params)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET enable_hashagg")


def _uniform_life() -> tuple[str, list]:
    """SQL of a uniform item's service life in years: the asset's own, else its item type's (by name or code)."""
    years_by_item: dict[str, int] = {}
    for code, name, years in ItemType.objects.filter(category_id=CategoryCode.UNIFORM).values_list(
            "code", "name", "service_years"):
        if years:
            years_by_item.setdefault(name, years)
            years_by_item.setdefault(code, years)
    if not years_by_item:
        return "a.service_years", []
    lookup = " ".join("WHEN %s THEN %s" for _ in years_by_item)
    return (f"COALESCE(a.service_years, CASE a.item {lookup} ELSE NULL END)",
            [v for pair in years_by_item.items() for v in pair])


USUAL_LIVES = range(1, 13)


def _before_replacement(start: str, as_of: dt.date, life: str, life_params: list, units: list[UnitRow],
                        small: bool) -> tuple[str, list]:
    """SQL true when `start` (a.acquired, else the issue time) + the item's service life comes before as_of."""
    moment = start != "a.acquired"
    if connection.vendor == "postgresql":
        # as_of - life years, as years_before: PostgreSQL also clamps 29 February to the 28th. The usual service
        # lives are constants looked up by the CASE (computing an interval per row cost a province a tenth of a
        # second); others are computed.
        limit = f"CAST(CAST(%s AS DATE) - make_interval(years => CAST({life} AS INTEGER)) AS DATE)"
        whens = " ".join(f"WHEN {y} THEN %s" for y in USUAL_LIVES)
        if moment:
            limits = [_dtparam(dt.datetime.combine(years_before(as_of, y), dt.time(0), tzinfo=SHANGHAI))
                      for y in USUAL_LIVES]
            return (f"{start} < CASE {life} {whens} ELSE CAST({limit} AS TIMESTAMP) AT TIME ZONE %s END",
                    [*life_params, *limits, as_of, *life_params, str(SHANGHAI)])
        return (f"{start} < CASE {life} {whens} ELSE {limit} END",
                [*life_params, *(years_before(as_of, y) for y in USUAL_LIVES), as_of, *life_params])
    cases, params = [], []
    distinct_years = {life_params[i] for i in range(1, len(life_params), 2)} | set(
        Asset.objects.filter(category_id=CategoryCode.UNIFORM, service_years__isnull=False,
                             **({"unit_id__in": [u.id for u in units]} if small else {}))
        .order_by().values_list("service_years", flat=True).distinct())
    for y in sorted(distinct_years):
        limit = years_before(as_of, y)
        cases.append(f"WHEN {life} = %s THEN {start} < %s")
        params += [*life_params, y,
                   _dtparam(dt.datetime.combine(limit, dt.time(0), tzinfo=SHANGHAI)) if moment else limit]
    return (f"CASE {' '.join(cases)} ELSE FALSE END" if cases else "FALSE"), params


def vehicle_dossier_complete(vehicle, on: dt.date) -> bool:
    """SPEC vehicle-dossier: the file holds the VIN, the acquisition date, and at least one insurance and one
    inspection record by `on` (their expiry is a fleet reminder, not this clause)."""
    return bool((vehicle.vin or "").strip() and vehicle.acquired and vehicle.insurance_expires
                and vehicle.inspection_expires)


def counted_vehicles(unit_ids: set[int] | None, as_of: dt.date) -> list:
    from telematics.choices import COUNTED_VEHICLE_STATUSES
    from telematics.selectors import vehicles_as_of

    return [v for v in vehicles_as_of(as_of, unit_ids=unit_ids) if v.status in COUNTED_VEHICLE_STATUSES]


def _vehicles(own, unit_ids: set[int] | None, as_of: dt.date) -> None:
    for v in counted_vehicles(unit_ids, as_of):
        c = own[v.unit_id]
        c[keys.VEHICLES] += 1
        c[keys.SEATS] += v.seats
        c[keys.VEHICLES_LIVERY_COMPLIANT] += int(bool(v.livery_compliant))
        c[keys.VEHICLES_DOSSIER_COMPLETE] += int(vehicle_dossier_complete(v, as_of))
