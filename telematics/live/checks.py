"""System checks of the live map's settings (telematics/live/conf.py): a base-map preset that cannot work (an
unknown name, 天地图 without its key, a custom preset without its URL) is reported at start."""
from django.core.checks import Error, register

from . import basemaps, conf

_KINDS = {int: "a whole number", float: "a number", str: "text"}


@register()
def live_map_settings(app_configs=None, **kwargs) -> list[Error]:
    errors = []
    for name, default in conf.DEFAULTS.items():
        try:
            conf.get(name)
        except (TypeError, ValueError):
            errors.append(Error(f"{name} must be {_KINDS[type(default)]} (default {default!r})", id="live.E001"))
    try:
        basemaps.preset()
    except ValueError as exc:
        errors.append(Error(str(exc), id="live.E002"))
    return errors
