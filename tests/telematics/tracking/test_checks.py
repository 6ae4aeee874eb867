"""The settings checks: `qm ingest` refuses a bad fix-age limit, size cap or CA file at start."""
from telematics.tracking.checks import tracking_settings


def test_defaults_pass():
    assert tracking_settings() == []


def test_bad_values_are_check_errors(settings, tmp_path):
    settings.QM_MAX_FIX_AGE_DAYS = -1
    settings.QM_PAYLOAD_MAX_BYTES = "a lot"
    settings.QM_MQTT_CA_FILE = str(tmp_path / "missing.pem")
    errors = {e.id: e.msg for e in tracking_settings()}
    assert errors == {"tracking.E002": "QM_MAX_FIX_AGE_DAYS cannot be negative (got -1)",
                      "tracking.E001": "QM_PAYLOAD_MAX_BYTES must be a whole number (default 1048576)",
                      "tracking.E003": f"QM_MQTT_CA_FILE {str(tmp_path / 'missing.pem')!r} is not a file"}
