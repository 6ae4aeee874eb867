"""System checks of the ingest's and the rules' settings (telematics/tracking/conf.py), so `qm ingest` refuses a
bad value at start instead of turning every message into a dead letter."""
from pathlib import Path

from django.core.checks import Error, register

from . import conf

# Settings that must not be negative (0 turns the limit off where that is documented).
NON_NEGATIVE = ("QM_MAX_FIX_AGE_DAYS", "QM_PAYLOAD_MAX_BYTES", "QM_ARRAY_MAX_FIXES", "QM_FUTURE_TOLERANCE_S",
                "QM_DEADLETTER_PAYLOAD_MAX", "QM_TRACK_PURPOSE_AFTER_DAYS", "QM_FIX_RETENTION_DAYS")
_KINDS = {int: "a whole number", float: "a number", str: "text"}


@register()
def tracking_settings(app_configs=None, **kwargs) -> list[Error]:
    errors = []
    for name, default in conf.DEFAULTS.items():
        try:
            value = conf.get(name)
        except (TypeError, ValueError):
            errors.append(Error(f"{name} must be {_KINDS[type(default)]} (default {default!r})",
                                id="tracking.E001"))
            continue
        if name in NON_NEGATIVE and value < 0:
            errors.append(Error(f"{name} cannot be negative (got {value!r})", id="tracking.E002"))
    if conf.get("QM_TRACK_PURPOSE_CLI") not in ("log", "require"):
        errors.append(Error("QM_TRACK_PURPOSE_CLI must be log or require", id="tracking.E004"))
    if conf.get("QM_FIX_PURGE_BATCH") < 1:
        errors.append(Error("QM_FIX_PURGE_BATCH must be at least 1", id="tracking.E005"))
    ca_file = conf.get("QM_MQTT_CA_FILE")
    if ca_file and not Path(ca_file).is_file():
        errors.append(Error(f"QM_MQTT_CA_FILE {ca_file!r} is not a file", id="tracking.E003"))
    return errors
