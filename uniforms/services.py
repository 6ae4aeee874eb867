"""Writes of the logistics officer's workflows; every hand-over goes through the custody ledger (assets.services).

Only the rules specific to these workflows live here (badge numbers, certificate loss reports, seal
hand-overs, departures, rounds, stocktakes); the custody rules themselves (already issued, officers only,
no person-to-person hand-over…) are the ledger's (`assets.ledger`), reached through the asset services or,
for the seasonal round's thousands of movements, through the ledger's bulk append (`_RoundLedger`).
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass, field

from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from assets import access
from assets import ledger as custody
from assets import selectors as asset_selectors
from assets import services as ledger
from assets.choices import AssetStatus, CategoryCode, CustodyAction, PersonRole, PersonStatus
from assets.labels import asset_item_name, category_name, choice_labels, item_type_name, joined
from assets.models import Asset, CustodyEvent, ItemType, OrgUnit, Person
from assets.signals import person_departed
from quartermaster.context import current
from assets.labels import asset_label
from quartermaster.errors import (
    ConflictError, DomainError, Named, choice_label, holder_label, person_label, unit_label,
)


from .choices import (
    BADGE_ITEM, CERTIFICATE_ITEM, CERTIFICATE_LOSS_REPORT_DAYS, CERTIFICATE_SURRENDER_TO, BadgeEndReason,
    ChecklistLineState, DepartureKind, HandoverMode, ReceiptKind, Season, StocktakeStatus,
)
from .models import (
    AssetPlace, BadgeNumberRecord, CertificateLossReport, Departure, DepartureItem, Entitlement, HandoverReceipt,
    AnnualInventory, IssueRound, OfficerSize, SealHandover, SealUsage, Stocktake, StocktakeScan, StoragePlace,
)


def place_label(place: StoragePlace) -> Named:
    """A storage place by name and code."""
    return Named(lambda: str(_("%(name)s（%(code)s）")) % {"name": place.name, "code": place.code})


def stocktake_label(stocktake: Stocktake) -> Named:
    """A stocktake by its number and unit: 盘点 #12（城东中队）."""
    return Named(lambda: str(_("盘点 #%(number)s（%(unit)s）")) % {"number": stocktake.pk,
                                                                 "unit": stocktake.unit.name})


def _now(at: dt.datetime | None = None) -> dt.datetime:
    moment = at or timezone.now()
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


# --- receipts ------------------------------------------------------------------------------------

def receipt_open(*, kind: str, person: Person | None = None, unit: OrgUnit | None = None,
                 counterpart: Person | None = None, note: str = "") -> HandoverReceipt:
    """A new numbered receipt (JJ<date>-<seq>); its number goes on every ledger event of the hand-over."""
    if kind not in ReceiptKind.values:
        raise DomainError(_("未知的交接单类型“%(kind)s”，应为以下之一：%(expected)s"), field="kind", kind=kind,
                          expected=choice_labels(ReceiptKind))
    ctx = current()
    receipt = HandoverReceipt.objects.create(number=uuid.uuid4().hex, kind=kind, person=person, unit=unit,
                                             counterpart=counterpart, note=note, user_id=ctx.user_id,
                                             username=ctx.username)
    # The number comes from the row id so it is unique and gap-free within a committed history.
    receipt.number = f"JJ{timezone.localdate():%Y%m%d}-{receipt.pk:06d}"
    receipt.save(update_fields=["number"])
    return receipt


def _after_return(asset: Asset, on: dt.date) -> None:
    """A returned 胸号 plate ends its badge record; the number stays bound to the officer."""
    BadgeNumberRecord.objects.filter(asset=asset, ended_on__isnull=True).update(
        ended_on=on, end_reason=BadgeEndReason.RETURNED)


# --- uniforms: entitlements, sizes, rounds ------------------------------------------------------

def _uniform_item_type(item_type: ItemType) -> ItemType:
    if item_type.category_id != CategoryCode.UNIFORM:
        raise DomainError(_("%(item)s 属于%(category)s，不是制式服装；配发标准和尺码只针对制式服装品名"),
                          field="item_type", code="not_uniform", item=Named(lambda: item_type_name(item_type)),
                          category=Named(lambda: category_name(item_type.category_id)))
    return item_type


@transaction.atomic
def entitlement_set(*, item_type: ItemType, service_years: int, quantity: int | None = None,
                    season: str = Season.ALL, active: bool = True, source: str = "") -> Entitlement:
    """Creates or edits the entitlement of one uniform item type; no quantity keeps the one set (a new one: 1)."""
    _uniform_item_type(item_type)
    if season not in Season.values:
        raise DomainError(_("未知的季节“%(season)s”，应为以下之一：%(expected)s"), field="season", season=season,
                          expected=choice_labels(Season))
    entitlement = Entitlement.objects.filter(item_type=item_type).first() or Entitlement(item_type=item_type)
    quantity = entitlement.quantity if quantity is None else quantity
    if quantity < 1 or service_years < 1:
        raise DomainError(_("%(item)s：数量和使用年限至少为 1"), field="quantity",
                          item=Named(lambda: item_type_name(item_type)))
    entitlement.quantity, entitlement.service_years = quantity, service_years
    entitlement.season, entitlement.active = season, active
    # The item type's service life is the one replacement reads (assets.selectors.uniform_due_on).
    if item_type.service_years != service_years:
        ItemType.objects.filter(pk=item_type.pk).update(service_years=service_years)
        item_type.service_years = service_years
    entitlement.source = source or entitlement.source
    entitlement.full_clean()
    entitlement.save()
    return entitlement


@transaction.atomic
def officer_size_set(*, person: Person, item_type: ItemType, size: str) -> OfficerSize | None:
    """Records an officer's size for one uniform item type; an empty size removes it."""
    _uniform_item_type(item_type)
    if person.role != PersonRole.OFFICER:
        raise DomainError(_("%(person)s 是%(role)s；制式服装只发给执法人员（严禁非城管执法人员穿着），不记录其尺码"),
                          field="person", code="officer_only", person=person_label(person),
                          role=choice_label(person.role, PersonRole))
    size = size.strip()
    if not size:
        OfficerSize.objects.filter(person=person, item_type=item_type).delete()
        return None
    record, _created = OfficerSize.objects.update_or_create(person=person, item_type=item_type,
                                                            defaults={"size": size})
    return record


def uniform_due_date(*, issued_on: dt.date, years: int) -> dt.date:
    """Replacement date of a uniform item: the issue date plus its service years."""
    return asset_selectors.add_years(issued_on, years)


def round_entitlements(season: str) -> list[Entitlement]:
    """The active entitlements a round of `season` covers (an `all` round covers every one)."""
    qs = Entitlement.objects.filter(active=True).select_related("item_type")
    if season != Season.ALL:
        qs = qs.filter(season__in=[season, Season.ALL])
    return list(qs.order_by("item_type__code"))


@dataclass
class _Shortfall:
    lines: list[dict] = field(default_factory=list)

    def add(self, person: Person, item: str, size: str, missing: int, reason: str) -> None:
        text = (f"缺货：{item} 尺码 {size}" if reason == "out_of_stock" else f"未登记尺码：{item}")
        self.lines.append({"staff_no": person.staff_no, "name": person.name, "unit": person.unit.code,
                           "item": item, "size": size, "missing": missing, "reason": reason, "message": text})


class _RoundLedger:
    """The ledger movements of one round, checked one by one and written by one bulk append.

    A brigade round moves thousands of items; `assets.services.asset_issue` per item costs several round trips
    each (lock, back-dating check, insert, update), too slow for the one-action round. Each movement is checked
    here by the ledger's own rules (`assets.ledger.refuse_move`) against the item as the round has left it, and
    `assets.ledger.append` writes them all, refusing back-dating for all at once.
    """

    def __init__(self, moment: dt.datetime, receipt_no: str):
        self.moment, self.receipt_no = moment, receipt_no
        self.moves: list[dict] = []
        self.before: dict[int, custody.Before] = {}

    def _append(self, asset: Asset, action: str, *, person: Person | None = None, note: str = "") -> None:
        self.before.setdefault(asset.pk, custody.Before.of(asset))
        row = custody.move(asset.pk, action, at=self.moment, person_id=person.pk if person else None, note=note,
                           receipt_no=self.receipt_no)
        self.moves.append(row)
        asset.status = custody.STATUS_AFTER[action]
        asset.holder_person, asset.holder_unit = (person, None) if action == CustodyAction.ISSUE else (None, None)

    def issue(self, asset: Asset, officer: Person) -> None:
        custody.refuse_move(asset, CustodyAction.ISSUE, person=officer)
        self._append(asset, CustodyAction.ISSUE, person=officer)

    def take_back_and_retire(self, asset: Asset, note: str) -> None:
        custody.refuse_move(asset, CustodyAction.RETURN)
        self._append(asset, CustodyAction.RETURN, person=asset.holder_person, note=note)
        custody.refuse_move(asset, CustodyAction.RETIRE)
        self._append(asset, CustodyAction.RETIRE, note=f"{note} {self.receipt_no}")

    def write(self) -> None:
        custody.append(self.moves, before=self.before)


@transaction.atomic
def issue_round_run(*, unit: OrgUnit, season: str, stock_unit: OrgUnit | None = None,
                    retire_replaced: bool = True, at: dt.datetime | None = None) -> IssueRound:
    """Issues every active officer of `unit`'s subtree what they are due of `season`'s items, in one transaction.

    An officer is due `quantity` minus the items of that type they hold that are not yet past replacement.
    Items come from in-stock uniforms of the officer's recorded size in `stock_unit`'s subtree (default: `unit`).
    With `retire_replaced`, a worn-out item is taken back and retired for each replacement issued.
    What cannot be issued (no stock of that size, no size on file) is listed in the round's shortfall.
    """
    if season not in Season.values:
        raise DomainError(_("未知的季节“%(season)s”，应为以下之一：%(expected)s"), field="season", season=season,
                          expected=choice_labels(Season))
    moment = _now(at)
    today = timezone.localdate(moment)
    entitlements = round_entitlements(season)
    if not entitlements:
        raise DomainError(_("没有适用于%(season)s的有效配发标准"), field="season", code="no_entitlement",
                          season=choice_label(season, Season))
    # Recipients: active officers only (the ledger's officer-only and active-person rules).
    officers = list(Person.objects.filter(unit__path__startswith=unit.path, role=PersonRole.OFFICER,
                                          status=PersonStatus.ACTIVE).select_related("unit").order_by("staff_no"))
    if not officers:
        raise DomainError(_("%(unit)s 及其下级单位没有在岗执法人员"), field="unit", code="no_officers",
                          unit=unit_label(unit))
    names = {e.item_type.name: e for e in entitlements}
    sizes = {(s.person_id, s.item_type_id): s.size
             for s in OfficerSize.objects.filter(person__in=officers, item_type__in=[e.item_type for e in entitlements])}
    by_pk = {o.pk: o for o in officers}
    # Taken back: only items issued to the officer now (returnable), locked against a concurrent movement.
    held = list(Asset.objects.select_for_update().filter(
        category_id=CategoryCode.UNIFORM, status=AssetStatus.ISSUED, holder_person__in=officers,
        item__in=names).order_by("tag"))
    years_by_item = asset_selectors.uniform_service_years()
    held_by: dict[tuple[int, str], list[tuple[Asset, bool]]] = defaultdict(list)
    for asset in held:
        asset.holder_person = by_pk[asset.holder_person_id]
        due = asset_selectors.uniform_due_on(issued_at=asset.issued_at, acquired=asset.acquired,
                                             service_years=asset.service_years, item=asset.item,
                                             years_by_item=years_by_item)
        worn = due is not None and due <= today
        held_by[(asset.holder_person_id, asset.item)].append((asset, worn))
    stock_root = stock_unit or unit
    # Issued: only locked in-stock uniform items (issuable).
    pools: dict[tuple[str, str], deque[Asset]] = defaultdict(deque)
    for asset in (Asset.objects.select_for_update().filter(
            category_id=CategoryCode.UNIFORM, status=AssetStatus.IN_STOCK, item__in=names,
            unit__path__startswith=stock_root.path).order_by("tag")):
        pools[(asset.item, asset.size)].append(asset)

    receipt = receipt_open(kind=ReceiptKind.ROUND, unit=unit, note=f"{Season(season).label} {today}")
    moves = _RoundLedger(moment, receipt.number)
    shortfall = _Shortfall()
    issued = replaced = 0
    for officer in officers:
        for name, entitlement in names.items():
            mine = held_by.get((officer.pk, name), [])
            worn_items = [a for a, worn in mine if worn]
            need = entitlement.quantity - (len(mine) - len(worn_items))
            if need <= 0:
                continue
            size = sizes.get((officer.pk, entitlement.item_type_id))
            if not size:
                shortfall.add(officer, name, "", need, "no_size")
                continue
            pool = pools.get((name, size))
            given = 0
            while pool and given < need:
                moves.issue(pool.popleft(), officer)
                given += 1
            if given < need:
                shortfall.add(officer, name, size, need - given, "out_of_stock")
            if retire_replaced:
                for old in worn_items[:given]:
                    moves.take_back_and_retire(old, "到期换发收回")
                    replaced += 1
            issued += given
    moves.write()
    return IssueRound.objects.create(unit=unit, season=season, on_date=today, receipt=receipt,
                                     issued_count=issued, replaced_count=replaced, officers_count=len(officers),
                                     shortfall=shortfall.lines)


# --- insignia: 胸号 ------------------------------------------------------------------------------

def _badge_asset(asset: Asset) -> Asset:
    if asset.category_id != CategoryCode.INSIGNIA or asset.item != BADGE_ITEM:
        raise DomainError(_("%(asset)s 不是胸号牌"), field="asset", code="not_badge", asset=asset_label(asset))
    if not asset.serial:
        raise DomainError(_("%(asset)s：胸号牌的编号记在序列号中，但序列号为空"), field="asset",
                          code="badge_without_number", asset=asset_label(asset))
    return asset


def _close_stale_badge_records(number: str, today: dt.date) -> None:
    """Ends open records whose plate is no longer held (returned or lost through another path)."""
    for record in BadgeNumberRecord.objects.filter(number=number, ended_on__isnull=True).select_related("asset"):
        asset = record.asset
        if asset.status == AssetStatus.ISSUED and asset.holder_person_id == record.person_id:
            continue
        reason = BadgeEndReason.LOST if asset.status == AssetStatus.LOST else BadgeEndReason.RETURNED
        BadgeNumberRecord.objects.filter(pk=record.pk).update(ended_on=today, end_reason=reason)


@transaction.atomic
def badge_issue(*, person: Person, asset: Asset, at: dt.datetime | None = None,
                receipt_no: str = "") -> BadgeNumberRecord:
    """Issues a 胸号 plate; its number (the serial) is the officer's number, bound for life of service."""
    _badge_asset(asset)
    number = asset.serial
    today = timezone.localdate(_now(at))
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.badge_no and person.badge_no != number:
        raise ConflictError(_("%(person)s 的胸号 %(badge)s 终身不变；胸号牌 %(asset)s 的编号是 %(number)s"),
                            field="asset", code="badge_number_mismatch", person=person_label(person),
                            badge=person.badge_no, asset=asset_label(asset), number=number)
    other = BadgeNumberRecord.objects.filter(number=number).exclude(person=person).select_related("person").first()
    bound = Person.objects.filter(badge_no=number).exclude(pk=person.pk).first()
    if other or bound:
        owner = bound or other.person
        raise ConflictError(_("胸号 %(number)s 绑定给 %(owner)s；胸号从不发给其他执法人员"), field="asset",
                            code="badge_bound", number=number, owner=person_label(owner))
    _close_stale_badge_records(number, today)
    open_record = BadgeNumberRecord.objects.filter(number=number, ended_on__isnull=True).first()
    if open_record:
        raise ConflictError(_("%(person)s 已佩戴编号为 %(number)s 的胸号牌 %(asset)s；请先归还或报失"), field="asset",
                            code="badge_in_use", person=person_label(person), number=number,
                            asset=asset_label(open_record.asset))
    ledger.asset_issue(asset=asset, person=person, at=at, receipt_no=receipt_no)
    if not person.badge_no:
        ledger.person_update(person=person, badge_no=number)
    return BadgeNumberRecord.objects.create(number=number, person=person, asset=asset, issued_on=today)


@transaction.atomic
def badge_report_lost(*, person: Person, date_lost: dt.date, date_reported: dt.date | None = None,
                      new_tag: str = "", at: dt.datetime | None = None, note: str = "") -> BadgeNumberRecord:
    """Reports the officer's 胸号 plate lost; with `new_tag`, a new plate with the same number is issued.

    Returns the new record when re-issued, else the closed record of the lost plate.
    """
    if not person.badge_no:
        raise DomainError(_("%(person)s 没有胸号"), field="person", code="no_badge", person=person_label(person))
    record = (BadgeNumberRecord.objects.select_for_update().select_related("asset")
              .filter(number=person.badge_no, person=person, ended_on__isnull=True).first())
    if record is None:
        raise DomainError(_("%(person)s 未持有编号为 %(badge)s 的胸号牌"), field="person", code="no_badge_held",
                          person=person_label(person), badge=person.badge_no)
    event = ledger.asset_report_lost(asset=record.asset, date_lost=date_lost, date_reported=date_reported, at=at,
                                     note=note)
    BadgeNumberRecord.objects.filter(pk=record.pk).update(ended_on=event.date_reported, end_reason=BadgeEndReason.LOST)
    record.refresh_from_db()
    if not new_tag:
        return record
    plate = ledger.asset_create(tag=new_tag, category=CategoryCode.INSIGNIA, unit=record.asset.unit,
                                item=BADGE_ITEM, serial=person.badge_no, at=at, note=f"补发 {person.badge_no}")
    receipt = receipt_open(kind=ReceiptKind.REPLACEMENT, person=person, note=f"{BADGE_ITEM} {person.badge_no}")
    return badge_issue(person=person, asset=plate, at=at, receipt_no=receipt.number)


# --- certificates: 执法证 -------------------------------------------------------------------------

def _held_certificate(person: Person) -> Asset | None:
    return (Asset.objects.filter(category_id=CategoryCode.CERTIFICATE, holder_person=person,
                                 status=AssetStatus.ISSUED).order_by("-id").first())


@transaction.atomic
def certificate_issue(*, person: Person, tag: str, number: str, expires_on: dt.date, unit: OrgUnit | None = None,
                      at: dt.datetime | None = None, receipt_no: str = "") -> Asset:
    """Registers a new 执法证 (serial = its number) and issues it to the officer; the person file follows."""
    number = number.strip()
    if not number:
        raise DomainError(_("请填写证件号"), field="number")
    if Asset.objects.filter(category_id=CategoryCode.CERTIFICATE, serial=number).exists():
        raise ConflictError(_("证件号 %(number)s 已存在"), field="number", code="duplicate", number=number)
    held = _held_certificate(person)
    if held:
        raise ConflictError(_("%(person)s 已持有证件 %(number)s（%(asset)s）；请先上缴或报失"), field="person",
                            code="certificate_held", person=person_label(person), number=held.serial,
                            asset=asset_label(held))
    asset = ledger.asset_create(tag=tag, category=CategoryCode.CERTIFICATE, unit=unit or person.unit,
                                item=CERTIFICATE_ITEM, serial=number, expires=expires_on, at=at)
    ledger.asset_issue(asset=asset, person=person, at=at, receipt_no=receipt_no)
    ledger.person_update(person=person, cert_no=number, cert_expires=expires_on)
    return asset


@transaction.atomic
def certificate_renew(*, person: Person, expires_on: dt.date, at: dt.datetime | None = None,
                      note: str = "") -> Asset:
    """Extends (or corrects) the expiry of the officer's certificate: a dated ledger event, so a report for an
    earlier date still reads the expiry in force then."""
    asset = _held_certificate(person)
    if asset is None:
        raise DomainError(_("%(person)s 没有已发放的证件可续期"), field="person", code="no_certificate",
                          person=person_label(person))
    ledger.asset_renew(asset=asset, expires=expires_on, at=at, note=note)
    ledger.person_update(person=person, cert_expires=expires_on)
    return asset


@transaction.atomic
def certificate_report_lost(*, person: Person, date_lost: dt.date, date_reported: dt.date | None = None,
                            at: dt.datetime | None = None, note: str = "") -> CertificateLossReport:
    """Records the loss of the officer's certificate; flags it late when reported more than 3 days after."""
    asset = _held_certificate(person)
    if asset is None:
        raise DomainError(_("%(person)s 没有已发放的证件可报失"), field="person", code="no_certificate",
                          person=person_label(person))
    event = ledger.asset_report_lost(asset=asset, date_lost=date_lost, date_reported=date_reported, at=at,
                                     note=note)
    late = (event.date_reported - event.date_lost).days > CERTIFICATE_LOSS_REPORT_DAYS
    return CertificateLossReport.objects.create(person=person, asset=asset, cert_no=asset.serial,
                                                date_lost=event.date_lost, date_reported=event.date_reported,
                                                reported_late=late, note=note)


@transaction.atomic
def certificate_replace(*, report: CertificateLossReport, tag: str, number: str, expires_on: dt.date,
                        at: dt.datetime | None = None) -> CertificateLossReport:
    """Issues the replacement certificate (a new asset with a new number) for a loss report."""
    report = CertificateLossReport.objects.select_for_update().get(pk=report.pk)
    if report.replacement_id:
        raise ConflictError(_("证件 %(number)s 的遗失报告已补发为 %(replacement)s"), field="report",
                            code="already_replaced", number=report.cert_no, replacement=report.replacement_no)
    if number.strip() == report.cert_no:
        raise DomainError(_("补发的证件须使用新证号，不能沿用 %(number)s"), field="number", code="same_number",
                          number=report.cert_no)
    receipt = receipt_open(kind=ReceiptKind.REPLACEMENT, person=report.person, note=f"补发 {report.cert_no}")
    asset = certificate_issue(person=report.person, tag=tag, number=number, expires_on=expires_on,
                              unit=report.asset.unit, at=at, receipt_no=receipt.number)
    report.replacement, report.replacement_no = asset, asset.serial
    report.save(update_fields=["replacement", "replacement_no"])
    return report


@transaction.atomic
def certificate_surrender(*, person: Person, at: dt.datetime | None = None, note: str = "") -> HandoverReceipt:
    """The officer surrenders the certificate to the 法制机构 (on transfer or retirement): a return event."""
    asset = _held_certificate(person)
    if asset is None:
        raise DomainError(_("%(person)s 没有已发放的证件可上缴"), field="person", code="no_certificate",
                          person=person_label(person))
    text = f"上缴{CERTIFICATE_SURRENDER_TO}" + (f"：{note}" if note else "")
    receipt = receipt_open(kind=ReceiptKind.SURRENDER, person=person, note=text)
    ledger.asset_return(asset=asset, at=at, receipt_no=receipt.number, note=text)
    return receipt


# --- seals ---------------------------------------------------------------------------------------

def _seal(asset: Asset) -> Asset:
    if asset.category_id != CategoryCode.SEAL:
        raise DomainError(_("%(asset)s 不是印章"), field="seal", code="not_seal", asset=asset_label(asset))
    return asset


@transaction.atomic
def seal_assign(*, seal: Asset, custodian: Person, at: dt.datetime | None = None) -> HandoverReceipt:
    """Designates the first custodian of a seal in stock."""
    _seal(seal)
    receipt = receipt_open(kind=ReceiptKind.ISSUE, person=custodian, note="印章保管人指定")
    ledger.asset_issue(asset=seal, person=custodian, at=at, receipt_no=receipt.number, note="印章保管人指定")
    return receipt


@transaction.atomic
def seal_handover(*, seal: Asset, outgoing: Person, incoming: Person, at: dt.datetime | None = None,
                  note: str = "") -> SealHandover:
    """Hands a seal from its custodian to the next: return + issue under one receipt, both people recorded."""
    seal = Asset.objects.select_for_update().get(pk=_seal(seal).pk)
    if seal.status != AssetStatus.ISSUED or seal.holder_person_id != outgoing.pk:
        holder = holder_label(seal) if seal.status == AssetStatus.ISSUED else choice_label(seal.status, AssetStatus)
        raise ConflictError(_("%(asset)s 现由 %(holder)s 保管，不是 %(outgoing)s；只有当前保管人才能交接"),
                            field="outgoing", code="not_custodian", asset=asset_label(seal), holder=holder,
                            outgoing=person_label(outgoing))
    if incoming.pk == outgoing.pk:
        raise DomainError(_("%(person)s 不能把 %(asset)s 交接给自己"), field="incoming", code="same_custodian",
                          person=person_label(outgoing), asset=asset_label(seal))
    if incoming.status != PersonStatus.ACTIVE:
        raise DomainError(_("%(person)s 的状态为%(status)s；印章保管人须在岗"), field="incoming",
                          code="person_not_active", person=person_label(incoming),
                          status=choice_label(incoming.status, PersonStatus))
    moment = _now(at)
    receipt = receipt_open(kind=ReceiptKind.SEAL_HANDOVER, person=outgoing, counterpart=incoming, note=note)
    ledger.asset_return(asset=seal, at=moment, receipt_no=receipt.number, note=f"印章交接 → {incoming.name}")
    ledger.asset_issue(asset=seal, person=incoming, at=moment, receipt_no=receipt.number,
                       note=f"印章交接 ← {outgoing.name}")
    return SealHandover.objects.create(seal=seal, outgoing=outgoing, incoming=incoming, at=moment, receipt=receipt)


@transaction.atomic
def seal_usage_log(*, seal: Asset, used_on: dt.date, document: str, used_by: Person, note: str = "") -> SealUsage:
    """Logs one use of a seal (date, document, who used it), with the custodian at the time."""
    seal = Asset.objects.select_related("holder_person").get(pk=_seal(seal).pk)
    if seal.status in (AssetStatus.LOST, AssetStatus.RETIRED):
        raise ConflictError(_("%(asset)s 状态为%(status)s，不能使用"), field="seal", code=f"seal_{seal.status}",
                            asset=asset_label(seal), status=choice_label(seal.status, AssetStatus))
    if not document.strip():
        raise DomainError(_("请填写用印的文件"), field="document")
    if used_on > timezone.localdate():
        raise DomainError(_("用印日期 %(date)s 在今天之后"), field="used_on", date=used_on)
    return SealUsage.objects.create(seal=seal, used_on=used_on, document=document.strip(), used_by=used_by,
                                    custodian=seal.holder_person, note=note, username=current().username)


# --- departures ----------------------------------------------------------------------------------

@transaction.atomic
def person_depart(*, person: Person, kind: str, effective: dt.date | None = None, note: str = "") -> Departure:
    """Marks the person transferred or retired and opens the return checklist of everything still held."""
    if kind not in DepartureKind.values:
        raise DomainError(_("未知的离岗类型“%(kind)s”，应为以下之一：%(expected)s"), field="kind", kind=kind,
                          expected=choice_labels(DepartureKind))
    if Departure.objects.filter(person=person).exists():
        raise ConflictError(_("%(person)s 已有离岗清退记录"), field="person", code="already_departed",
                            person=person_label(person))
    effective = effective or timezone.localdate()
    # The status change sends `person_departed`, whose receiver below opens the checklist.
    person = ledger.person_update(person=person, status=kind, effective=effective)
    departure = Departure.objects.get(person=person)
    if note:
        departure.note = note
        departure.save(update_fields=["note"])
    return departure


def departure_open(*, person: Person, kind: str, effective: dt.date) -> Departure:
    """Opens the departure and its return checklist of everything the person still holds (once per person)."""
    departure, created = Departure.objects.get_or_create(person=person,
                                                         defaults={"kind": kind, "effective": effective})
    if created:
        return_to = {line["tag"]: line["return_to"] for line in asset_selectors.person_return_checklist(person)}
        DepartureItem.objects.bulk_create(
            DepartureItem(departure=departure, asset=asset, return_to=return_to.get(asset.tag, ""))
            for asset in asset_selectors.person_held_assets(person)
        )
    return departure


@receiver(person_departed)
def _open_departure_on_status_change(*, person: Person, kind: str, effective: dt.date, **_kwargs) -> None:
    """However a person is marked transferred or retired (API, admin, departure screen), a checklist opens."""
    departure_open(person=person, kind=kind, effective=effective)


@transaction.atomic
def departure_close_out(*, departure: Departure) -> Departure:
    """Closes the departure; refused while any checklist line is neither returned nor reported lost."""
    from .selectors import departure_checklist

    departure = Departure.objects.select_for_update().select_related("person").get(pk=departure.pk)
    if departure.closed_out:
        raise ConflictError(_("%(person)s 的离岗清退已办结"), field="departure", code="already_closed",
                            person=person_label(departure.person))
    still_open = [line["tag"] for line in departure_checklist(departure) if line["state"] == ChecklistLineState.OPEN]
    if still_open:
        raise ConflictError(_("%(person)s 仍持有 %(tags)s；每件都须归还或报失后才能办结清退"), field="departure",
                            code="checklist_open", person=person_label(departure.person), tags=joined(still_open))
    departure.closed_out, departure.closed_at = True, timezone.now()
    departure.closed_by = current().username
    departure.save(update_fields=["closed_out", "closed_at", "closed_by"])
    return departure


# --- scan-first bulk hand-over -------------------------------------------------------------------

class HandoverRefused(DomainError):
    """A bulk hand-over refused as a whole; `lines` says for each tag whether it passed and why not."""

    def __init__(self, message, lines: list[dict]):
        bad = [line["reason"] for line in lines if not line["ok"]]
        super().__init__(message, code="handover_refused", field="tags", status_code=409, bad=len(bad),
                         total=len(lines),
                         reasons=Named(lambda: pgettext("list separator", "；").join(str(r) for r in bad)))
        self.lines = lines

    def as_dict(self) -> dict:
        return {**super().as_dict(), "lines": self.lines}


class _DryRun(Exception):
    pass


def _target(mode: str, person: Person | None, unit: OrgUnit | None) -> None:
    if mode not in HandoverMode.values:
        raise DomainError(_("未知的交接方式 %(mode)r；应为 issue（发放）或 return（归还）"), field="mode", mode=mode)
    if (person is None) == (unit is None):
        raise DomainError(_("请为交接选择一名人员或一个单位"), field="person")


def _line(tag: str, asset: Asset | None, ok: bool, code: str = "", reason: str = "") -> dict:
    info = {"tag": tag, "ok": ok, "code": code, "reason": reason}
    if asset is not None:
        held = asset.holder_person_id or asset.holder_unit_id
        info.update(category=asset.category_id, category_name=category_name(asset.category), item=asset.item,
                    item_name=asset_item_name(asset), size=asset.size, serial=asset.serial, status=asset.status,
                    holder=str(holder_label(asset)) if held else "")
    return info


def _precheck(mode: str, tag: str, asset: Asset | None, person: Person | None, unit: OrgUnit | None,
              seen: set[str]) -> tuple[str, str] | None:
    """The refusals specific to a bulk hand-over; the ledger's own rules are checked by calling it."""
    if not tag:
        return "empty_tag", str(DomainError(_("空标签"), code="empty_tag"))
    if tag in seen:
        return "duplicate", str(DomainError(_("%(tag)s 已在本单中"), code="duplicate", tag=tag))
    if asset is None:
        return "unknown_tag", str(DomainError(_("未知标签 %(tag)s"), code="unknown_tag", tag=tag))
    if mode == HandoverMode.RETURN:
        if asset.category_id == CategoryCode.SEAL:
            return "seal_handover", str(DomainError(
                _("%(asset)s 是印章：须经双人交接（印章交接），不能单独归还"), code="seal_handover",
                asset=asset_label(asset)))
        if asset.status == AssetStatus.ISSUED:
            holder_ok = (asset.holder_person_id == person.pk) if person else (asset.holder_unit_id == unit.pk)
            if not holder_ok:
                return "wrong_holder", str(DomainError(
                    _("%(asset)s 由 %(holder)s 持有，不是 %(whom)s"), code="wrong_holder", asset=asset_label(asset),
                    holder=holder_label(asset), whom=person_label(person) if person else unit_label(unit)))
    return None


def _certificate_bound(asset: Asset, person: Person) -> None:
    """A 执法证 is bound to one officer: a scan hands it only to the officer whose certificate number it carries.

    A new certificate (new number, expiry date) goes through `certificate_issue` instead.
    """
    owner = Person.objects.filter(cert_no=asset.serial).exclude(pk=person.pk).first() if asset.serial else None
    if owner is not None:
        raise ConflictError(_("%(asset)s：证件 %(number)s 属于 %(owner)s；证件从不交给其他执法人员"), field="tag",
                            code="certificate_bound", asset=asset_label(asset), number=asset.serial,
                            owner=person_label(owner))
    if not asset.serial or person.cert_no != asset.serial:
        raise ConflictError(_("%(asset)s：证件 %(number)s 不是 %(person)s 的（其证号为 %(cert_no)s）；新证件请通过"
                              "证件办理流程发放"), field="tag", code="certificate_not_theirs",
                            asset=asset_label(asset), number=asset.serial or "—", person=person_label(person),
                            cert_no=person.cert_no or "—")


def _ledger_call(mode: str, asset: Asset, person: Person | None, unit: OrgUnit | None, at, receipt_no: str,
                 note: str) -> None:
    if mode == HandoverMode.ISSUE and person is not None and asset.category_id == CategoryCode.INSIGNIA \
            and asset.item == BADGE_ITEM:
        # A 胸号 plate carries a number bound to one officer for life: the badge rules apply to a scan too.
        badge_issue(person=person, asset=asset, at=at, receipt_no=receipt_no)
    elif mode == HandoverMode.ISSUE:
        ledger.asset_issue(asset=asset, person=person, unit=unit, at=at, receipt_no=receipt_no, note=note)
        if person is not None and asset.category_id == CategoryCode.CERTIFICATE:
            _certificate_bound(asset, person)
    else:
        ledger.asset_return(asset=asset, at=at, receipt_no=receipt_no, note=note)
        _after_return(asset, timezone.localdate(_now(at)))


def _assets_by_tag(tags) -> dict[str, Asset]:
    """Assets by tag among those the acting user may see: another unit's tag is unknown here, not revealed."""
    qs = access.for_actor(Asset.objects.filter(tag__in=[t for t in tags if t])).select_related(
        "category", "holder_person", "holder_unit", "unit")
    return {a.tag: a for a in qs}


def handover_check(*, mode: str, tag: str, person: Person | None = None, unit: OrgUnit | None = None,
                   seen: list[str] | tuple = ()) -> dict:
    """Validates one scanned tag at once: the bulk hand-over's own checks, then the ledger's on a dry run."""
    _target(mode, person, unit)
    tag = tag.strip()
    asset = _assets_by_tag([tag]).get(tag)
    refused = _precheck(mode, tag, asset, person, unit, {s.strip() for s in seen})
    if refused:
        return _line(tag, asset, False, *refused)
    try:
        with transaction.atomic():
            _ledger_call(mode, asset, person, unit, None, "", "")
            raise _DryRun
    except _DryRun:
        pass
    except DomainError as exc:
        return _line(tag, asset, False, exc.code, exc.message)
    asset.refresh_from_db()
    return _line(tag, asset, True)


@transaction.atomic
def handover_commit(*, mode: str, tags: list[str], person: Person | None = None, unit: OrgUnit | None = None,
                    at: dt.datetime | None = None, note: str = "") -> HandoverReceipt:
    """Commits a whole scanned hand-over under one receipt; any refused line refuses it all (nothing changes)."""
    _target(mode, person, unit)
    tags = [t.strip() for t in tags]
    if not tags:
        raise DomainError(_("请至少扫描一个标签"), field="tags", code="empty")
    moment = _now(at)
    assets = _assets_by_tag(tags)
    receipt = receipt_open(kind=mode, person=person, unit=unit, note=note)
    lines, seen = [], set()
    for tag in tags:
        asset = assets.get(tag)
        refused = _precheck(mode, tag, asset, person, unit, seen)
        seen.add(tag)
        if refused:
            lines.append(_line(tag, asset, False, *refused))
            continue
        try:
            with transaction.atomic():
                _ledger_call(mode, asset, person, unit, moment, receipt.number, note)
        except DomainError as exc:
            lines.append(_line(tag, asset, False, exc.code, exc.message))
            continue
        lines.append(_line(tag, asset, True))
    if not all(line["ok"] for line in lines):
        raise HandoverRefused(_("交接被拒绝，未做任何变更（%(bad)s/%(total)s 行）：%(reasons)s"), lines)
    return receipt


# --- storage places and stocktakes ---------------------------------------------------------------

@transaction.atomic
def storage_place_create(*, unit: OrgUnit, code: str, name: str) -> StoragePlace:
    if StoragePlace.objects.filter(code=code).exists():
        raise ConflictError(_("存放位置编码 %(place)s 已存在"), field="code", code="duplicate", place=code)
    place = StoragePlace(unit=unit, code=code, name=name)
    place.full_clean()
    place.save()
    return place


@transaction.atomic
def asset_place_set(*, asset: Asset, place: StoragePlace) -> AssetPlace:
    """Records where an item is kept; the place must belong to the item's unit or one above it."""
    if not asset.unit.path.startswith(place.unit.path):
        raise DomainError(_("%(asset)s 属于 %(owner)s；存放位置 %(place)s 属于 %(unit)s"), field="place",
                          code="place_outside_unit", asset=asset_label(asset), owner=unit_label(asset.unit),
                          place=place_label(place), unit=unit_label(place.unit))
    record, _created = AssetPlace.objects.update_or_create(asset=asset, defaults={"place": place})
    return record


@transaction.atomic
def stocktake_start(*, unit: OrgUnit, place: StoragePlace | None = None) -> Stocktake:
    if place is not None and not place.unit.path.startswith(unit.path):
        raise DomainError(_("存放位置 %(place)s 属于 %(owner)s，不在 %(unit)s 之内"), field="place",
                          place=place_label(place), owner=unit_label(place.unit), unit=unit_label(unit))
    return Stocktake.objects.create(unit=unit, place=place, username=current().username)


@transaction.atomic
def stocktake_scan(*, stocktake: Stocktake, tag: str) -> StocktakeScan:
    """Records one scanned tag (known or not); scanning the same tag twice is refused."""
    tag = tag.strip()
    if not tag:
        raise DomainError(_("空标签"), field="tag")
    stocktake = Stocktake.objects.select_for_update().get(pk=stocktake.pk)
    if stocktake.status != StocktakeStatus.OPEN:
        raise ConflictError(_("%(stocktake)s 已结束"), field="stocktake", code="stocktake_closed",
                            stocktake=stocktake_label(stocktake))
    if stocktake.scans.filter(tag=tag).exists():
        raise ConflictError(_("%(tag)s 在本次盘点中已扫描过"), field="tag", code="duplicate_scan", tag=tag)
    return StocktakeScan.objects.create(stocktake=stocktake, tag=tag, asset=Asset.objects.filter(tag=tag).first())


@transaction.atomic
def stocktake_close(*, stocktake: Stocktake) -> Stocktake:
    """Closes the stocktake and freezes its findings (missing, unexpected, misplaced)."""
    from .selectors import stocktake_result

    stocktake = Stocktake.objects.select_for_update().get(pk=stocktake.pk)
    if stocktake.status != StocktakeStatus.OPEN:
        raise ConflictError(_("%(stocktake)s 已结束"), field="stocktake", code="stocktake_closed",
                            stocktake=stocktake_label(stocktake))
    stocktake.result = stocktake_result(stocktake)
    stocktake.status, stocktake.closed_at = StocktakeStatus.CLOSED, timezone.now()
    stocktake.save(update_fields=["result", "status", "closed_at"])
    return stocktake


@transaction.atomic
def annual_inventory_plan(*, unit: OrgUnit, year: int) -> AnnualInventory:
    """Plans the year's count (年度清查盘点) of `unit`'s subtree: one stocktake per unit that owns assets on the books
    (in stock or issued), each expecting that unit's own items; scans and closing go through the stocktakes."""
    from .selectors import INVENTORY_STATUSES

    if AnnualInventory.objects.filter(unit=unit, year=year).exists():
        raise ConflictError(_("%(unit)s 的 %(year)s 年度清查盘点已安排"), field="year", code="duplicate",
                            unit=unit_label(unit), year=year)
    inventory = AnnualInventory.objects.create(unit=unit, year=year, username=current().username)
    owners = set(Asset.objects.filter(unit__path__startswith=unit.path, status__in=INVENTORY_STATUSES)
                 .values_list("unit_id", flat=True))
    for counted in OrgUnit.objects.filter(pk__in=owners).order_by("path"):
        Stocktake.objects.create(inventory=inventory, unit=counted, username=current().username)
    return inventory
