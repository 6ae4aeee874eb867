"""Settings of trip detection and classification (SPEC "Trips"), declared once with their defaults.

Each is read from Django settings if defined there, else from the environment variable of the same name, else the
default below."""
import os

from django.conf import settings

DEFAULTS: dict[str, float | int | bool] = {
    "QM_TRIP_STOP_RADIUS_M": 50.0,       # a stop: staying within this radius ...
    "QM_TRIP_STOP_MIN_S": 300,           # ... for at least this long
    "QM_TRIP_MIN_DISTANCE_M": 200.0,     # a shorter movement between two stops is not a trip
    "QM_TRIP_ORDER_GRACE_S": 900,        # an approved trip's window is widened by this on both sides
    "QM_TRIP_DESTINATION_M": 300.0,      # a trip reaches the approved destination when it comes this close
    "QM_TRIP_JURISDICTION_M": 200.0,     # duty: no fix of the trip this far or farther outside the jurisdiction
    "QM_TRIP_DUTY_NEEDS_ORDER": False,   # true: trips in duty hours need an order too (never class `duty`)
    "QM_TRIP_LOOKAROUND_S": 43200,       # fixes read around a period, so trips crossing its edges are whole
    "QM_ONLINE_WINDOW_MIN": 10,          # online rate: a duty minute is online with a fix in the N minutes ending it
    "QM_REPORT_MAX_DAYS": 31,            # trips and stops reports (read from the fixes) span at most this many days
    "QM_TRIP_STORE": True,               # trips of finished vehicle-days stored and read back (journeys.stored)
    "QM_TRIP_STORE_SETTLE_S": 3600,      # a day is finished this long after its window (+ lookaround) ended
}

_FALSE = {"", "0", "false", "no", "off"}


def get(name: str):
    default = DEFAULTS[name]
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name)
    if value is None:
        return default
    if isinstance(default, bool):
        return value if isinstance(value, bool) else str(value).strip().lower() not in _FALSE
    return type(default)(value)
