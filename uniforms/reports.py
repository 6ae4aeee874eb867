"""The annual inventory's spreadsheet: coverage per unit, then the differences (账实不符) with their book value."""
from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _

from assets.reports import xlsx, xlsx_response

from .choices import StocktakeFinding, StocktakeStatus


def inventory_sheets(report: dict) -> list[tuple[str, list[str], list[list]]]:
    findings, statuses = dict(StocktakeFinding.choices), dict(StocktakeStatus.choices)
    coverage = [[u["unit"], u["unit_name"], str(statuses.get(u["status"], u["status"])), u["expected"], u["found"],
                 u["scanned"], u["missing"], u["unexpected"], u["misplaced"]] for u in report["units"]]
    differences = [[d["counted_unit"], str(findings.get(d["finding"], d["finding"])), d["tag"], d["item"] or d["category"],
                    d["unit"], d["reason"], d["finance_card_no"], d["book_value"]] for d in report["differences"]]
    return [
        (_("清查覆盖"), [_("单位"), _("名称"), _("状态"), _("账面数"), _("相符"), _("已扫描"), _("缺失"), _("账外"),
                     _("错位")], coverage),
        (_("账实不符"), [_("盘点单位"), _("差异"), _("标签号"), _("品名"), _("所属单位"), _("原因"), _("资产卡片号"),
                     _("净值（元）")], differences),
    ]


def inventory_xlsx_response(report: dict) -> HttpResponse:
    return xlsx_response(xlsx(inventory_sheets(report)), f"inventory-{report['unit']}-{report['year']}.xlsx")
