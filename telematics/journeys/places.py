"""The name a report or the replay page gives a point: the place label of the map layers (gis.places: venue,
street or crossing, community), else the grid cell's code, else the coordinates."""
from __future__ import annotations

from django.utils.translation import gettext as _

from gis.services import place_labels as layer_labels


def place_labels(points: list[tuple[float | None, float | None, str]]) -> list[str]:
    """The label of each (lat, lon, grid_code), looked up in one batch."""
    found = layer_labels([p[0] for p in points], [p[1] for p in points])
    return [label or _fallback(lat, lon, grid) for label, (lat, lon, grid) in zip(found, points, strict=True)]


def _fallback(lat: float | None, lon: float | None, grid_code: str) -> str:
    if grid_code:
        return _("网格 %(code)s") % {"code": grid_code}
    if lat is None or lon is None:
        return ""
    return f"{lat:.5f}, {lon:.5f}"
