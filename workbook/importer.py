"""Imports a bureau workbook all-or-nothing: parse and check every row first, then write in one transaction.

Rows are matched to what is already registered by their natural key (unit code, staff number, tag, plate,
date, shift, vehicle + start), so importing the same workbook again writes nothing. Rows absent from the
workbook are left as they are: an import never deletes, except that a unit's duty schedule is replaced by
the shifts the workbook lists for that unit.
"""
from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from assets import bulk, ledger
from assets.choices import EXPIRING_CATEGORIES, AssetStatus, CategoryCode, ChangeAction, CustodyAction, PersonRole
from assets.labels import category_name
from assets.models import Asset, ChangeRecord, OrgUnit, Person, PersonHistory

from quartermaster.context import current
from quartermaster.errors import DomainError
from quartermaster.spreadsheets import CONTROL_CHARACTERS, restore

from . import cells
from .errors import CellError, RowError, WorkbookError
from .reader import Row, SheetSource, Workbook
from .schema import (
    ASSET_STATUSES,
    HOLIDAY_KINDS,
    PERSON_STATUSES,
    ROLES,
    UNIT_KINDS,
    VEHICLE_STATUSES,
    category_codes,
)
from .xlsx import BadCell

BATCH = bulk.BATCH
IMPORT_NOTE = "导入台账"  # on every ledger event the import writes: the movement was recorded, not witnessed
# The items personnel shorthand stands for (SPEC "Bureau workbook"): cert_no → the certificate, badge_no → the 胸号.
CERTIFICATE_ITEM = "行政执法证"
BADGE_ITEM = "胸号"


class Progress:
    """What the importer reports while it works; `qm import` shows it with tqdm. The default shows nothing."""

    def start(self, label: str, total: int | None) -> None:
        """A new stage begins."""

    def advance(self, count: int) -> None:
        """`count` more rows of the current stage are done."""

    def finish(self) -> None:
        """The current stage is done."""


@dataclass
class SheetCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0


@dataclass
class ImportResult:
    counts: dict[str, SheetCounts] = field(default_factory=dict)
    events: int = 0
    change_records: int = 0
    notices: list[str] = field(default_factory=list)
    rows: int = 0

    def summary(self) -> str:
        parts = [(_("%(sheet)s：新增 %(created)s，更新 %(updated)s，未变 %(unchanged)s，删除 %(deleted)s") if c.deleted
                  else _("%(sheet)s：新增 %(created)s，更新 %(updated)s，未变 %(unchanged)s")) % {
                     "sheet": sheet, "created": c.created, "updated": c.updated, "unchanged": c.unchanged,
                     "deleted": c.deleted} for sheet, c in self.counts.items()]
        parts.append(_("台账事件：%(count)s") % {"count": self.events})
        return pgettext("list separator", "；").join(parts)



# --- parsed rows ---------------------------------------------------------------------------------

@dataclass(slots=True)
class UnitRow:
    row: int
    code: str
    name: str
    kind: str
    parent: str
    population: int | None
    depot_lat: float | None = None
    depot_lon: float | None = None
    depot_radius_m: float | None = None
    depot_given: bool = False  # the sheet has the depot columns (without them a unit's depot is left as it is)


@dataclass(slots=True)
class PersonRow:
    row: int
    staff_no: str
    name: str
    unit: str
    role: str
    frontline: bool
    status: str
    cert_no: str
    cert_expires: dt.date | None
    badge_no: str | None
    # The sheet has the cert_no / badge_no column: without it the registered certificate number and expiry (or badge
    # number) are left as they are, like the depot and seal columns; they are shorthand, not the person's file.
    cert_given: bool = True
    badge_given: bool = True


@dataclass(slots=True)
class AssetRow:
    row: int
    tag: str
    category: str
    item: str
    unit: str
    holder: str
    status: str
    serial: str
    model: str
    size: str
    acquired: dt.date | None
    service_years: int | None
    expires: dt.date | None = None
    shorthand: bool = False  # written for a personnel row's cert_no or badge_no, not listed on the assets sheet
    # The finance columns (price, finance_card_no): None when the sheet has no such column, which leaves the
    # registered value as it is; an empty cell of a given column clears it.
    price: Decimal | None = None
    finance_card_no: str | None = None
    price_given: bool = False


@dataclass(slots=True)
class VehicleRow:
    row: int
    plate: str
    unit: str
    seats: int
    vin: str
    vehicle_type: str
    terminal_id: str | None
    livery_compliant: bool
    status: str
    acquired: dt.date | None
    insurance_expires: dt.date | None
    inspection_expires: dt.date | None
    sealed_from: dt.date | None = None
    sealed_to: dt.date | None = None


@dataclass(slots=True)
class ShiftRow:
    row: int
    unit: str
    weekdays: str
    start: dt.time
    end: dt.time


@dataclass(slots=True)
class HolidayRow:
    row: int
    date: dt.date
    kind: str
    name: str


@dataclass(slots=True)
class TripRow:
    row: int
    plate: str
    start: dt.datetime
    end: dt.datetime
    purpose: str
    dest_lat: float | None
    dest_lon: float | None
    approved_by: str


class _RowReader:
    """Reads the cells of one row, turning each refusal into a RowError that names the cell."""

    def __init__(self, source: SheetSource, number: int, values: Row, errors: list[RowError]):
        self.source, self.number, self.values, self.errors = source, number, values, errors
        self.ok = True

    def header(self, key: str) -> str:
        """A column as the file names it (its header), for messages that name another column."""
        return self.source.headers.get(key, key)

    def error(self, key: str, reason: str) -> None:
        self.ok = False
        column = self.source.headers.get(key, key)
        self.errors.append(RowError(self.source.order, self.number, self.source.name, column, reason))

    def get(self, key: str, convert: Callable = cells.text, *, required: bool = False,
            max_length: int | None = None, **kwargs):
        raw = self.values.get(key)
        if isinstance(raw, BadCell):
            self.error(key, raw.reason)
            return None
        if isinstance(raw, str):
            bad = CONTROL_CHARACTERS.search(raw)
            if bad:  # refused here, with its cell: stored, it would stop every later XLSX export
                self.error(key, _("第 %(position)s 个字符是控制字符 %(char)s") % {
                    "position": bad.start() + 1, "char": f"U+{ord(bad[0]):04X}"})
                return None
            raw = restore(raw)  # the apostrophe an export puts before text that looks like a formula
        try:
            value = convert(raw, **kwargs)
        except CellError as exc:
            self.error(key, str(exc))
            return None
        if required and (value is None or value == ""):
            if key in self.source.positions:  # a missing column is one error, on the header row
                self.error(key, _("%(column)s 为必填项") % {"column": self.header(key)})
            self.ok = False
            return None
        if max_length is not None and isinstance(value, str) and len(value) > max_length:
            self.error(key, _("“%(start)s…”有 %(length)s 个字符；最多 %(max)s 个") % {
                "start": value[:20], "length": len(value), "max": max_length})
            return None
        return value


# Words that go inside the messages' sentences (lower case in English).
_UNIT_KIND = pgettext_lazy("in a sentence", "单位类型")
_ROLE = pgettext_lazy("in a sentence", "角色")
_PERSON_STATUS = pgettext_lazy("in a sentence", "人员状态")
_CATEGORY = pgettext_lazy("in a sentence", "装备类别")
_ASSET_STATUS = pgettext_lazy("in a sentence", "装备状态")
_VEHICLE_STATUS = pgettext_lazy("in a sentence", "车辆状态")
_HOLIDAY_KIND = pgettext_lazy("in a sentence", "节假日类型")
_AUXILIARY = pgettext_lazy("in a sentence", "协管人员")
_OFFICER = pgettext_lazy("in a sentence", "执法人员")
_UNIT = pgettext_lazy("in a sentence", "单位")
_OFFICERS = pgettext_lazy("plural in a sentence", "执法人员")
_AUXILIARIES = pgettext_lazy("plural in a sentence", "协管人员")


def _both(r: _RowReader, first: str, second: str) -> str:
    return _("请同时填写 %(first)s 和 %(second)s，或都不填") % {"first": r.header(first), "second": r.header(second)}


def _twice(value, first_row: int) -> str:
    return _("%(value)s 出现了两次（另见第 %(row)s 行）") % {"value": value, "row": first_row}


def _who(row) -> str:
    """A person of the workbook by name and staff number."""
    return _("%(name)s（工号 %(staff_no)s）") % {"name": row.name, "staff_no": row.staff_no}


def _status(code: str) -> str:
    return str(dict(AssetStatus.choices).get(code, code))


@functools.cache

def _max(model: type[models.Model], name: str) -> int:
    return model._meta.get_field(name).max_length  # asked once per cell: cached


def _chunks(items: list, size: int = BATCH) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


class WorkbookImport:
    """One run of the import: `run()` checks the whole workbook, then writes it or raises WorkbookError."""

    def __init__(self, workbook: Workbook, *, progress: Progress | None = None, now: dt.datetime | None = None):
        self.book = workbook
        self.progress = progress or Progress()
        self.now = now or timezone.now()
        self.today = timezone.localdate(self.now)
        self.errors: list[RowError] = list(workbook.errors)
        self._event_count = 0
        self.result = ImportResult(notices=list(workbook.notices))
        self.units: list[UnitRow] = []
        self.people: list[PersonRow] = []
        self.assets: list[AssetRow] = []
        self.vehicles: list[VehicleRow] = []
        self.shifts: list[ShiftRow] = []
        self.holidays: list[HolidayRow] = []
        self.trips: list[TripRow] = []
        # Keys of rows refused while parsing: rows referring to them get no second, "unknown" error.
        self.refused: dict[str, set[str]] = defaultdict(set)

    # --- the run ---------------------------------------------------------------------------------

    def run(self, *, dry_run: bool = False) -> ImportResult:
        self._parse()
        self._load_registry()
        self._check_units()
        self._check_people()
        self._check_assets()
        self._check_vehicles()
        self._check_calendar()
        self._check_trips()
        if self.errors:
            raise WorkbookError(self.errors)
        if dry_run:
            return self.result
        self.ctx = current()
        self._content_types = {m: ContentType.objects.get_for_model(m).pk for m in (Asset, Person)}
        with transaction.atomic():
            self._write_units()
            self._write_people()
            self._write_assets()
            self._write_vehicles()
            self._write_shifts()
            self._write_holidays()
            self._write_trips()
        self.result.events = self._event_count
        return self.result

    def _err(self, sheet_key: str, row: int, key: str, reason: str) -> None:
        source = self.book.sheets[sheet_key]
        self.errors.append(RowError(source.order, row, source.name, source.headers.get(key, key), reason))

    # --- parsing ---------------------------------------------------------------------------------

    def _rows(self, key: str) -> Iterable[_RowReader]:
        source = self.book.sheets.get(key)
        if source is None:
            return
        self.progress.start(f"reading {source.name}", source.total)
        count = 0
        for number, values in source.rows():
            count += 1
            self.result.rows += 1
            yield _RowReader(source, number, values, self.errors)
            if count % 1000 == 0:
                self.progress.advance(1000)
        self.errors.extend(source.errors)
        self.progress.advance(count % 1000)
        self.progress.finish()

    def _parse(self) -> None:
        cats = category_codes()
        for r in self._rows("units"):
            row = UnitRow(r.number, r.get("code", required=True, max_length=_max(OrgUnit, "code")),
                          r.get("name", required=True, max_length=_max(OrgUnit, "name")),
                          r.get("kind", cells.choice, mapping=UNIT_KINDS, what=_UNIT_KIND),
                          r.get("parent"), r.get("population", cells.integer),
                          r.get("depot_lat", cells.decimal_degrees, limit=90),
                          r.get("depot_lon", cells.decimal_degrees, limit=180),
                          r.get("depot_radius_m", cells.positive_number),
                          depot_given=bool({"depot_lat", "depot_lon"} & set(r.source.positions)))
            if row.code and "/" in row.code:
                r.error("code", _("单位编码“%(code)s”不能含有“/”") % {"code": row.code})
            lat_given, lon_given = (bool(cells.text(r.values.get(k))) for k in ("depot_lat", "depot_lon"))
            if lat_given != lon_given:
                r.error("depot_lon" if lat_given else "depot_lat", _both(r, "depot_lat", "depot_lon"))
            elif cells.text(r.values.get("depot_radius_m")) and not lat_given:
                r.error("depot_radius_m", _("设置车场半径须先填写车场的 %(lat)s 和 %(lon)s") % {
                    "lat": r.header("depot_lat"), "lon": r.header("depot_lon")})
            if r.ok:
                self.units.append(row)
            elif row.code:
                self.refused["units"].add(row.code)
        for r in self._rows("personnel"):
            row = PersonRow(r.number, r.get("staff_no", required=True, max_length=_max(Person, "staff_no")),
                            r.get("name", required=True, max_length=_max(Person, "name")),
                            r.get("unit", required=True),
                            r.get("role", cells.choice, mapping=ROLES, what=_ROLE),
                            r.get("frontline", cells.yes_no),
                            r.get("status", cells.choice, mapping=PERSON_STATUSES, what=_PERSON_STATUS,
                                  default="active"),
                            r.get("cert_no", max_length=_max(Person, "cert_no")),
                            r.get("cert_expires", cells.date),
                            r.get("badge_no", max_length=_max(Person, "badge_no")) or None,
                            cert_given="cert_no" in r.source.positions, badge_given="badge_no" in r.source.positions)
            if r.ok:
                self.people.append(row)
            elif row.staff_no:
                self.refused["personnel"].add(row.staff_no)
        for r in self._rows("assets"):
            holder = r.get("holder")
            row = AssetRow(r.number, r.get("tag", required=True, max_length=_max(Asset, "tag")),
                           r.get("category", cells.choice, mapping=cats, what=_CATEGORY),
                           r.get("item", max_length=_max(Asset, "item")), r.get("unit", required=True), holder,
                           r.get("status", cells.choice, mapping=ASSET_STATUSES, what=_ASSET_STATUS,
                                 default="issued" if holder else "in_stock"),
                           r.get("serial", max_length=_max(Asset, "serial")),
                           r.get("model", max_length=_max(Asset, "model")),
                           r.get("size", max_length=_max(Asset, "size")),
                           r.get("acquired", cells.date), r.get("service_years", cells.integer),
                           r.get("expires", cells.date))
            if "price" in r.source.positions:
                row.price, row.price_given = r.get("price", cells.money), True
            if "finance_card_no" in r.source.positions:
                row.finance_card_no = r.get("finance_card_no", max_length=_max(Asset, "finance_card_no"))
            if row.expires and row.category not in EXPIRING_CATEGORIES:
                r.error("expires", _("只有执法证件和工作证才有有效期，%(category)s没有") % {
                    "category": category_name(row.category)})
            if row.acquired and row.acquired > self.today:
                r.error("acquired", _("购置日期 %(date)s 在今天之后") % {"date": row.acquired})
            if r.ok:
                self.assets.append(row)
        from telematics.models import Trip, Vehicle

        for r in self._rows("vehicles"):
            row = VehicleRow(r.number, r.get("plate", required=True, max_length=_max(Vehicle, "plate")),
                             r.get("unit", required=True), r.get("seats", cells.integer, required=True, minimum=1),
                             (r.get("vin", max_length=_max(Vehicle, "vin")) or "").upper(),  # as the vehicle file keeps it
                             r.get("type", max_length=_max(Vehicle, "vehicle_type")),
                             r.get("terminal_id", max_length=_max(Vehicle, "terminal_id")) or None,
                             r.get("livery", cells.yes_no),
                             r.get("status", cells.choice, mapping=VEHICLE_STATUSES, what=_VEHICLE_STATUS,
                                   default="in_service"),
                             r.get("acquired", cells.date), r.get("insurance_expires", cells.date),
                             r.get("inspection_expires", cells.date), r.get("sealed_from", cells.date),
                             r.get("sealed_to", cells.date))
            from_given, to_given = (bool(cells.text(r.values.get(k))) for k in ("sealed_from", "sealed_to"))
            if from_given != to_given:
                r.error("sealed_to" if from_given else "sealed_from", _both(r, "sealed_from", "sealed_to"))
            elif row.sealed_from and row.sealed_to and row.sealed_to < row.sealed_from:
                r.error("sealed_to", _("%(to)s %(end)s 早于 %(from)s %(start)s") % {
                    "to": r.header("sealed_to"), "end": row.sealed_to, "from": r.header("sealed_from"),
                    "start": row.sealed_from})
            if r.ok:
                self.vehicles.append(row)
            elif row.plate:
                self.refused["vehicles"].add(row.plate)
        for r in self._rows("duty_schedules"):
            row = ShiftRow(r.number, r.get("unit", required=True), r.get("weekdays", cells.weekdays),
                           r.get("start", cells.time_of_day, required=True),
                           r.get("end", cells.time_of_day, required=True))
            if r.ok:
                self.shifts.append(row)
        for r in self._rows("holidays"):
            row = HolidayRow(r.number, r.get("date", cells.date, required=True),
                             r.get("kind", cells.choice, mapping=HOLIDAY_KINDS, what=_HOLIDAY_KIND),
                             r.get("name", max_length=50))
            if r.ok:
                self.holidays.append(row)
        for r in self._rows("trips"):
            row = TripRow(r.number, r.get("plate", required=True), r.get("start", cells.moment, required=True),
                          r.get("end", cells.moment, required=True),
                          r.get("purpose", required=True, max_length=_max(Trip, "purpose")),
                          r.get("dest_lat", cells.decimal_degrees, limit=90),
                          r.get("dest_lon", cells.decimal_degrees, limit=180),
                          r.get("approved_by", max_length=_max(Trip, "approved_by")))
            if row.start and row.end and row.end <= row.start:
                r.error("end", _("结束 %(end)s 不晚于开始 %(start)s") % {"end": row.end.isoformat(),
                                                                         "start": row.start.isoformat()})
            if cells.text(r.values.get("dest_lat")) and not cells.text(r.values.get("dest_lon")) or \
                    cells.text(r.values.get("dest_lon")) and not cells.text(r.values.get("dest_lat")):
                r.error("dest_lon" if row.dest_lon is None else "dest_lat", _both(r, "dest_lat", "dest_lon"))
            if r.ok:
                self.trips.append(row)

    # --- what is registered already --------------------------------------------------------------

    def _load_registry(self) -> None:
        self.db_units = {u.code: u for u in OrgUnit.objects.all()}
        self.db_unit_codes = {u.pk: u.code for u in self.db_units.values()}
        self.db_people = {}
        if self.people or self.assets:
            self.db_people = {p[1]: p for p in Person.objects.values_list(
                "pk", "staff_no", "name", "unit_id", "role", "frontline", "status", "cert_no", "cert_expires",
                "badge_no").iterator(chunk_size=BATCH)}
        self.db_assets = {}
        if self.assets or any(p.cert_no or p.badge_no for p in self.people):
            self.db_assets = {a[1]: a for a in Asset.objects.values_list(
                "pk", "tag", "category_id", "item", "unit_id", "holder_person_id", "holder_unit_id", "status",
                "serial", "model", "size", "acquired", "service_years", "expires", "price",
                "finance_card_no").iterator(chunk_size=BATCH)}

    def _unit_known(self, code: str) -> bool:
        return code in self.file_units or code in self.db_units or code in self.refused["units"]

    # --- checks across rows and against the registry ---------------------------------------------

    def _check_units(self) -> None:
        self.file_units: dict[str, UnitRow] = {}
        for row in self.units:
            if row.code in self.file_units:
                self._err("units", row.row, "code", _twice(row.code, self.file_units[row.code].row))
                continue
            self.file_units[row.code] = row
        # The tree after the import: the registry's parents overlaid with the workbook's.
        parents = {code: (self.db_unit_codes.get(u.parent_id) if u.parent_id else "")
                   for code, u in self.db_units.items()}
        for row in self.file_units.values():
            if row.parent and not self._unit_known(row.parent):
                self._err("units", row.row, "parent", _("没有代码为 %(code)s 的单位") % {"code": row.parent})
            parents[row.code] = row.parent
        self.unit_depth: dict[str, int] = {}
        for row in self.file_units.values():
            chain, code = [row.code], parents.get(row.code)
            while code and code in parents and code not in chain:
                chain.append(code)
                code = parents.get(code)
            if code and code in chain:
                loop = " → ".join(chain[chain.index(code):] + [code])
                self._err("units", row.row, "parent", _("单位的上下级形成循环：%(loop)s") % {"loop": loop})
            self.unit_depth[row.code] = len(chain)

    def _check_people(self) -> None:
        self.file_people: dict[str, PersonRow] = {}
        badges: dict[str, str] = {p[9]: p[1] for p in self.db_people.values() if p[9]}
        for row in self.people:
            if row.staff_no in self.file_people:
                self._err("personnel", row.row, "staff_no",
                          _twice(row.staff_no, self.file_people[row.staff_no].row))
                continue
            self.file_people[row.staff_no] = row
            if not self._unit_known(row.unit):
                self._err("personnel", row.row, "unit", _("没有代码为 %(code)s 的单位") % {"code": row.unit})
            # An auxiliary listed with a certificate or a badge number breaks a custody rule, not the record: the
            # shorthand items are recorded as held by them (SPEC: such a fact is recorded as it stands, and said).
            if row.role == PersonRole.AUXILIARY:
                if row.badge_no:
                    self._person_as_it_stands(row, _("%(person)s 是协管人员；胸号只绑定给执法人员") % {
                        "person": _who(row)})
                if row.cert_no:
                    self._person_as_it_stands(row, _("%(person)s 是协管人员；执法证只由执法人员持有") % {
                        "person": _who(row)})
            if row.cert_expires and not row.cert_no:
                self._err("personnel", row.row, "cert_no", _("填写了执法证有效期，却没有执法证号"))
            old = self.db_people.get(row.staff_no)
            if old and old[9] and row.badge_given and row.badge_no != old[9]:
                self._err("personnel", row.row, "badge_no",
                          _("胸号 %(badge)s 终身绑定给 %(person)s，不能改为 %(new)s") % {
                              "badge": old[9], "person": _who(row), "new": row.badge_no or _("空")})
        # Badge numbers are unique across the registry as it will stand after the import.
        for staff_no in self.file_people:
            old = self.db_people.get(staff_no)
            if old and old[9] and badges.get(old[9]) == staff_no and self.file_people[staff_no].badge_given:
                del badges[old[9]]
        seen: dict[str, PersonRow] = {}
        for row in self.file_people.values():
            if not row.badge_no:
                continue
            if row.badge_no in seen:
                self._err("personnel", row.row, "badge_no",
                          _("胸号 %(badge)s 与第 %(row)s 行（%(person)s）重复") % {
                              "badge": row.badge_no, "row": seen[row.badge_no].row, "person": _who(seen[row.badge_no])})
            elif row.badge_no in badges:
                self._err("personnel", row.row, "badge_no", _("胸号 %(badge)s 已绑定给 %(person)s") % {
                    "badge": row.badge_no, "person": self._person(badges[row.badge_no])})
            seen.setdefault(row.badge_no, row)
        # A certificate number is its certificate's tag: two people listing one number is a duplicate tag.
        certs: dict[str, str] = {p[7]: p[1] for p in self.db_people.values()
                                 if p[7] and not (p[1] in self.file_people and self.file_people[p[1]].cert_given)}
        numbers: dict[str, PersonRow] = {}
        for row in self.file_people.values():
            if not row.cert_no:
                continue
            if row.cert_no in numbers:
                self._err("personnel", row.row, "cert_no", _("执法证号 %(cert)s 与第 %(row)s 行（%(person)s）重复") % {
                    "cert": row.cert_no, "row": numbers[row.cert_no].row, "person": _who(numbers[row.cert_no])})
            elif certs.get(row.cert_no, row.staff_no) != row.staff_no:
                self._err("personnel", row.row, "cert_no", _("执法证号 %(cert)s 已登记给 %(person)s") % {
                    "cert": row.cert_no, "person": self._person(certs[row.cert_no])})
            numbers.setdefault(row.cert_no, row)

    def _person_as_it_stands(self, row: PersonRow, reason: str) -> None:
        self.result.notices.append(_("人员表第 %(row)s 行：按现状导入，尽管%(reason)s") % {
            "row": row.row, "reason": reason})

    def _person(self, staff_no: str) -> str:
        """A person named by the workbook or the registry: name and staff number (the number alone if unknown)."""
        row = self.file_people.get(staff_no)
        name = row.name if row is not None else (self.db_people[staff_no][2] if staff_no in self.db_people else "")
        if not name:
            return staff_no
        return _("%(name)s（工号 %(staff_no)s）") % {"name": name, "staff_no": staff_no}

    def _holder_role(self, staff_no: str) -> str | None:
        row = self.file_people.get(staff_no)
        if row is not None:
            return row.role
        old = self.db_people.get(staff_no)
        return old[4] if old else None

    def _check_assets(self) -> None:
        self.file_assets: dict[str, AssetRow] = {}
        for row in self.assets:
            if row.tag in self.file_assets:
                self._err("assets", row.row, "tag", _twice(row.tag, self.file_assets[row.tag].row))
                continue
            self.file_assets[row.tag] = row
            if not self._unit_known(row.unit):
                self._err("assets", row.row, "unit", _("没有代码为 %(code)s 的单位") % {"code": row.unit})
            # The ledger's recipient rule; a held item breaking it is recorded as it stands, and said.
            officer_only = ledger.recipient_role(row.category) == PersonRole.OFFICER
            auxiliary_only = ledger.recipient_role(row.category) == PersonRole.AUXILIARY
            role = self._holder_role(row.holder) if row.holder else None
            if row.holder and role is None and row.holder in self.refused["personnel"]:
                continue  # that person's row is refused already; more errors here would only repeat it
            if row.holder:
                if role is None and not self._unit_known(row.holder):
                    self._err("assets", row.row, "holder", _("没有工号为 %(staff_no)s 的人员") % {
                        "staff_no": row.holder})
                elif row.status not in (AssetStatus.ISSUED, AssetStatus.LOST):
                    self._err("assets", row.row, "holder",
                              _("填写了持有人 %(holder)s，但状态为%(status)s；只有已发放（或遗失）的装备才有持有人") % {
                                  "holder": self._person(row.holder), "status": _status(row.status)})
                elif officer_only and role != PersonRole.OFFICER:
                    self._as_it_stands(row, _("%(category)s只发给执法人员（严禁非城管执法人员穿着），"
                                              "而 %(holder)s 是%(who)s") % {
                        "category": category_name(row.category), "holder": self._person(row.holder),
                        "who": _AUXILIARY if role == PersonRole.AUXILIARY else _UNIT})
                elif auxiliary_only and role != PersonRole.AUXILIARY:
                    self._as_it_stands(row, _("%(category)s只发给协管人员，而 %(holder)s 是%(who)s") % {
                        "category": category_name(row.category), "holder": self._person(row.holder),
                        "who": _OFFICER if role == PersonRole.OFFICER else _UNIT})
            elif row.status == AssetStatus.ISSUED and (officer_only or auxiliary_only):
                self._as_it_stands(row, _("已发放却没有持有人（发给了单位）；%(category)s只发给%(whom)s") % {
                    "category": category_name(row.category),
                    "whom": _OFFICERS if officer_only else _AUXILIARIES})
            old = self.db_assets.get(row.tag)
            if old and old[7] == AssetStatus.RETIRED and row.status != AssetStatus.RETIRED:
                self._err("assets", row.row, "status",
                          _("%(tag)s 在登记册中已报废；报废的装备不能再变为%(status)s") % {
                              "tag": row.tag, "status": _status(row.status)})
        self._shorthand_assets()

    def _as_it_stands(self, row: AssetRow, reason: str) -> None:
        """A recorded fact that a custody rule would refuse as a new movement: imported as it stands (SPEC: the
        refusals apply to new movements, not to the recorded past), and said."""
        self.result.notices.append(_("装备表第 %(row)s 行（%(tag)s）：按现状导入，尽管%(reason)s") % {
            "row": row.row, "tag": row.tag, "reason": reason})

    def _shorthand_assets(self) -> None:
        """Personnel shorthand (SPEC "Bureau workbook"): cert_no/cert_expires stand for the officer's certificate
        asset whose tag is that number, badge_no for the 胸号 insignia item whose serial is that number. An assets
        row (or a registered asset) with that tag, or that serial, is the same item: a certificate's expiry follows
        cert_expires (a dated renewal when it changes); otherwise the import records the item as held by the
        officer, whatever the officer's status (the bureau as it stands)."""
        self.renewals: dict[str, dt.date] = {}  # registered certificate tag -> cert_expires, not on the assets sheet
        by_serial: dict[tuple[str, str], str] = {}
        for tag, old in self.db_assets.items():
            if old[8] and old[2] in (CategoryCode.CERTIFICATE, CategoryCode.INSIGNIA):
                by_serial.setdefault((old[2], old[8]), tag)
        for row in self.file_assets.values():
            if row.serial:
                by_serial[(row.category, row.serial)] = row.tag
        for person in self.file_people.values():
            for category, number, item in ((CategoryCode.CERTIFICATE, person.cert_no, CERTIFICATE_ITEM),
                                           (CategoryCode.INSIGNIA, person.badge_no, BADGE_ITEM)):
                if not number:
                    continue
                tag = by_serial.get((category, number), number)
                listed, old = self.file_assets.get(tag), self.db_assets.get(tag)
                kind = listed.category if listed else old[2] if old else category
                if kind != category:
                    column = "cert_no" if category == CategoryCode.CERTIFICATE else "badge_no"
                    self._err("personnel", person.row, column,
                              _("%(number)s 是一件%(kind)s的标签，不是%(category)s的") % {
                                  "number": number, "kind": category_name(kind), "category": category_name(category)})
                    continue
                expires = person.cert_expires if category == CategoryCode.CERTIFICATE else None
                if listed is not None:
                    if expires and listed.expires is None:
                        listed.expires = expires
                elif old is not None:
                    if expires and expires != old[13]:
                        self.renewals[tag] = expires
                else:
                    self.file_assets[tag] = AssetRow(
                        person.row, tag, category, item, person.unit, person.staff_no, AssetStatus.ISSUED, number,
                        "", "", None, None, expires, shorthand=True)
        if self.renewals or any(r.shorthand for r in self.file_assets.values()):
            self.assets = list(self.file_assets.values())

    def _check_vehicles(self) -> None:
        from telematics.choices import VehicleStatus
        from telematics.models import Vehicle

        self.db_vehicles = {v.plate: v for v in Vehicle.objects.all()} if (self.vehicles or self.trips) else {}
        terminals = {v.terminal_id: v.plate for v in self.db_vehicles.values() if v.terminal_id}
        self.file_vehicles: dict[str, VehicleRow] = {}
        for row in self.vehicles:
            if row.plate in self.file_vehicles:
                self._err("vehicles", row.row, "plate", _twice(row.plate, self.file_vehicles[row.plate].row))
                continue
            self.file_vehicles[row.plate] = row
            if not self._unit_known(row.unit):
                self._err("vehicles", row.row, "unit", _("没有代码为 %(code)s 的单位") % {"code": row.unit})
            old = self.db_vehicles.get(row.plate)
            if old and old.terminal_id and terminals.get(old.terminal_id) == row.plate:
                del terminals[old.terminal_id]
            if old and old.status == VehicleStatus.RETIRED and row.status != VehicleStatus.RETIRED:
                self._err("vehicles", row.row, "status",
                          _("%(plate)s 在登记册中已报废；报废的车辆不能恢复使用") % {"plate": row.plate})
            elif old and old.status == VehicleStatus.RETIRED and old.unit_id != self.db_units.get(row.unit, old.unit).pk:
                self._err("vehicles", row.row, "unit", _("%(plate)s 已报废，不能调拨") % {"plate": row.plate})
        seen: dict[str, VehicleRow] = {}
        for row in self.file_vehicles.values():
            # A retired vehicle's terminal is history in its file, bound to nothing (SPEC "Vehicle file").
            if not row.terminal_id or row.status == VehicleStatus.RETIRED:
                continue
            if row.terminal_id in seen:
                self._err("vehicles", row.row, "terminal_id",
                          _("终端 %(terminal)s 也在第 %(row)s 行（%(plate)s）") % {
                              "terminal": row.terminal_id, "row": seen[row.terminal_id].row,
                              "plate": seen[row.terminal_id].plate})
            elif row.terminal_id in terminals:
                self._err("vehicles", row.row, "terminal_id", _("终端 %(terminal)s 已绑定到车辆 %(plate)s") % {
                    "terminal": row.terminal_id, "plate": terminals[row.terminal_id]})
            seen.setdefault(row.terminal_id, row)

    def _check_calendar(self) -> None:
        shifts: dict[tuple, ShiftRow] = {}
        for row in self.shifts:
            if not self._unit_known(row.unit):
                self._err("duty_schedules", row.row, "unit", _("没有代码为 %(code)s 的单位") % {"code": row.unit})
            key = (row.unit, row.weekdays, row.start, row.end)
            if key in shifts:
                self._err("duty_schedules", row.row, "weekdays",
                          _("第 %(row)s 行已有相同的班次") % {"row": shifts[key].row})
            shifts.setdefault(key, row)
        days: dict[dt.date, HolidayRow] = {}
        for row in self.holidays:
            if row.date in days:
                self._err("holidays", row.row, "date", _twice(row.date, days[row.date].row))
            days.setdefault(row.date, row)

    def _check_trips(self) -> None:
        seen: dict[tuple, TripRow] = {}
        for row in self.trips:
            if row.plate not in self.file_vehicles and row.plate not in self.db_vehicles \
                    and row.plate not in self.refused["vehicles"]:
                self._err("trips", row.row, "plate", _("没有车牌号为 %(plate)s 的车辆") % {"plate": row.plate})
            key = (row.plate, row.start)
            if key in seen:
                self._err("trips", row.row, "start",
                          _("车辆 %(plate)s 在此时刻已有一张派车单（第 %(row)s 行）") % {"plate": row.plate,
                                                                             "row": seen[key].row})
            seen.setdefault(key, row)

    # --- writing -------------------------------------------------------------------------------------

    def _counts(self, sheet: str) -> SheetCounts:
        return self.result.counts.setdefault(sheet, SheetCounts())

    def _insert(self, model: type[models.Model], rows: list[dict]) -> list[dict]:
        bulk.insert_rows(model, rows, now=self.now)
        if model is ChangeRecord:
            self.result.change_records += len(rows)
        return rows

    def _append(self, moves: list[dict], before: dict[int, ledger.Before]) -> None:
        """Writes the movements through the ledger's bulk append, as recorded (SPEC: import records the bureau as
        it stands; the custody refusals apply to new movements). The asset rows the import writes itself carry
        the state these movements leave."""
        ledger.append(moves, before=before, as_recorded=True, now=self.now)
        self._event_count += len(moves)

    def _record(self, model: type[models.Model], pk: int, label: str, before: dict | None, after: dict | None,
                action: str) -> dict:
        """A change record row, as assets.changelog writes them, for the import's context."""
        ctx = self.ctx
        return dict(user_id=ctx.user_id, username=ctx.username, source=ctx.source, request_id=ctx.request_id,
                    action=action, content_type_id=self._content_types[model], object_id=str(pk),
                    object_repr=label[:200], before=before, after=after)

    def _write_units(self) -> None:
        from assets import services

        if not self.units:
            return
        counts = self._counts("units")
        for row in sorted(self.file_units.values(), key=lambda r: self.unit_depth[r.code]):
            parent = self.db_units[row.parent] if row.parent else None
            unit = self.db_units.get(row.code)
            depot = {}
            if row.depot_given:
                depot = {"depot_lat": row.depot_lat, "depot_lon": row.depot_lon, "depot_radius_m": row.depot_radius_m}
                if row.depot_lat is not None and row.depot_radius_m is None:
                    depot["depot_radius_m"] = services.DEFAULT_DEPOT_RADIUS_M
            if unit is None:
                self.db_units[row.code] = self._unit_call(row, services.unit_create, code=row.code, name=row.name,
                                                          kind=row.kind, parent=parent, population=row.population,
                                                          **depot)
                counts.created += 1
                continue
            changes = {k: v for k, v in (("name", row.name), ("kind", row.kind), ("population", row.population),
                                         *depot.items())
                       if getattr(unit, k) != v}
            if unit.parent_id != (parent.pk if parent else None):
                changes["parent"] = parent
            if changes:
                self.db_units[row.code] = self._unit_call(row, services.unit_update, unit=unit, **changes)
                counts.updated += 1
            else:
                counts.unchanged += 1
        self.db_unit_codes = {u.pk: code for code, u in self.db_units.items()}

    def _unit_call(self, row: UnitRow, call: Callable, **kwargs):
        try:
            return call(**kwargs)
        except DomainError as exc:
            self._err("units", row.row, exc.field if exc.field in UnitRow.__slots__ else "code", exc.message)
            raise WorkbookError(self.errors) from None

    def _unit_pk(self, code: str) -> int:
        return self.db_units[code].pk

    def _history(self, person: dict) -> dict:
        return dict(person_id=person["id"], effective=self.today, unit_id=person["unit_id"], role=person["role"],
                    frontline=person["frontline"], status=person["status"])

    def _write_people(self) -> None:
        if not self.people:
            return
        counts = self._counts("personnel")
        fields = ("name", "unit_id", "role", "frontline", "status", "cert_no", "cert_expires", "badge_no")
        tracked = ("unit_id", "role", "frontline", "status")
        new, changed = [], {}
        for row in self.file_people.values():
            values = dict(name=row.name, unit_id=self._unit_pk(row.unit), role=row.role, frontline=row.frontline,
                          status=row.status, cert_no=row.cert_no, cert_expires=row.cert_expires,
                          badge_no=row.badge_no)
            old = self.db_people.get(row.staff_no)
            if old is not None and not row.cert_given:
                values.update(cert_no=old[7], cert_expires=old[8])
            if old is not None and not row.badge_given:
                values["badge_no"] = old[9]
            if old is None:
                new.append(dict(staff_no=row.staff_no, **values))
            elif tuple(values[f] for f in fields) != old[2:]:
                changed[old[0]] = values
            else:
                counts.unchanged += 1
        self.progress.start("writing personnel", len(new) + len(changed))
        for batch in _chunks(new):
            self._insert(Person, batch)
            self._insert(PersonHistory, [self._history(p) for p in batch])
            self._insert(ChangeRecord, [
                self._record(Person, p["id"], f"{p['name']} ({p['staff_no']})", None, bulk.snapshot(Person, p),
                             ChangeAction.CREATE) for p in batch])
            counts.created += len(batch)
            self.progress.advance(len(batch))
        for batch in _chunks(list(changed)):
            people = list(Person.objects.filter(pk__in=batch))
            records, history = [], []
            for person in people:
                before = person.snapshot()
                moved = any(getattr(person, f) != changed[person.pk][f] for f in tracked)
                for key, value in changed[person.pk].items():
                    setattr(person, key, value)
                person.updated_at = self.now
                records.append(self._record(Person, person.pk, str(person), before, person.snapshot(),
                                            ChangeAction.UPDATE))
                if moved:
                    history.append(self._history({"id": person.pk, **changed[person.pk]}))
            Person.objects.bulk_update(people, [*fields, "updated_at"])
            self._insert(PersonHistory, history)
            self._insert(ChangeRecord, records)
            counts.updated += len(people)
            self.progress.advance(len(people))
        self.progress.finish()

    def _write_assets(self) -> None:
        # A personnel sheet's new cert_expires renews a registered certificate even when no assets sheet is given.
        if not self.assets and not self.renewals:
            return
        counts = self._counts("assets")
        self.staff_pks = dict(Person.objects.values_list("staff_no", "pk").iterator(chunk_size=BATCH))
        new, changed = [], []
        for row in self.file_assets.values():
            target = self._target_state(row)
            old = self.db_assets.get(row.tag)
            if old is None:
                new.append((row, target))
                continue
            plain = (row.category, row.item, self._unit_pk(row.unit), row.serial, row.model, row.size, row.acquired,
                     row.service_years)
            current_plain = (old[2], old[3], old[4], old[8], old[9], old[10], old[11], old[12])
            state = (old[7], old[5], old[6])
            if row.status == AssetStatus.LOST and old[7] == AssetStatus.LOST:
                target = state  # who lost it is on the loss event; a lost item has no holder to compare
            renew = row.expires is not None and row.expires != old[13]
            if row.price_given:
                plain, current_plain = (*plain, row.price), (*current_plain, old[14])
            if row.finance_card_no is not None:
                plain, current_plain = (*plain, row.finance_card_no), (*current_plain, old[15])
            if plain != current_plain or state != target or renew:
                changed.append((row, old, target, plain != current_plain or renew))
            else:
                counts.unchanged += 1
        for tag, expires in self.renewals.items():
            old = self.db_assets[tag]
            changed.append((AssetRow(0, tag, old[2], old[3], self.db_unit_codes[old[4]], "", old[7], old[8], old[9],
                                     old[10], old[11], old[12], expires), old, (old[7], old[5], old[6]), True))
        self.progress.start("writing assets", len(new) + len(changed))
        for batch in _chunks(new):
            assets, events, standing = [], [], {}
            for row, (status, holder_person, holder_unit) in batch:
                received = (dt.datetime.combine(row.acquired, dt.time(0), tzinfo=cells.SHANGHAI)
                            if row.acquired else self.now)
                asset = dict(tag=row.tag, category_id=row.category, item=row.item, unit_id=self._unit_pk(row.unit),
                             serial=row.serial, model=row.model, size=row.size, acquired=row.acquired,
                             service_years=row.service_years, status=status, holder_person_id=holder_person,
                             holder_unit_id=holder_unit, expires=row.expires, price=row.price,
                             finance_card_no=row.finance_card_no or "",
                             # Recorded as held without an issue date: the acquisition date stands for it.
                             issued_at=received if status == AssetStatus.ISSUED else None)
                assets.append(asset)
            self._insert(Asset, assets)
            for asset, (row, _target) in zip(assets, batch):
                # Received when acquired (so "as of" questions count it from then), and issued then when it is
                # held (the workbook gives no issue date: SPEC lets `acquired` stand for it); other states are as
                # of now.
                received = (dt.datetime.combine(row.acquired, dt.time(0), tzinfo=cells.SHANGHAI)
                            if row.acquired else self.now)
                standing[asset["id"]] = ledger.Before(None, None)
                events.append(self._event(asset, CustodyAction.RECEIVE, at=received, unit_id=asset["unit_id"],
                                          expires=asset["expires"]))
                if asset["status"] != AssetStatus.IN_STOCK:
                    events.append(self._arrival(asset, row, at=received))
            self._append(events, standing)
            self._insert(ChangeRecord, [
                self._record(Asset, a["id"], f"{a['tag']} {a['item'] or a['category_id']}", None,
                             bulk.snapshot(Asset, a), ChangeAction.CREATE) for a in assets])
            counts.created += len(batch)
            self.progress.advance(len(batch))
        for batch in _chunks(changed):
            by_pk = {a.pk: a for a in Asset.objects.filter(pk__in=[old[0] for _r, old, _t, _p in batch])}
            events, records, standing = [], [], {}
            for row, old, target, plain_changed in batch:
                asset = by_pk[old[0]]
                standing[asset.pk] = ledger.Before.of(asset)
                before = asset.snapshot()
                asset.category_id, asset.item, asset.serial, asset.model = row.category, row.item, row.serial, row.model
                asset.size, asset.acquired, asset.service_years = row.size, row.acquired, row.service_years
                if row.price_given:
                    asset.price = row.price
                if row.finance_card_no is not None:
                    asset.finance_card_no = row.finance_card_no
                state = {"id": asset.pk, "unit_id": asset.unit_id, "status": asset.status,
                         "holder_person_id": asset.holder_person_id, "holder_unit_id": asset.holder_unit_id}
                state["issued_at"], state["expires"] = asset.issued_at, asset.expires
                events.extend(self._moves(state, row, target))
                if row.expires is not None and row.expires != asset.expires:
                    state["expires"] = row.expires  # a renewal: dated now, as the registry learns of it
                    events.append(self._event(state, CustodyAction.RENEW, expires=row.expires))
                asset.unit_id, asset.status = state["unit_id"], state["status"]
                asset.holder_person_id, asset.holder_unit_id = state["holder_person_id"], state["holder_unit_id"]
                asset.issued_at, asset.expires = state["issued_at"], state["expires"]
                asset.updated_at = self.now
                action = ChangeAction.UPDATE if plain_changed else ChangeAction.CUSTODY
                records.append(self._record(Asset, asset.pk, str(asset), before, asset.snapshot(), action))
            Asset.objects.bulk_update(list(by_pk.values()), [
                "category", "item", "serial", "model", "size", "acquired", "service_years", "price", "finance_card_no",
                "status", "unit", "holder_person", "holder_unit", "issued_at", "expires", "updated_at"])
            self._append(events, standing)
            self._insert(ChangeRecord, records)
            counts.updated += len(batch)
            self.progress.advance(len(batch))
        self.progress.finish()

    def _target_state(self, row: AssetRow) -> tuple[str, int | None, int | None]:
        """(status, holder person pk, holder unit pk) the row asks for."""
        if row.status != AssetStatus.ISSUED:
            return row.status, None, None
        if not row.holder:
            return row.status, None, self._unit_pk(row.unit)  # issued, no one named: issued to its own unit
        if row.holder in self.staff_pks:
            return row.status, self.staff_pks[row.holder], None
        return row.status, None, self._unit_pk(row.holder)

    def _event(self, asset: dict, action: str, *, at: dt.datetime | None = None, **extra) -> dict:
        """A movement of `asset` for the ledger's append (which derives the state it leaves)."""
        ctx = self.ctx
        return dict(ledger.move(asset["id"], action, at=at or self.now, note=IMPORT_NOTE, **extra),
                    user_id=ctx.user_id, username=ctx.username, source=ctx.source)

    def _arrival(self, asset: dict, row: AssetRow, at: dt.datetime | None = None) -> dict:
        """The event that takes an item in stock to the state `asset` records (an issue at `at`, default now)."""
        status = asset["status"]
        if status == AssetStatus.ISSUED:
            asset["issued_at"] = at or self.now
            return self._event(asset, CustodyAction.ISSUE, at=asset["issued_at"], person_id=asset["holder_person_id"],
                               unit_id=asset["holder_unit_id"])
        if status == AssetStatus.LOST:
            # The workbook has no dates of loss: the event says so (certificate-loss-reported cannot judge it).
            return self._event(asset, CustodyAction.REPORT_LOST, person_id=self.staff_pks.get(row.holder),
                               date_lost=None, date_reported=None)
        return self._event(asset, CustodyAction.REPAIR_OUT if status == AssetStatus.IN_REPAIR else CustodyAction.RETIRE)

    def _moves(self, asset: dict, row: AssetRow, target: tuple) -> list[dict]:
        """The ledger events that take a registered asset from its state to the row's (updates `asset`)."""
        status, holder_person, holder_unit = target
        unit_id = self._unit_pk(row.unit)
        moves = []
        held = (asset["status"], asset["holder_person_id"], asset["holder_unit_id"])
        leaving = held != target or asset["unit_id"] != unit_id
        found = asset["status"] == AssetStatus.LOST and status != AssetStatus.LOST
        if found or (leaving and asset["status"] == AssetStatus.ISSUED):
            moves.append(self._event(asset, CustodyAction.RETURN, person_id=asset["holder_person_id"],
                                     unit_id=asset["holder_unit_id"]))
            asset.update(status=AssetStatus.IN_STOCK, holder_person_id=None, holder_unit_id=None, issued_at=None)
        if asset["status"] == AssetStatus.IN_REPAIR and status != AssetStatus.IN_REPAIR:
            moves.append(self._event(asset, CustodyAction.REPAIR_IN))
            asset["status"] = AssetStatus.IN_STOCK
        if asset["unit_id"] != unit_id:
            asset["unit_id"] = unit_id
            moves.append(self._event(asset, CustodyAction.TRANSFER, unit_id=unit_id))
        if asset["status"] != status:
            asset.update(status=status, holder_person_id=holder_person, holder_unit_id=holder_unit, issued_at=None)
            moves.append(self._arrival(asset, row))
        return moves

    def _fleet(self, sheet: str, row: int, column: str, call: Callable, **kwargs):
        """Calls a telematics service; its refusal becomes this row's error and rolls the whole import back."""
        try:
            return call(**kwargs)
        except DomainError as exc:
            field_name = {"vehicle_type": "type", "livery_compliant": "livery"}.get(exc.field, exc.field)
            self._err(sheet, row, field_name or column, exc.message)
            raise WorkbookError(self.errors) from None

    def _write_vehicles(self) -> None:
        from telematics import services as fleet
        from telematics.choices import VehicleStatus

        if not self.vehicles:
            return
        counts = self._counts("vehicles")
        self.vehicles_unchanged: set[str] = set()
        file_fields = ("seats", "vin", "vehicle_type", "livery_compliant", "acquired", "insurance_expires",
                       "inspection_expires")
        rebind = []
        for row in self.file_vehicles.values():
            vehicle = self.db_vehicles.get(row.plate)
            unit = self.db_units[row.unit]
            retired = row.status == VehicleStatus.RETIRED
            # A retired vehicle listing a terminal: recorded as its last terminal (history), nothing bound.
            terminal = None if retired else row.terminal_id
            if vehicle is None:
                # Through the fleet's own service, so the file gets its history and the terminal its binding.
                vehicle = self.db_vehicles[row.plate] = self._fleet(
                    "vehicles", row.row, "plate", fleet.vehicle_create, plate=row.plate, unit=unit, seats=row.seats,
                    vin=row.vin, vehicle_type=row.vehicle_type, terminal_id=terminal,
                    livery_compliant=row.livery_compliant, status=row.status, acquired=row.acquired,
                    insurance_expires=row.insurance_expires, inspection_expires=row.inspection_expires)
                if retired and row.terminal_id:
                    fleet.vehicle_record_past_terminal(vehicle=vehicle, terminal_id=row.terminal_id)
                counts.created += 1
                continue
            changes = {f: getattr(row, f) for f in file_fields if getattr(vehicle, f) != getattr(row, f)}
            moved = vehicle.unit_id != unit.pk
            rebound = vehicle.terminal_id != terminal
            restatus = vehicle.status != row.status
            history = retired and row.terminal_id and not fleet.vehicle_had_terminal(vehicle=vehicle,
                                                                                     terminal_id=row.terminal_id)
            if not (changes or moved or rebound or restatus or history):
                counts.unchanged += 1
                self.vehicles_unchanged.add(row.plate)
                continue
            counts.updated += 1
            if changes:
                vehicle = self._fleet("vehicles", row.row, "", fleet.vehicle_update, vehicle=vehicle, **changes)
            if moved:
                vehicle = self._fleet("vehicles", row.row, "unit", fleet.vehicle_transfer, vehicle=vehicle,
                                      unit=unit, note=IMPORT_NOTE)
            # Every terminal leaving a vehicle is unbound before any is bound, so terminals may swap vehicles.
            if rebound and vehicle.terminal_id and row.status != VehicleStatus.RETIRED:
                vehicle = self._fleet("vehicles", row.row, "terminal_id", fleet.vehicle_unbind_terminal,
                                      vehicle=vehicle)
            if rebound and terminal:
                rebind.append((row, vehicle))
            elif restatus:
                vehicle = self._fleet("vehicles", row.row, "status", fleet.vehicle_change_status, vehicle=vehicle,
                                      status=row.status, note=IMPORT_NOTE)
            if retired and row.terminal_id and not fleet.vehicle_had_terminal(vehicle=vehicle,
                                                                              terminal_id=row.terminal_id):
                fleet.vehicle_record_past_terminal(vehicle=vehicle, terminal_id=row.terminal_id)
            self.db_vehicles[row.plate] = vehicle
        for row, vehicle in rebind:
            self._fleet("vehicles", row.row, "terminal_id", fleet.vehicle_bind_terminal, vehicle=vehicle,
                        terminal_id=row.terminal_id)
            vehicle.refresh_from_db()
            if vehicle.status != row.status:
                vehicle = self._fleet("vehicles", row.row, "status", fleet.vehicle_change_status, vehicle=vehicle,
                                      status=row.status, note=IMPORT_NOTE)
            self.db_vehicles[row.plate] = vehicle
        self._write_seals(counts)

    def _write_seals(self, counts: SheetCounts) -> None:
        """A sealed_from/sealed_to pair is one 封存 period of the vehicle: recorded once (a period with the same first
        day is that period, its last day updated)."""
        from telematics import services as fleet
        from telematics.models import VehicleSeal

        rows = [row for row in self.file_vehicles.values() if row.sealed_from]
        if not rows:
            return
        vehicles = {self.db_vehicles[row.plate].pk: row for row in rows}
        existing = {(s.vehicle_id, s.sealed_from): s for s in VehicleSeal.objects.filter(vehicle_id__in=vehicles)}
        for vehicle_id, row in vehicles.items():
            seal = existing.get((vehicle_id, row.sealed_from))
            if seal is not None and seal.sealed_to == row.sealed_to:
                continue
            if seal is not None:
                self._fleet("vehicles", row.row, "sealed_to", fleet.vehicle_seal_end, seal=seal, last_day=row.sealed_to)
            else:
                self._fleet("vehicles", row.row, "sealed_from", fleet.vehicle_seal,
                            vehicle=self.db_vehicles[row.plate], sealed_from=row.sealed_from, sealed_to=row.sealed_to,
                            note=IMPORT_NOTE)
            if row.plate in self.vehicles_unchanged:
                counts.unchanged -= 1
                counts.updated += 1

    def _write_shifts(self) -> None:
        from telematics import services as fleet
        from telematics.models import DutySchedule

        if not self.shifts:
            return
        counts = self._counts("duty_schedules")
        wanted: dict[str, dict[tuple, ShiftRow]] = defaultdict(dict)
        for row in self.shifts:
            wanted[row.unit][(row.weekdays, row.start, row.end)] = row
        for code, shifts in wanted.items():
            unit = self.db_units[code]
            existing = {(s.weekdays, s.start, s.end): s for s in DutySchedule.objects.filter(unit=unit)}
            # The sheet lists a unit's whole week: shifts it no longer lists are gone.
            for key, shift in existing.items():
                if key not in shifts:
                    fleet.duty_schedule_delete(schedule=shift)
                    counts.deleted += 1
            for key in sorted(set(shifts) - set(existing)):
                row = shifts[key]
                self._fleet("duty_schedules", row.row, "weekdays", fleet.duty_schedule_create, unit=unit,
                            weekdays=row.weekdays, start=row.start, end=row.end)
                counts.created += 1
            counts.unchanged += len(set(shifts) & set(existing))

    def _write_holidays(self) -> None:
        from telematics import services as fleet
        from telematics.models import Holiday

        if not self.holidays:
            return
        counts = self._counts("holidays")
        existing = {h.date: h for h in Holiday.objects.filter(date__in=[r.date for r in self.holidays])}
        for row in self.holidays:
            day = existing.get(row.date)
            if day is not None and (day.kind, day.name) == (row.kind, row.name):
                counts.unchanged += 1
                continue
            self._fleet("holidays", row.row, "kind", fleet.holiday_set, date=row.date, kind=row.kind, name=row.name)
            if day is None:
                counts.created += 1
            else:
                counts.updated += 1

    def _write_trips(self) -> None:
        from telematics.choices import TripStatus
        from telematics.models import Trip

        if not self.trips:
            return
        counts = self._counts("trips")
        vehicles = {self.db_vehicles[r.plate].pk for r in self.trips}
        existing = {(t.vehicle_id, t.start): t for t in Trip.objects.filter(vehicle_id__in=vehicles)}
        for row in self.trips:
            vehicle = self.db_vehicles[row.plate]
            values = dict(end=row.end, purpose=row.purpose, dest_lat=row.dest_lat, dest_lon=row.dest_lon,
                          approved_by=row.approved_by)
            trip = existing.get((vehicle.pk, row.start))
            if trip is None:
                # The sheet is the register of 派车单: a trip someone signed for is approved.
                status = TripStatus.APPROVED if row.approved_by else TripStatus.REQUESTED
                Trip.objects.create(vehicle=vehicle, start=row.start, status=status, **values)
                counts.created += 1
            elif any(getattr(trip, k) != v for k, v in values.items()):
                if trip.approved_by != row.approved_by:
                    trip.status = TripStatus.APPROVED if row.approved_by else TripStatus.REQUESTED
                for key, value in values.items():
                    setattr(trip, key, value)
                trip.save()
                counts.updated += 1
            else:
                counts.unchanged += 1


def import_workbook(path, *, progress: Progress | None = None, dry_run: bool = False) -> ImportResult:
    """Imports the workbook at `path` (an .xlsx file or a folder of CSV files); raises WorkbookError."""
    with Workbook(path) as book:
        return WorkbookImport(book, progress=progress).run(dry_run=dry_run)
