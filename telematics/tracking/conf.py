"""The ingest's and the rules' settings, declared once with their defaults.

Each is read from Django settings if defined there, else from the environment variable of the same name,
else the default below (SPEC "Alerts" thresholds)."""
import os

from django.conf import settings

DEFAULTS: dict[str, float | int | str] = {
    # Rules (SPEC "Alerts").
    "QM_STOP_SPEED_KMH": 5.0,          # slower than this is "stopped"
    "QM_STOP_RADIUS_M": 50.0,          # GPS drift within this radius of the stop's first fix is not movement
    "QM_VENUE_DWELL_S": 600,           # venue_parking: stopped at least this long
    # venue_parking's distance and categories are the spatial index's (gis/conf.py: QM_VENUE_NEAR_M,
    # QM_ALERT_VENUE_CATEGORIES): the index finds the venues, so it must use the same values.
    "QM_OFF_DUTY_DISTANCE_M": 500.0,   # off_duty_use: a journey at least this long outside duty hours
    "QM_OFF_DUTY_STOP_S": 3600,        # ... ends once the vehicle has stood still this long (shorter stops belong to it)
    "QM_JURISDICTION_DISTANCE_M": 200.0,
    "QM_JURISDICTION_DWELL_S": 300,
    "QM_SILENT_S": 1800,               # terminal_silent: no fix for this long of event time while others report
    "QM_DEPOT_DELAY_S": 3600,          # not_in_depot: looked at this long after the unit's duty hours end
    "QM_SEAL_DISTANCE_M": 200.0,       # sealed_vehicle_moved: this far from where the sealed vehicle stood
    "QM_REORDER_WINDOW_S": 30,         # a vehicle's fixes wait this long (event time) for stragglers before rules
    "QM_WATERMARK_GRACE_S": 120,       # ... or until the fleet's newest fix is this much newer
    "QM_LEG_GAP_CAP_S": 300,           # a gap between fixes counts at most this long as time spent
    "QM_ROLLUP": "auto",               # daily rollups: auto (TimescaleDB aggregate, else table), table, off (rollups.py)
    "QM_ALERT_TRACK_MAX": 400,         # fixes kept as an alert's evidence (thinned evenly beyond)
    # Alert cases (告警核查).
    "QM_CASE_EXPLAIN_WORKING_DAYS": 3,  # the unit explains within this many working days after the alert's day
    "QM_CASE_KINDS": "venue_parking,off_duty_use,out_of_jurisdiction,not_in_depot,sealed_vehicle_moved,"
                     "terminal_power_cut,terminal_antenna_cut",  # kinds handled as cases (those citing a clause)
    "QM_CASE_ATTACHMENT_MAX_MB": 10,   # an explanation's attachment may be at most this large
    # Personal information (PIPL art. 28: 行踪轨迹; telematics/privacy.py, retention.py).
    "QM_TRACK_PURPOSE_GATE": 1,        # 1: viewing a track outside duty hours or older than below needs a purpose
    "QM_TRACK_PURPOSE_AFTER_DAYS": 7,  # a track window starting more than this many days ago needs a purpose
    "QM_TRACK_PURPOSE_CLI": "log",     # `qm track`/`qm trips` without --purpose: log (logged as unstated) or require
    "QM_FIX_RETENTION_DAYS": 365,      # fixes and legs older than this are purged (`qm purge-fixes`); 0: kept forever
    "QM_FIX_PURGE_BATCH": 10000,       # rows deleted per statement by the batched purge
    # Ingest.
    "QM_FUTURE_TOLERANCE_S": 600,      # a fix more than this ahead of the clock is a dead letter
    "QM_MAX_FIX_AGE_DAYS": 30,         # a fix older than this at arrival is a dead letter (0: no limit, for replays)
    "QM_PAYLOAD_MAX_BYTES": 1_048_576,  # a larger message is one dead letter, unread
    "QM_ARRAY_MAX_FIXES": 2000,        # an array of more fixes is one dead letter
    "QM_INGEST_BATCH": 2000,           # messages per database transaction at most (under load; 1,000 gave a fifth less)
    "QM_INGEST_BATCH_MS": 50,          # ... or what arrived within this many milliseconds
    "QM_INGEST_WINDOW": 4000,          # unacknowledged QoS 1 messages the broker may send us (MQTT5 receive maximum)
    "QM_CHECKPOINT_S": 30,             # the rules' state is saved at most this often (and at shutdown)
    "QM_REGISTRY_REFRESH_S": 10,       # the terminal -> vehicle map is reloaded this often
    "QM_SHARD_HANDOVER_S": 30,         # worker 0 of N keeps a new terminal's fixes this long before its owner has them
    "QM_DEADLETTER_PAYLOAD_MAX": 8192,  # payload bytes kept in a dead letter
    "QM_SESSION_EXPIRY_S": 7 * 86400,  # the broker keeps our session (and queued fixes) this long
    "QM_MQTT_PROTOCOL": "auto",        # 5, 3.1.1, or auto: MQTT 5, falling back to 3.1.1 if the broker refuses 5
    "QM_MQTT_CA_FILE": "",             # mqtts://: CA certificates (PEM) the broker's certificate is checked against
    "QM_MQTT_CONNACK_TIMEOUT_S": 5.0,  # auto: an MQTT 5 CONNECT unanswered this long means a 3.1.1-only broker
    # JT/T 808 gateway (`qm jt808`).
    "QM_JT808_IDLE_S": 300,            # a connection with no complete frame for this long is closed
    "QM_JT808_PUBACK_TIMEOUT_S": 30.0,  # a report the broker has not acknowledged by then is left unanswered
    "QM_JT808_MAX_BAD_FRAMES": 8,      # a connection is closed after this many bad frames in a row
    "QM_JT808_DEADLETTERS_PER_CONNECTION": 3,  # bad frames of one connection kept as dead letters at most
    "QM_JT808_SECRET": "",             # key of the auth codes (HMAC of the phone number); empty: QM_SECRET_KEY
    "QM_JT808_COMMAND_WAIT_S": 15.0,   # the map's "locate now": seconds to wait for the terminal's answer
}


def get(name: str):
    default = DEFAULTS[name]
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name) or default
    return type(default)(value)


def venue_distance_m() -> float:
    from gis import conf as gis_conf
    return gis_conf.venue_near_m()


def venue_categories() -> tuple[str, ...]:
    from gis import conf as gis_conf
    return gis_conf.alert_venue_categories()
