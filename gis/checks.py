"""System checks for the gis settings: a mistyped setting is reported at start-up, not mid-ingest."""
from django.core.checks import Error, register
from django.core.checks import Warning as CheckWarning

from . import conf


@register()
def gis_settings_check(app_configs, **kwargs):
    errors = []
    for name, read in (("QM_VENUE_NEAR_M", conf.venue_near_m), ("QM_GIS_RELOAD_S", conf.reload_interval_s)):
        try:
            value = read()
        except (TypeError, ValueError):
            errors.append(Error(f"{name} must be a number of {'metres' if 'NEAR' in name else 'seconds'}",
                                id="gis.E001"))
            continue
        if value < 0:
            errors.append(Error(f"{name} must not be negative (it is {value})", id="gis.E002"))
    if not conf.alert_venue_categories():
        errors.append(CheckWarning("QM_ALERT_VENUE_CATEGORIES is empty: no venue would ever raise an alert",
                                      hint="set it to e.g. restaurant,entertainment", id="gis.W001"))
    return errors
