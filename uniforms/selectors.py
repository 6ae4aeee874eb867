"""Reads of the logistics workflows: replacement-due lists, certificate expiry, checklists, receipts, stocktakes."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from assets.choices import AssetStatus, CategoryCode, PersonRole, PersonStatus
from assets.models import Asset, CustodyEvent, OrgUnit, Person
from assets.selectors import uniform_due_on, uniform_replacement_start, uniform_service_years

from .choices import CERTIFICATE_WARNING_DAYS, ChecklistLineState, StocktakeFinding
from .models import (
    AssetPlace, BadgeNumberRecord, Departure, Entitlement, HandoverReceipt, IssueRound, OfficerSize, Stocktake,
)


def _counts(lines: list[dict], keys: tuple[str, ...]) -> list[dict]:
    counter = Counter(tuple(line[k] for k in keys) for line in lines)
    return [{**dict(zip(keys, key)), "count": n} for key, n in sorted(counter.items())]


def replacement_due(*, unit: OrgUnit, start: dt.date, end: dt.date, include_overdue: bool = True,
                    include_unheld: bool = True) -> dict:
    """Uniform items falling due for replacement between `start` and `end`, for ordering.

    Lines are issued items whose replacement date lies in the window (or before it, with `include_overdue`),
    plus, with `include_unheld`, entitled items an active officer does not hold at all (due at once).
    Totals are given per unit and item/size, and per item/size across the subtree.
    """
    entitlements = {e.item_type.name: e for e in Entitlement.objects.filter(active=True).select_related("item_type")}
    held = list(Asset.objects.filter(category_id=CategoryCode.UNIFORM, status=AssetStatus.ISSUED,
                                     holder_person__unit__path__startswith=unit.path)
                .select_related("holder_person__unit").order_by("holder_person__staff_no", "item", "tag"))
    years_by_item = uniform_service_years()
    lines = []
    for asset in held:
        # One definition with the rule uniform-replacement (assets.selectors.uniform_due_on).
        due = uniform_due_on(issued_at=asset.issued_at, acquired=asset.acquired, service_years=asset.service_years,
                             item=asset.item, years_by_item=years_by_item)
        if due is None:
            continue
        if due > end or (due < start and not include_overdue):
            continue
        started = uniform_replacement_start(issued_at=asset.issued_at, acquired=asset.acquired)
        person = asset.holder_person
        lines.append({"staff_no": person.staff_no, "name": person.name, "unit": person.unit.code,
                      "item": asset.item, "size": asset.size, "tag": asset.tag,
                      "issued_on": started.isoformat(), "due_on": due.isoformat(),
                      "reason": "overdue" if due < start else "due"})
    if include_unheld:
        lines.extend(_unheld(unit, entitlements, held))
    return {"unit": unit.code, "start": start.isoformat(), "end": end.isoformat(), "lines": lines,
            "by_unit": _counts(lines, ("unit", "item", "size")), "by_item": _counts(lines, ("item", "size"))}


def _unheld(unit: OrgUnit, entitlements: dict[str, Entitlement], held: list[Asset]) -> list[dict]:
    officers = list(Person.objects.filter(unit__path__startswith=unit.path, role=PersonRole.OFFICER,
                                          status=PersonStatus.ACTIVE).select_related("unit").order_by("staff_no"))
    have = Counter((a.holder_person_id, a.item) for a in held)
    sizes = {(s.person_id, s.item_type.name): s.size
             for s in OfficerSize.objects.filter(person__in=officers).select_related("item_type")}
    lines = []
    for officer in officers:
        for name, entitlement in entitlements.items():
            for _ in range(entitlement.quantity - have[(officer.pk, name)]):
                lines.append({"staff_no": officer.staff_no, "name": officer.name, "unit": officer.unit.code,
                              "item": name, "size": sizes.get((officer.pk, name), ""), "tag": "",
                              "issued_on": None, "due_on": None, "reason": "not_held"})
    return lines


def round_shortfall_summary(issue_round: IssueRound) -> list[dict]:
    """What a round could not issue, totalled per item, size and reason (what to order)."""
    counter: Counter = Counter()
    for line in issue_round.shortfall:
        counter[(line["item"], line["size"], line["reason"])] += line["missing"]
    return [{"item": i, "size": s, "reason": r, "missing": n} for (i, s, r), n in sorted(counter.items())]


def certificate_expiry_warnings(*, unit: OrgUnit, on: dt.date | None = None,
                                windows: tuple[int, ...] = CERTIFICATE_WARNING_DAYS) -> list[dict]:
    """Active officers whose 执法证 has expired or expires within the largest window, each in its tightest window."""
    on = on or timezone.localdate()
    windows = tuple(sorted(windows))
    limit = on + dt.timedelta(days=windows[-1])
    people = (Person.objects.filter(unit__path__startswith=unit.path, role=PersonRole.OFFICER,
                                    status=PersonStatus.ACTIVE)
              .filter(cert_expires__lte=limit).select_related("unit").order_by("cert_expires", "staff_no"))
    result = []
    for person in people:
        days = (person.cert_expires - on).days
        window = "expired" if days < 0 else next(w for w in windows if days <= w)
        result.append({"staff_no": person.staff_no, "name": person.name, "unit": person.unit.code,
                       "cert_no": person.cert_no, "cert_expires": person.cert_expires.isoformat(),
                       "days_left": days, "window": window})
    return result


def badge_history(*, number: str) -> QuerySet[BadgeNumberRecord]:
    return BadgeNumberRecord.objects.filter(number=number).select_related("asset", "person").order_by("issued_on", "id")


def seal_custodians(*, unit: OrgUnit) -> list[dict]:
    """Every counted seal of the subtree with its custodian (empty when it has none — a finding)."""
    seals = (Asset.objects.filter(category_id=CategoryCode.SEAL, unit__path__startswith=unit.path,
                                  status__in=(AssetStatus.IN_STOCK, AssetStatus.ISSUED, AssetStatus.IN_REPAIR))
             .select_related("holder_person", "unit").order_by("tag"))
    return [{"tag": s.tag, "item": s.item, "unit": s.unit.code,
             "custodian": s.holder_person.staff_no if s.holder_person else "",
             "custodian_name": s.holder_person.name if s.holder_person else "",
             "custodian_active": bool(s.holder_person and s.holder_person.status == PersonStatus.ACTIVE)}
            for s in seals]


def _line_state(asset: Asset, person_id: int) -> str:
    if asset.status == AssetStatus.ISSUED and asset.holder_person_id == person_id:
        return ChecklistLineState.OPEN
    if asset.status == AssetStatus.LOST:
        return ChecklistLineState.LOST
    return ChecklistLineState.RETURNED


def departure_checklist(departure: Departure) -> list[dict]:
    """The checklist lines with their state now (open / returned / lost), read from the ledger."""
    items = departure.items.select_related("asset__category", "asset__unit").order_by("asset__tag")
    lines = []
    for item in items:
        asset = item.asset
        lines.append({"tag": asset.tag, "category": asset.category_id, "category_name": asset.category.name,
                      "item": asset.item, "serial": asset.serial, "return_to": item.return_to,
                      "state": _line_state(asset, departure.person_id)})
    listed = {line["tag"] for line in lines}
    # Anything held that was not on the list when it opened (e.g. an imported record) is a line too.
    for asset in Asset.objects.filter(holder_person_id=departure.person_id, status=AssetStatus.ISSUED).exclude(
            tag__in=listed).select_related("category", "unit"):
        lines.append({"tag": asset.tag, "category": asset.category_id, "category_name": asset.category.name,
                      "item": asset.item, "serial": asset.serial, "return_to": asset.unit.name,
                      "state": ChecklistLineState.OPEN})
    return lines


def receipt_events(receipt: HandoverReceipt) -> QuerySet[CustodyEvent]:
    return (CustodyEvent.objects.filter(receipt_no=receipt.number)
            .select_related("asset__category", "person", "unit", "holder_person_after")
            .order_by("occurred_at", "id"))


def receipt_lines(receipt: HandoverReceipt) -> list[dict]:
    return [{"tag": e.asset.tag, "category": e.asset.category_id, "category_name": e.asset.category.name,
             "item": e.asset.item, "size": e.asset.size, "serial": e.asset.serial, "action": e.action,
             "action_name": str(e.get_action_display()),
             "person": str(e.person or e.holder_person_after or e.unit or ""),
             "occurred_at": timezone.localtime(e.occurred_at).isoformat()}
            for e in receipt_events(receipt)]


def _describe(asset: Asset) -> dict:
    return {"tag": asset.tag, "category": asset.category_id, "item": asset.item, "unit": asset.unit.code,
            "status": asset.status, "holder": str(asset.holder_person or asset.holder_unit or "")}


# What an annual inventory's stocktake counts: everything on the unit's books that can be shown (an issued item is
# presented by its holder); a unit's own stocktake counts only its stock.
INVENTORY_STATUSES = (AssetStatus.IN_STOCK, AssetStatus.ISSUED)


def _on_books(stocktake: Stocktake) -> tuple:
    return INVENTORY_STATUSES if stocktake.inventory_id else (AssetStatus.IN_STOCK,)


def _own(stocktake: Stocktake) -> dict:
    """The expected items' unit: the unit itself for an annual inventory (one stocktake per unit), else its subtree."""
    if stocktake.inventory_id:
        return {"unit": stocktake.unit}
    return {"unit__path__startswith": stocktake.unit.path}


def _belongs(stocktake: Stocktake, asset: Asset) -> bool:
    if stocktake.inventory_id:
        return asset.unit_id == stocktake.unit_id
    return asset.unit.path.startswith(stocktake.unit.path)


def stocktake_result(stocktake: Stocktake) -> dict:
    """Found, missing (expected in stock here, not scanned), unexpected (unknown or not in stock: issued, lost,
    retired, in repair) and misplaced (stock of another unit, or of another storage place) items."""
    unit = stocktake.unit
    expected = Asset.objects.filter(status__in=_on_books(stocktake), **_own(stocktake))
    if stocktake.place_id:
        expected = expected.filter(place__place=stocktake.place)
    expected = {a.tag: a for a in expected.select_related("unit", "category")}
    scans = list(stocktake.scans.select_related("asset__unit", "asset__holder_person", "asset__holder_unit"))
    places = dict(AssetPlace.objects.filter(asset_id__in=[s.asset_id for s in scans if s.asset_id])
                  .values_list("asset_id", "place__code"))
    found, unexpected, misplaced = [], [], []
    for scan in scans:
        asset = scan.asset
        if scan.tag in expected:
            found.append(_describe(asset))
        elif asset is None:
            unexpected.append({"tag": scan.tag, "reason": "unknown_tag"})
        elif asset.status not in _on_books(stocktake):
            unexpected.append({**_describe(asset), "reason": asset.status})
        elif not _belongs(stocktake, asset):
            misplaced.append({**_describe(asset), "reason": "other_unit"})
        else:
            misplaced.append({**_describe(asset), "reason": "other_place", "place": places.get(asset.pk, "")})
    scanned = {s.tag for s in scans}
    missing = [_describe(a) for tag, a in sorted(expected.items()) if tag not in scanned]
    return {"unit": unit.code, "place": stocktake.place.code if stocktake.place_id else "",
            StocktakeFinding.FOUND: found, StocktakeFinding.MISSING: missing,
            StocktakeFinding.UNEXPECTED: unexpected, StocktakeFinding.MISPLACED: misplaced,
            "summary": {"expected": len(expected), "scanned": len(scans), "found": len(found),
                        "missing": len(missing), "unexpected": len(unexpected), "misplaced": len(misplaced)}}


def stocktake_classify(stocktake: Stocktake, tag: str) -> str:
    """How one scanned tag stands against the stocktake, shown at once on the scan (the rules of
    `stocktake_result`, for one item: a scan does not recompute the whole stocktake)."""
    asset = Asset.objects.filter(tag=tag).select_related("unit").first()
    if asset is None or asset.status not in _on_books(stocktake):
        return StocktakeFinding.UNEXPECTED
    if not _belongs(stocktake, asset):
        return StocktakeFinding.MISPLACED
    if stocktake.place_id and not AssetPlace.objects.filter(asset=asset, place_id=stocktake.place_id).exists():
        return StocktakeFinding.MISPLACED
    return StocktakeFinding.FOUND


def annual_inventory_report(inventory, on: dt.date | None = None) -> dict:
    """Coverage (units whose stocktake is closed, items found of those on the books) and differences (账实不符:
    missing, unexpected, misplaced) of an annual inventory, each difference with its net book value on `on`
    (default today); a stocktake still open is read as it stands."""
    from assets.bookvalue import net_book_value

    on = on or timezone.localdate()
    stocktakes = list(inventory.stocktakes.select_related("unit", "place").order_by("unit__path"))
    units, differences = [], []
    for stocktake in stocktakes:
        result = stocktake.result or stocktake_result(stocktake)
        summary = result["summary"]
        units.append({"unit": stocktake.unit.code, "unit_name": stocktake.unit.name, "stocktake": stocktake.pk,
                      "status": stocktake.status, **summary})
        for finding in (StocktakeFinding.MISSING, StocktakeFinding.UNEXPECTED, StocktakeFinding.MISPLACED):
            for row in result[finding]:
                differences.append({"counted_unit": stocktake.unit.code, "finding": finding, "tag": row["tag"],
                                    "category": row.get("category", ""), "item": row.get("item", ""),
                                    "unit": row.get("unit", ""), "reason": row.get("reason", "")})
    assets = {a.tag: a for a in Asset.objects.filter(tag__in=[d["tag"] for d in differences])
              .select_related("category")}
    total = Decimal("0.00")
    for row in differences:
        asset = assets.get(row["tag"])
        value = net_book_value(asset, on) if asset is not None else None
        row["finance_card_no"] = asset.finance_card_no if asset is not None else ""
        row["book_value"] = value
        if value is not None and row["finding"] == StocktakeFinding.MISSING:
            total += value
    expected = sum(u["expected"] for u in units)
    found = sum(u["found"] for u in units)
    closed = sum(1 for u in units if u["status"] == "closed")
    return {"unit": inventory.unit.code, "year": inventory.year, "on": on,
            "coverage": {"units": len(units), "units_done": closed, "expected": expected, "found": found,
                         "scanned": sum(u["scanned"] for u in units)},
            "units": units, "differences": differences,
            "summary": {"missing": sum(1 for d in differences if d["finding"] == StocktakeFinding.MISSING),
                        "unexpected": sum(1 for d in differences if d["finding"] == StocktakeFinding.UNEXPECTED),
                        "misplaced": sum(1 for d in differences if d["finding"] == StocktakeFinding.MISPLACED),
                        "missing_book_value": total}}
