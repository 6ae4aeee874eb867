"""The footage access log report for auditors (音像资料使用登记): who requested, approved, refused, viewed, copied
or deleted which footage and when, as CSV, XLSX and PDF in the active language."""
from __future__ import annotations

from django.utils.translation import gettext as _

from quartermaster.spreadsheets import table_report_csv, table_report_xlsx

from .footage import APPROVAL_CLAUSE, APPROVAL_TEXT

FORMATS = ("xlsx", "pdf", "csv")
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "pdf": "application/pdf",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
WIDTHS = (17, 12, 12, 14, 12, 18, 10, 30, 30)


def title() -> str:
    return _("执法音像资料使用登记")


def header() -> list[str]:
    return [_("时间"), _("事项"), _("经办人"), _("执法记录仪"), _("录制日期"), _("执法人员"), _("申请事项"),
            _("申请事由"), _("说明")]


def rows(report: dict) -> list[list]:
    return [[r["at"].strftime("%Y-%m-%d %H:%M"), r["action_name"], r["username"], r["tag"],
             r["recorded_on"].isoformat(), r["person"], r["kind"], r["reason"], r["note"]] for r in report["rows"]]


def headline(report: dict) -> list[tuple[str, str]]:
    return [(_("单位"), f"{report['unit_name']}（{report['unit']}）"),
            (_("期间"), f"{report['since']} — {report['until']}"), (_("条目数"), str(len(report["rows"]))),
            (_("条款"), APPROVAL_CLAUSE), (_("条款原文"), APPROVAL_TEXT)]


def render_csv(report: dict) -> bytes:
    return table_report_csv(title=title(), headline=headline(report), header=header(), rows=rows(report))


def render_xlsx(report: dict) -> bytes:
    return table_report_xlsx(title=title(), headline=headline(report), header=header(), rows=rows(report),
                             sheet=_("使用登记"), widths=WIDTHS)


def render_pdf(report: dict) -> bytes:
    from quartermaster.pdf import table_report

    return table_report(title=title(), headline=headline(report), header=header(), rows=rows(report),
                        widths_mm=(28, 20, 22, 24, 20, 30, 16, 55, 55))


RENDERERS = {"csv": render_csv, "xlsx": render_xlsx, "pdf": render_pdf}


def render(report: dict, fmt: str) -> bytes:
    return RENDERERS[fmt](report)
