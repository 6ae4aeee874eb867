"""Spreadsheets of the equipment office's year: the approved-disposals register (the same writer serves the annual
inventory and procurement reports of the uniforms app)."""
from __future__ import annotations

import io
from decimal import Decimal

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook

from quartermaster.spreadsheets import xlsx_value


def xlsx(sheets: list[tuple[str, list[str], list[list]]]) -> bytes:
    """One workbook: each sheet (title, header, rows), text neutralised against formulas, money as numbers."""
    book = Workbook()
    book.remove(book.active)
    for title, head, rows in sheets:
        sheet = book.create_sheet(title[:31])
        sheet.append([xlsx_value(h) for h in head])
        for row in rows:
            sheet.append([float(v) if isinstance(v, Decimal) else xlsx_value(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


REGISTER_KEYS = ("number", "unit", "tag", "category", "item", "finance_card_no", "acquired", "price", "book_value",
                 "reason", "approved_by", "decided_on")


def register_header() -> list[str]:
    return [_("报废单号"), _("单位"), _("标签号"), _("类别"), _("品名"), _("资产卡片号"), _("购置日期"),
            _("原值（元）"), _("净值（元）"), _("报废原因"), _("审批人"), _("批准日期")]


def disposal_register_xlsx_response(rows: list[dict]) -> HttpResponse:
    content = xlsx([(_("已批准报废登记簿"), register_header(), [[r[k] for k in REGISTER_KEYS] for r in rows])])
    return xlsx_response(content, "disposals.xlsx")
