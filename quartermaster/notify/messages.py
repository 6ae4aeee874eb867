"""The words of each message: an alert and a digest as a title plus plain text (e-mail, in-app) and markdown
(robots), in the recipient's language (quartermaster.language.user_language; QM_LANGUAGE when not given). User
data in markdown is escaped."""
from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from telematics.tracking.choices import AlertKind

from . import conf
from .choices import Severity, kind_severity
from .senders import md_escape


@dataclass(frozen=True)
class Message:
    title: str
    text: str        # plain text: e-mail body, in-app message
    markdown: str    # robots
    link: str = ""


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"


def _kind_label(kind: str) -> str:
    return str(AlertKind(kind).label) if kind in AlertKind.values else kind


def alert_path(alert) -> str:
    """The alert's page (its case: evidence, explanation, review)."""
    return reverse("alerts:detail", args=[alert.pk])


def alert_link(alert) -> str:
    return f"{conf.get('QM_NOTIFY_BASE_URL').rstrip('/')}{alert_path(alert)}"


def _place(alert) -> str:
    place = alert.venue or (alert.evidence or {}).get("place") or ""
    if alert.grid_code:
        grid = _("网格")
        place = f"{place}（{grid} {alert.grid_code}）" if place else f"{grid} {alert.grid_code}"
    return place or "—"


def _alert_facts(alert) -> list[tuple[str, str]]:
    return [(_("车辆"), alert.vehicle.plate), (_("单位"), alert.vehicle.unit.name),
            (_("类型"), _kind_label(alert.kind)), (_("严重程度"), str(Severity(kind_severity(alert.kind)).label)),
            (_("开始时间"), _local(alert.started_at)), (_("地点"), _place(alert)),
            (_("依据条款"), alert.clause or "—")]


def alert_message(alert, language: str | None = None) -> Message:
    with translation.override(language or settings.QM_LANGUAGE):
        title = _("【车辆告警】%(kind)s %(plate)s") % {"kind": _kind_label(alert.kind), "plate": alert.vehicle.plate}
        facts = _alert_facts(alert)
        link = alert_link(alert)
        text = "\n".join(f"{label}：{value}" for label, value in facts) + "\n"
        if link.startswith("http"):  # a mail or robot message needs the site's address (QM_NOTIFY_BASE_URL)
            text += _("查看：%(link)s") % {"link": link} + "\n"
        markdown = "\n".join(f"> {label}：{md_escape(value)}" for label, value in facts)
        if link.startswith("http"):
            markdown += "\n\n[%s](%s)" % (_("查看告警"), link)
        return Message(title=title, text=text, markdown=markdown, link=alert_path(alert))


def digest_message(alerts: list, day, window: tuple, language: str | None = None) -> Message:
    with translation.override(language or settings.QM_LANGUAGE):
        title = _("【每日告警汇总】%(day)s，共 %(n)d 条") % {"day": day.isoformat(), "n": len(alerts)}
        head = _("时段：%(start)s 至 %(end)s") % {"start": _local(window[0]), "end": _local(window[1])}
        counts: dict[str, int] = {}
        for alert in alerts:
            counts[alert.kind] = counts.get(alert.kind, 0) + 1
        summary = [f"{_kind_label(kind)}：{n}" for kind, n in sorted(counts.items(), key=lambda kv: -kv[1])]
        rows = [f"{_local(a.started_at)} {a.vehicle.plate} {_kind_label(a.kind)} {_place(a)}" for a in alerts]
        text = "\n".join([head, "", *summary, "", *rows]) + "\n"
        markdown = "\n".join([head, "", *(f"- {md_escape(s)}" for s in summary), "",
                              *(f"> {md_escape(r)}" for r in rows[:50])])
        if len(rows) > 50:
            markdown += "\n\n" + _("（另有 %(n)d 条，详见系统）") % {"n": len(rows) - 50}
        return Message(title=title, text=text, markdown=markdown, link="/notifications/")
