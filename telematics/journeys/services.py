"""Writes of journeys: a late order (补单) for a trip that had no order."""
from __future__ import annotations

import datetime as dt

from django.db import transaction

from quartermaster.context import current
from quartermaster.errors import ConflictError, DomainError
from telematics import services as fleet
from telematics.choices import TripStatus
from telematics.models import Trip, Vehicle

from .choices import JourneyClass
from .models import LateOrder
from .selectors import vehicle_journeys
from .track import Subject


@transaction.atomic
def late_order_request(*, vehicle: Vehicle, journey_start: dt.datetime, purpose: str, reason: str,
                       destination: str = "", driver: str = "", passengers: str = "") -> LateOrder:
    """Files a 补单 for the vehicle's trip that started at `journey_start` (to the second) and had no order: a trip
    request covering exactly that trip, awaiting approval by someone other than who filed it."""
    if not (reason or "").strip():
        raise DomainError("reason: a late order needs its reason (补单理由)", field="reason")
    moment = journey_start.replace(microsecond=0)
    report = vehicle_journeys(Subject(vehicle=vehicle, terminal=None), moment - dt.timedelta(seconds=1),
                              moment + dt.timedelta(seconds=1))
    journey = next((j for j in report.journeys if dt.datetime.fromisoformat(j["start"]) == moment), None)
    if journey is None:
        raise DomainError(f"{vehicle.plate} has no trip starting at {moment.isoformat()}", field="start",
                          code="not_found", status_code=404)
    if journey["class"] != JourneyClass.NO_ORDER:
        raise ConflictError(f"the trip of {vehicle.plate} at {journey['start']} is {journey['class']}, not "
                            f"no_order: only a trip without an order takes a late order", field="start",
                            code="not_no_order")
    start, end = dt.datetime.fromisoformat(journey["start"]), dt.datetime.fromisoformat(journey["end"])
    pending = LateOrder.objects.filter(trip__vehicle=vehicle, journey_start=start,
                                       trip__status=TripStatus.REQUESTED).first()
    if pending is not None:
        raise ConflictError(f"a late order for this trip (request {pending.trip_id}) awaits approval",
                            field="start", code="pending")
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
        raise ConflictError(f"late order {trip.pk} was filed by {approver}; a second person approves it",
                            field="approver", code="same_person", status_code=403)
