"""The gis settings, declared once with their defaults: a Django setting of the same name wins, then the
environment variable, then the default (so they can be set in settings.py, in a test, or in the shell)."""
import os

from django.conf import settings

_DEFAULTS = {
    # Metres beyond a venue's edge within which a fix counts as at the venue (SPEC alerts: 30 m). The rules'
    # venue_parking reads this one too (telematics/tracking/conf.py): the index filters with it first.
    "QM_VENUE_NEAR_M": "30",
    # Venue categories that raise venue_parking alerts; other categories are kept but raise nothing.
    "QM_ALERT_VENUE_CATEGORIES": "restaurant,entertainment",
    # Place labels: the nearest named street counts within this many metres ("延陵西路附近"); a landmark point
    # within this many metres names the place ("红梅公园附近").
    "QM_PLACE_STREET_M": "200",
    "QM_PLACE_LANDMARK_M": "100",
    # Seconds between the ingest's checks for a re-imported layer.
    "QM_GIS_RELOAD_S": "5",
}


def _raw(name: str) -> str | list | float:
    if hasattr(settings, name):
        return getattr(settings, name)
    value = os.environ.get(name)
    return value if value not in (None, "") else _DEFAULTS[name]


def venue_near_m() -> float:
    return float(_raw("QM_VENUE_NEAR_M"))


def alert_venue_categories() -> tuple[str, ...]:
    value = _raw("QM_ALERT_VENUE_CATEGORIES")
    items = value.split(",") if isinstance(value, str) else value
    return tuple(c.strip() for c in items if c and c.strip())


def reload_interval_s() -> float:
    return float(_raw("QM_GIS_RELOAD_S"))


def place_street_m() -> float:
    return float(_raw("QM_PLACE_STREET_M"))


def place_landmark_m() -> float:
    return float(_raw("QM_PLACE_LANDMARK_M"))
