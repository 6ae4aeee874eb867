"""Writes to the registry: org units, people, assets and every custody movement, each rule enforced here."""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from quartermaster.context import current
from quartermaster.errors import ConflictError, DomainError

from .choices import (
    AUXILIARY_ONLY_CATEGORIES, DEPARTED_STATUSES, EXPIRING_CATEGORIES, OFFICER_ONLY_CATEGORIES, AssetStatus,
    CategoryCode, CustodyAction, PersonRole, PersonStatus, UnitKind,
)
from .models import Asset, Category, CustodyEvent, OrgUnit, Person, PersonHistory
from .signals import person_departed


# --- org units -----------------------------------------------------------------------------------

def _unit_path(code: str, parent: OrgUnit | None) -> tuple[str, int]:
    if parent is None:
        return f"/{code}/", 0
    return f"{parent.path}{code}/", parent.depth + 1


@transaction.atomic
def unit_create(*, code: str, name: str, kind: str, parent: OrgUnit | None = None,
                population: int | None = None) -> OrgUnit:
    if kind not in UnitKind.values:
        raise DomainError(f"unknown unit kind {kind!r}; expected one of {', '.join(UnitKind.values)}", field="kind")
    if OrgUnit.objects.filter(code=code).exists():
        raise ConflictError(f"unit code {code!r} already exists", field="code", code="duplicate")
    path, depth = _unit_path(code, parent)
    unit = OrgUnit(code=code, name=name, kind=kind, parent=parent, population=population, path=path, depth=depth)
    unit.full_clean()
    unit.save()
    return unit


@transaction.atomic
def unit_update(*, unit: OrgUnit, **changes) -> OrgUnit:
    """Changes name, kind, population or parent; moving a unit re-paths its whole subtree."""
    allowed = {"name", "name_en", "kind", "population", "parent"}
    unknown = set(changes) - allowed
    if unknown:
        raise DomainError(f"cannot change {', '.join(sorted(unknown))} of a unit", field=sorted(unknown)[0])
    new_parent = changes.get("parent", unit.parent)
    if "parent" in changes and new_parent is not None and new_parent.path.startswith(unit.path):
        raise DomainError(f"unit {unit.code} cannot be moved under itself or its own sub-unit {new_parent.code}",
                          field="parent")
    old_path = unit.path
    for key, value in changes.items():
        setattr(unit, key, value)
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
        raise ConflictError(f"staff number {staff_no!r} already exists", field="staff_no", code="duplicate")
    if badge_no and Person.objects.filter(badge_no=badge_no).exists():
        raise ConflictError(f"badge number {badge_no!r} is already bound to another officer", field="badge_no",
                            code="duplicate")
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
        raise DomainError(f"cannot change {', '.join(sorted(unknown))} of a person", field=sorted(unknown)[0])
    person = Person.objects.select_for_update().get(pk=person.pk)
    badge = changes.get("badge_no")
    if badge and Person.objects.filter(badge_no=badge).exclude(pk=person.pk).exists():
        raise ConflictError(f"badge number {badge!r} is already bound to another officer", field="badge_no",
                            code="duplicate")
    if "badge_no" in changes and person.badge_no and changes["badge_no"] != person.badge_no:
        raise ConflictError(f"badge number {person.badge_no} is bound to {person.name} for life of service",
                            field="badge_no", code="badge_bound")
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
        raise DomainError(f"unknown asset category {code!r}", field="category") from None


def _locked(asset: Asset) -> Asset:
    return Asset.objects.select_for_update().select_related("category").get(pk=asset.pk)


def _moment(at: dt.datetime | None, asset: Asset | None = None) -> dt.datetime:
    moment = at or timezone.now()
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if asset is not None:
        last = asset.events.order_by("-occurred_at", "-id").values_list("occurred_at", flat=True).first()
        if last and moment < last:
            raise DomainError(
                f"{asset.tag}: a movement at {timezone.localtime(moment):%Y-%m-%d %H:%M} would come before the "
                f"latest ledger entry ({timezone.localtime(last):%Y-%m-%d %H:%M}); the ledger is not back-dated",
                field="at", code="backdated")
    return moment


def _append(asset: Asset, action: str, *, at: dt.datetime, status: str, unit: OrgUnit | None = None,
            holder_person: Person | None = None, holder_unit: OrgUnit | None = None, person: Person | None = None,
            event_unit: OrgUnit | None = None, note: str = "", receipt_no: str = "",
            date_lost: dt.date | None = None, date_reported: dt.date | None = None) -> CustodyEvent:
    ctx = current()
    unit = unit or asset.unit
    event = CustodyEvent.objects.create(
        asset=asset, action=action, occurred_at=at, person=person, unit=event_unit, note=note, receipt_no=receipt_no,
        date_lost=date_lost, date_reported=date_reported, status_after=status, unit_after=unit,
        holder_person_after=holder_person, holder_unit_after=holder_unit, expires_after=asset.expires,
        user_id=ctx.user_id, username=ctx.username, source=ctx.source,
    )
    if action == CustodyAction.ISSUE:
        issued_at = at
    else:
        issued_at = asset.issued_at if status == AssetStatus.ISSUED else None
    Asset.objects.filter(pk=asset.pk).update(status=status, unit=unit, holder_person=holder_person,
                                             holder_unit=holder_unit, issued_at=issued_at, updated_at=timezone.now())
    asset.status, asset.unit, asset.holder_person, asset.holder_unit = status, unit, holder_person, holder_unit
    asset.issued_at = issued_at
    return event


@transaction.atomic
def asset_create(*, tag: str, category: str | Category, unit: OrgUnit, item: str = "", serial: str = "",
                 model: str = "", size: str = "", acquired: dt.date | None = None,
                 service_years: int | None = None, expires: dt.date | None = None, at: dt.datetime | None = None,
                 note: str = "") -> Asset:
    """Registers a new asset and records its receipt into the unit's stock (`expires`: a certificate's or work
    card's validity, carried by the receipt event)."""
    if Asset.objects.filter(tag=tag).exists():
        raise ConflictError(f"asset tag {tag!r} already exists", field="tag", code="duplicate")
    category = _category(category)
    if expires is not None and category.pk not in EXPIRING_CATEGORIES:
        raise DomainError(f"{tag}: only certificates and work cards have an expiry date", field="expires")
    asset = Asset(tag=tag, category=category, unit=unit, item=item, serial=serial, model=model, size=size,
                  acquired=acquired, service_years=service_years, expires=expires, status=AssetStatus.IN_STOCK)
    asset.full_clean()
    asset.save()
    _append(asset, CustodyAction.RECEIVE, at=_moment(at), status=AssetStatus.IN_STOCK, event_unit=unit, note=note)
    return asset


@transaction.atomic
def asset_update(*, asset: Asset, **changes) -> Asset:
    """Corrects an asset's descriptive fields; where it is and who holds it change only through the ledger."""
    allowed = {"tag", "category", "item", "serial", "model", "size", "acquired", "service_years"}
    ledger_fields = {"unit", "status", "holder_person", "holder_unit"} & set(changes)
    if ledger_fields:
        raise DomainError(f"{asset.tag}: {', '.join(sorted(ledger_fields))} change only through custody movements "
                          f"(issue, return, transfer, report lost, repair, retire)", field=sorted(ledger_fields)[0],
                          code="ledger_field")
    unknown = set(changes) - allowed
    if unknown:
        raise DomainError(f"cannot change {', '.join(sorted(unknown))} of an asset", field=sorted(unknown)[0])
    asset = _locked(asset)
    if "tag" in changes and Asset.objects.filter(tag=changes["tag"]).exclude(pk=asset.pk).exists():
        raise ConflictError(f"asset tag {changes['tag']!r} already exists", field="tag", code="duplicate")
    if "category" in changes:
        category = _category(changes["category"])
        if category.pk != asset.category_id and asset.status == AssetStatus.ISSUED:
            raise ConflictError(f"{asset.tag} is issued; return it before changing its category", field="category",
                                code="category_issued")
        changes["category"] = category
    for key, value in changes.items():
        setattr(asset, key, value)
    asset.full_clean()
    asset.save()
    return asset


def _check_issuable(asset: Asset, person: Person | None, unit: OrgUnit | None) -> None:
    if (person is None) == (unit is None):
        raise DomainError(f"{asset.tag}: issue to exactly one person or one unit", field="person")
    if asset.status == AssetStatus.ISSUED:
        holder = asset.holder_person or asset.holder_unit
        if person is not None and asset.holder_person_id and asset.holder_person_id != person.pk:
            raise ConflictError(
                f"{asset.tag} is held by {holder}; it cannot be handed from one person to another directly "
                f"(不得擅自赠送、转借) — it must be returned first", field="tag", code="person_to_person")
        raise ConflictError(f"{asset.tag} is already issued to {holder}; return it before issuing it again",
                            field="tag", code="already_issued")
    if asset.status != AssetStatus.IN_STOCK:
        raise ConflictError(f"{asset.tag} is {asset.get_status_display()} ({asset.status}) and cannot be issued",
                            field="tag", code=f"not_issuable_{asset.status}")
    officer_only = asset.category_id in OFFICER_ONLY_CATEGORIES
    auxiliary_only = asset.category_id in AUXILIARY_ONLY_CATEGORIES
    if unit is not None and officer_only:
        raise DomainError(f"{asset.tag}: {asset.category.name} is issued to officers only, not to a unit",
                          field="unit", code="officer_only")
    if unit is not None and auxiliary_only:
        raise DomainError(f"{asset.tag}: {asset.category.name} is issued to auxiliaries only, not to a unit",
                          field="unit", code="auxiliary_only")
    if person is not None:
        if person.status != PersonStatus.ACTIVE:
            raise DomainError(f"{person} is {person.get_status_display()} ({person.status}); only active staff "
                              f"receive equipment", field="person", code="person_not_active")
        if officer_only and person.role != PersonRole.OFFICER:
            raise DomainError(
                f"{asset.tag}: {asset.category.name} may only be issued to enforcement officers; {person} is "
                f"{person.get_role_display()} (严禁非城管执法人员穿着)", field="person", code="officer_only")
        if auxiliary_only and person.role != PersonRole.AUXILIARY:
            raise DomainError(f"{asset.tag}: {asset.category.name} is issued to auxiliaries only; {person} is "
                              f"{person.get_role_display()}", field="person", code="auxiliary_only")


@transaction.atomic
def asset_issue(*, asset: Asset, person: Person | None = None, unit: OrgUnit | None = None,
                at: dt.datetime | None = None, receipt_no: str = "", note: str = "") -> CustodyEvent:
    asset = _locked(asset)
    _check_issuable(asset, person, unit)
    return _append(asset, CustodyAction.ISSUE, at=_moment(at, asset), status=AssetStatus.ISSUED,
                   holder_person=person, holder_unit=unit, person=person, event_unit=unit,
                   receipt_no=receipt_no, note=note)


@transaction.atomic
def asset_return(*, asset: Asset, at: dt.datetime | None = None, receipt_no: str = "", note: str = "") -> CustodyEvent:
    """Takes an issued item back into its unit's stock (or records a lost item as found)."""
    asset = _locked(asset)
    if asset.status not in (AssetStatus.ISSUED, AssetStatus.LOST):
        raise ConflictError(f"{asset.tag} is {asset.get_status_display()} ({asset.status}); only issued or lost "
                            f"items can be returned", field="tag", code="not_returnable")
    return _append(asset, CustodyAction.RETURN, at=_moment(at, asset), status=AssetStatus.IN_STOCK,
                   person=asset.holder_person, event_unit=asset.holder_unit, receipt_no=receipt_no, note=note)


@transaction.atomic
def asset_transfer(*, asset: Asset, to_unit: OrgUnit, at: dt.datetime | None = None, note: str = "") -> CustodyEvent:
    asset = _locked(asset)
    if asset.status == AssetStatus.ISSUED:
        raise ConflictError(f"{asset.tag} is issued to {asset.holder_person or asset.holder_unit}; return it before "
                            f"transferring it", field="tag", code="transfer_issued")
    if asset.status in (AssetStatus.LOST, AssetStatus.RETIRED):
        raise ConflictError(f"{asset.tag} is {asset.status} and cannot be transferred", field="tag",
                            code=f"transfer_{asset.status}")
    if to_unit.pk == asset.unit_id:
        raise DomainError(f"{asset.tag} already belongs to {to_unit}", field="to_unit", code="same_unit")
    return _append(asset, CustodyAction.TRANSFER, at=_moment(at, asset), status=asset.status, unit=to_unit,
                   event_unit=to_unit, note=note)


@transaction.atomic
def asset_report_lost(*, asset: Asset, date_lost: dt.date, date_reported: dt.date | None = None,
                      at: dt.datetime | None = None, note: str = "") -> CustodyEvent:
    asset = _locked(asset)
    date_reported = date_reported or _today()
    if asset.status in (AssetStatus.LOST, AssetStatus.RETIRED):
        raise ConflictError(f"{asset.tag} is already {asset.status}", field="tag", code=f"lost_{asset.status}")
    if date_reported < date_lost:
        raise DomainError(f"{asset.tag}: reported on {date_reported} before it was lost on {date_lost}",
                          field="date_reported")
    if date_lost > _today():
        raise DomainError(f"{asset.tag}: date lost {date_lost} is in the future", field="date_lost")
    # The holder stays on the event (who lost it); the asset itself no longer has a holder.
    return _append(asset, CustodyAction.REPORT_LOST, at=_moment(at, asset), status=AssetStatus.LOST,
                   person=asset.holder_person, event_unit=asset.holder_unit, date_lost=date_lost,
                   date_reported=date_reported, note=note)


@transaction.atomic
def asset_repair_out(*, asset: Asset, at: dt.datetime | None = None, note: str = "") -> CustodyEvent:
    asset = _locked(asset)
    if asset.status != AssetStatus.IN_STOCK:
        raise ConflictError(f"{asset.tag} is {asset.status}; only items in stock are sent to repair (return it "
                            f"first)", field="tag", code="repair_not_in_stock")
    return _append(asset, CustodyAction.REPAIR_OUT, at=_moment(at, asset), status=AssetStatus.IN_REPAIR, note=note)


@transaction.atomic
def asset_repair_in(*, asset: Asset, at: dt.datetime | None = None, note: str = "") -> CustodyEvent:
    asset = _locked(asset)
    if asset.status != AssetStatus.IN_REPAIR:
        raise ConflictError(f"{asset.tag} is {asset.status}, not in repair", field="tag", code="not_in_repair")
    return _append(asset, CustodyAction.REPAIR_IN, at=_moment(at, asset), status=AssetStatus.IN_STOCK, note=note)


@transaction.atomic
def asset_retire(*, asset: Asset, at: dt.datetime | None = None, note: str = "") -> CustodyEvent:
    asset = _locked(asset)
    if asset.status == AssetStatus.RETIRED:
        raise ConflictError(f"{asset.tag} is already retired", field="tag", code="already_retired")
    if asset.status == AssetStatus.ISSUED:
        raise ConflictError(f"{asset.tag} is issued to {asset.holder_person or asset.holder_unit}; return it before "
                            f"retiring it", field="tag", code="retire_issued")
    return _append(asset, CustodyAction.RETIRE, at=_moment(at, asset), status=AssetStatus.RETIRED, note=note)


@transaction.atomic
def asset_renew(*, asset: Asset, expires: dt.date, at: dt.datetime | None = None, note: str = "") -> CustodyEvent:
    """Changes a certificate's or work card's expiry date: a dated ledger event (a report for an earlier date
    still reads the expiry in force then)."""
    asset = _locked(asset)
    if asset.category_id not in EXPIRING_CATEGORIES:
        raise DomainError(f"{asset.tag}: only certificates and work cards have an expiry date", field="expires")
    if asset.status == AssetStatus.RETIRED:
        raise ConflictError(f"{asset.tag} is retired", field="tag", code="renew_retired")
    moment = _moment(at, asset)
    asset.expires = expires
    Asset.objects.filter(pk=asset.pk).update(expires=expires)
    return _append(asset, CustodyAction.RENEW, at=moment, status=asset.status, holder_person=asset.holder_person,
                   holder_unit=asset.holder_unit, note=note)


CUSTODY_SERVICES = {
    CustodyAction.ISSUE: asset_issue,
    CustodyAction.RETURN: asset_return,
    CustodyAction.TRANSFER: asset_transfer,
    CustodyAction.REPORT_LOST: asset_report_lost,
    CustodyAction.REPAIR_OUT: asset_repair_out,
    CustodyAction.REPAIR_IN: asset_repair_in,
    CustodyAction.RETIRE: asset_retire,
}

__all__ = [
    "CUSTODY_SERVICES", "DEPARTED_STATUSES", "asset_create", "asset_issue", "asset_repair_in", "asset_repair_out",
    "asset_renew", "asset_report_lost", "asset_retire", "asset_return", "asset_transfer", "asset_update", "person_create",
    "person_update", "unit_create", "unit_update",
]
