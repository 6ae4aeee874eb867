"""Settings of the live map, declared once with their defaults (Django setting, else environment, else default)."""
import os

from django.conf import settings

DEFAULTS: dict[str, float | int | str] = {
    "QM_MAP_POLL_S": 0.5,          # how often the event stream looks for new fixes and alert changes
    "QM_MAP_STREAM_MAX_S": 300,    # a stream ends after this long; EventSource reconnects where it left off
    "QM_MAP_LOOKBACK_S": 1.0,      # fixes stored this recently are read again (parallel ingest workers may
                                   # commit arrival numbers out of order); duplicates are not sent twice
    "QM_MAP_BACKLOG_MAX": 20000,   # more fixes than this behind (a laptop woke up): the page reloads the
                                   # snapshot instead of replaying the backlog
    "QM_MAP_OFFLINE_S": 600,       # a vehicle whose newest fix is older than this is shown offline
    "QM_MAP_ALERTS_MAX": 200,      # alerts awaiting review listed in the panel at most
    "QM_MAP_RESYNC_S": 15,         # how often the stream restates which alerts still await review
    "QM_BASEMAP": "",              # none | offline | tianditu | gaode | tencent | custom (basemaps.py); empty:
                                   # custom when QM_TILE_URL is set, else offline
    "QM_TIANDITU_KEY": "",         # the tianditu preset's key (tk), a browser-side key of 天地图's console
    "QM_TILE_URL": "",             # custom preset: a tile URL template ({z} {x} {y}, {s} a subdomain, {-y} TMS rows)
    "QM_TILE_CRS": "wgs84",        # custom preset: gcj02 when the tiles are GCJ-02 (AMap style); data shifts
                                   # for display only
    "QM_TILE_SUBDOMAINS": "1234",  # custom preset: the letters {s} takes
    "QM_TILE_ATTRIBUTION": "",     # custom preset: the credit shown in the map's corner (plain text)
    "QM_MAP_LAST_TRACK_MIN": 60,   # a vehicle's card draws its track of the last this many minutes
}


def get(name: str):
    default = DEFAULTS[name]
    value = getattr(settings, name, None)
    if value in (None, ""):
        value = os.environ.get(name) or default
    return type(default)(value)
