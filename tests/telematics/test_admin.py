"""The fleet admin: every model listed, and every write going through the services (histories kept, rules held,
a refusal shown as a message with nothing saved)."""
import datetime as dt

import pytest
from django.urls import reverse

from telematics import calendar, services
from telematics.choices import TripStatus, VehicleChange
from telematics.models import (
    DutySchedule, Holiday, Inspection, InsurancePolicy, MaintenanceRecord, TerminalBinding, Trip, Vehicle,
    VehicleHistory,
)
from tests.support.fixtures import make_user

from .factories import make_vehicle

SH = dt.timezone(dt.timedelta(hours=8))
MODELS = (Vehicle, VehicleHistory, TerminalBinding, MaintenanceRecord, InsurancePolicy, Inspection, Trip,
          DutySchedule, Holiday)


@pytest.fixture
def admin_client(client, bureau):
    client.force_login(make_user("root", None, superuser=True))
    return client


@pytest.fixture
def vehicle(bureau):
    return make_vehicle(bureau["units"]["CZ-TN-01"], "苏D·A0001", terminal_id="T0001")


def url(model, view, *args):
    return reverse(f"admin:telematics_{model._meta.model_name}_{view}", args=args)


def test_every_fleet_model_has_a_list_and_a_page(admin_client, vehicle):
    services.trip_request(vehicle=vehicle, purpose="巡查", start=dt.datetime(2026, 11, 22, 18, tzinfo=SH),
                          end=dt.datetime(2026, 11, 22, 20, tzinfo=SH))
    services.duty_schedule_create(unit=vehicle.unit, weekdays="1-5", start="08:00", end="17:00")
    services.holiday_set(date=dt.date(2026, 10, 12), kind="holiday")
    services.maintenance_record_create(vehicle=vehicle, date=dt.date(2026, 5, 1), work_done="保养")
    services.insurance_policy_create(vehicle=vehicle, starts=dt.date(2026, 3, 1), expires=dt.date(2027, 2, 28))
    services.inspection_create(vehicle=vehicle, inspected_on=dt.date(2026, 3, 5), expires=dt.date(2027, 3, 31))
    for model in MODELS:
        listing = admin_client.get(url(model, "changelist"))
        assert listing.status_code == 200, model
        obj = model.objects.first()
        assert admin_client.get(url(model, "change", obj.pk)).status_code == 200, model
    page = admin_client.get(url(Vehicle, "change", vehicle.pk)).content.decode()
    assert "建档" in page and "T0001" in page  # history and binding inlines


def test_a_vehicle_opened_in_the_admin_gets_its_history_and_binding(admin_client, bureau):
    response = admin_client.post(url(Vehicle, "add"), {
        "plate": "苏D·A0009", "unit": bureau["units"]["CZ-TN-02"].pk, "status": "in_service", "terminal_id": "T0009",
        "vin": "lsvab2bm5kn000009", "vehicle_type": "轿车", "seats": 5, "acquired": "2025-01-02",
        "insurance_expires": "", "inspection_expires": "", "livery_compliant": "on",
        "history-TOTAL_FORMS": 0, "history-INITIAL_FORMS": 0,
        "terminal_bindings-TOTAL_FORMS": 0, "terminal_bindings-INITIAL_FORMS": 0})
    assert response.status_code == 302, response.content.decode()[:2000]
    v = Vehicle.objects.get(plate="苏D·A0009")
    assert v.vin == "LSVAB2BM5KN000009" and v.terminal_id == "T0009" and v.livery_compliant
    assert list(v.history.values_list("change", "effective")) == [(VehicleChange.REGISTERED, dt.date(2025, 1, 2))]
    assert v.terminal_bindings.get().unbound_at is None


def test_a_vehicle_edit_changes_only_the_file_fields(admin_client, vehicle):
    form = {"vin": vehicle.vin, "vehicle_type": "越野车", "seats": 7, "acquired": "2024-03-01",
            "insurance_expires": "2027-03-01", "inspection_expires": "2027-03-01", "livery_compliant": "on",
            "history-TOTAL_FORMS": 1, "history-INITIAL_FORMS": 1, "history-0-id": vehicle.history.get().pk,
            "history-0-vehicle": vehicle.pk,
            "terminal_bindings-TOTAL_FORMS": 1, "terminal_bindings-INITIAL_FORMS": 1,
            "terminal_bindings-0-id": vehicle.terminal_bindings.get().pk, "terminal_bindings-0-vehicle": vehicle.pk,
            # read-only on change: ignored even when posted
            "status": "retired", "unit": vehicle.unit.parent.pk}
    response = admin_client.post(url(Vehicle, "change", vehicle.pk), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    vehicle.refresh_from_db()
    assert (vehicle.seats, vehicle.vehicle_type, vehicle.status, vehicle.unit.code, vehicle.livery_compliant) == \
        (7, "越野车", "in_service", "CZ-TN-01", True)
    assert vehicle.history.count() == 1


def test_a_refused_record_is_a_message_and_nothing_is_saved(admin_client, vehicle):
    services.maintenance_record_create(vehicle=vehicle, date=dt.date(2026, 5, 1), work_done="保养", odometer_km=12000)
    response = admin_client.post(url(MaintenanceRecord, "add"), {
        "vehicle": vehicle.pk, "kind": "repair", "date": "2026-06-01", "odometer_km": 9000, "work_done": "换胎",
        "cost": "100", "workshop": ""}, follow=True)
    assert "的里程 9000 公里低于此前记录的 12000 公里" in response.content.decode()
    assert MaintenanceRecord.objects.count() == 1


def test_records_added_in_the_admin_follow_the_file(admin_client, vehicle):
    response = admin_client.post(url(InsurancePolicy, "add"), {
        "vehicle": vehicle.pk, "insurer": "中国人保", "policy_no": "P1", "starts": "2027-03-01",
        "expires": "2028-02-28", "premium": ""})
    assert response.status_code == 302
    assert Vehicle.objects.get(pk=vehicle.pk).insurance_expires == dt.date(2028, 2, 28)
    assert admin_client.get(url(InsurancePolicy, "change", InsurancePolicy.objects.get().pk)).status_code == 200
    assert admin_client.post(url(InsurancePolicy, "delete", InsurancePolicy.objects.get().pk),
                             {"post": "yes"}).status_code == 403


def test_trips_are_requested_then_approved_or_refused_with_actions(admin_client, vehicle):
    response = admin_client.post(url(Trip, "add"), {
        "vehicle": vehicle.pk, "start_0": "2026-11-22", "start_1": "18:00:00", "end_0": "2026-11-22",
        "end_1": "22:00:00", "purpose": "夜查", "destination": "", "dest_lat": "", "dest_lon": "",
        "dest_radius_m": 100})
    assert response.status_code == 302, response.content.decode()[:2000]
    first = Trip.objects.get()
    assert first.status == TripStatus.REQUESTED and first.requested_by == "root"
    second = services.trip_request(vehicle=vehicle, purpose="补给", start=dt.datetime(2026, 11, 23, 9, tzinfo=SH),
                                   end=dt.datetime(2026, 11, 23, 10, tzinfo=SH))
    admin_client.post(url(Trip, "changelist"), {"action": "approve", "_selected_action": [first.pk]})
    admin_client.post(url(Trip, "changelist"), {"action": "refuse", "_selected_action": [second.pk]})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.approved_by, second.status) == (TripStatus.APPROVED, "root", TripStatus.REFUSED)
    assert calendar.trip_index().covering(vehicle.pk, dt.datetime(2026, 11, 22, 19, tzinfo=SH)).pk == first.pk
    page = admin_client.post(url(Trip, "changelist"), {"action": "refuse", "_selected_action": [first.pk]},
                             follow=True).content.decode()
    assert "不在待审批状态" in page
    assert Trip.objects.get(pk=first.pk).status == TripStatus.APPROVED


def test_duty_schedules_and_holidays_in_the_admin_reach_the_calendar(admin_client, bureau):
    tn = bureau["units"]["CZ-TN"]
    response = admin_client.post(url(DutySchedule, "add"), {"unit": tn.pk, "weekdays": "1-5", "start": "22:00",
                                                             "end": "06:00"})
    assert response.status_code == 302
    schedule = DutySchedule.objects.get()
    assert schedule.weekdays == "1,2,3,4,5"
    tn1 = bureau["units"]["CZ-TN-01"].pk
    assert calendar.duty_calendar().is_on_duty(tn1, dt.datetime(2026, 11, 24, 2, tzinfo=SH))  # Monday's night
    response = admin_client.post(url(Holiday, "add"), {"date": "2026-11-23", "kind": "holiday", "name": "局休"})
    assert response.status_code == 302
    assert not calendar.duty_calendar().is_on_duty(tn1, dt.datetime(2026, 11, 24, 2, tzinfo=SH))
    bad = admin_client.post(url(DutySchedule, "change", schedule.pk), {"weekdays": "8", "start": "22:00",
                                                                      "end": "06:00"}, follow=True)
    assert "星期 8 无效：应为 1–7 的数字" in bad.content.decode()
    assert DutySchedule.objects.get().weekdays == "1,2,3,4,5"
    admin_client.post(url(DutySchedule, "delete", schedule.pk), {"post": "yes"})
    assert not DutySchedule.objects.exists()
    assert not calendar.duty_calendar().is_on_duty(tn1, dt.datetime(2026, 11, 25, 2, tzinfo=SH))


def test_histories_are_read_only(admin_client, vehicle):
    history = vehicle.history.get()
    assert admin_client.get(url(VehicleHistory, "add")).status_code == 403
    assert admin_client.post(url(VehicleHistory, "delete", history.pk), {"post": "yes"}).status_code == 403
    assert admin_client.get(url(TerminalBinding, "add")).status_code == 403
    assert VehicleHistory.objects.filter(pk=history.pk).exists()
