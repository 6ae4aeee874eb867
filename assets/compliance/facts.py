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

from ..choices import (
    COUNTED_STATUSES,
    DEPARTED_STATUSES,
    AssetStatus,
    CategoryCode,
    CustodyAction,
    PersonRole,
    PersonStatus,
)
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
            f"a.unit_id, a.holder_person_id, l.status_after, l.unit_after_id, l.holder_person_after_id, "
            f"l.occurred_at FROM ({moved}) m "
            f"LEFT JOIN LATERAL (SELECT e.status_after, e.unit_after_id, e.holder_person_after_id, e.occurred_at "
            f"FROM {ev} e WHERE e.asset_id = m.asset_id AND e.occurred_at < %s "
            f"ORDER BY e.occurred_at DESC, e.id DESC LIMIT 1) l ON TRUE "
            f"CROSS JOIN LATERAL (SELECT * FROM {_t(Asset)} x WHERE x.id = m.asset_id LIMIT 1) a {keep}",
            [cutoff, cutoff, *keep_params])


def asset_states_sql(as_of: dt.date, *, moved: str | None = None) -> tuple[str, list]:
    """SQL of every asset as the ledger stood at the end of as_of: (id, tag, category_id, item, acquired,
    service_years, status, unit_id, holder_person_id, changed_at). Queries use it as `(...) a`.

    changed_at is the time of the asset's last event up to as_of where the report needs it from the ledger, NULL
    where that last event is also its latest (ask the ledger then). On PostgreSQL a past date takes the current
    tables for the assets that have not moved since (the Asset row is the projection of its latest event and the
    ledger is never back-dated) and the ledger for those that have (`moved`: a table of moved_states_sql)."""
    asset = _t(Asset)
    if is_current(as_of):
        return (f"SELECT {STATE_COLUMNS}, a.status, a.unit_id, a.holder_person_id, "
                f"CAST(NULL AS TIMESTAMP WITH TIME ZONE) AS changed_at FROM {asset} a", [])
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
                f"CAST(NULL AS TIMESTAMP WITH TIME ZONE) AS changed_at FROM {asset} a WHERE NOT EXISTS ({unmoved}) "
                f"UNION ALL SELECT m.asset_id, m.tag, m.category_id, m.item, m.acquired, m.service_years, "
                f"m.status_after, m.unit_after_id, m.holder_person_after_id, m.occurred_at FROM {moved} m "
                f"WHERE m.status_after IS NOT NULL", params)
    last = (f"SELECT e.asset_id, e.status_after, e.unit_after_id, e.holder_person_after_id, e.occurred_at "
            f"FROM {ev} e WHERE e.id = (SELECT e2.id FROM {ev} e2 WHERE e2.asset_id = e.asset_id "
            f"AND e2.occurred_at < %s ORDER BY e2.occurred_at DESC, e2.id DESC LIMIT 1)")
    return (f"SELECT {STATE_COLUMNS}, l.status_after AS status, l.unit_after_id AS unit_id, "
            f"l.holder_person_after_id AS holder_person_id, l.occurred_at AS changed_at "
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


def collect(root: OrgUnit, as_of: dt.date, *, offload_window: int = 7,
            item_categories: tuple[str, ...] = ("protective", "office")) -> Facts:
    """The counts of `root`'s subtree on `as_of` (see the module docstring)."""
    if connection.vendor != "postgresql":
        return _collect(root, as_of, offload_window, tuple(item_categories))
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
            return _collect(root, as_of, offload_window, tuple(item_categories))
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


def _collect(root: OrgUnit, as_of: dt.date, offload_window: int, item_categories: tuple[str, ...]) -> Facts:
    units = [UnitRow(*r) for r in OrgUnit.objects.filter(path__startswith=root.path).order_by("path").values_list(
        "id", "code", "name", "kind", "path", "parent_id", "population")]
    facts = Facts(as_of=as_of, root_id=root.pk, units=units, offload_window=offload_window)
    own: dict[int, Counter] = defaultdict(Counter)
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

    # People: active officers, frontline, auxiliaries, valid certificates, per unit.
    rows = _rows(
        f"SELECT p.unit_id, p.role, p.status, p.frontline, COUNT(*), "
        f"SUM(CASE WHEN pp.cert_no <> '' AND pp.cert_expires >= %s THEN 1 ELSE 0 END) "
        f"FROM ({own_people}) p JOIN {_t(Person)} pp ON pp.id = p.person_id "
        f"WHERE {in_p} GROUP BY p.unit_id, p.role, p.status, p.frontline",
        [as_of, *opparams, *p_ids])
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
        old, oparams = person_states_sql(year_ago, current=False, ever_in=ever_in)
        for unit_id, n in _rows(
                f"SELECT p.unit_id, COUNT(*) FROM ({old}) p "
                f"WHERE {in_p} AND p.role = %s AND p.status = %s GROUP BY p.unit_id",
                [*oparams, *p_ids, PersonRole.AUXILIARY, PersonStatus.ACTIVE]):
            own[unit_id]["auxiliaries_year_ago"] += n

    _equipment(own, units, small, whole, as_of, item_categories, moved)

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
        own[unit_id]["seals"] += 1
        own[unit_id]["seals_with_custodian"] += int(status == AssetStatus.ISSUED and holder in active)

    # Departed people (by their unit) and the officer-only items they still hold.
    departed = _rows(
        f"SELECT p.person_id, p.unit_id FROM ({own_people}) p "
        f"WHERE {in_p} AND p.status IN ({_placeholders(departed_statuses)})",
        [*opparams, *p_ids, *departed_statuses])
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
    in_e, e_ids = _within("e.unit_after_id", units, small, whole)
    for unit_id, lost, reported in _rows(
            f"SELECT e.unit_after_id, e.date_lost, e.date_reported FROM {_t(CustodyEvent)} e "
            f"JOIN {_t(Asset)} a ON a.id = e.asset_id "
            f"WHERE e.action = %s AND e.occurred_at < %s AND a.category_id = %s AND {in_e}",
            [CustodyAction.REPORT_LOST, _dtparam(end_of_day(as_of)), CategoryCode.CERTIFICATE, *e_ids]):
        facts.certificate_losses.append((unit_id, (reported - lost).days if lost and reported else 10 ** 6))

    # The whole bureau: every vehicle, without sending the province's unit ids along.
    _vehicles(own, None if whole else {u.id for u in units}, as_of)
    _recorders(facts, own, root, as_of, offload_window, states, sparams, small, whole)
    facts.own = dict(own)
    return facts


def _equipment(own, units: list[UnitRow], small: bool, whole: bool, as_of: dt.date,
               item_categories: tuple[str, ...], moved: str | None) -> None:
    """Owned equipment (in stock, issued, in repair) by unit and category, by item where rules count items, and
    the issued uniform items with those past their replacement date.

    One pass over the current assets in the order of the asset (unit, category, item) index, which carries every
    column read here: PostgreSQL counts a province from the index alone, group after group, in parallel, without
    hashing a million rows. A past date adds the moved assets' states then and takes away their current rows
    (`moved`: moved_states_sql's table); other databases read the ledger states instead."""
    columns = "asset_id AS id, category_id, item, acquired, service_years"
    passes = [(f"{_t(Asset)} a", "1", "NULL", [])]  # (rows, weight, changed_at, parameters)
    if moved is not None:
        passes.append((
            f"(SELECT {columns}, status, unit_id, CAST(NULL AS TIMESTAMP WITH TIME ZONE) AS changed_at, "
            f"-1 AS weight FROM {moved} UNION ALL "
            f"SELECT {columns}, status_after, unit_after_id, occurred_at, 1 FROM {moved} "
            f"WHERE status_after IS NOT NULL) a",
            "a.weight", "a.changed_at", []))
    elif not is_current(as_of):
        states, params = asset_states_sql(as_of)
        passes = [(f"({states}) a", "1", "a.changed_at", params)]
    counted = [str(s) for s in COUNTED_STATUSES]
    in_a, a_ids = _within("a.unit_id", units, small, whole)
    life, life_params = _uniform_life()
    issued = "a.category_id = %s AND a.status = %s"
    issued_params = [CategoryCode.UNIFORM, AssetStatus.ISSUED]
    late, late_params = _before_replacement("a.acquired", as_of, life, life_params, units, small)
    for rows, weight, changed_at, params in passes:
        # Items without an acquisition date are judged from their issue date, a ledger lookup each: counted
        # here, judged below (none, usually) so that this pass stays a plain scan of the index.
        total = "COUNT(*)" if weight == "1" else f"SUM({weight})"
        sql = (f"SELECT a.unit_id, a.category_id, a.item, {total}, "
               f"{total} FILTER (WHERE {issued}), "
               f"{total} FILTER (WHERE {issued} AND {life} IS NULL), "
               f"{total} FILTER (WHERE {issued} AND a.acquired IS NOT NULL AND {late}), "
               f"COUNT(*) FILTER (WHERE {issued} AND a.acquired IS NULL AND {life} IS NOT NULL) "
               f"FROM {rows} WHERE {in_a} AND a.status IN ({_placeholders(counted)}) "
               f"GROUP BY a.unit_id, a.category_id, a.item")
        sql_params = [*issued_params, *issued_params, *life_params, *issued_params, *late_params, *issued_params,
                      *life_params, *params, *a_ids, *counted]
        # A province's asset table in its index order; a brigade's few rows and the moved assets' are hashed.
        in_order = not small and rows.startswith(_t(Asset))
        found = _sorted_groups(sql, sql_params) if in_order else _rows(sql, sql_params)
        undated = False
        for unit_id, category, name, n, uniforms, unknown, overdue, pending in found:
            c = own[unit_id]
            c[f"asset:{category}"] += n
            if category in item_categories:
                c[f"item:{category}:{name}"] += n
            if uniforms or unknown or overdue:  # a past date's moves may cancel out (weights -1 and +1)
                c["uniforms_issued"] += uniforms or 0
                c["uniforms_unknown_life"] += unknown or 0
                c["uniforms_overdue"] += overdue or 0
            undated = undated or bool(pending)
        if undated:
            if is_current(as_of):
                issued_at = (f"(SELECT MAX(e.occurred_at) FROM {_t(CustodyEvent)} e WHERE e.asset_id = a.id "
                             f"AND e.action = 'issue')")
            else:
                # The last event of an issued item is its issue; NULL changed_at: that event is also its latest.
                issued_at = (f"COALESCE({changed_at}, (SELECT MAX(e.occurred_at) FROM {_t(CustodyEvent)} e "
                             f"WHERE e.asset_id = a.id))")
            late_issue, late_issue_params = _before_replacement(issued_at, as_of, life, life_params, units, small)
            for unit_id, overdue in _rows(
                    f"SELECT a.unit_id, {total} FILTER (WHERE {late_issue}) FROM {rows} "
                    f"WHERE {in_a} AND {issued} AND a.acquired IS NULL AND {life} IS NOT NULL GROUP BY a.unit_id",
                    [*late_issue_params, *params, *a_ids, *issued_params, *life_params]):
                own[unit_id]["uniforms_overdue"] += overdue or 0


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


def _before_replacement(start: str, as_of: dt.date, life: str, life_params: list, units: list[UnitRow],
                        small: bool) -> tuple[str, list]:
    """SQL true when `start` (a.acquired, else the issue time) + the item's service life comes before as_of."""
    moment = start != "a.acquired"
    if connection.vendor == "postgresql":
        # as_of - life years, as years_before: PostgreSQL also clamps 29 February to the 28th.
        limit = f"CAST(CAST(%s AS DATE) - make_interval(years => CAST({life} AS INTEGER)) AS DATE)"
        if moment:
            return f"{start} < CAST({limit} AS TIMESTAMP) AT TIME ZONE %s", [as_of, *life_params, str(SHANGHAI)]
        return f"{start} < {limit}", [as_of, *life_params]
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
    """SPEC: VIN, acquired date, and insurance and annual inspection not expired on `on`."""
    from telematics import selectors as vehicle_selectors

    gaps = getattr(vehicle_selectors, "vehicle_dossier_gaps", None)
    if gaps is not None:
        return not gaps(vehicle, on)
    return bool(vehicle.vin and vehicle.acquired and vehicle.insurance_expires and vehicle.insurance_expires >= on
                and vehicle.inspection_expires and vehicle.inspection_expires >= on)


def counted_vehicles(unit_ids: set[int] | None, as_of: dt.date) -> list:
    from telematics.choices import COUNTED_VEHICLE_STATUSES
    from telematics.selectors import vehicles_as_of

    return [v for v in vehicles_as_of(as_of, unit_ids=unit_ids) if v.status in COUNTED_VEHICLE_STATUSES]


def _vehicles(own, unit_ids: set[int] | None, as_of: dt.date) -> None:
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
               small: bool, whole: bool) -> None:
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
    in_a, a_ids = _within("a.unit_id", facts.units, small, whole)
    window_params = [days[0], as_of, _dtparam(end_of_day(as_of))]
    dock, in_window = _t(DockOffload), "d.recorded_on >= %s AND d.recorded_on <= %s AND d.ts < %s"
    if small:  # a few recorders: look each one's days up
        days_sum, joined = (f"SUM((SELECT COUNT(DISTINCT d.recorded_on) FROM {dock} d "
                             f"WHERE d.recorder_tag = a.tag AND {in_window}))"), ""
        offloaded_params, joined_params = window_params, []
    else:  # the province's: count the window's offloads once, by recorder, in the order of the dock's index
        days_sum, joined = "SUM(o.days)", (f"LEFT JOIN (SELECT recorder_tag, COUNT(*) AS days FROM ("
                                            f"SELECT DISTINCT d.recorder_tag, d.recorded_on FROM {dock} d "
                                            f"WHERE {in_window}) offloads GROUP BY recorder_tag) o "
                                            f"ON o.recorder_tag = a.tag")
        offloaded_params, joined_params = [], window_params
    for unit_id, recorders, offloaded in _rows(
            f"SELECT a.unit_id, COUNT(*), {days_sum} FROM ({states}) a {joined} "
            f"WHERE {in_a} AND a.category_id = %s AND a.status = %s {exclude} "
            f"GROUP BY a.unit_id",
            [*offloaded_params, *params, *joined_params, *a_ids, CategoryCode.RECORDER, AssetStatus.ISSUED, *moved]):
        own[unit_id]["recorder_days"] += recorders * len(days)
        own[unit_id]["recorder_days_offloaded"] += int(offloaded or 0)
    owed_moved = recorder_days(root, as_of, window, only_moved=True) if moved else {}
    if owed_moved:
        tags = {tag for owed in owed_moved.values() for _, tag, _ in owed}
        offloaded_pairs = set(reports.filter(recorder_tag__in=tags).values_list("recorder_tag", "recorded_on"))
        for unit_id, owed in owed_moved.items():
            own[unit_id]["recorder_days"] += len(owed)
            own[unit_id]["recorder_days_offloaded"] += sum(1 for _, tag, day in owed if (tag, day) in offloaded_pairs)
