"""The site navigation: which pages each role's menu lists, and who is signed in (a template context processor)."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from assets.access import scope_unit, user_role
from assets.choices import UserRole

ADMIN, LOGISTICS, FLEET, AUDITOR = (UserRole.ADMINISTRATOR, UserRole.LOGISTICS, UserRole.FLEET,
                                    UserRole.AUDITOR)
EVERY_ROLE = (ADMIN, LOGISTICS, FLEET, AUDITOR)
logger = logging.getLogger("qm.web")


@dataclass(frozen=True)
class Link:
    key: str
    route: str  # the URL name: each app decides where its pages live
    label: str
    roles: tuple[str, ...]

    @property
    def url(self) -> str | None:
        try:
            return reverse(self.route)
        except NoReverseMatch:
            # A renamed or removed page must not take every other page (and the login) down with it;
            # the browser tests check each role's menu, so a missing link fails there.
            logger.warning("navigation: no page named %r", self.route)
            return None


# One list in menu order; a role sees the links that name it. Every role may read the compliance reports and
# vehicle files (scoped to its units), but the menu lists what each role's work needs.
LINKS = (
    Link("start", "home", _("首页"), EVERY_ROLE),
    Link("map", "live:map", _("实时地图"), (ADMIN, FLEET, AUDITOR)),
    Link("replay", "live:replay", _("轨迹回放"), (ADMIN, FLEET, AUDITOR)),
    Link("vehicles", "telematics:vehicle-list", _("车辆档案"), (ADMIN, FLEET, AUDITOR)),
    Link("reports", "telematics:reports", _("车辆报表"), (ADMIN, FLEET, AUDITOR)),
    # Logistics officers too: a unit's users explain its alerts (cases).
    Link("alerts", "alerts:history", _("告警核查"), EVERY_ROLE),
    Link("deadletters", "tracking:deadletter-list", pgettext_lazy("navigation", "死信"), (ADMIN, FLEET)),
    Link("people", "assets:person-list", pgettext_lazy("navigation", "人员"), (ADMIN, LOGISTICS, AUDITOR)),
    Link("assets", "assets:asset-list", pgettext_lazy("navigation", "装备"), (ADMIN, LOGISTICS, AUDITOR)),
    Link("departures", "uniforms:departure-list", pgettext_lazy("navigation", "离岗清退"), (ADMIN, LOGISTICS)),
    Link("handover", "uniforms:handover", _("发放交接"), (ADMIN, LOGISTICS)),
    Link("stocktake", "uniforms:stocktake", _("扫码盘点"), (ADMIN, LOGISTICS)),
    Link("recorders", "recorders:counter", _("记录仪领用"), (ADMIN, LOGISTICS)),
    # The office's year (年度清查, 报废, 采购): auditors read the counts and the disposals too.
    Link("inventory", "uniforms:inventories", _("年度清查"), (ADMIN, LOGISTICS, AUDITOR)),
    Link("disposals", "assets:disposals", _("报废处置"), (ADMIN, LOGISTICS, AUDITOR)),
    Link("procurement", "procurement", _("采购计划"), (ADMIN, LOGISTICS)),
    Link("compliance", "compliance", _("合规核查"), (ADMIN, LOGISTICS, AUDITOR)),
    Link("compare", "compliance-compare", _("标准对照"), (ADMIN, AUDITOR)),
    Link("snapshots", "compliance-snapshots", _("报告存档"), (ADMIN, AUDITOR)),
    Link("inspections", "recorders:inspections", _("声像资料检查"), (ADMIN, AUDITOR)),
    Link("footage", "recorders:footage", _("音像资料管理"), (ADMIN, LOGISTICS, AUDITOR)),
    Link("track-access", "tracking:track-access-list", _("轨迹查看记录"), (ADMIN, AUDITOR)),
    Link("admin", "admin:index", _("系统管理"), (ADMIN,)),
    Link("api-docs", "api-docs", _("接口文档"), EVERY_ROLE),
)


def links_for(role: str | None) -> list[Link]:
    return [link for link in LINKS if role in link.roles and link.url is not None]


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    role = user_role(user)
    if role is None:
        return {"nav_links": [], "nav_role": None, "nav_role_label": "", "nav_unit": None}
    path = request.path
    links = [{"key": link.key, "url": link.url, "label": link.label} for link in links_for(role)]
    # The most specific link containing the page is the current one (/map/replay/ is replay, not map).
    active = max((link for link in links if path == link["url"] or (link["url"] != "/" and path.startswith(link["url"]))),
                 key=lambda link: len(link["url"]), default=None)
    for link in links:
        link["active"] = link is active
    return {
        "nav_links": links,
        "nav_role": role,
        "nav_role_label": UserRole(role).label,
        "nav_unit": scope_unit(user),
    }
