"""The one gate of every path that returns a vehicle's fixes or legs over a period (PIPL art. 28: 行踪轨迹).

A vehicle's track tells where its driver — an officer — was. Viewing a window that touches time outside the duty
hours of the vehicle's unit (telematics/calendar.py), or that starts more than QM_TRACK_PURPOSE_AFTER_DAYS days ago,
needs a stated purpose (free text, optionally a case number); the view is then logged as a `TrackAccess` row
(append-only). Without a purpose the gate refuses with `PurposeRequired` (HTTP 403, code `purpose_required`) and
logs nothing. Recent windows inside duty hours (the live map's last hour on duty) need nothing.

The vehicle file has no officer assigned to a vehicle (a trip names its driver as free text), so the rule applies to
every vehicle: any of them may be driven by an officer. `QM_TRACK_PURPOSE_GATE=0` turns the gate off for a site
whose vehicles are not personal (documented in the README).

Paths: the replay page's tracks API and the map's last track (`api:tracks`), the vehicle track API and its
exports (`api:track.json|csv|gpx`), the trips of a vehicle or a unit (`api:journeys`), the trip and stop reports
(`report:trips|stops`), and `qm track` / `qm trips` (`cli:track`, `cli:trips`).
"""
from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quartermaster.errors import DomainError

SHANGHAI = ZoneInfo("Asia/Shanghai")
OFF_DUTY, OLDER = "off_duty", "older"
PURPOSE_MAX = 500
CASE_NO_MAX = 64


class PurposeRequired(DomainError):
    """The window needs a stated purpose and none was given (403 `purpose_required`; `reasons` say why)."""

    status_code = 403

    def __init__(self, reasons: Iterable[str], plates: Iterable[str]):
        self.reasons = sorted(set(reasons))
        self.plates = sorted(set(plates))
        super().__init__(_("查看 %(plates)s 该时段的轨迹须说明查看目的（非值勤时段或 %(days)s 天前的轨迹属个人行踪信息），"
                           "查看将被记录。"), code="purpose_required", field="purpose",
                         plates="、".join(self.plates), days=_after_days())

    def as_dict(self) -> dict:
        return {**super().as_dict(), "reasons": self.reasons}


@dataclass(frozen=True)
class Purpose:
    """What the viewer states: why (free text) and, optionally, the case number it serves."""

    text: str = ""
    case_no: str = ""

    @classmethod
    def of(cls, text: str | None, case_no: str | None = None) -> Purpose:
        text, case_no = (text or "").strip(), (case_no or "").strip()
        if len(text) > PURPOSE_MAX:
            raise DomainError(_("查看目的至多 %(n)s 个字"), field="purpose", n=PURPOSE_MAX)
        if len(case_no) > CASE_NO_MAX:
            raise DomainError(_("案件编号至多 %(n)s 个字"), field="case", n=CASE_NO_MAX)
        return cls(text, case_no)

    @classmethod
    def from_query(cls, params) -> Purpose:
        """From a request's query parameters `purpose` and `case` (downloads are plain links, so not a body)."""
        return cls.of(params.get("purpose"), params.get("case"))

    def __bool__(self) -> bool:
        return bool(self.text)


def _conf(name: str):
    from telematics.tracking import conf
    return conf.get(name)


def _after_days() -> int:
    return _conf("QM_TRACK_PURPOSE_AFTER_DAYS")


def _off_duty_in(unit_id: int, start: dt.datetime, end: dt.datetime) -> bool:
    """Does [start, end) contain a moment outside the unit's duty hours (minute resolution, as the calendar)?"""
    from telematics.calendar import duty_calendar

    calendar = duty_calendar()
    day = start.astimezone(SHANGHAI).date()
    last = (end - dt.timedelta(microseconds=1)).astimezone(SHANGHAI).date()
    windows: list[tuple[dt.datetime, dt.datetime]] = []
    while day <= last:
        windows.extend(calendar.duty_windows(unit_id, day))
        day += dt.timedelta(days=1)
    covered = start
    for s, e in sorted(windows):
        if s > covered:
            return True
        covered = max(covered, e)
        if covered >= end:
            return False
    return covered < end


def reasons_for(vehicle, start: dt.datetime | None, end: dt.datetime | None, *,
                now: dt.datetime | None = None) -> list[str]:
    """Why viewing `vehicle`'s fixes in [start, end) needs a purpose: [] (it does not), `older`, `off_duty`.
    No start means from the first fix on (older); no end, or one in the future, means until now."""
    if not _conf("QM_TRACK_PURPOSE_GATE"):
        return []
    now = now or timezone.now()
    end = now if end is None else min(end, now)
    if start is not None and start >= end:
        return []  # a window in the future holds no fix
    reasons = []
    if start is None or start < now - dt.timedelta(days=_after_days()):
        reasons.append(OLDER)
    if start is None or _off_duty_in(vehicle.unit_id, start, end):
        reasons.append(OFF_DUTY)
    return reasons


def _who(user) -> tuple[object | None, str]:
    if user is not None and getattr(user, "is_authenticated", False):
        return user, user.get_username()
    try:
        return None, f"cli:{getpass.getuser()}"
    except (OSError, KeyError):
        return None, "cli"


def track_gate(*, user, vehicles, start: dt.datetime | None, end: dt.datetime | None, purpose: Purpose,
               path: str, require: bool = True) -> list:
    """The gate: for each vehicle whose window needs a purpose, log the view (a TrackAccess row) — or refuse all of
    them with PurposeRequired when `purpose` is empty and `require` (the command line's `log` mode passes False:
    the view is logged with its purpose marked unstated). Returns the rows logged (none when nothing needed one)."""
    from telematics.tracking.models import TrackAccess

    now = timezone.now()
    needing = [(vehicle, reasons) for vehicle in vehicles if (reasons := reasons_for(vehicle, start, end, now=now))]
    if not needing:
        return []
    if not purpose and require:
        raise PurposeRequired([r for _, reasons in needing for r in reasons], [v.plate for v, _ in needing])
    user, username = _who(user)
    text = purpose.text or str(_("（未说明）"))
    window_end = now if end is None else min(end, now)
    with transaction.atomic():
        return [TrackAccess.objects.create(user=user, username=username, vehicle=vehicle, plate=vehicle.plate,
                                           start=start, end=window_end, purpose=text, case_no=purpose.case_no,
                                           reasons=",".join(reasons), path=path[:64])
                for vehicle, reasons in needing]


def cli_gate(*, vehicle, start, end, purpose: str | None, case_no: str | None, path: str) -> list:
    """`qm track` / `qm trips`: the gate for the command line, whose SPEC flags stay as they are — without
    `--purpose` the view is logged as unstated (QM_TRACK_PURPOSE_CLI=log, the default) or refused (=require)."""
    if vehicle is None:
        return []
    return track_gate(user=None, vehicles=[vehicle], start=start, end=end, purpose=Purpose.of(purpose, case_no),
                      path=path, require=_conf("QM_TRACK_PURPOSE_CLI") == "require")
