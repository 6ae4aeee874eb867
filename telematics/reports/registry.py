"""The reports as plain functions, for pages, the API, scheduled e-mail and the command line alike:
`report_bytes(kind, unit=… or vehicle=…, start=, end=, fmt=, user=, language=)` → the file's bytes.

With a `user` the subject must lie in the user's scope and a unit's vehicles are cut to it (assets/access.py);
without one (a scheduled job acting for the whole bureau, the CLI) every vehicle of the unit's subtree counts.
The trip and stop reports show where vehicles went: with a `user` they pass the PIPL gate (telematics/privacy.py)
with the `purpose` given."""
from __future__ import annotations

import datetime as dt

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from assets import access
from quartermaster.errors import DomainError, unit_label
from telematics.models import Vehicle
from telematics.privacy import SHANGHAI, Purpose, track_gate

from . import render, selectors

KINDS = selectors.KINDS  # kind -> its title (lazy, in the reader's language)
FORMATS = render.FORMATS
CONTENT_TYPES = render.CONTENT_TYPES


def subject_vehicles(*, unit=None, vehicle=None, user=None):
    """(vehicles queryset, subject label) for a unit's subtree or one vehicle, cut to `user`'s scope when given."""
    if (unit is None) == (vehicle is None):
        raise DomainError(_("报表针对一个单位或一辆车"), field="unit")
    if vehicle is not None:
        qs = Vehicle.objects.filter(pk=vehicle.pk)
        if user is not None:
            access.ensure(user, vehicle, access.VIEW, "vehicle")
            qs = access.restrict(qs, user)
        return qs, vehicle.plate
    qs = Vehicle.objects.filter(unit__path__startswith=unit.path)
    if user is not None:
        if not access.unit_in_scope(user, unit):
            raise access.OutOfScope(_("%(unit)s 不在您的管辖范围内"), unit=unit_label(unit))
        qs = access.restrict(qs, user)
    return qs, f"{unit.name}（{unit.code}）"


# Reports that place the vehicles (trips from where to where, stops with their place): a track in all but name.
ROUTE_KINDS = ("trips", "stops")


def build_report(kind: str, *, start: dt.date, end: dt.date, unit=None, vehicle=None, user=None,
                 purpose: Purpose | None = None) -> selectors.Report:
    vehicles, subject = subject_vehicles(unit=unit, vehicle=vehicle, user=user)
    if kind in ROUTE_KINDS and user is not None:
        track_gate(user=user, vehicles=list(vehicles), start=dt.datetime.combine(start, dt.time(), SHANGHAI),
                   end=dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), SHANGHAI),
                   purpose=purpose or Purpose(), path=f"report:{kind}")
    return selectors.build(kind, vehicles, start, end, subject)


def report_bytes(kind: str, *, start: dt.date, end: dt.date, fmt: str, unit=None, vehicle=None, user=None,
                 language: str | None = None, purpose: Purpose | None = None) -> bytes:
    """The report as a file in `fmt` (csv, json, xlsx, pdf); `language` "en" for English, else Chinese (None: the
    active language)."""
    if fmt not in FORMATS:
        raise DomainError(_("格式 %(format)s：应为 %(formats)s 之一"), field="format", format=fmt,
                          formats=", ".join(FORMATS))
    if language is None:
        return render.render(build_report(kind, start=start, end=end, unit=unit, vehicle=vehicle, user=user,
                                          purpose=purpose), fmt)
    with translation.override("en" if language.lower().startswith("en") else "zh-hans"):
        return render.render(build_report(kind, start=start, end=end, unit=unit, vehicle=vehicle, user=user,
                                          purpose=purpose), fmt)


def filename(kind: str, subject_code: str, start: dt.date, end: dt.date, fmt: str) -> str:
    safe = "".join(ch if (ch.isascii() and ch.isalnum()) or ch in "-_" else "_" for ch in subject_code)
    return f"{kind}-{safe}-{start.isoformat()}-{end.isoformat()}.{fmt}"
