"""System checks of the recorders app: the footage retention settings are well formed."""
from django.core.checks import Error, register


@register("qm")
def check_footage_retention(app_configs=None, **kwargs):
    """QM_FOOTAGE_RETENTION_DAYS ≥ 0; QM_FOOTAGE_RETENTION_BY_TYPE is `type=days,…` with known recording types."""
    from django.conf import settings

    from .footage import parse_retention

    errors = []
    if settings.QM_FOOTAGE_RETENTION_DAYS < 0:
        errors.append(Error("QM_FOOTAGE_RETENTION_DAYS must be 0 (permanent) or more", id="qm.E401"))
    try:
        parse_retention(settings.QM_FOOTAGE_RETENTION_BY_TYPE)
    except ValueError as exc:
        errors.append(Error(f"QM_FOOTAGE_RETENTION_BY_TYPE: {exc}", id="qm.E402"))
    return errors
