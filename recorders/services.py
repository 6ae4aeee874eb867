"""Writes of the recorders app: shift sign-out and return (through the custody ledger), checks, inspections.

A dock report returns a recorder out on a shift (documented in README "Recorders"): a recorder is put in its
docking station at the end of a shift, so a dock report timed after the sign-out means it is back at the counter.
It is recorded as the shift's return at the report's time, through the ledger like a return at the counter. Kit
issued for keeps (`issue`) is never returned by a dock report: an officer's own recorder is offloaded daily and
stays with them.
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assets import access, ledger
from assets import services as registry
from assets.choices import AssetStatus, CategoryCode, CustodyAction, UnitKind
from assets.models import Asset, CustodyEvent, OrgUnit, Person
from quartermaster.context import current
from assets.labels import asset_label, category_name, field_names
from quartermaster.errors import DomainError, Named, choice_label, unit_label

from telematics.tracking.signals import dock_reports_stored

from .choices import CheckResult
from .models import FootageInspection, RecorderCheck

# --- who and what was scanned ---------------------------------------------------------------------------------


def person_by_card(card: str) -> Person:
    """The person a scanned card names: staff number, badge number (胸号) or the number of the enforcement
    certificate they hold; within the actor's scope."""
    card = (card or "").strip()
    if not card:
        raise DomainError(_("请刷执法人员的证件或输入工号"), field="person", code="empty")
    people = access.for_actor(Person.objects.select_related("unit"))
    person = people.filter(Q(staff_no=card) | Q(badge_no=card)).first()
    if person is None:
        holder = (access.for_actor(Asset.objects.all())
                  .filter(tag=card, category_id=CategoryCode.CERTIFICATE, status=AssetStatus.ISSUED)
                  .values_list("holder_person_id", flat=True).first())
        person = people.filter(pk=holder).first() if holder else None
    if person is None:
        raise DomainError(_("您的管辖范围内没有工号、胸号或证号为 %(card)s 的执法人员"), field="person",
                          code="unknown_person", card=card)
    return person


def asset_by_tag(tag: str) -> Asset:
    tag = (tag or "").strip()
    asset = access.for_actor(Asset.objects.select_related("category", "unit")).filter(tag=tag).first()
    if asset is None:
        raise DomainError(_("未知标签 %(tag)s，或不在您的管辖范围内"), field="tag", code="unknown_tag", tag=tag)
    return asset


# --- shifts ----------------------------------------------------------------------------------------------------

@transaction.atomic
def shift_sign_out(*, card: str, tag: str, at: dt.datetime | None = None, note: str = "") -> CustodyEvent:
    """Signs pooled kit out to the officer whose card was scanned, for one shift (ledger: shift_out)."""
    person = person_by_card(card)
    return registry.asset_shift_out(asset=asset_by_tag(tag), person=person, at=at, note=note)


@transaction.atomic
def shift_sign_in(*, tag: str, at: dt.datetime | None = None, note: str = "") -> CustodyEvent:
    """Takes kit back at the end of its shift (ledger: shift_in)."""
    return registry.asset_shift_in(asset=asset_by_tag(tag), at=at, note=note)


def _latest_events(asset_ids) -> dict[int, tuple[str, dt.datetime]]:
    """asset -> (action, occurred_at) of its latest ledger event (read backwards along the ledger's index)."""
    latest = CustodyEvent.objects.filter(asset=OuterRef("pk")).order_by("-occurred_at", "-id")
    return {pk: (action, at) for pk, action, at in Asset.objects.filter(pk__in=list(asset_ids)).annotate(
        last_action=Subquery(latest.values("action")[:1]), last_at=Subquery(latest.values("occurred_at")[:1]),
    ).values_list("pk", "last_action", "last_at")}


def dock_returns(reports) -> list[dict]:
    """Signs back in every recorder out on a shift whose dock reported after its sign-out (one ledger append).
    Returns the appended movements."""
    first: dict[str, tuple[dt.datetime, str]] = {}
    for r in reports:
        if r.recorder_tag not in first or r.ts < first[r.recorder_tag][0]:
            first[r.recorder_tag] = (r.ts, r.dock_id)
    if not first:
        return []
    out = list(Asset.objects.select_for_update().filter(tag__in=list(first), status=AssetStatus.ISSUED,
                                                        category_id=CategoryCode.RECORDER).order_by("pk"))
    latest = _latest_events([a.pk for a in out])
    moves, before = [], {}
    for asset in out:
        action, since = latest.get(asset.pk, (None, None))
        ts, dock_id = first[asset.tag]
        if action != CustodyAction.SHIFT_OUT or ts <= since:
            continue
        row = ledger.move(asset.pk, CustodyAction.SHIFT_IN, at=ts, person_id=asset.holder_person_id,
                          note=f"dock {dock_id}")
        row["source"] = "ingest"  # the dock's report, whoever runs the ingest
        moves.append(row)
        before[asset.pk] = ledger.Before.of(asset)
    return ledger.append(moves, before=before) if moves else []


@receiver(dock_reports_stored, dispatch_uid="recorders_dock_returns")
def _on_dock_reports(sender, reports, **kwargs) -> None:
    dock_returns(reports)


# --- maintenance and pre-use checks ----------------------------------------------------------------------------

def _not_future(day: dt.date, field: str) -> None:
    if day > timezone.localdate():
        raise DomainError(_("%(what)s %(date)s 在今天之后"), field=field, code="future_date",
                          what=field_names(RecorderCheck, [field]) if field == "checked_on"
                          else field_names(FootageInspection, [field]), date=day)


@transaction.atomic
def recorder_check_record(*, asset: Asset, checked_on: dt.date, kind: str, result: str,
                          performed_by: Person | None = None, note: str = "", send_to_repair: bool = True,
                          at: dt.datetime | None = None) -> RecorderCheck:
    """Records a 维护保养 or 使用前检查 of a recorder. A fault sends it to repair through the ledger (unless
    `send_to_repair` is false): kit out on a shift is signed back in first, kit issued for keeps returned first."""
    asset = Asset.objects.select_for_update().select_related("category").get(pk=asset.pk)
    if asset.category_id != CategoryCode.RECORDER:
        raise DomainError(_("%(asset)s 是%(category)s，不是执法记录仪"), field="asset", code="not_recorder",
                          asset=asset_label(asset), category=Named(lambda: category_name(asset.category)))
    if asset.status in (AssetStatus.LOST, AssetStatus.RETIRED):
        raise DomainError(_("%(asset)s 状态为%(status)s，不能检查"), field="asset", code=f"check_{asset.status}",
                          asset=asset_label(asset), status=choice_label(asset.status, AssetStatus))
    _not_future(checked_on, "checked_on")
    check = RecorderCheck(asset=asset, checked_on=checked_on, kind=kind, result=result, performed_by=performed_by,
                          note=note, username=current().username)
    check.full_clean()
    if result == CheckResult.FAULT and send_to_repair and asset.status != AssetStatus.IN_REPAIR:
        why = f"{check.get_kind_display()} {checked_on}: {note}".strip().rstrip(":")
        if asset.status == AssetStatus.ISSUED:
            latest = _latest_events([asset.pk]).get(asset.pk, (None, None))[0]
            back = registry.asset_shift_in if latest == CustodyAction.SHIFT_OUT else registry.asset_return
            back(asset=asset, at=at, note=why)
        registry.asset_repair_out(asset=asset, at=at, note=why)
        check.sent_to_repair = True
    check.save()
    return check


# --- the footage inspection register ---------------------------------------------------------------------------

@transaction.atomic
def footage_inspection_record(*, inspected_on: dt.date, inspector: str, unit: OrgUnit, recorders=(),
                              items_checked: int = 0, findings: str = "", follow_up: str = "") -> FootageInspection:
    """Enters one inspection of a brigade's case files and footage in the 检查台帐."""
    if unit.kind != UnitKind.BRIGADE:
        raise DomainError(_("%(unit)s 是%(kind)s；检查台帐只登记对大队的检查"), field="unit", code="not_brigade",
                          unit=unit_label(unit), kind=choice_label(unit.kind, UnitKind))
    _not_future(inspected_on, "inspected_on")
    if not (inspector or "").strip():
        raise DomainError(_("请填写检查人"), field="inspector", code="empty")
    checked = list(recorders)
    for asset in checked:
        if asset.category_id != CategoryCode.RECORDER:
            raise DomainError(_("%(asset)s 不是执法记录仪"), field="recorders", code="not_recorder",
                              asset=asset_label(asset))
        if not asset.unit.path.startswith(unit.path):
            raise DomainError(_("%(asset)s 属于 %(owner)s，不属于 %(unit)s"), field="recorders",
                              code="recorder_outside_unit", asset=asset_label(asset), owner=unit_label(asset.unit),
                              unit=unit_label(unit))
        if access.actor() is not None:
            access.ensure(access.actor(), asset, access.VIEW, what="recorder")
    inspection = FootageInspection(inspected_on=inspected_on, inspector=inspector.strip(), unit=unit,
                                   items_checked=items_checked, findings=findings, follow_up=follow_up,
                                   username=current().username)
    inspection.full_clean()
    inspection.save()
    inspection.recorders.set(checked)
    return inspection
