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
    "QM_TILE_URL": "",             # a tile server URL template ({z}/{x}/{y}); empty: vector layers only
    "QM_TILE_CRS": "wgs84",        # gcj02: the tiles are GCJ-02 (AMap style); data is shifted for display only
}


def get(name: str):
    default = DEFAULTS[name]
    value = getattr(settings, name, None)
    if value in (None, ""):
        value = os.environ.get(name) or default
    return type(default)(value)
