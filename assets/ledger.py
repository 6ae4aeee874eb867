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

from quartermaster.context import current
from quartermaster.errors import ConflictError, DomainError

from . import access
from .choices import SHIFT_CATEGORIES, AssetStatus, CategoryCode, CustodyAction, PersonRole, PersonStatus
from .models import Asset, CustodyEvent, OrgUnit, Person

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
    return asset.holder_person or asset.holder_unit


def _refuse_issue_status(asset: Asset, person: Person | None) -> None:
    if asset.status == AssetStatus.ISSUED:
        if person is not None and asset.holder_person_id and asset.holder_person_id != person.pk:
            raise ConflictError(
                f"{asset.tag} is held by {_holder(asset)}; it cannot be handed from one person to another directly "
                f"(不得擅自赠送、转借) — it must be returned first", field="tag", code="person_to_person")
        raise ConflictError(f"{asset.tag} is already issued to {_holder(asset)}; return it before issuing it again",
                            field="tag", code="already_issued")
    raise ConflictError(f"{asset.tag} is {asset.get_status_display()} ({asset.status}) and cannot be issued",
                        field="tag", code=f"not_issuable_{asset.status}")


def refuse_recipient(asset: Asset, person: Person | None, unit: OrgUnit | None) -> None:
    """Refuses a recipient the asset's category may not go to, or a person who is not active."""
    role = recipient_role(asset.category_id)
    if unit is not None and role is not None:
        whom = "officers" if role == PersonRole.OFFICER else "auxiliaries"
        raise DomainError(f"{asset.tag}: {asset.category.name} is issued to {whom} only, not to a unit",
                          field="unit", code="officer_only" if role == PersonRole.OFFICER else "auxiliary_only")
    if person is None:
        return
    if person.status != PersonStatus.ACTIVE:
        raise DomainError(f"{person} is {person.get_status_display()} ({person.status}); only active staff "
                          f"receive equipment", field="person", code="person_not_active")
    if role == PersonRole.OFFICER and person.role != PersonRole.OFFICER:
        raise DomainError(
            f"{asset.tag}: {asset.category.name} may only be issued to enforcement officers; {person} is "
            f"{person.get_role_display()} (严禁非城管执法人员穿着)", field="person", code="officer_only")
    if role == PersonRole.AUXILIARY and person.role != PersonRole.AUXILIARY:
        raise DomainError(
            f"{asset.tag}: {asset.category.name} may only be issued to auxiliaries (协管人员); {person} is "
            f"{person.get_role_display()}", field="person", code="auxiliary_only")


def refuse_move(asset: Asset, action: str, *, person: Person | None = None, unit: OrgUnit | None = None,
                to_unit: OrgUnit | None = None) -> None:
    """Raises the refusal of `action` on `asset` as it stands (issue: to `person` or `unit`; transfer: `to_unit`)."""
    status = asset.status
    if action == CustodyAction.ISSUE:
        if (person is None) == (unit is None):
            raise DomainError(f"{asset.tag}: issue to exactly one person or one unit", field="person")
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
            raise DomainError(f"{asset.tag} already belongs to {to_unit}", field="to_unit", code="same_unit")
        return
    if action == CustodyAction.RETURN:
        raise ConflictError(f"{asset.tag} is {asset.get_status_display()} ({status}); only issued or lost "
                            f"items can be returned", field="tag", code="not_returnable")
    if action == CustodyAction.TRANSFER:
        if status == AssetStatus.ISSUED:
            raise ConflictError(f"{asset.tag} is issued to {_holder(asset)}; return it before transferring it",
                                field="tag", code="transfer_issued")
        raise ConflictError(f"{asset.tag} is {status} and cannot be transferred", field="tag",
                            code=f"transfer_{status}")
    if action == CustodyAction.REPORT_LOST:
        raise ConflictError(f"{asset.tag} is already {status}", field="tag", code=f"lost_{status}")
    if action == CustodyAction.REPAIR_OUT:
        raise ConflictError(f"{asset.tag} is {status}; only items in stock are sent to repair (return it "
                            f"first)", field="tag", code="repair_not_in_stock")
    if action == CustodyAction.REPAIR_IN:
        raise ConflictError(f"{asset.tag} is {status}, not in repair", field="tag", code="not_in_repair")
    if action == CustodyAction.RENEW:
        raise ConflictError(f"{asset.tag} is {status}; its expiry no longer changes", field="tag",
                            code=f"renew_{status}")
    if action == CustodyAction.RETIRE:
        if status == AssetStatus.RETIRED:
            raise ConflictError(f"{asset.tag} is already retired", field="tag", code="already_retired")
        raise ConflictError(f"{asset.tag} is issued to {_holder(asset)}; return it before retiring it",
                            field="tag", code="retire_issued")
    raise DomainError(f"{asset.tag}: {action} cannot follow {status}", field="action", code="invalid_transition")


def _refuse_shift_out(asset: Asset, person: Person | None) -> None:
    """A shift sign-out: pooled kit only, from its unit's stock, to an active enforcement officer (jiangsu
    执法全过程记录/4: the recording is done by officers holding an enforcement certificate)."""
    if asset.category_id not in SHIFT_CATEGORIES:
        raise DomainError(f"{asset.tag}: {asset.category.name} is not pooled kit signed out per shift",
                          field="tag", code="not_shift_kit")
    if asset.status not in FOLLOWS[CustodyAction.SHIFT_OUT]:
        if asset.status == AssetStatus.ISSUED:
            _refuse_issue_status(asset, person)
        raise ConflictError(f"{asset.tag} is {asset.get_status_display()} ({asset.status}); only kit in stock is "
                            f"signed out for a shift", field="tag", code=f"not_issuable_{asset.status}")
    if person is None:
        raise DomainError(f"{asset.tag}: a shift sign-out goes to one officer", field="person")
    refuse_recipient(asset, person, None)
    if person.role != PersonRole.OFFICER:
        raise DomainError(f"{asset.tag}: signed out to enforcement officers only (执法全过程记录的主体…执法人员); "
                          f"{person} is {person.get_role_display()}", field="person", code="officer_only")


def _refuse_shift_in(asset: Asset) -> None:
    """Only an item out on a shift comes back from one (an item issued for keeps is returned, not signed in)."""
    if asset.status not in FOLLOWS[CustodyAction.SHIFT_IN]:
        raise ConflictError(f"{asset.tag} is {asset.get_status_display()} ({asset.status}), not out on a shift",
                            field="tag", code="not_signed_out")
    latest = CustodyEvent.objects.filter(asset=asset).order_by("-occurred_at", "-id").values_list(
        "action", flat=True).first()
    if latest != CustodyAction.SHIFT_OUT:
        raise ConflictError(f"{asset.tag} is issued to {_holder(asset)} for keeps, not signed out for a shift; "
                            f"return it instead", field="tag", code="not_signed_out")


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
            raise DomainError(f"asset {pk}: the ledger append was not told where it stands", code="invalid_transition")
        held = state[pk]
        if not as_recorded and held["status"] not in FOLLOWS[action]:
            raise DomainError(f"asset {pk}: {action} cannot follow {held['status'] or 'registration'}",
                              field="action", code="invalid_transition")
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
                f"{tag}: a movement at {timezone.localtime(moment):%Y-%m-%d %H:%M} would come before the latest "
                f"ledger entry ({timezone.localtime(occurred_at):%Y-%m-%d %H:%M}); the ledger is not back-dated",
                field="at", code="backdated")


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
