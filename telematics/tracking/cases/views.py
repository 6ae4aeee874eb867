"""Web pages of the alerts: the history (filters, counts, pages, export, per-rule precision) and each alert with its
case (the steps as forms, the evidence pack, the attachments)."""
from __future__ import annotations

import base64
import csv
import io
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assets import access
from assets.models import OrgUnit
from quartermaster.errors import DomainError
from quartermaster.spreadsheets import neutralise, xlsx_value

from .. import conf
from ..choices import AlertKind, AlertStatus, CaseAction, CaseState
from ..filtersets import AlertFilterSet
from ..models import Alert, AlertCaseAttachment
from . import selectors, services
from .api import XLSX, evidence_response
from .evidence import build_evidence, track_drawing

PAGE_SIZE = 50
EXPORT_MAX = 10_000
HISTORY_FILTERS = ("kind", "unit", "plate", "case_state", "status", "date_from", "date_to", "overdue")
SHANGHAI = selectors.SHANGHAI


def _alerts(request, action: str = access.VIEW):
    return access.restrict(Alert.objects.select_related("vehicle", "vehicle__unit", "part_of"), request.user, action)


def _local(value) -> str:
    return "" if value is None else f"{timezone.localtime(value, SHANGHAI):%Y-%m-%d %H:%M}"


def _query(request, drop=()) -> dict:
    """The history's filters from the query string (the export and the pages keep them)."""
    return {k: request.GET.getlist(k) for k in HISTORY_FILTERS if k in request.GET and k not in drop}


def _filtered(request, params: dict):
    data = {k: v for k, v in params.items() if any(x != "" for x in v)}
    query = _QueryDict(data)
    fs = AlertFilterSet(query, queryset=selectors.annotate_cases(_alerts(request)))
    if not fs.is_valid():
        return None, fs
    return fs.qs, fs


class _QueryDict(dict):
    """What django-filter reads from a QueryDict: `get` gives the last value, `getlist` all of them."""

    def get(self, key, default=None):
        values = super().get(key)
        return values[-1] if values else default

    def getlist(self, key):
        return super().get(key, [])


def _rows(alerts, now) -> list[dict]:
    rows = []
    for a in alerts:
        fields = selectors.case_fields(a, now)
        rows.append({"alert": a, "kind_label": selectors.kind_label(a.kind), **fields,
                     "case_label": str(CaseState(fields["case_state"]).label) if fields["case_state"] else "",
                     "deadline_local": _local(a.case_deadline_v) if a.case_deadline_v else
                     (fields["case_deadline"] or "")[:16].replace("T", " ")})
    return rows


PALETTE = ("#c62828", "#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#5d4037", "#455a64")


def _chart_svg(precision: list[dict]) -> tuple[str, list[tuple[str, str, str]]]:
    """A small line chart of precision per kind by month (inline SVG: numbers and codes only, no user text), and
    its legend (kind, label, colour)."""
    months = sorted({p["month"] for p in precision})
    kinds = sorted({p["kind"] for p in precision})
    if not months:
        return "", []
    w, h, left, bottom, top = 560, 200, 40, 28, 10
    step = (w - left - 20) / max(1, len(months) - 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
             f'id="precision-chart" role="img">']
    for pct in (0, 50, 100):
        y = top + (h - top - bottom) * (1 - pct / 100)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{w - 10}" y2="{y:.1f}" stroke="#d9e2ec"/>'
                     f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end">{pct}%</text>')
    for i, month in enumerate(months):
        x = left + i * step if len(months) > 1 else left + (w - left) / 2
        parts.append(f'<text x="{x:.1f}" y="{h - 8}" font-size="10" text-anchor="middle">{month}</text>')
    for k, kind in enumerate(kinds):
        color = PALETTE[k % len(PALETTE)]
        pts = []
        for i, month in enumerate(months):
            cell = next((p for p in precision if p["kind"] == kind and p["month"] == month), None)
            if cell and cell["precision"] is not None:
                x = left + i * step if len(months) > 1 else left + (w - left) / 2
                y = top + (h - top - bottom) * (1 - cell["precision"])
                pts.append((x, y))
        if len(pts) > 1:
            parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="'
                         + " ".join(f"{x:.1f},{y:.1f}" for x, y in pts) + '"/>')
        for x, y in pts:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{color}" data-kind="{kind}"/>')
    parts.append("</svg>")
    return "".join(parts), [(kind, selectors.kind_label(kind), PALETTE[k % len(PALETTE)])
                            for k, kind in enumerate(kinds)]


@access.page("tracking.Alert")
def alert_history(request):
    params = _query(request)
    qs, fs = _filtered(request, params)
    if qs is None:
        return render(request, "alerts/history.html", {"errors": fs.errors, **_form_context(request, params)},
                      status=400)
    qs = qs.order_by("-started_at", "-pk")
    fmt = request.GET.get("format")
    if fmt in ("xlsx", "csv", "pdf"):
        return _export(qs, fmt)
    now = timezone.now()
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.counts(qs)
    precision_qs, _fs = _filtered(request, _query(request, drop=("case_state", "overdue", "status")))
    precision = selectors.precision(precision_qs)
    states = [(s.value, s.label) for s in CaseState]
    count_rows = [{"kind": kind, "label": selectors.kind_label(kind),
                   "cells": [by.get(s, 0) for s, _label in states], "other": by.get("-", 0),
                   "total": sum(by.values())} for kind, by in counts["by_kind"].items()]
    for p in precision:
        p["label"] = selectors.kind_label(p["kind"])
        p["percent"] = None if p["precision"] is None else round(p["precision"] * 100)
    chart, legend = _chart_svg(precision)
    keep = urlencode([(k, v) for k, values in params.items() for v in values])
    return render(request, "alerts/history.html", {
        "page": page, "rows": _rows(page.object_list, now), "counts": counts, "count_rows": count_rows,
        "states": states, "precision": precision, "chart": chart, "legend": legend, "keep": keep,
        **_form_context(request, params)})


def _form_context(request, params: dict) -> dict:
    units = access.restrict(OrgUnit.objects.order_by("path"), request.user)
    return {"kinds": AlertKind.choices, "case_states": CaseState.choices,
            "statuses": [(s.value, s.label) for s in AlertStatus], "units": units,
            "selected": {k: v for k, v in params.items()}}


EXPORT_HEADER = (gettext_lazy("编号"), gettext_lazy("类型"), gettext_lazy("车牌号"), gettext_lazy("单位"),
                 gettext_lazy("开始"), gettext_lazy("结束"), gettext_lazy("场所"), gettext_lazy("地点"),
                 gettext_lazy("网格编码"),
                 gettext_lazy("告警状态"), gettext_lazy("核查状态"), gettext_lazy("说明期限"), gettext_lazy("逾期"),
                 gettext_lazy("依据条款"))


def _export_rows(qs) -> list[list]:
    now = timezone.now()
    out = []
    for a in qs[:EXPORT_MAX]:
        fields = selectors.case_fields(a, now)
        out.append([a.pk, selectors.kind_label(a.kind), a.vehicle.plate, a.vehicle.unit.name, _local(a.started_at),
                    _local(a.ended_at), a.venue, a.place_text, a.grid_code, str(a.get_status_display()),
                    str(CaseState(fields["case_state"]).label) if fields["case_state"] else "",
                    (fields["case_deadline"] or "")[:16].replace("T", " "),
                    _("是") if fields["case_overdue"] else "", a.clause])
    return out


def _export(qs, fmt: str) -> HttpResponse:
    header = [str(h) for h in EXPORT_HEADER]
    rows = _export_rows(qs)
    stamp = timezone.localtime(timezone.now(), SHANGHAI).strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows([[neutralise(c) for c in row] for row in rows])
        response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.title = _("告警记录")
        ws.append(header)
        for row in rows:
            ws.append([xlsx_value(c) for c in row])
        buffer = io.BytesIO()
        wb.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    else:
        response = HttpResponse(_history_pdf(header, rows, selectors.counts(qs)), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="alerts-{stamp}.{fmt}"'
    return response


def _history_pdf(header, rows, counts) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

    from quartermaster.pdf import cjk_font, paragraph

    font = cjk_font()
    body = ParagraphStyle("body", fontName=font, fontSize=7.5, leading=10, wordWrap="CJK")
    h1 = ParagraphStyle("h1", parent=body, fontSize=14, leading=20, spaceAfter=6)
    summary = "；".join(f"{str(CaseState(s).label) if s in CaseState.values else _('非核查类')} {n}"
                       for s, n in sorted(counts["by_state"].items()))
    story = [paragraph(_("告警记录"), h1),
             paragraph(_("共 %(n)d 条；%(summary)s") % {"n": counts["total"], "summary": summary}, body)]
    data = [[paragraph(h, body) for h in header]] + [[paragraph(c, body) for c in row] for row in rows]
    table = Table(data, repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef6")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story.append(table)
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=10 * mm, rightMargin=10 * mm, topMargin=10 * mm,
                      bottomMargin=10 * mm, title="alerts", author="Quartermaster").build(story)
    return buffer.getvalue()


# --- one alert and its case ---------------------------------------------------------------------------------------

@access.page("tracking.Alert")
def alert_detail(request, pk: int):
    alert = get_object_or_404(_alerts(request), pk=pk)
    if request.method == "POST":
        return _case_step(request, alert)
    root = services.case_alert(alert)
    is_case = root.kind in services.case_kinds()
    view = selectors.case_view(alert) if is_case else None
    late_orders = []
    can = {}
    if is_case:
        can = {step.value: services.may(request.user, step.value, alert) for step in CaseAction}
        if can.get(CaseAction.EXPLAIN):
            from telematics.journeys.models import LateOrder

            late_orders = list(LateOrder.objects.filter(trip__vehicle_id=root.vehicle_id)
                               .select_related("trip").order_by("-journey_start")[:50])
    map_uri = ""
    if view is not None:
        drawing = track_drawing(build_evidence(view, user=request.user), 640, 380)
        if drawing is not None:
            from reportlab.graphics import renderSVG

            svg = renderSVG.drawToString(drawing)
            map_uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode()
    parts = list(Alert.objects.filter(part_of=alert).order_by("started_at")) if not alert.part_of_id else []
    return render(request, "alerts/detail.html", {
        "alert": alert, "root": root, "parts": parts, "view": view, "can": can, "late_orders": late_orders,
        "kind_label": selectors.kind_label(alert.kind), "map_uri": map_uri, "is_case": is_case,
        "max_mb": conf.get("QM_CASE_ATTACHMENT_MAX_MB"),
        "history": [{"event": e, "action_label": str(CaseAction(e.action).label),
                     "from_label": str(CaseState(e.from_state).label), "to_label": str(CaseState(e.to_state).label)}
                    for e in (view.events if view else [])]})


STEP_MESSAGES = {CaseAction.EXPLAIN: gettext_lazy("说明已提交。"), CaseAction.RETURN: gettext_lazy("已退回补充说明。"),
                 CaseAction.CONFIRM: gettext_lazy("已认定。"), CaseAction.DISMISS: gettext_lazy("已排除。"),
                 CaseAction.NOTE: gettext_lazy("批注已添加。")}


def _case_step(request, alert):
    step = request.POST.get("action", "")
    if step not in CaseAction.values:
        messages.error(request, _("未知的操作。"))
        return redirect("alerts:detail", pk=alert.pk)
    try:
        if step == CaseAction.EXPLAIN:
            late = request.POST.get("late_order") or None
            services.case_explain(alert=alert, user=request.user, text=request.POST.get("text", ""),
                                  late_order_id=int(late) if late and late.isdigit() else None,
                                  files=request.FILES.getlist("files"))
        else:
            services.CASE_STEPS[step](alert=alert, user=request.user, text=request.POST.get("text", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, STEP_MESSAGES[step])
    return redirect("alerts:detail", pk=alert.pk)


@access.page("tracking.Alert")
def case_evidence(request, pk: int, fmt: str):
    alert = get_object_or_404(_alerts(request), pk=pk)
    return evidence_response(alert, request.user, fmt)


@access.page("tracking.Alert")
def case_attachment(request, pk: int):
    """An explanation's attachment, to the users who may see the alert (media files are not served openly)."""
    attachment = get_object_or_404(access.restrict(AlertCaseAttachment.objects.all(), request.user), pk=pk)
    try:
        return FileResponse(attachment.file.open("rb"), filename=attachment.name, as_attachment=True)
    except FileNotFoundError:
        raise Http404("attachment missing from storage") from None
