"""Writes of journeys: a late order (补单) for a trip that had no order."""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quartermaster.context import current
from quartermaster.errors import ConflictError, DomainError, choice_label
from telematics import services as fleet
from telematics.choices import TripStatus
from telematics.models import Trip, Vehicle

from .choices import JourneyClass
from .models import LateOrder
from .selectors import vehicle_journeys
from .track import Subject


def _local(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M:%S}"


@transaction.atomic
def late_order_request(*, vehicle: Vehicle, journey_start: dt.datetime, purpose: str, reason: str,
                       destination: str = "", driver: str = "", passengers: str = "") -> LateOrder:
    """Files a 补单 for the vehicle's trip that started at `journey_start` (to the second) and had no order: a trip
    request covering exactly that trip, awaiting approval by someone other than who filed it."""
    if not (reason or "").strip():
        raise DomainError(_("请填写补单理由"), field="reason")
    moment = journey_start.replace(microsecond=0)
    report = vehicle_journeys(Subject(vehicle=vehicle, terminal=None), moment - dt.timedelta(seconds=1),
                              moment + dt.timedelta(seconds=1))
    journey = next((j for j in report.journeys if dt.datetime.fromisoformat(j["start"]) == moment), None)
    if journey is None:
        raise DomainError(_("%(plate)s 没有在 %(start)s 开始的行程"), field="start", code="not_found",
                          status_code=404, plate=vehicle.plate, start=_local(moment))
    if journey["class"] != JourneyClass.NO_ORDER:
        raise ConflictError(_("%(plate)s 在 %(start)s 的行程是“%(kind)s”，不是“%(no_order)s”：只有无单的行程才能补单"),
                            field="start", code="not_no_order", plate=vehicle.plate,
                            start=_local(dt.datetime.fromisoformat(journey["start"])),
                            kind=choice_label(journey["class"], JourneyClass),
                            no_order=JourneyClass.NO_ORDER.label)
    start, end = dt.datetime.fromisoformat(journey["start"]), dt.datetime.fromisoformat(journey["end"])
    pending = LateOrder.objects.filter(trip__vehicle=vehicle, journey_start=start,
                                       trip__status=TripStatus.REQUESTED).first()
    if pending is not None:
        raise ConflictError(_("这次行程的补单（%(requested_by)s 于 %(at)s 提交）正在等待审批"),
                            field="start", code="pending", requested_by=pending.requested_by,
                            at=_local(pending.created_at))
    trip = fleet.trip_request(vehicle=vehicle, start=start, end=end, purpose=purpose, destination=destination,
                              driver=driver, passengers=passengers)
    return LateOrder.objects.create(trip=trip, journey_start=start, journey_end=end, reason=reason.strip(),
                                    requested_by=current().username)


def check_second_person(trip: Trip, user) -> None:
    """A late order is approved by someone other than who filed it (called by the trip decision service)."""
    late = LateOrder.objects.filter(trip=trip).first()
    if late is None:
        return
    approver = getattr(user, "username", "") or current().username
    if approver and approver == late.requested_by:
        raise ConflictError(_("这张补单由 %(user)s 提交，须由另一人审批"),
                            field="approver", code="same_person", status_code=403, user=approver)
