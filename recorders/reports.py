"""The footage inspection report (brigades not inspected within the local period) as JSON, CSV, XLSX and PDF.

JSON keeps the selector's keys and codes; the human formats speak the active language (Chinese by default) and say
that the period is a local threshold (the standard says 定期, no figure)."""
from __future__ import annotations

import orjson
from django.utils.translation import gettext as _

from quartermaster.spreadsheets import table_report_csv, table_report_xlsx

from .choices import InspectionState

FORMATS = ("json", "csv", "xlsx", "pdf")
CONTENT_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8", "pdf": "application/pdf",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def header() -> list[str]:
    return [_("大队代码"), _("大队"), _("状态"), _("最近检查日期"), _("距今天数"), _("检查人"), _("检查发现"),
            _("整改要求")]


def rows(report: dict) -> list[list]:
    return [[r["unit"], r["name"], str(InspectionState(r["state"]).label), r["last_inspected"] or "",
             "" if r["days_since"] is None else r["days_since"], r["inspector"], r["findings"], r["follow_up"]]
            for r in report["brigades"]]


def headline(report: dict) -> list[tuple[str, str]]:
    return [(_("单位"), report["unit"]), (_("截至日期"), report["as_of"]),
            (_("检查周期（天）"), str(report["period_days"])),
            (_("本地阈值"), _("标准只说“定期”，未给出天数：检查周期为本地设置（QM_FOOTAGE_INSPECTION_DAYS）")),
            (_("条款"), report["clause"]), (_("条款原文"), report["text"]),
            (_("期内未检查的大队"), f"{report['summary']['not_inspected']} / {report['summary']['brigades']}")]


def render_json(report: dict) -> bytes:
    return orjson.dumps(report, option=orjson.OPT_INDENT_2)


def render_csv(report: dict) -> bytes:
    return table_report_csv(title=_("声像资料检查台帐：期内未检查的大队"), headline=headline(report), header=header(), rows=rows(report))


def render_xlsx(report: dict) -> bytes:
    late = {(i, 2): "F8D7DA" for i, source in enumerate(report["brigades"])
            if source["state"] != InspectionState.INSPECTED}
    return table_report_xlsx(title=_("声像资料检查台帐：期内未检查的大队"), headline=headline(report), header=header(),
                             rows=rows(report), sheet=_("检查台帐"), widths=(14, 22, 14, 14, 10, 16, 40, 40),
                             fills=late)


def render_pdf(report: dict) -> bytes:
    from reportlab.lib import colors

    from quartermaster.pdf import table_report

    late = [("BACKGROUND", (2, i), (2, i), colors.Color(0.97, 0.84, 0.85))
            for i, source in enumerate(report["brigades"], start=1) if source["state"] != InspectionState.INSPECTED]
    return table_report(title=_("声像资料检查台帐：期内未检查的大队"), headline=headline(report), header=header(),
                        rows=rows(report), widths_mm=(24, 32, 22, 24, 16, 28, 57, 57), headline_widths_mm=(45, 215),
                        body_size=9, styles=late)


RENDERERS = {"json": render_json, "csv": render_csv, "xlsx": render_xlsx, "pdf": render_pdf}


def render(report: dict, fmt: str) -> bytes:
    return RENDERERS[fmt](report)
