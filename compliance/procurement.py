"""Next year's procurement plan (采购计划) per unit and item: uniform items falling due or never issued under the
entitlements (sizes from the officers' size records), and the equipment the standard finds short, each with an
estimated cost.

Local rules (the standards say nothing): the estimate is the average acquisition price of the same item (else of the
category) among the bureau's priced assets; a compliance shortfall is taken at the end of this year (as of today),
one line per failing count rule with its shortfall as the quantity.
"""
from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg
from django.utils.translation import gettext as _

from assets import labels
from assets.models import Asset, OrgUnit
from quartermaster.pdf import cjk_font, paragraph
from uniforms.selectors import replacement_due

from .services import compliance_report
from .titles import rule_title

# The category each count rule of the standards is short of.
RULE_CATEGORY = {"radios-per-officer": "radio", "recorders-per-officer": "recorder",
                 "mobile-terminals-per-officer": "mobile_terminal", "info-system-per-squadron": "info_system",
                 "camera-per-brigade": "camera", "storage-per-brigade": "storage",
                 "protective-equipment": "protective", "office-equipment": "office"}


def parse_year(value) -> int:
    """A plan's year from a query string; ValueError unless a four-digit year."""
    year = int(str(value or "").strip())
    if not 1900 <= year <= 9998:
        raise ValueError(year)
    return year


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


def reason_label(reason: str) -> str:
    """Why a line is on the plan, as a reader says it: the entitlement never issued, a replacement falling due, or
    the standard's rule the unit is short of."""
    if reason == "never_issued":
        return _("应配未配（配备标准）")
    if reason == "replacement_due":
        return _("到期换装")
    if reason.startswith("shortfall:"):
        return _("合规缺口：%(rule)s") % {"rule": rule_title(reason.split(":", 1)[1])}
    return reason


def plan_header() -> list[str]:
    return [_("单位代码"), _("单位"), _("类别"), _("品名"), _("尺码"), _("数量"), _("原因"), _("估计单价（元）"),
            _("估计金额（元）")]


def plan_rows(plan: dict) -> list[dict]:
    """The plan's lines for people (the pages and every export): unit and category by name, the item in the active
    language, the reason said in words; the codes stay beside them for links and filters."""
    names = dict(OrgUnit.objects.filter(code__in={line["unit"] for line in plan["lines"]}).values_list("code", "name"))
    return [{**line, "unit_name": names.get(line["unit"], line["unit"]),
             "category_name": labels.category_name(line["category"]),
             "item_name": labels.item_name(line["category"], line["item"]),
             "reason_label": reason_label(line["reason"])} for line in plan["lines"]]


def plan_table(plan: dict) -> tuple[list[str], list[list]]:
    """(header, rows) of the plan as every export writes it, the total on the last row."""
    rows = [[r["unit"], r["unit_name"], r["category_name"], r["item_name"], r["size"], r["quantity"],
             r["reason_label"], r["unit_price"], r["cost"]] for r in plan_rows(plan)]
    rows.append(["", _("合计"), "", "", "", sum(line["quantity"] for line in plan["lines"]), "", None,
                 plan["total_cost"]])
    return plan_header(), rows


def plan_pdf(plan: dict, unit: OrgUnit) -> bytes:
    """The plan on landscape A4 pages: title, the unit and year, the table with its total (CJK font embedded)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

    font = cjk_font()
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22, alignment=1)
    body = ParagraphStyle("body", fontName=font, fontSize=8, leading=10)
    head, rows = plan_table(plan)
    cells = [[paragraph(h, body) for h in head]]
    cells += [[paragraph("" if v is None else v, body) for v in row] for row in rows]
    table = Table(cells, colWidths=[24 * mm, 40 * mm, 28 * mm, 36 * mm, 20 * mm, 14 * mm, 56 * mm, 26 * mm, 26 * mm],
                  repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.9, 0.92, 0.95)),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    story = [paragraph(_("%(year)s 年度装备采购计划") % {"year": plan["year"]}, title), Spacer(1, 3 * mm),
             paragraph(_("单位：%(name)s（%(code)s）　　依据标准：%(standard)s") % {
                 "name": unit.name, "code": unit.code, "standard": plan["standard"]}, body), Spacer(1, 3 * mm), table]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=10 * mm, rightMargin=10 * mm, topMargin=12 * mm,
                      bottomMargin=12 * mm, title="Quartermaster").build(story)
    return buffer.getvalue()
