"""Writes to the registry: org units, people, assets and every custody movement, each rule enforced here."""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from django.utils.translation import gettext_lazy as _

from quartermaster.errors import ConflictError, DomainError, person_label, unit_label

from . import ledger
from .choices import (
    DEPARTED_STATUSES, EXPIRING_CATEGORIES, AssetStatus, CustodyAction, PersonRole, PersonStatus, UnitKind,
)
from .labels import asset_label, choice_labels, field_names
from .models import Asset, Category, CustodyEvent, OrgUnit, Person, PersonHistory
from .signals import person_departed


# --- org units -----------------------------------------------------------------------------------

def _unit_path(code: str, parent: OrgUnit | None) -> tuple[str, int]:

    if parent is None:
        return f"/{code}/", 0
    return f"{parent.path}{code}/", parent.depth + 1


@transaction.atomic
def unit_create(*, code: str, name: str, kind: str, parent: OrgUnit | None = None,
                population: int | None = None, depot_lat: float | None = None, depot_lon: float | None = None,
                depot_radius_m: float | None = None) -> OrgUnit:
    if kind not in UnitKind.values:
        raise DomainError(_("未知的单位类型“%(kind)s”，应为以下之一：%(expected)s"), field="kind", kind=kind,
                          expected=choice_labels(UnitKind))
    if OrgUnit.objects.filter(code=code).exists():
        raise ConflictError(_("单位编码 %(unit_code)s 已存在"), field="code", code="duplicate", unit_code=code)
    path, depth = _unit_path(code, parent)
    unit = OrgUnit(code=code, name=name, kind=kind, parent=parent, population=population, path=path, depth=depth)
    _set_depot(unit, depot_lat, depot_lon, depot_radius_m)
    unit.full_clean()
    unit.save()
    return unit


_DEPOT_FIELDS = ("depot_lat", "depot_lon", "depot_radius_m")
DEFAULT_DEPOT_RADIUS_M = 100.0


def _set_depot(unit: OrgUnit, lat, lon, radius) -> None:
    """A depot is a point (both coordinates, WGS-84) and a radius (default 100 m), or nothing."""
    if lat is None and lon is None:
        if radius is not None:
            raise DomainError(_("%(unit)s：设置车场半径须先填写车场的纬度和经度"), field="depot_lat",
                              unit=unit_label(unit))
        unit.depot_lat = unit.depot_lon = unit.depot_radius_m = None
        return
    if lat is None or lon is None:
        raise DomainError(_("%(unit)s：车场须同时填写纬度和经度"), field="depot_lat" if lat is None else "depot_lon",
                          unit=unit_label(unit))
    if not -90 <= float(lat) <= 90 or not -180 <= float(lon) <= 180:
        raise DomainError(_("%(unit)s：车场位置 %(lat)s, %(lon)s 不是有效的 WGS-84 纬度和经度"), field="depot_lat",
                          unit=unit_label(unit), lat=lat, lon=lon)
    radius = DEFAULT_DEPOT_RADIUS_M if radius is None else float(radius)
    if radius <= 0:
        raise DomainError(_("%(unit)s：车场半径须大于 0，而不是 %(radius)s"), field="depot_radius_m",
                          unit=unit_label(unit), radius=radius)
    unit.depot_lat, unit.depot_lon, unit.depot_radius_m = float(lat), float(lon), radius


@transaction.atomic
def unit_update(*, unit: OrgUnit, **changes) -> OrgUnit:
    """Changes name, kind, population, depot or parent; moving a unit re-paths its whole subtree."""
    allowed = {"name", "name_en", "kind", "population", "parent", *_DEPOT_FIELDS}
    unknown = set(changes) - allowed
    if unknown:
        raise DomainError(_("单位的%(fields)s不能在此修改"), field=sorted(unknown)[0],
                          fields=field_names(OrgUnit, unknown))
    new_parent = changes.get("parent", unit.parent)
    if "parent" in changes and new_parent is not None and new_parent.path.startswith(unit.path):
        raise DomainError(_("%(unit)s 不能移到自身或其下级单位 %(parent)s 之下"), field="parent", unit=unit_label(unit),
                          parent=unit_label(new_parent))
    old_path = unit.path
    depot = [changes.pop(f, getattr(unit, f)) for f in _DEPOT_FIELDS]
    for key, value in changes.items():
        setattr(unit, key, value)
    _set_depot(unit, *depot)
    unit.path, unit.depth = _unit_path(unit.code, new_parent)
    unit.full_clean()
    unit.save()
    if unit.path != old_path:
        for child in OrgUnit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk).order_by("depth"):
            parent = OrgUnit.objects.get(pk=child.parent_id)
            child.path, child.depth = _unit_path(child.code, parent)
            child.save(update_fields=["path", "depth"])
    return unit


# --- people --------------------------------------------------------------------------------------

def _today() -> dt.date:
    return timezone.localdate()


def _history(person: Person, effective: dt.date) -> None:
    PersonHistory.objects.create(person=person, effective=effective, unit_id=person.unit_id, role=person.role,
                                 frontline=person.frontline, status=person.status)


@transaction.atomic
def person_create(*, staff_no: str, name: str, unit: OrgUnit, role: str = PersonRole.OFFICER,
                  frontline: bool = False, status: str = PersonStatus.ACTIVE, cert_no: str = "",
                  cert_expires: dt.date | None = None, badge_no: str | None = None,
                  effective: dt.date | None = None) -> Person:
    if Person.objects.filter(staff_no=staff_no).exists():
        raise ConflictError(_("工号 %(staff_no)s 已存在"), field="staff_no", code="duplicate", staff_no=staff_no)
    if badge_no and Person.objects.filter(badge_no=badge_no).exists():
        raise ConflictError(_("胸号 %(badge)s 已绑定给其他执法人员"), field="badge_no", code="duplicate",
                            badge=badge_no)
    person = Person(staff_no=staff_no, name=name, unit=unit, role=role, frontline=frontline, status=status,
                    cert_no=cert_no or "", cert_expires=cert_expires, badge_no=badge_no or None)
    person.full_clean()
    person.save()
    _history(person, effective or _today())
    return person


@transaction.atomic
def person_update(*, person: Person, effective: dt.date | None = None, **changes) -> Person:
    """Updates a person; unit, role, frontline and status changes are dated in the person's history."""
    allowed = {"name", "unit", "role", "frontline", "status", "cert_no", "cert_expires", "badge_no"}
    unknown = set(changes) - allowed
    if unknown:
        raise DomainError(_("人员的%(fields)s不能在此修改"), field=sorted(unknown)[0],
                          fields=field_names(Person, unknown))
    person = Person.objects.select_for_update().get(pk=person.pk)
    badge = changes.get("badge_no")
    if badge and Person.objects.filter(badge_no=badge).exclude(pk=person.pk).exists():
        raise ConflictError(_("胸号 %(badge)s 已绑定给其他执法人员"), field="badge_no", code="duplicate",
                            badge=badge)
    if "badge_no" in changes and person.badge_no and changes["badge_no"] != person.badge_no:
        raise ConflictError(_("胸号 %(badge)s 终身绑定给 %(person)s，不能更改"), field="badge_no",
                            code="badge_bound", badge=person.badge_no, person=person_label(person))
    tracked = ("unit_id", "role", "frontline", "status")
    before = tuple(getattr(person, f) for f in tracked)
    for key, value in changes.items():
        setattr(person, key, value if key != "badge_no" else (value or None))
    person.full_clean()
    person.save()
    if tuple(getattr(person, f) for f in tracked) != before:
        _history(person, effective or _today())
    if person.status in DEPARTED_STATUSES and before[3] not in DEPARTED_STATUSES:
        person_departed.send(sender=Person, person=person, kind=person.status, effective=effective or _today())
    return person


# --- assets and the custody ledger ---------------------------------------------------------------

def _category(code: str | Category) -> Category:
    if isinstance(code, Category):
        return code
    try:
        return Category.objects.get(pk=code)
    except Category.DoesNotExist:
        raise DomainError(_("未知的装备类别“%(category)s”"), field="category", category=code) from None


def _locked(asset: Asset) -> Asset:
    return Asset.objects.select_for_update().select_related("category").get(pk=asset.pk)


def _moment(at: dt.datetime | None) -> dt.datetime:
    moment = at or timezone.now()
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _append(asset: Asset, action: str, *, at: dt.datetime | None, person: Person | None = None,
            unit: OrgUnit | None = None, note: str = "", receipt_no: str = "", date_lost: dt.date | None = None,
            date_reported: dt.date | None = None, expires: dt.date | None = None, new: bool = False) -> CustodyEvent:
    """Appends one movement through the ledger (which refuses back-dating) and updates `asset` in memory."""
    row = ledger.move(asset.pk, action, at=_moment(at), person_id=person.pk if person else None,
                      unit_id=unit.pk if unit else None, note=note, receipt_no=receipt_no, date_lost=date_lost,
                      date_reported=date_reported, expires=expires)
    [row] = ledger.append([row], before={asset.pk: ledger.Before(None, None) if new else ledger.Before.of(asset)})
    ledger.apply(asset, row)
    return ledger.as_event(row)


@transaction.atomic
def asset_create(*, tag: str, category: str | Category, unit: OrgUnit, item: str = "", serial: str = "",
                 model: str = "", size: str = "", acquired: dt.date | None = None,
                 service_years: int | None = None, expires: dt.date | None = None, at: dt.datetime | None = None,
                 note: str = "", price=None, finance_card_no: str = "") -> Asset:
    """Registers a new asset and records its receipt into the unit's stock (`expires`: a certificate's or work
    card's validity, carried by the receipt event)."""
    if Asset.objects.filter(tag=tag).exists():
        raise ConflictError(_("装备标签 %(tag)s 已存在"), field="tag", code="duplicate", tag=tag)
    category = _category(category)
    if expires is not None and category.pk not in EXPIRING_CATEGORIES:
        raise DomainError(_("%(tag)s：只有执法证件和工作证才有有效期"), field="expires", tag=tag)
    asset = Asset(tag=tag, category=category, unit=unit, item=item, serial=serial, model=model, size=size,
                  acquired=acquired, service_years=service_years, expires=expires, status=AssetStatus.IN_STOCK,
                  price=price, finance_card_no=finance_card_no)
    asset.full_clean()
    asset.save()
    _append(asset, CustodyAction.RECEIVE, at=at, unit=unit, note=note, expires=expires, new=True)
    return asset


@transaction.atomic
def asset_update(*, asset: Asset, **changes) -> Asset:
    """Corrects an asset's descriptive fields; where it is and who holds it change only through the ledger."""
    allowed = {"tag", "category", "item", "serial", "model", "size", "acquired", "service_years", "price",
               "finance_card_no"}
    ledger_fields = {"unit", "status", "holder_person", "holder_unit"} & set(changes)
    if ledger_fields:
        raise DomainError(_("%(asset)s：%(fields)s只能通过保管流转（发放、归还、调拨、报失、送修、报废）改变"),
                          field=sorted(ledger_fields)[0], code="ledger_field", asset=asset_label(asset),
                          fields=field_names(Asset, ledger_fields))
    unknown = set(changes) - allowed
    if unknown:
        raise DomainError(_("装备的%(fields)s不能在此修改"), field=sorted(unknown)[0],
                          fields=field_names(Asset, unknown))
    asset = _locked(asset)
    if "tag" in changes and Asset.objects.filter(tag=changes["tag"]).exclude(pk=asset.pk).exists():
        raise ConflictError(_("装备标签 %(tag)s 已存在"), field="tag", code="duplicate", tag=changes["tag"])
    if "category" in changes:
        category = _category(changes["category"])
        if category.pk != asset.category_id and asset.status == AssetStatus.ISSUED:
            raise ConflictError(_("%(asset)s 已发放，须先归还才能更改类别"), field="category",
                                code="category_issued", asset=asset_label(asset))
        changes["category"] = category
    for key, value in changes.items():
        setattr(asset, key, value)
    asset.full_clean()
    asset.save()
    return asset


@transaction.atomic
def asset_issue(*, asset: Asset, person: Person | None = None, unit: OrgUnit | None = None,
                at: dt.datetime | None = None, receipt_no: str = "", note: str = "") -> CustodyEvent:
    asset = _locked(asset)
    ledger.refuse_move(asset, CustodyAction.ISSUE, person=person, unit=unit)
    return _append(asset, CustodyAction.ISSUE, at=at, person=person, unit=unit, receipt_no=receipt_no, note=note)


@transaction.atomic
def asset_return(*, asset: Asset, at: dt.datetime | None = None, receipt_no: str = "", note: str = "") -> CustodyEvent:
    """Takes an issued item back into its unit's stock (or records a lost item as found)."""
    asset = _locked(asset)
    ledger.refuse_move(asset, CustodyAction.RETURN)
    return _append(asset, CustodyAction.RETURN, at=at, person=asset.holder_person, unit=asset.holder_unit,
                   receipt_no=receipt_no, note=note)


@transaction.atomic
def asset_transfer(*, asset: Asset, to_unit: OrgUnit, at: dt.datetime | None = None, note: str = "") -> CustodyEvent:
    asset = _locked(asset)
    ledger.refuse_move(asset, CustodyAction.TRANSFER, to_unit=to_unit)
    return _append(asset, CustodyAction.TRANSFER, at=at, unit=to_unit, note=note)


@transaction.atomic
def asset_report_lost(*, asset: Asset, date_lost: dt.date, date_reported: dt.date | None = None,
                      at: dt.datetime | None = None, note: str = "") -> CustodyEvent:
    asset = _locked(asset)
    date_reported = date_reported or _today()
    ledger.refuse_move(asset, CustodyAction.REPORT_LOST)
    if date_reported < date_lost:
        raise DomainError(_("%(asset)s：报告日期 %(reported)s 早于丢失日期 %(lost)s"), field="date_reported",
                          asset=asset_label(asset), reported=date_reported, lost=date_lost)
    if date_lost > _today():
        raise DomainError(_("%(asset)s：丢失日期 %(lost)s 在今天之后"), field="date_lost", asset=asset_label(asset),
                          lost=date_lost)
    # The holder stays on the event (who lost it); the asset itself no longer has a holder.
    return _append(asset, CustodyAction.REPORT_LOST, at=at, person=asset.holder_person, unit=asset.holder_unit,
                   date_lost=date_lost, date_reported=date_reported, note=note)


@transaction.atomic
def asset_repair_out(*, asset: Asset, at: dt.datetime | None = None, note: str = "") -> CustodyEvent:
    asset = _locked(asset)
    ledger.refuse_move(asset, CustodyAction.REPAIR_OUT)
    return _append(asset, CustodyAction.REPAIR_OUT, at=at, note=note)


@transaction.atomic
def asset_repair_in(*, asset: Asset, at: dt.datetime | None = None, note: str = "") -> CustodyEvent:
    asset = _locked(asset)
    ledger.refuse_move(asset, CustodyAction.REPAIR_IN)
    return _append(asset, CustodyAction.REPAIR_IN, at=at, note=note)


@transaction.atomic
def asset_retire(*, asset: Asset, at: dt.datetime | None = None, note: str = "",
                 receipt_no: str = "") -> CustodyEvent:
    """Retires an asset not issued (`receipt_no`: the approved disposal request, assets.disposals)."""
    asset = _locked(asset)
    ledger.refuse_move(asset, CustodyAction.RETIRE)
    return _append(asset, CustodyAction.RETIRE, at=at, note=note, receipt_no=receipt_no)


@transaction.atomic
def asset_renew(*, asset: Asset, expires: dt.date, at: dt.datetime | None = None, note: str = "") -> CustodyEvent:
    """Changes a certificate's or work card's expiry date: a dated ledger event (a report for an earlier date
    still reads the expiry in force then)."""
    asset = _locked(asset)
    if asset.category_id not in EXPIRING_CATEGORIES:
        raise DomainError(_("%(asset)s：只有执法证件和工作证才有有效期"), field="expires", asset=asset_label(asset))
    ledger.refuse_move(asset, CustodyAction.RENEW)
    return _append(asset, CustodyAction.RENEW, at=at, note=note, expires=expires)


@transaction.atomic
def asset_shift_out(*, asset: Asset, person: Person, at: dt.datetime | None = None, note: str = "") -> CustodyEvent:
    """Signs pooled kit (a recorder in its unit's stock) out to an officer for a shift: the ledger then shows it held
    by the officer, so the recorder is in use on the day (SPEC recorder-daily-offload)."""
    asset = _locked(asset)
    ledger.refuse_move(asset, CustodyAction.SHIFT_OUT, person=person)
    return _append(asset, CustodyAction.SHIFT_OUT, at=at, person=person, note=note)


@transaction.atomic
def asset_shift_in(*, asset: Asset, at: dt.datetime | None = None, note: str = "") -> CustodyEvent:
    """Takes kit signed out for a shift back into its unit's stock (the officer stays on the event)."""
    asset = _locked(asset)
    ledger.refuse_move(asset, CustodyAction.SHIFT_IN)
    return _append(asset, CustodyAction.SHIFT_IN, at=at, person=asset.holder_person, note=note)


CUSTODY_SERVICES = {
    CustodyAction.ISSUE: asset_issue,
    CustodyAction.RETURN: asset_return,
    CustodyAction.TRANSFER: asset_transfer,
    CustodyAction.REPORT_LOST: asset_report_lost,
    CustodyAction.REPAIR_OUT: asset_repair_out,
    CustodyAction.REPAIR_IN: asset_repair_in,
    CustodyAction.RETIRE: asset_retire,
    CustodyAction.SHIFT_OUT: asset_shift_out,
    CustodyAction.SHIFT_IN: asset_shift_in,
}

__all__ = [
    "CUSTODY_SERVICES", "DEPARTED_STATUSES", "asset_create", "asset_issue", "asset_repair_in", "asset_repair_out",
    "asset_renew", "asset_report_lost", "asset_retire", "asset_return", "asset_shift_in", "asset_shift_out",
    "asset_transfer", "asset_update", "person_create",
    "person_update", "unit_create", "unit_update",
]
