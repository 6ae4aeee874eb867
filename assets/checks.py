"""System checks of the registry: the report language setting names a language of the site."""
from django.core.checks import Error, register


@register("qm")
def check_report_language(app_configs=None, **kwargs):
    """QM_LANGUAGE names the language of the reports the command line writes: one of LANGUAGES."""
    from django.conf import settings

    codes = [code for code, _name in settings.LANGUAGES]
    if settings.QM_LANGUAGE not in codes:
        return [Error(f"QM_LANGUAGE {settings.QM_LANGUAGE!r} is not a language of this site; use one of "
                      f"{', '.join(codes)}", id="qm.E104")]
    return []
