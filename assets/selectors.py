"""Reads of the registry: subtrees, derived custody state, return checklists."""
from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from .choices import DEPARTED_STATUSES, AssetStatus, CategoryCode
from .models import Asset, CustodyEvent, ItemType, OrgUnit, Person


def unit_subtree(unit: OrgUnit) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(path__startswith=unit.path)


def asset_state_from_ledger(asset: Asset) -> dict:
    """The asset's status, unit and holder as the ledger says (the cached columns must agree)."""
    last = CustodyEvent.objects.filter(asset=asset).order_by("-occurred_at", "-id").first()
    if last is None:
        return {"status": None, "unit_id": None, "holder_person_id": None, "holder_unit_id": None}
    return {"status": last.status_after, "unit_id": last.unit_after_id,
            "holder_person_id": last.holder_person_after_id, "holder_unit_id": last.holder_unit_after_id}


def person_held_assets(person: Person) -> QuerySet[Asset]:
    return Asset.objects.filter(holder_person=person, status=AssetStatus.ISSUED).select_related("category")


def person_return_checklist(person: Person) -> list[dict]:
    """What a departing person still holds; empty once everything is returned or reported lost."""
    if person.status not in DEPARTED_STATUSES:
        return []
    return [
        {"tag": a.tag, "category": a.category_id, "category_name": a.category.name, "item": a.item,
         "return_to": "法制机构" if a.category_id == "certificate" else a.unit.name}
        for a in person_held_assets(person).select_related("unit")
    ]


# --- uniform replacement: one definition (rule uniform-replacement, the uniforms app's replacement-due list) ---

def uniform_service_years() -> dict[str, int]:
    """Service years of the uniform item types, by item name and by code (an asset's own figure comes first)."""
    years: dict[str, int] = {}
    for code, name, y in ItemType.objects.filter(category_id=CategoryCode.UNIFORM).values_list(
            "code", "name", "service_years"):
        if y:
            years.setdefault(name, y)
            years.setdefault(code, y)
    return years


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def uniform_replacement_start(*, issued_at: dt.datetime | None, acquired: dt.date | None) -> dt.date | None:
    """The day a uniform item's service life starts: its issue to the holder (local date); for an item recorded
    as held without an issue date, its acquisition date (the import dates such issues at `acquired`)."""
    if issued_at is not None:
        return timezone.localdate(issued_at)
    return acquired


def uniform_due_on(*, issued_at: dt.datetime | None, acquired: dt.date | None, service_years: int | None,
                   item: str = "", years_by_item: dict[str, int] | None = None) -> dt.date | None:
    """SPEC: replacement is due `service_years` after the item's issue to its holder; None when the service life
    or the start is unknown. Overdue on a date D when the due date is before D."""
    years = service_years or (years_by_item if years_by_item is not None else uniform_service_years()).get(item)
    start = uniform_replacement_start(issued_at=issued_at, acquired=acquired)
    if not years or start is None:
        return None
    return add_years(start, years)
