"""Vehicle-file reads: dossier completeness, expiry warnings, the file as of a past date, terminals over time."""
import datetime as dt

import pytest

from telematics import services
from telematics.choices import DossierGap, VehicleStatus
from telematics.models import Vehicle
from telematics.selectors import vehicle_by_terminal, vehicle_dossier_gaps, vehicles_as_of, vehicles_expiring

from .factories import make_vehicle


@pytest.fixture
def units(bureau):
    return bureau["units"]


def test_complete_file_has_no_gaps(units):
    v = make_vehicle(units["CZ-TN-01"])
    assert vehicle_dossier_gaps(v, dt.date(2026, 11, 22)) == []


def test_dossier_gaps_name_each_missing_or_expired_item(units):
    v = make_vehicle(units["CZ-TN-01"], vin="", acquired=None, insurance_expires=None,
                     inspection_expires=dt.date(2026, 11, 21))
    assert vehicle_dossier_gaps(v, dt.date(2026, 11, 22)) == [
        DossierGap.VIN_MISSING, DossierGap.ACQUIRED_MISSING, DossierGap.INSURANCE_MISSING,
        DossierGap.INSPECTION_EXPIRED]
    # Expiry day itself is still valid.
    assert vehicle_dossier_gaps(v, dt.date(2026, 11, 21)) == [
        DossierGap.VIN_MISSING, DossierGap.ACQUIRED_MISSING, DossierGap.INSURANCE_MISSING]


def test_expiring_soon_lists_both_kinds_soonest_first(units):
    make_vehicle(units["CZ-TN-01"], "苏D·A0001", insurance_expires=dt.date(2026, 12, 10),
                 inspection_expires=dt.date(2026, 11, 20))
    make_vehicle(units["CZ-TN-01"], "苏D·A0002", insurance_expires=dt.date(2027, 6, 1))
    retired = make_vehicle(units["CZ-TN-01"], "苏D·A0003", insurance_expires=dt.date(2026, 11, 30))
    services.vehicle_change_status(vehicle=retired, status=VehicleStatus.RETIRED)
    found = vehicles_expiring(within_days=30, on=dt.date(2026, 11, 22))
    assert [(e.vehicle.plate, e.what, e.days_left) for e in found] == [
        ("苏D·A0001", "inspection", -2), ("苏D·A0001", "insurance", 18)]


def test_vehicles_as_of_a_past_date_after_transfer_and_retirement(units):
    v = make_vehicle(units["CZ-TN-01"], acquired=dt.date(2025, 1, 10))
    services.vehicle_transfer(vehicle=v, unit=units["CZ-WJ-01"], effective=dt.date(2026, 3, 1))
    services.vehicle_change_status(vehicle=v, status=VehicleStatus.RETIRED, effective=dt.date(2026, 9, 1))
    later = make_vehicle(units["CZ-TN-02"], "苏D·A0002", acquired=dt.date(2026, 5, 1))

    def state(day):
        return {s.plate: (s.unit_id, s.status) for s in vehicles_as_of(day)}

    assert state(dt.date(2025, 1, 9)) == {}
    assert state(dt.date(2026, 2, 28)) == {v.plate: (units["CZ-TN-01"].pk, "in_service")}
    assert state(dt.date(2026, 6, 30)) == {v.plate: (units["CZ-WJ-01"].pk, "in_service"),
                                          later.plate: (units["CZ-TN-02"].pk, "in_service")}
    assert state(dt.date(2026, 9, 1))[v.plate] == (units["CZ-WJ-01"].pk, "retired")


def test_vehicles_as_of_for_some_units_follows_the_history(units):
    v = make_vehicle(units["CZ-TN-01"], acquired=dt.date(2025, 1, 10))
    services.vehicle_transfer(vehicle=v, unit=units["CZ-WJ-01"], effective=dt.date(2026, 3, 1))
    Vehicle.objects.create(plate="苏D·B0001", unit=units["CZ-TN-01"], seats=7, acquired=dt.date(2026, 1, 1))
    tn, wj = {units["CZ-TN-01"].pk}, {units["CZ-WJ-01"].pk}

    def plates(day, unit_ids):
        return sorted(s.plate for s in vehicles_as_of(day, unit_ids=unit_ids))

    assert plates(dt.date(2026, 2, 1), tn) == sorted([v.plate, "苏D·B0001"])
    assert plates(dt.date(2026, 2, 1), wj) == []
    assert plates(dt.date(2026, 3, 1), tn) == ["苏D·B0001"]
    assert plates(dt.date(2026, 3, 1), wj) == [v.plate]
    assert plates(dt.date(2026, 3, 1), tn | wj) == sorted(s.plate for s in vehicles_as_of(dt.date(2026, 3, 1)))


def test_vehicles_as_of_reads_insurance_known_then(units):
    v = make_vehicle(units["CZ-TN-01"], insurance_expires=None)
    services.insurance_policy_create(vehicle=v, starts=dt.date(2025, 3, 1), expires=dt.date(2026, 2, 28))
    services.insurance_policy_create(vehicle=v, starts=dt.date(2026, 3, 1), expires=dt.date(2027, 2, 28))
    [then] = vehicles_as_of(dt.date(2026, 2, 1))
    [now] = vehicles_as_of(dt.date(2026, 11, 1))
    assert then.insurance_expires == dt.date(2026, 2, 28)
    assert now.insurance_expires == dt.date(2027, 2, 28)
    assert vehicle_dossier_gaps(then, dt.date(2026, 2, 1)) == []


def test_bulk_imported_vehicle_without_history_counts_from_acquisition(units):
    Vehicle.objects.create(plate="苏D·B0001", unit=units["CZ-TN-01"], seats=7, acquired=dt.date(2026, 1, 1))
    assert [s.plate for s in vehicles_as_of(dt.date(2026, 1, 1))] == ["苏D·B0001"]
    assert vehicles_as_of(dt.date(2025, 12, 31)) == []


def test_terminal_to_vehicle_over_time(units):
    sh = dt.timezone(dt.timedelta(hours=8))
    a = make_vehicle(units["CZ-TN-01"], "苏D·A0001")
    b = make_vehicle(units["CZ-TN-01"], "苏D·A0002")
    services.vehicle_bind_terminal(vehicle=a, terminal_id="T0001", at=dt.datetime(2026, 1, 1, tzinfo=sh))
    services.vehicle_unbind_terminal(vehicle=a, at=dt.datetime(2026, 6, 1, tzinfo=sh))
    services.vehicle_bind_terminal(vehicle=b, terminal_id="T0001", at=dt.datetime(2026, 6, 2, tzinfo=sh))
    assert vehicle_by_terminal("T0001", dt.datetime(2026, 3, 1, tzinfo=sh)) == a
    assert vehicle_by_terminal("T0001", dt.datetime(2026, 6, 1, 12, tzinfo=sh)) is None
    assert vehicle_by_terminal("T0001") == b
