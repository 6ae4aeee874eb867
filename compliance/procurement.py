"""Next year's procurement plan (采购计划) per unit and item: uniform items falling due or never issued under the
entitlements (sizes from the officers' size records), and the equipment the standard finds short, each with an
estimated cost.

Local rules (the standards say nothing): the estimate is the average acquisition price of the same item (else of the
category) among the bureau's priced assets; a compliance shortfall is taken at the end of this year (as of today),
one line per failing count rule with its shortfall as the quantity.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg

from assets.models import Asset, OrgUnit
from uniforms.selectors import replacement_due

from .services import compliance_report

# The category each count rule of the standards is short of.
RULE_CATEGORY = {"radios-per-officer": "radio", "recorders-per-officer": "recorder",
                 "mobile-terminals-per-officer": "mobile_terminal", "info-system-per-squadron": "info_system",
                 "camera-per-brigade": "camera", "storage-per-brigade": "storage",
                 "protective-equipment": "protective", "office-equipment": "office"}


def _estimates() -> tuple[dict, dict]:
    priced = Asset.objects.filter(price__isnull=False)
    by_item = {(r["category_id"], r["item"]): r["avg"] for r in priced.values("category_id", "item").annotate(
        avg=Avg("price"))}
    by_category = {r["category_id"]: r["avg"] for r in priced.values("category_id").annotate(avg=Avg("price"))}
    return by_item, by_category


def procurement_plan(*, unit: OrgUnit, year: int, standard_id: str = "jiangsu",
                     as_of: dt.date | None = None) -> dict:
    """Lines (unit, category, item, size, quantity, reason, unit price, cost) for `year`, and the totals."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    quantities: dict[tuple, int] = defaultdict(int)
    due = replacement_due(unit=unit, start=start, end=end)
    for line in due["lines"]:
        reason = "never_issued" if line.get("reason") == "not_held" else "replacement_due"
        quantities[(line["unit"], "uniform", line["item"], line.get("size", ""), reason)] += 1
    report = compliance_report(unit=unit, standard_id=standard_id, as_of=as_of or start - dt.timedelta(days=1))
    for row in report.data["results"]:
        category = RULE_CATEGORY.get(row["rule"])
        if category and row["status"] == "fail" and (row.get("shortfall") or 0) > 0:
            quantities[(row["unit"], category, row.get("item", ""), "", f"shortfall:{row['rule']}")] += \
                row["shortfall"]
    by_item, by_category = _estimates()
    lines, total = [], Decimal("0.00")
    for (unit_code, category, item, size, reason), quantity in sorted(quantities.items()):
        price = by_item.get((category, item)) or by_category.get(category)
        price = None if price is None else Decimal(price).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        cost = None if price is None else price * quantity
        total += cost or 0
        lines.append({"unit": unit_code, "category": category, "item": item, "size": size, "quantity": quantity,
                      "reason": reason, "unit_price": price, "cost": cost})
    return {"unit": unit.code, "year": year, "standard": standard_id, "lines": lines, "total_cost": total}
