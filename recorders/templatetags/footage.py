"""`{% footage_panel asset %}`: a recorder's footage records on its asset page, for the roles that read footage."""
from django import template

from assets import access
from assets.choices import CategoryCode

from .. import footage
from ..models import FootageRecord

register = template.Library()


@register.inclusion_tag("recorders/_footage_panel.html", takes_context=True)
def footage_panel(context, asset):
    user = context["request"].user
    if asset.category_id != CategoryCode.RECORDER or not access.may(user, access.VIEW, FootageRecord):
        return {"shown": False}
    records = (access.restrict(FootageRecord.objects.filter(asset=asset), user)
               .select_related("person").order_by("-recorded_on", "-id"))
    rows = [{"record": r, "until": footage.retain_until(r)} for r in records[:20]]
    return {"shown": True, "asset": asset, "rows": rows, "total": records.count()}
