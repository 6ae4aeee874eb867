"""The custody ledger's one writer: which movement may follow which status, who may receive what, one bulk append.

Every custody event is written by `append`, whoever moves the asset: the services one movement at a time,
the seasonal round thousands at once, the workbook import a whole bureau. The state an event leaves the asset
in (`status_after`, `unit_after`, holders) is derived here from the movement, never restated by a caller, and
the asset row is the projection of its latest event.

The rules are stated once, as data: `FOLLOWS` (which status a movement may follow), `STATUS_AFTER`,
`RECIPIENT_ROLES` (who may receive what category). `refuse_move` turns a broken rule into the refusal the
logistics officer reads; `append` checks the sequence of every batch against `FOLLOWS` once more and refuses
back-dating, so a writer that forgot a check still cannot leave the ledger incoherent. The import records the
bureau as it stands (SPEC: the recorded past is not refused by custody rules): it appends `as_recorded`.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Case, OuterRef, Subquery, When
from django.utils import timezone

from django.utils.translation import gettext_lazy as _

from quartermaster.context import current
from assets.labels import asset_label
from quartermaster.errors import ConflictError, DomainError, Named, choice_label, holder_label, person_label, unit_label

from . import access
from .choices import SHIFT_CATEGORIES, AssetStatus, CategoryCode, CustodyAction, PersonRole, PersonStatus
from .labels import category_name
from .models import Asset, CustodyEvent, DisposalItem, DisposalStatus, OrgUnit, Person

# --- the rules -----------------------------------------------------------------------------------

# The status an asset must be in for each movement (None: not yet received, i.e. being registered).
FOLLOWS: dict[str, frozenset] = {
    CustodyAction.RECEIVE: frozenset({None}),
    CustodyAction.ISSUE: frozenset({AssetStatus.IN_STOCK}),
    CustodyAction.RETURN: frozenset({AssetStatus.ISSUED, AssetStatus.LOST}),  # a lost item found comes back too
    CustodyAction.TRANSFER: frozenset({AssetStatus.IN_STOCK, AssetStatus.IN_REPAIR}),
    CustodyAction.REPORT_LOST: frozenset({AssetStatus.IN_STOCK, AssetStatus.ISSUED, AssetStatus.IN_REPAIR}),
    CustodyAction.REPAIR_OUT: frozenset({AssetStatus.IN_STOCK}),
    CustodyAction.REPAIR_IN: frozenset({AssetStatus.IN_REPAIR}),
    CustodyAction.RETIRE: frozenset({AssetStatus.IN_STOCK, AssetStatus.IN_REPAIR, AssetStatus.LOST}),
    # A certificate's or work card's new expiry date, wherever it stands (the holder keeps it).
    CustodyAction.RENEW: frozenset({AssetStatus.IN_STOCK, AssetStatus.ISSUED, AssetStatus.IN_REPAIR, AssetStatus.LOST}),
    # A pooled item (in its unit's stock) signed out to an officer for a shift, and back at the end of it; only an
    # item whose latest movement is a shift sign-out comes back this way (`refuse_move`).
    CustodyAction.SHIFT_OUT: frozenset({AssetStatus.IN_STOCK}),
    CustodyAction.SHIFT_IN: frozenset({AssetStatus.ISSUED}),
}

# The status each movement leaves; None: unchanged (a transfer moves the asset's books, not its state).
STATUS_AFTER: dict[str, str | None] = {
    CustodyAction.RECEIVE: AssetStatus.IN_STOCK,
    CustodyAction.ISSUE: AssetStatus.ISSUED,
    CustodyAction.RETURN: AssetStatus.IN_STOCK,
    CustodyAction.TRANSFER: None,
    CustodyAction.REPORT_LOST: AssetStatus.LOST,
    CustodyAction.REPAIR_OUT: AssetStatus.IN_REPAIR,
    CustodyAction.REPAIR_IN: AssetStatus.IN_STOCK,
    CustodyAction.RETIRE: AssetStatus.RETIRED,
    CustodyAction.RENEW: None,
    CustodyAction.SHIFT_OUT: AssetStatus.ISSUED,
    CustodyAction.SHIFT_IN: AssetStatus.IN_STOCK,
}

# Movements that hand an item to its holder (a person or a unit); the others leave it without one (or, a renewal,
# as it was).
ISSUING = frozenset({CustodyAction.ISSUE, CustodyAction.SHIFT_OUT})

# Categories issued to one role of person only, never to a unit (SPEC "Custody"): 制式服装… 严禁非城管执法人员
# 穿着; the auxiliaries' own uniform and work card (jiangsu 协管人员/7) go to auxiliaries only.
RECIPIENT_ROLES: dict[str, str] = {
    CategoryCode.UNIFORM: PersonRole.OFFICER,
    CategoryCode.INSIGNIA: PersonRole.OFFICER,
    CategoryCode.CERTIFICATE: PersonRole.OFFICER,
    "aux_uniform": PersonRole.AUXILIARY,
    "aux_card": PersonRole.AUXILIARY,
}

OFFICER_ONLY_CATEGORIES = frozenset(c for c, role in RECIPIENT_ROLES.items() if role == PersonRole.OFFICER)


def recipient_role(category: str) -> str | None:
    """The only role of person `category` may be issued to, or None when anyone (or a unit) may receive it."""
    return RECIPIENT_ROLES.get(category)


# --- refusals ------------------------------------------------------------------------------------

def _holder(asset: Asset):
    return holder_label(asset)


def _status(asset: Asset, status: str | None = None):
    return choice_label(status or asset.status, AssetStatus)


def _refuse_issue_status(asset: Asset, person: Person | None) -> None:
    if asset.status == AssetStatus.ISSUED:
        if person is not None and asset.holder_person_id and asset.holder_person_id != person.pk:
            raise ConflictError(
                _("%(asset)s 由 %(holder)s 持有，不得在人员之间直接转交（不得擅自赠送、转借），须先归还"),
                field="tag", code="person_to_person", asset=asset_label(asset), holder=_holder(asset))
        raise ConflictError(_("%(asset)s 已发放给 %(holder)s，归还后才能再次发放"), field="tag",
                            code="already_issued", asset=asset_label(asset), holder=_holder(asset))
    raise ConflictError(_("%(asset)s 状态为%(status)s，不能发放"), field="tag",
                        code=f"not_issuable_{asset.status}", asset=asset_label(asset), status=_status(asset))


def refuse_recipient(asset: Asset, person: Person | None, unit: OrgUnit | None) -> None:
    """Refuses a recipient the asset's category may not go to, or a person who is not active."""
    role = recipient_role(asset.category_id)
    if unit is not None and role is not None:
        if role == PersonRole.OFFICER:
            raise DomainError(_("%(asset)s：%(category)s只发给执法人员，不发给单位"), field="unit",
                              code="officer_only", asset=asset_label(asset), category=_category(asset))
        raise DomainError(_("%(asset)s：%(category)s只发给协管人员，不发给单位"), field="unit",
                          code="auxiliary_only", asset=asset_label(asset), category=_category(asset))
    if person is None:
        return
    if person.status != PersonStatus.ACTIVE:
        raise DomainError(_("%(person)s 的状态为%(status)s；只有在岗人员才能领用装备"), field="person",
                          code="person_not_active", person=person_label(person),
                          status=choice_label(person.status, PersonStatus))
    if role == PersonRole.OFFICER and person.role != PersonRole.OFFICER:
        raise DomainError(
            _("%(asset)s：%(category)s只发给执法人员（严禁非城管执法人员穿着）；%(person)s 是%(role)s"),
            field="person", code="officer_only", asset=asset_label(asset), category=_category(asset),
            person=person_label(person), role=choice_label(person.role, PersonRole))
    if role == PersonRole.AUXILIARY and person.role != PersonRole.AUXILIARY:
        raise DomainError(
            _("%(asset)s：%(category)s只发给协管人员；%(person)s 是%(role)s"), field="person",
            code="auxiliary_only", asset=asset_label(asset), category=_category(asset),
            person=person_label(person), role=choice_label(person.role, PersonRole))


def _category(asset: Asset) -> Named:
    return Named(lambda: category_name(asset.category_id))


# Moves that would take an item awaiting a disposal decision out of the store: the approval retires it from there.
HELD_FOR_DISPOSAL = frozenset({CustodyAction.ISSUE, CustodyAction.SHIFT_OUT, CustodyAction.TRANSFER})


def _refuse_awaiting_disposal(asset: Asset, action: str) -> None:
    number = (DisposalItem.objects.filter(asset_id=asset.pk, request__status=DisposalStatus.PENDING)
              .values_list("request__number", flat=True).first())
    if number:
        raise ConflictError(_("%(asset)s 在报废申请 %(number)s 中待审批，审批结束前不能%(action)s"), field="tag",
                            code="awaiting_disposal", asset=asset_label(asset), number=number,
                            action=choice_label(action, CustodyAction))


def refuse_move(asset: Asset, action: str, *, person: Person | None = None, unit: OrgUnit | None = None,
                to_unit: OrgUnit | None = None) -> None:
    """Raises the refusal of `action` on `asset` as it stands (issue: to `person` or `unit`; transfer: `to_unit`)."""
    status = asset.status
    named = asset_label(asset)
    if action in HELD_FOR_DISPOSAL and asset.pk is not None:
        _refuse_awaiting_disposal(asset, action)
    if action == CustodyAction.ISSUE:
        if (person is None) == (unit is None):
            raise DomainError(_("%(asset)s：请选择一名人员或一个单位领用"), field="person", asset=named)
        if status not in FOLLOWS[action]:
            _refuse_issue_status(asset, person)
        refuse_recipient(asset, person, unit)
        return
    if action == CustodyAction.SHIFT_OUT:
        _refuse_shift_out(asset, person)
        return
    if action == CustodyAction.SHIFT_IN:
        _refuse_shift_in(asset)
        return
    if status in FOLLOWS[action]:
        if action == CustodyAction.TRANSFER and to_unit is not None and to_unit.pk == asset.unit_id:
            raise DomainError(_("%(asset)s 已属于%(unit)s"), field="to_unit", code="same_unit", asset=named,
                              unit=unit_label(to_unit))
        return
    if action == CustodyAction.RETURN:
        raise ConflictError(_("%(asset)s 状态为%(status)s；只有已发放或已遗失的装备才能归还"), field="tag",
                            code="not_returnable", asset=named, status=_status(asset))
    if action == CustodyAction.TRANSFER:
        if status == AssetStatus.ISSUED:
            raise ConflictError(_("%(asset)s 已发放给 %(holder)s，归还后才能调拨"), field="tag",
                                code="transfer_issued", asset=named, holder=_holder(asset))
        raise ConflictError(_("%(asset)s 状态为%(status)s，不能调拨"), field="tag", code=f"transfer_{status}",
                            asset=named, status=_status(asset))
    if action == CustodyAction.REPORT_LOST:
        raise ConflictError(_("%(asset)s 已是%(status)s状态"), field="tag", code=f"lost_{status}", asset=named,
                            status=_status(asset))
    if action == CustodyAction.REPAIR_OUT:
        raise ConflictError(_("%(asset)s 状态为%(status)s；只有在库装备才能送修（请先归还）"), field="tag",
                            code="repair_not_in_stock", asset=named, status=_status(asset))
    if action == CustodyAction.REPAIR_IN:
        raise ConflictError(_("%(asset)s 状态为%(status)s，不在维修中"), field="tag", code="not_in_repair",
                            asset=named, status=_status(asset))
    if action == CustodyAction.RENEW:
        raise ConflictError(_("%(asset)s 状态为%(status)s，有效期不再变更"), field="tag", code=f"renew_{status}",
                            asset=named, status=_status(asset))
    if action == CustodyAction.RETIRE:
        if status == AssetStatus.RETIRED:
            raise ConflictError(_("%(asset)s 已报废"), field="tag", code="already_retired", asset=named)
        raise ConflictError(_("%(asset)s 已发放给 %(holder)s，归还后才能报废"), field="tag", code="retire_issued",
                            asset=named, holder=_holder(asset))
    raise DomainError(_("%(asset)s：状态为%(status)s时不能%(action)s"), field="action", code="invalid_transition",
                      asset=named, status=_status(asset), action=choice_label(action, CustodyAction))


def _refuse_shift_out(asset: Asset, person: Person | None) -> None:
    """A shift sign-out: pooled kit only, from its unit's stock, to an active enforcement officer (jiangsu
    执法全过程记录/4: the recording is done by officers holding an enforcement certificate)."""
    named = asset_label(asset)
    if asset.category_id not in SHIFT_CATEGORIES:
        raise DomainError(_("%(asset)s：%(category)s不是按班次借用的公用装备"), field="tag", code="not_shift_kit",
                          asset=named, category=_category(asset))
    if asset.status not in FOLLOWS[CustodyAction.SHIFT_OUT]:
        if asset.status == AssetStatus.ISSUED:
            _refuse_issue_status(asset, person)
        raise ConflictError(_("%(asset)s 状态为%(status)s；只有在库装备才能按班次借出"), field="tag",
                            code=f"not_issuable_{asset.status}", asset=named, status=_status(asset))
    if person is None:
        raise DomainError(_("%(asset)s：按班次借出须交给一名执法人员"), field="person", asset=named)
    refuse_recipient(asset, person, None)
    if person.role != PersonRole.OFFICER:
        raise DomainError(_("%(asset)s：只借给执法人员（执法全过程记录的主体…执法人员）；%(person)s 是%(role)s"),
                          field="person", code="officer_only", asset=named, person=person_label(person),
                          role=choice_label(person.role, PersonRole))


def _refuse_shift_in(asset: Asset) -> None:
    """Only an item out on a shift comes back from one (an item issued for keeps is returned, not signed in)."""
    named = asset_label(asset)
    if asset.status not in FOLLOWS[CustodyAction.SHIFT_IN]:
        raise ConflictError(_("%(asset)s 状态为%(status)s，没有按班次借出"), field="tag", code="not_signed_out",
                            asset=named, status=_status(asset))
    latest = CustodyEvent.objects.filter(asset=asset).order_by("-occurred_at", "-id").values_list(
        "action", flat=True).first()
    if latest != CustodyAction.SHIFT_OUT:
        raise ConflictError(_("%(asset)s 已长期发放给 %(holder)s，不是按班次借出；请办理归还"), field="tag",
                            code="not_signed_out", asset=named, holder=_holder(asset))


# --- the bulk append -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Before:
    """Where an asset stands before a batch: its status (None: not yet received), the unit it belongs to, its
    holders, its expiry date (certificates, work cards) and when it was issued to its holder."""

    status: str | None
    unit_id: int | None
    holder_person_id: int | None = None
    holder_unit_id: int | None = None
    expires: dt.date | None = None
    issued_at: dt.datetime | None = None

    @classmethod
    def of(cls, asset: Asset) -> Before:
        return cls(asset.status, asset.unit_id, asset.holder_person_id, asset.holder_unit_id, asset.expires,
                   asset.issued_at)


def move(asset_id: int, action: str, *, at: dt.datetime, person_id: int | None = None,
         unit_id: int | None = None, note: str = "", receipt_no: str = "", date_lost: dt.date | None = None,
         date_reported: dt.date | None = None, expires: dt.date | None = None) -> dict:
    """One movement to append: the event's own facts; `append` adds the state it leaves and who recorded it.
    `expires`: the expiry date a receipt registers or a renewal sets."""
    row = dict(asset_id=asset_id, action=action, occurred_at=at, person_id=person_id, unit_id=unit_id, note=note,
               receipt_no=receipt_no, date_lost=date_lost, date_reported=date_reported)
    if action in (CustodyAction.RECEIVE, CustodyAction.RENEW):
        row["expires"] = expires
    return row


def _walk(moves: list[dict], before: dict[int, Before], *, as_recorded: bool) -> dict[int, dict]:
    """Fills each movement's after-state in order; returns the last movement per asset."""
    state = {pk: {"status": b.status, "unit_id": b.unit_id, "holders": (b.holder_person_id, b.holder_unit_id),
                  "expires": b.expires} for pk, b in before.items()}
    last: dict[int, dict] = {}
    for row in moves:
        pk, action = row["asset_id"], row["action"]
        if pk not in state:
            raise DomainError(_("装备 %(pk)s：台账追加时未说明其当前状态"), code="invalid_transition", pk=pk)
        held = state[pk]
        if not as_recorded and held["status"] not in FOLLOWS[action]:
            raise DomainError(_("装备 %(pk)s：状态为%(status)s时不能%(action)s"), field="action",
                              code="invalid_transition", pk=pk,
                              status=choice_label(held["status"], AssetStatus) if held["status"] else _("未登记"),
                              action=choice_label(action, CustodyAction))
        if action in (CustodyAction.RECEIVE, CustodyAction.TRANSFER):
            held["unit_id"] = row["unit_id"]
        if action in (CustodyAction.RECEIVE, CustodyAction.RENEW):
            held["expires"] = row.pop("expires", None)
        held["status"] = STATUS_AFTER[action] or held["status"]
        if action in ISSUING:
            held["holders"] = (row["person_id"], row["unit_id"])
        elif action != CustodyAction.RENEW:
            held["holders"] = (None, None)
        row.update(status_after=held["status"], unit_after_id=held["unit_id"], holder_person_after_id=held["holders"][0],
                   holder_unit_after_id=held["holders"][1], expires_after=held["expires"])
        last[pk] = row
    return last


def _refuse_backdating(last: dict[int, dict], moves: list[dict]) -> None:
    first: dict[int, dt.datetime] = {}
    for row in moves:
        first.setdefault(row["asset_id"], row["occurred_at"])
    later = (CustodyEvent.objects.filter(asset_id__in=list(last), occurred_at__gt=min(first.values()))
             .order_by("-occurred_at", "-id").values_list("asset_id", "asset__tag", "occurred_at"))
    for asset_id, tag, occurred_at in later:
        moment = first[asset_id]
        if occurred_at > moment:
            raise DomainError(
                _("%(tag)s：%(moment)s 的变动早于台账最新记录（%(latest)s）；台账不能倒填日期"), field="at",
                code="backdated", tag=tag, moment=f"{timezone.localtime(moment):%Y-%m-%d %H:%M}",
                latest=f"{timezone.localtime(occurred_at):%Y-%m-%d %H:%M}")


def append(moves: list[dict], *, before: dict[int, Before], as_recorded: bool = False,
           now: dt.datetime | None = None) -> list[dict]:
    """Writes `moves` (built by `move`, in order) to the ledger; returns them with their ids and after-states.

    `before` says where each asset stands before the batch. Movements out of order for that state
    (`FOLLOWS`) and movements dated before an asset's latest entry are refused, nothing written; the asset
    rows are then set to the state of their latest event. `as_recorded` (the workbook import) records the
    bureau as it stands: no sequence or back-dating refusal, and the asset rows are the importer's to write,
    in the same statements as their descriptive fields.
    """
    from . import bulk

    if not moves:
        return moves
    ctx, now = current(), now or timezone.now()
    last = _walk(moves, before, as_recorded=as_recorded)
    access.refuse_rows_out_of_scope(CustodyEvent, moves)  # no save() here: the scope guard is called by hand
    if not as_recorded:
        _refuse_backdating(last, moves)
    for row in moves:
        row.setdefault("user_id", ctx.user_id)
        row.setdefault("username", ctx.username)
        row.setdefault("source", ctx.source)
    # Inside the caller's transaction (no savepoint: a refusal above leaves it usable); alone, in one of its own.
    with transaction.atomic(savepoint=False):
        bulk.insert_rows(CustodyEvent, moves, now=now)
        if not as_recorded:
            _project(last, now)
    return moves


def _project(assets: Iterable[int], now: dt.datetime) -> None:
    """Sets each asset's status, unit and holders from its latest event (read backwards along the ledger's index).

    One statement for any number of assets: Django's bulk_update would build a CASE per row.
    """
    latest = CustodyEvent.objects.filter(asset=OuterRef("pk")).order_by("-occurred_at", "-id")
    ids = list(assets)
    Asset.objects.filter(pk__in=ids).update(
        status=Subquery(latest.values("status_after")[:1]), unit=Subquery(latest.values("unit_after")[:1]),
        holder_person=Subquery(latest.values("holder_person_after")[:1]),
        holder_unit=Subquery(latest.values("holder_unit_after")[:1]),
        expires=Subquery(latest.values("expires_after")[:1]), updated_at=now)
    # When an issued item was issued to its holder (its replacement counts from then); none when not issued.
    issue = latest.filter(action__in=ISSUING).values("occurred_at")[:1]
    Asset.objects.filter(pk__in=ids).update(
        issued_at=Case(When(status=AssetStatus.ISSUED, then=Subquery(issue)), default=None))


def as_event(row: dict) -> CustodyEvent:
    """The saved event of an appended row, as a model instance."""
    fields = CustodyEvent._meta.concrete_fields
    return CustodyEvent.from_db("default", [f.attname for f in fields], [row[f.attname] for f in fields])


def apply(asset: Asset, row: dict) -> None:
    """Brings an in-memory asset to the state an appended row left it in (a changed key drops its cached object)."""
    asset.status, asset.unit_id = row["status_after"], row["unit_after_id"]
    asset.holder_person_id, asset.holder_unit_id = row["holder_person_after_id"], row["holder_unit_after_id"]
    asset.expires = row["expires_after"]
    if row["action"] in ISSUING:
        asset.issued_at = row["occurred_at"]
    elif asset.status != AssetStatus.ISSUED:
        asset.issued_at = None
