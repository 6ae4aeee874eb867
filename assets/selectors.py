"""Reads of the registry: subtrees, derived custody state, return checklists."""
from __future__ import annotations

from django.db.models import QuerySet

from .choices import DEPARTED_STATUSES, AssetStatus
from .models import Asset, CustodyEvent, OrgUnit, Person


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
