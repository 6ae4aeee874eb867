"""The name a report or the replay page gives a point. One function, so the place names of the map layers (gis) can
take over here alone: until then the grid cell's code, else the coordinates."""
from __future__ import annotations

from django.utils.translation import gettext as _


def place_label(lat: float | None, lon: float | None, grid_code: str = "") -> str:
    if grid_code:
        return _("网格 %(code)s") % {"code": grid_code}
    if lat is None or lon is None:
        return ""
    return f"{lat:.5f}, {lon:.5f}"
