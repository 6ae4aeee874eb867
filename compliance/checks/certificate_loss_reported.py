"""certificate-loss-reported: every lost certificate reported ≤ max_days after the loss; losses without their
dates (imported) cannot be judged, so while one of them stands beside no late report the answer is
insufficient_data (a pass would claim what the data cannot give); a late dated report fails whatever the others."""
from __future__ import annotations

from django.utils.translation import gettext as _

from assets.models import CustodyEvent

from .. import evidence as ev
from ..facts import end_of_day
from .base import INSUFFICIENT, every, finding, is_positive_int

PARAMS = (("max_days", is_positive_int, "an integer ≥ 1"),)


def evaluate(rule, standard, facts, totals):
    limit = rule.params["max_days"]
    losses = [days for _, days in facts.certificate_losses]
    dated = [d for d in losses if d is not None]
    timely = sum(1 for d in dated if d <= limit)
    if len(dated) < len(losses) and timely == len(dated):
        return [finding(rule, facts.unit(facts.root_id), None, None, status=INSUFFICIENT)]
    return every(rule, facts, len(dated), timely)


def evidence(standard, rule, unit, as_of, item=None):
    events = CustodyEvent.objects.filter(
        action="report_lost", asset__category_id="certificate", occurred_at__lt=end_of_day(as_of),
        unit_after__path__startswith=unit.path).select_related("asset", "person", "unit_after").order_by("id")
    rows = []
    for e in events:
        days = (e.date_reported - e.date_lost).days if e.date_lost and e.date_reported else None
        rows.append({"values": [e.asset.tag, str(e.person or ""), e.unit_after.code, e.date_lost, e.date_reported,
                                days], "flag": "fail" if days is not None and days > rule.params["max_days"] else "",
                     "link": ev.asset_link(e.asset_id)})
    return ev.Evidence(_("遗失的执法证件"), [_("标签号"), _("持证人"), _("单位"), _("遗失日期"), _("报告日期"),
                                             _("相隔天数")], rows)
