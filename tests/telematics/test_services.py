"""Vehicle-file services: terminal bindings, histories, records, trips."""
import datetime as dt

import pytest

from quartermaster.context import change_context
from quartermaster.errors import ConflictError, DomainError
from tests.support.fixtures import make_user
from telematics import services
from telematics.choices import TripStatus, VehicleChange, VehicleStatus
from telematics.models import TerminalBinding, Trip, Vehicle

from .factories import make_vehicle

SH = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def units(bureau):
    return bureau["units"]


def test_terminal_bound_to_another_vehicle_is_refused_and_nothing_changes(units):
    a = make_vehicle(units["CZ-TN-01"], "苏D·A0001", terminal_id="T0001")
    b = make_vehicle(units["CZ-TN-01"], "苏D·A0002", terminal_id="T0002")
    bindings_before = list(TerminalBinding.objects.values_list("vehicle_id", "terminal_id", "unbound_at"))
    with pytest.raises(ConflictError, match="苏D·A0001") as err:
        services.vehicle_bind_terminal(vehicle=b, terminal_id="T0001")
    assert err.value.code == "terminal_bound"
    b.refresh_from_db()
    assert b.terminal_id == "T0002"
    assert list(TerminalBinding.objects.values_list("vehicle_id", "terminal_id", "unbound_at")) == bindings_before
    assert Vehicle.objects.get(pk=a.pk).terminal_id == "T0001"


def test_terminal_swap_and_rebinding_after_unbind_keep_history(units):
    a = make_vehicle(units["CZ-TN-01"], "苏D·A0001", terminal_id="T0001")
    b = make_vehicle(units["CZ-TN-01"], "苏D·A0002")
    # Times follow the first binding, which the factory makes "now": the test holds on any date.
    bound = TerminalBinding.objects.get(vehicle=a, terminal_id="T0001").bound_at
    services.vehicle_bind_terminal(vehicle=a, terminal_id="T0009", at=bound + dt.timedelta(minutes=1))  # swap
    assert Vehicle.objects.get(pk=a.pk).terminal_id == "T0009"
    # the old one is free now
    services.vehicle_bind_terminal(vehicle=b, terminal_id="T0001", at=bound + dt.timedelta(minutes=2))
    rows = list(TerminalBinding.objects.filter(terminal_id="T0001").order_by("bound_at")
                .values_list("vehicle_id", "unbound_at"))
    assert rows[0][0] == a.pk and rows[0][1] is not None
    assert rows[1] == (b.pk, None)
    services.vehicle_unbind_terminal(vehicle=b, at=bound + dt.timedelta(minutes=3))
    assert Vehicle.objects.get(pk=b.pk).terminal_id is None
    with pytest.raises(ConflictError, match="没有绑定终端") as err:
        services.vehicle_unbind_terminal(vehicle=b, at=bound + dt.timedelta(minutes=4))
    assert err.value.code == "not_bound"
    assert err.value.in_language("en") == f"{b.plate} has no terminal bound"


def test_transfer_and_status_changes_are_dated_in_history(units):
    v = make_vehicle(units["CZ-TN-01"])
    services.vehicle_transfer(vehicle=v, unit=units["CZ-WJ-01"], effective=dt.date(2026, 6, 1))
    services.vehicle_change_status(vehicle=v, status=VehicleStatus.IN_REPAIR, effective=dt.date(2026, 7, 1))
    rows = list(v.history.values_list("change", "unit__code", "status", "effective"))
    assert rows == [
        (VehicleChange.REGISTERED, "CZ-TN-01", "in_service", dt.date(2024, 3, 1)),
        (VehicleChange.TRANSFER, "CZ-WJ-01", "in_service", dt.date(2026, 6, 1)),
        (VehicleChange.STATUS, "CZ-WJ-01", "in_repair", dt.date(2026, 7, 1)),
    ]
    with pytest.raises(DomainError, match="履历不能倒签") as err:
        services.vehicle_change_status(vehicle=v, status=VehicleStatus.IN_SERVICE, effective=dt.date(2026, 6, 15))
    assert err.value.code == "backdated" and "the history is not back-dated" in err.value.in_language("en")


def test_there_is_no_lending_status(units):
    v = make_vehicle(units["CZ-TN-01"])
    with pytest.raises(DomainError, match="没有外借这一状态") as err:
        services.vehicle_change_status(vehicle=v, status="lent")
    english = err.value.in_language("en")
    assert "In service (in_service)" in english and "lending" in english
    assert Vehicle.objects.get(pk=v.pk).status == VehicleStatus.IN_SERVICE


def test_retiring_unbinds_the_terminal_and_is_final(units):
    v = make_vehicle(units["CZ-TN-01"], terminal_id="T0001")
    services.vehicle_change_status(vehicle=v, status=VehicleStatus.RETIRED)
    v.refresh_from_db()
    assert v.terminal_id is None
    assert TerminalBinding.objects.get(terminal_id="T0001").unbound_at is not None
    with pytest.raises(ConflictError, match="已报废") as err:
        services.vehicle_change_status(vehicle=v, status=VehicleStatus.IN_SERVICE)
    assert err.value.code == "retired"


def test_unit_and_status_cannot_be_changed_behind_the_history(units):
    v = make_vehicle(units["CZ-TN-01"])
    with pytest.raises(DomainError, match="请用“调拨”") as err:
        services.vehicle_update(vehicle=v, unit=units["CZ-WJ-01"])
    assert err.value.field == "unit" and "use “Transfer”" in err.value.in_language("en")


def test_insurance_and_inspection_expiry_follow_the_latest_record(units):
    v = make_vehicle(units["CZ-TN-01"], insurance_expires=None, inspection_expires=None)
    services.insurance_policy_create(vehicle=v, starts=dt.date(2025, 3, 1), expires=dt.date(2026, 2, 28),
                                     insurer="人保财险", policy_no="P1")
    services.insurance_policy_create(vehicle=v, starts=dt.date(2026, 3, 1), expires=dt.date(2027, 2, 28))
    services.inspection_create(vehicle=v, inspected_on=dt.date(2026, 3, 5), expires=dt.date(2027, 3, 31))
    v.refresh_from_db()
    assert v.insurance_expires == dt.date(2027, 2, 28)
    assert v.inspection_expires == dt.date(2027, 3, 31)
    with pytest.raises(DomainError, match="早于起保日"):
        services.insurance_policy_create(vehicle=v, starts=dt.date(2026, 3, 1), expires=dt.date(2026, 1, 1))


def test_maintenance_records_refuse_a_falling_odometer(units):
    v = make_vehicle(units["CZ-TN-01"])
    services.maintenance_record_create(vehicle=v, date=dt.date(2026, 5, 1), odometer_km=12000, work_done="更换机油",
                                       cost="380.00", workshop="常州某汽修厂")
    with pytest.raises(DomainError, match="低于此前记录的 12000 公里") as err:
        services.maintenance_record_create(vehicle=v, date=dt.date(2026, 6, 1), odometer_km=11000, work_done="补胎")
    assert "odometer 11000 km on 2026-06-01 is below the 12000 km" in err.value.in_language("en")
    assert v.maintenance.count() == 1


def test_trip_request_approve_refuse(units, django_user_model):
    v = make_vehicle(units["CZ-TN-01"])
    manager = make_user("fleet1", "fleet")  # an actor acts within a role (assets.access refuses one without)
    start = dt.datetime(2026, 11, 22, 18, tzinfo=SH)
    with change_context(user=manager, source="api"):
        trip = services.trip_request(vehicle=v, start=start, end=start + dt.timedelta(hours=3), purpose="夜查",
                                     dest_lat=31.78, dest_lon=119.95)
        assert trip.status == TripStatus.REQUESTED and trip.requested_by == "fleet1"
        trip = services.trip_approve(trip=trip, user=manager, note="同意")
    assert (trip.status, trip.approver, trip.approved_by) == (TripStatus.APPROVED, manager, "fleet1")
    with pytest.raises(ConflictError, match="不在待审批状态") as err:
        services.trip_refuse(trip=trip, user=manager)
    assert err.value.code == "already_decided" and "“Approved”" in err.value.in_language("en")
    other = services.trip_request(vehicle=v, start=start, end=start + dt.timedelta(hours=1), purpose="私事")
    assert services.trip_refuse(trip=other, user=manager).status == TripStatus.REFUSED


def test_trip_input_is_checked(units):
    v = make_vehicle(units["CZ-TN-01"])
    start = dt.datetime(2026, 11, 22, 18, tzinfo=SH)
    with pytest.raises(DomainError, match="不晚于开始时间"):
        services.trip_request(vehicle=v, start=start, end=start, purpose="x")
    with pytest.raises(DomainError, match="同时给出纬度和经度"):
        services.trip_request(vehicle=v, start=start, end=start + dt.timedelta(hours=1), purpose="x", dest_lat=31.7)
    assert not Trip.objects.exists()


def test_duty_schedule_weekday_ranges_are_normalised(units):
    schedule = services.duty_schedule_create(unit=units["CZ-TN"], weekdays="1-5", start="08:30", end="17:30")
    assert schedule.weekdays == "1,2,3,4,5"
    with pytest.raises(DomainError, match="星期 8 无效"):
        services.duty_schedule_create(unit=units["CZ-TN"], weekdays="8", start="08:30", end="17:30")
    with pytest.raises(DomainError, match="HH:MM"):
        services.duty_schedule_create(unit=units["CZ-TN"], weekdays="6", start="8h", end="17:30")
