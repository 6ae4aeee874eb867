"""Vehicle-file API: every endpoint through the shared CRUD/role/scope matrix (tests.support.api_cases), the
actions (terminal, status, transfer, livery, trip decisions) per role and scope, expiry warnings, the dossier PDF."""
import datetime as dt
import io
import itertools

import pytest
from django.conf import settings
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from assets.choices import UserRole
from telematics import calendar, filtersets, services
from telematics.choices import TripStatus
from telematics.models import (
    DutySchedule, Holiday, Inspection, InsurancePolicy, MaintenanceRecord, TerminalBinding, Trip, Vehicle,
    VehicleHistory, VehicleSeal,
)
from telematics.selectors import trip_covering
from tests.support.api_cases import ROLES, APIViewTestCase, WorldTestCase, ledger_and_log_state
from tests.support.fixtures import make_user

from ..factories import make_vehicle

pytestmark = pytest.mark.django_db


@pytest.fixture
def units(bureau):
    return bureau["units"]


@pytest.fixture
def fleet_tn(units, api_client_for):
    return api_client_for(make_user("fleet-tn", "fleet", unit=units["CZ-TN"]))


@pytest.fixture
def vehicles(units):
    return {"tn": make_vehicle(units["CZ-TN-01"], "苏D·A0001", terminal_id="T0001"),
            "wj": make_vehicle(units["CZ-WJ-01"], "苏D·A0002", terminal_id="T0002")}


def test_fleet_creates_in_scope_only(fleet_tn, units):
    created = fleet_tn.post("/api/v1/vehicles/", {"plate": "苏D·A0003", "unit": "CZ-TN-02", "seats": 7,
                                                   "vin": "lsvab2bm5kn000003", "acquired": "2025-01-01"})
    assert created.status_code == 201, created.content
    assert created.json()["vin"] == "LSVAB2BM5KN000003"
    assert "insurance_missing" in created.json()["dossier_gaps"]
    outside = fleet_tn.post("/api/v1/vehicles/", {"plate": "苏D·A0004", "unit": "CZ-WJ-01", "seats": 7})
    assert outside.status_code == 403
    assert not Vehicle.objects.filter(plate="苏D·A0004").exists()


def test_status_and_unit_change_only_through_actions(vehicles, fleet_tn):
    url = f"/api/v1/vehicles/{vehicles['tn'].pk}/"
    response = fleet_tn.patch(url, {"status": "retired"}, format="json")
    assert response.status_code == 400 and "change_status" in response.json()["detail"]
    response = fleet_tn.post(url + "change_status/", {"status": "in_repair", "note": "送修"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "in_repair"
    response = fleet_tn.post(url + "transfer/", {"unit": "CZ-WJ-01"}, format="json")
    assert response.status_code == 403
    assert fleet_tn.patch(url, {"seats": 9}, format="json").json()["seats"] == 9


def test_terminal_binding_conflict_over_the_api(vehicles, api_client_for):
    admin = api_client_for(make_user("admin", None, superuser=True))
    before = TerminalBinding.objects.count()
    response = admin.post(f"/api/v1/vehicles/{vehicles['tn'].pk}/bind_terminal/", {"terminal_id": "T0002"},
                          format="json")
    assert response.status_code == 409
    assert "苏D·A0002" in response.json()["detail"]
    assert TerminalBinding.objects.count() == before
    assert Vehicle.objects.get(pk=vehicles["tn"].pk).terminal_id == "T0001"
    response = admin.post(f"/api/v1/vehicles/{vehicles['tn'].pk}/bind_terminal/", {"terminal_id": "T0100"},
                          format="json")
    assert response.status_code == 200 and response.json()["terminal_id"] == "T0100"


def test_duty_schedules_and_holidays(units, fleet_tn, api_client_for):
    response = fleet_tn.post("/api/v1/duty-schedules/", {"unit": "CZ-TN", "weekdays": "1-5", "start": "22:00",
                                                         "end": "06:00"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["weekdays"] == "1,2,3,4,5"
    bad = fleet_tn.post("/api/v1/duty-schedules/", {"unit": "CZ-TN", "weekdays": "9", "start": "08:00",
                                                    "end": "12:00"}, format="json")
    assert bad.status_code == 400 and bad.json()["field"] == "weekdays"
    assert DutySchedule.objects.count() == 1
    own = fleet_tn.post("/api/v1/duty-schedules/", {"unit": "CZ-TN-02", "weekdays": "6-7", "start": "09:00",
                                                    "end": "17:00"}, format="json")
    assert own.status_code == 201
    cal = calendar.duty_calendar()
    sunday_night, monday_night = dt.datetime(2026, 11, 22, 23, tzinfo=SH), dt.datetime(2026, 11, 23, 23, tzinfo=SH)
    assert cal.is_on_duty(units["CZ-TN-01"].pk, monday_night)       # inherited from CZ-TN
    assert not cal.is_on_duty(units["CZ-TN-02"].pk, monday_night)   # its own schedule overrides
    assert not cal.is_on_duty(units["CZ-TN-01"].pk, sunday_night)


def test_dossier_pdf_download(vehicles, fleet_tn):
    response = fleet_tn.get(f"/api/v1/vehicles/{vehicles['tn'].pk}/dossier.pdf?start=2026-11-01&end=2026-11-30")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "苏D·A0001" in text and "一车一档" in text
    assert fleet_tn.get(f"/api/v1/vehicles/{vehicles['wj'].pk}/dossier.pdf").status_code == 404
    bad = fleet_tn.get(f"/api/v1/vehicles/{vehicles['tn'].pk}/dossier.pdf?start=yesterday")
    assert bad.status_code == 400 and bad.json()["field"] == "start"


def test_files_are_not_deleted(vehicles, api_client_for):
    admin = api_client_for(make_user("admin", None, superuser=True))
    assert admin.delete(f"/api/v1/vehicles/{vehicles['tn'].pk}/").status_code == 405
    assert dt.date.today() and Vehicle.objects.filter(pk=vehicles["tn"].pk).exists()


# --- every endpoint: CRUD and the role × action × scope matrix (tests.support.api_cases) -----------------------

_seq = itertools.count(1)
SH = dt.timezone(dt.timedelta(hours=8))


def _vehicle(world, *, inside, **fields):
    n = next(_seq)
    return make_vehicle(world.unit(inside=inside), f"苏D·M{n:04d}", **fields)


class FleetCase(APIViewTestCase):
    write_roles = (UserRole.FLEET,)
    list_queries = 2

    def state(self):
        rows, ledger = super().state()
        fleet = [list(m.objects.order_by("pk").values()) for m in
                 (Vehicle, VehicleHistory, TerminalBinding, Trip, InsurancePolicy, Inspection, MaintenanceRecord,
                  DutySchedule, Holiday, VehicleSeal)]
        return rows, ledger, fleet

    def check_created(self, obj, data):
        for key, value in data.items():
            current = getattr(obj, key)
            if key == "vehicle":
                assert obj.vehicle_id == value
            elif isinstance(current, dt.datetime):
                assert current == dt.datetime.fromisoformat(value), key
            elif isinstance(current, dt.time):
                assert current == dt.time.fromisoformat(value), key
            else:
                assert str(getattr(current, "code", current)) == str(value), key


class TestVehicleAPI(FleetCase):
    basename = "vehicle"
    model = Vehicle
    actions = ("list", "retrieve", "create", "update")  # files are never deleted: a vehicle leaves by retirement

    def make_object(self, world, *, inside):
        return _vehicle(world, inside=inside)

    def create_data(self, world, *, inside):
        n = next(_seq)
        return {"plate": f"苏D·N{n:04d}", "unit": world.unit(inside=inside).code, "seats": 5,
                "vin": f"LSVAB2BM5KN{n:06d}", "vehicle_type": "越野车", "acquired": "2025-01-01",
                "insurance_expires": "2027-01-01", "inspection_expires": "2027-02-01", "livery_compliant": True}

    def update_data(self, world, obj):
        return {"seats": 7, "vehicle_type": "面包车", "insurance_expires": "2027-06-30"}


class TestVehicleHistoryAPI(FleetCase):
    basename = "vehiclehistory"
    model = VehicleHistory
    write_roles = ()
    actions = ("list", "retrieve")  # written by the vehicle services only

    def make_object(self, world, *, inside):
        return _vehicle(world, inside=inside).history.get()

    def create_data(self, world, *, inside):
        v = _vehicle(world, inside=inside)
        return {"vehicle": v.pk, "effective": "2026-01-01", "change": "status", "unit": v.unit.code,
                "status": "in_repair"}

    def update_data(self, world, obj):
        return {"note": "改写履历"}


class TestTerminalBindingAPI(FleetCase):
    basename = "terminalbinding"
    model = TerminalBinding
    write_roles = ()
    actions = ("list", "retrieve")  # bound and unbound through the vehicle's actions

    def make_object(self, world, *, inside):
        return _vehicle(world, inside=inside, terminal_id=f"TB{next(_seq):04d}").terminal_bindings.get()

    def create_data(self, world, *, inside):
        v = _vehicle(world, inside=inside)
        return {"vehicle": v.pk, "terminal_id": "TX9999", "bound_at": "2026-11-01T08:00:00+08:00"}

    def update_data(self, world, obj):
        return {"terminal_id": "TX0000"}


class RecordCase(FleetCase):
    actions = ("list", "retrieve", "create")  # records stay as written

    def create_data(self, world, *, inside):
        return {"vehicle": _vehicle(world, inside=inside).pk, **self.record_data()}

    def make_object(self, world, *, inside):
        return type(self).service(vehicle=_vehicle(world, inside=inside), **self.record_args())


class TestMaintenanceRecordAPI(RecordCase):
    basename = "maintenancerecord"
    model = MaintenanceRecord
    service = staticmethod(services.maintenance_record_create)

    def record_data(self):
        return {"kind": "repair", "date": "2026-05-01", "odometer_km": 12000, "work_done": "更换刹车片",
                "cost": "860.00", "workshop": "常州市某汽修厂"}

    def record_args(self):
        return {"date": dt.date(2026, 4, 1), "work_done": "保养", "odometer_km": 10000}

    def update_data(self, world, obj):
        return {"cost": "1.00"}


class TestInsurancePolicyAPI(RecordCase):
    basename = "insurancepolicy"
    model = InsurancePolicy
    service = staticmethod(services.insurance_policy_create)

    def record_data(self):
        return {"insurer": "中国人保", "policy_no": "PDAA2026001", "starts": "2026-03-01", "expires": "2027-02-28",
                "premium": "4200.00"}

    def record_args(self):
        return {"starts": dt.date(2026, 3, 1), "expires": dt.date(2027, 2, 28), "insurer": "平安"}

    def update_data(self, world, obj):
        return {"expires": "2030-01-01"}

    def check_created(self, obj, data):
        super().check_created(obj, data)
        assert obj.vehicle.insurance_expires == dt.date(2027, 2, 28)  # the file follows the latest policy


class TestInspectionAPI(RecordCase):
    basename = "inspection"
    model = Inspection
    service = staticmethod(services.inspection_create)

    def record_data(self):
        return {"inspected_on": "2026-03-05", "expires": "2027-03-31", "station": "常州市机动车检测站"}

    def record_args(self):
        return {"inspected_on": dt.date(2026, 3, 5), "expires": dt.date(2027, 3, 31)}

    def update_data(self, world, obj):
        return {"expires": "2030-01-01"}


class TestVehicleSealAPI(RecordCase):
    basename = "vehicleseal"
    model = VehicleSeal
    service = staticmethod(services.vehicle_seal)

    def record_data(self):
        return {"sealed_from": "2026-09-30", "sealed_to": "2026-10-08", "key_holder": "王师傅", "note": "国庆封存"}

    def record_args(self):
        return {"sealed_from": dt.date(2027, 2, 10), "sealed_to": dt.date(2027, 2, 17), "key_holder": "李师傅"}

    def update_data(self, world, obj):
        return {"sealed_to": "2030-01-01"}


def test_a_seal_is_ended_early_and_an_overlapping_one_refused(bureau, api_client_for):
    vehicle = make_vehicle(bureau["units"]["CZ-TN-01"], "苏D·S0001")
    fleet = api_client_for(make_user("fleet-s", "fleet", unit=bureau["units"]["CZ-TN"]))
    created = fleet.post("/api/v1/vehicle-seals/", {"vehicle": vehicle.pk, "sealed_from": "2027-02-10",
                                                    "sealed_to": "2027-02-17", "key_holder": "王师傅"}, format="json")
    assert created.status_code == 201, created.json()
    overlap = fleet.post("/api/v1/vehicle-seals/", {"vehicle": vehicle.pk, "sealed_from": "2027-02-15",
                                                    "sealed_to": "2027-02-20"}, format="json")
    assert overlap.status_code == 409 and overlap.json()["code"] == "overlap"
    assert overlap.json()["detail"] == "苏D·S0001 在 2027-02-10–2027-02-17 已封存"
    fleet.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the same refusal for a reader of the English interface
    overlap = fleet.post("/api/v1/vehicle-seals/", {"vehicle": vehicle.pk, "sealed_from": "2027-02-15",
                                                    "sealed_to": "2027-02-20"}, format="json")
    assert overlap.status_code == 409 and overlap.json()["code"] == "overlap"
    assert overlap.json()["detail"] == "苏D·S0001 is already sealed 2027-02-10–2027-02-17"
    ended = fleet.post(f"/api/v1/vehicle-seals/{created.json()['id']}/end/", {"last_day": "2027-02-12"}, format="json")
    assert ended.status_code == 200 and ended.json()["sealed_to"] == "2027-02-12"
    assert fleet.get("/api/v1/vehicle-seals/", {"on": "2027-02-11"}).json()["count"] == 1
    assert fleet.get("/api/v1/vehicle-seals/", {"on": "2027-02-13"}).json()["count"] == 0
    backwards = fleet.post("/api/v1/vehicle-seals/", {"vehicle": vehicle.pk, "sealed_from": "2027-05-01",
                                                      "sealed_to": "2027-04-01"}, format="json")
    assert backwards.status_code == 400 and VehicleSeal.objects.count() == 1


class TestTripAPI(FleetCase):
    basename = "trip"
    model = Trip
    actions = ("list", "retrieve", "create")  # decided by the approve/refuse/cancel actions, never edited

    def make_object(self, world, *, inside):
        return services.trip_request(vehicle=_vehicle(world, inside=inside), purpose="巡查",
                                     start=dt.datetime(2026, 11, 22, 18, tzinfo=SH),
                                     end=dt.datetime(2026, 11, 22, 22, tzinfo=SH))

    def create_data(self, world, *, inside):
        return {"vehicle": _vehicle(world, inside=inside).pk, "start": "2026-11-22T18:00:00+08:00",
                "end": "2026-11-22T22:00:00+08:00", "purpose": "夜间联合执法", "destination": "南大街",
                "dest_lat": 31.78, "dest_lon": 119.95, "dest_radius_m": 150, "driver": "李师傅",
                "passengers": "张三、赵六"}

    def update_data(self, world, obj):
        return {"purpose": "改为休闲"}

    def check_created(self, obj, data):
        super().check_created(obj, data)
        assert obj.status == TripStatus.REQUESTED  # a created trip is a request, never approved by creating it


class TestDutyScheduleAPI(FleetCase):
    basename = "dutyschedule"
    model = DutySchedule

    def make_object(self, world, *, inside):
        n = next(_seq)
        return services.duty_schedule_create(unit=world.unit(inside=inside), weekdays="1-5",
                                             start=dt.time(7, n % 60), end=dt.time(12))

    def create_data(self, world, *, inside):
        return {"unit": world.unit(inside=inside).code, "weekdays": "1,2,3,4,5", "start": "22:00", "end": "06:00"}

    def update_data(self, world, obj):
        return {"weekdays": "6,7", "end": "13:30"}


class TestHolidayAPI(FleetCase):
    """Holidays are bureau-wide: everyone reads them; the matrix's users are scoped to a brigade, so none of them
    may change them (see test_holidays_are_written_by_bureau_wide_users)."""

    basename = "holiday"
    model = Holiday
    scoped = False

    def can_write(self, role):
        return False

    def make_object(self, world, *, inside):
        return services.holiday_set(date=dt.date(2031, 1, 1) + dt.timedelta(days=next(_seq)), kind="holiday")

    def create_data(self, world, *, inside):
        return {"date": str(dt.date(2032, 1, 1) + dt.timedelta(days=next(_seq))), "kind": "workday", "name": "调休"}

    def update_data(self, world, obj):
        return {"kind": "workday"}


def test_holidays_are_written_by_bureau_wide_users(bureau, api_client_for):
    fleet_bureau = api_client_for(make_user("fleet-cz", "fleet", unit=bureau["units"]["CZ"]))
    created = fleet_bureau.post("/api/v1/holidays/", {"date": "2026-10-12", "kind": "holiday", "name": "局内调休"},
                                format="json")
    assert created.status_code == 201, created.content
    assert calendar.duty_calendar().day_kind(dt.date(2026, 10, 12)) == 0  # the cache follows: no duty that day
    changed = fleet_bureau.patch(f"/api/v1/holidays/{created.json()['id']}/", {"kind": "workday"}, format="json")
    assert changed.status_code == 200 and changed.json()["kind"] == "workday"
    assert calendar.duty_calendar().day_kind(dt.date(2026, 10, 12)) == 1
    moved = fleet_bureau.patch(f"/api/v1/holidays/{created.json()['id']}/", {"date": "2026-10-13"}, format="json")
    assert moved.status_code == 400 and Holiday.objects.get().date == dt.date(2026, 10, 12)
    fleet_brigade = api_client_for(make_user("fleet-tn2", "fleet", unit=bureau["units"]["CZ-TN"]))
    refused = fleet_brigade.delete(f"/api/v1/holidays/{created.json()['id']}/")
    assert refused.status_code == 403 and "是全局数据" in refused.json()["detail"]
    assert fleet_bureau.delete(f"/api/v1/holidays/{created.json()['id']}/").status_code == 204
    assert not Holiday.objects.exists()


# --- actions: who may, in and out of scope; a refusal changes nothing -----------------------------------------

def _fleet_state():
    return ([list(m.objects.order_by("pk").values()) for m in (Vehicle, VehicleHistory, TerminalBinding, Trip)],
            ledger_and_log_state())


# Logistics officers are refused exactly as auditors are (neither writes fleet data): one of them stands for both.
ACTORS = (UserRole.ADMINISTRATOR, UserRole.FLEET, UserRole.AUDITOR)


def _expected(role, inside):
    if role not in (UserRole.ADMINISTRATOR, UserRole.FLEET):
        return 403
    return 200 if inside else 404


VEHICLE_ACTIONS = {
    "bind_terminal": ({"terminal_id": "T0777"}, lambda v: v.terminal_id == "T0777"),
    "unbind_terminal": ({}, lambda v: v.terminal_id is None),
    "change_status": ({"status": "in_repair", "note": "送修"}, lambda v: v.status == "in_repair"),
    "transfer": ({"unit": "CZ-TN-02"}, lambda v: v.unit.code == "CZ-TN-02"),
    "livery": ({"compliant": False}, lambda v: v.livery_compliant is False),
}

TRIP_ACTIONS = {"approve": TripStatus.APPROVED, "refuse": TripStatus.REFUSED, "cancel": TripStatus.CANCELLED}


class TestFleetActions(WorldTestCase):
    """The vehicle and trip actions, the dossier PDF, expiry warnings and the livery photo: one world per
    class, each test in its own savepoint."""

    @pytest.mark.parametrize("inside", [True, False], ids=["in_scope", "out_of_scope"])
    @pytest.mark.parametrize("role", ACTORS)
    @pytest.mark.parametrize("name", sorted(VEHICLE_ACTIONS))
    def test_vehicle_actions(self, world, role, inside, name):
        body, check = VEHICLE_ACTIONS[name]
        vehicle = _vehicle(world, inside=inside, terminal_id=f"TA{next(_seq):04d}", livery_compliant=True)
        before = _fleet_state()
        response = world.client(role).post(f"/api/v1/vehicles/{vehicle.pk}/{name}/", body, format="json")
        assert response.status_code == _expected(role, inside), response.content
        if response.status_code == 200:
            assert check(Vehicle.objects.select_related("unit").get(pk=vehicle.pk))
            assert _fleet_state() != before
        else:
            assert _fleet_state() == before


    def test_transfer_out_of_scope_is_refused(self, world):
        vehicle = _vehicle(world, inside=True)
        before = _fleet_state()
        response = world.client(UserRole.FLEET).post(f"/api/v1/vehicles/{vehicle.pk}/transfer/", {"unit": "CZ-WJ-01"},
                                                     format="json")
        assert response.status_code == 403 and "不在您的管辖范围内" in response.json()["detail"]
        assert _fleet_state() == before

    @pytest.mark.parametrize("inside", [True, False], ids=["in_scope", "out_of_scope"])
    @pytest.mark.parametrize("role", ACTORS)
    @pytest.mark.parametrize("name", sorted(TRIP_ACTIONS))
    def test_trip_decisions(self, world, role, inside, name):
        vehicle = _vehicle(world, inside=inside)
        trip = services.trip_request(vehicle=vehicle, purpose="巡查", start=dt.datetime(2026, 11, 22, 18, tzinfo=SH),
                                     end=dt.datetime(2026, 11, 22, 22, tzinfo=SH))
        before = _fleet_state()
        response = world.client(role).post(f"/api/v1/trips/{trip.pk}/{name}/", {"note": "意见"}, format="json")
        assert response.status_code == _expected(role, inside), response.content
        trip.refresh_from_db()
        if response.status_code == 200:
            assert trip.status == TRIP_ACTIONS[name] and response.json()["status"] == TRIP_ACTIONS[name]
            if name != "cancel":
                assert trip.approver == world.users[role] and trip.decision_note == "意见"
            covered = trip_covering(vehicle.pk, dt.datetime(2026, 11, 22, 19, tzinfo=SH))
            assert (covered is not None) == (name == "approve")
        else:
            assert trip.status == TripStatus.REQUESTED and _fleet_state() == before


    def test_an_approved_trip_covers_and_cannot_be_refused_after(self, world):
        fleet = world.client(UserRole.FLEET)
        vehicle = _vehicle(world, inside=True)
        trip = fleet.post("/api/v1/trips/", {"vehicle": vehicle.pk, "start": "2026-11-22T18:00:00+08:00",
                                             "end": "2026-11-22T22:00:00+08:00", "purpose": "夜查",
                                             "dest_lat": 31.78, "dest_lon": 119.95, "dest_radius_m": 200},
                          format="json").json()
        assert trip_covering(vehicle.pk, dt.datetime(2026, 11, 22, 19, tzinfo=SH)) is None  # requested only
        assert fleet.post(f"/api/v1/trips/{trip['id']}/approve/").status_code == 200
        at = dt.datetime(2026, 11, 22, 19, tzinfo=SH)
        assert trip_covering(vehicle.pk, at, 31.781, 119.95).pk == trip["id"]  # ~111 m from the destination
        assert trip_covering(vehicle.pk, at, 31.79, 119.95) is None            # ~1.1 km away
        refused = fleet.post(f"/api/v1/trips/{trip['id']}/refuse/")
        assert refused.status_code == 409 and refused.json()["code"] == "already_decided"
        bad = fleet.post("/api/v1/trips/", {"vehicle": vehicle.pk, "start": "2026-11-22T18:00:00+08:00",
                                            "end": "2026-11-22T17:00:00+08:00", "purpose": "夜查"}, format="json")
        assert bad.status_code == 400 and bad.json()["field"] == "end"
        half = fleet.post("/api/v1/trips/", {"vehicle": vehicle.pk, "start": "2026-11-22T18:00:00+08:00",
                                             "end": "2026-11-22T20:00:00+08:00", "purpose": "夜查", "dest_lat": 31.78},
                          format="json")
        assert half.status_code == 400 and half.json()["field"] == "dest_lon"
        assert Trip.objects.count() == 1


    @pytest.mark.parametrize("inside", [True, False], ids=["in_scope", "out_of_scope"])
    @pytest.mark.parametrize("role", ROLES)
    def test_dossier_pdf_for_every_reader(self, world, role, inside):
        vehicle = _vehicle(world, inside=inside)
        response = world.client(role).get(f"/api/v1/vehicles/{vehicle.pk}/dossier.pdf")
        if not inside:
            assert response.status_code == 404
            return
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert vehicle.plate in PdfReader(io.BytesIO(response.content)).pages[0].extract_text()


    def test_expiring_lists_what_expires_within_n_days_in_scope(self, world):
        today = timezone.localdate()
        soon = _vehicle(world, inside=True, insurance_expires=today + dt.timedelta(days=10),
                        inspection_expires=today + dt.timedelta(days=200))
        late = _vehicle(world, inside=True, insurance_expires=today - dt.timedelta(days=3),
                        inspection_expires=today + dt.timedelta(days=40))
        _vehicle(world, inside=False, insurance_expires=today + dt.timedelta(days=1))
        retired = _vehicle(world, inside=True, insurance_expires=today + dt.timedelta(days=2))
        services.vehicle_change_status(vehicle=retired, status="retired", effective=today)
        auditor = world.client(UserRole.AUDITOR)
        rows = auditor.get("/api/v1/vehicles/expiring/", {"days": 30}).json()
        assert [(r["plate"], r["what"], r["days_left"]) for r in rows] == [
            (late.plate, "insurance", -3), (soon.plate, "insurance", 10)]
        rows = auditor.get("/api/v1/vehicles/expiring/", {"days": 60}).json()
        assert (late.plate, "inspection", 40) in [(r["plate"], r["what"], r["days_left"]) for r in rows]
        assert auditor.get("/api/v1/vehicles/expiring/", {"days": "soon"}).status_code == 400


    def test_livery_photo_upload(self, world, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path
        vehicle = _vehicle(world, inside=True)
        image = io.BytesIO()
        Image.new("RGB", (40, 30), (0, 80, 160)).save(image, format="PNG")
        image.seek(0)
        image.name = "livery.png"
        fleet = world.client(UserRole.FLEET)
        response = fleet.post(f"/api/v1/vehicles/{vehicle.pk}/livery/", {"compliant": "true", "photo": image},
                              format="multipart")
        assert response.status_code == 200, response.content
        vehicle.refresh_from_db()
        assert vehicle.livery_compliant and vehicle.livery_photo.name.startswith("vehicles/livery/")
        assert (tmp_path / vehicle.livery_photo.name).read_bytes()[:4] == b"\x89PNG"
        assert response.json()["livery_photo"] == f"http://testserver/vehicles/{vehicle.pk}/livery-photo"
        not_image = io.BytesIO(b"not an image")
        not_image.name = "livery.png"
        refused = fleet.post(f"/api/v1/vehicles/{vehicle.pk}/livery/", {"compliant": "false", "photo": not_image},
                             format="multipart")
        assert refused.status_code == 400 and "photo" in refused.json()
        assert Vehicle.objects.get(pk=vehicle.pk).livery_compliant is True

    def test_coverage_answers_what_the_rules_ask(self, world):
        vehicle = _vehicle(world, inside=True)
        services.duty_schedule_create(unit=world.unit(inside=True), weekdays="1", start="09:00", end="12:00")
        trip = services.trip_request(vehicle=vehicle, purpose="夜查", start=dt.datetime(2026, 10, 10, 20, tzinfo=SH),
                                     end=dt.datetime(2026, 10, 10, 23, tzinfo=SH), dest_lat=31.78, dest_lon=119.95)
        services.trip_approve(trip=trip)
        auditor = world.client(UserRole.AUDITOR)

        def ask(**params):
            response = auditor.get(f"/api/v1/vehicles/{vehicle.pk}/coverage/", params)
            assert response.status_code == 200, response.content
            body = response.json()
            return body["on_duty"], body["covered_by"], body["allowed"]

        assert ask(at="2026-10-10T10:00:00+08:00") == (True, None, True)     # working Saturday: Monday's hours
        assert ask(at="2026-10-01T10:00:00") == (False, None, False)         # National Day, local time
        assert ask(at="2026-10-10T21:00:00+08:00") == (False, trip.pk, True)  # no place asked: the window covers
        assert ask(at="2026-10-10T13:00:00Z", lat=31.7805, lon=119.95) == (False, trip.pk, True)  # 21:00 local
        assert ask(at="2026-10-10T21:00:00+08:00", lat=31.79, lon=119.95) == (False, None, False)  # 1.1 km away
        bad = auditor.get(f"/api/v1/vehicles/{vehicle.pk}/coverage/", {"at": "2026-10-10T21:00", "lat": 31.7})
        assert bad.status_code == 400 and "lon" in bad.json()
        assert auditor.get(f"/api/v1/vehicles/{vehicle.pk}/coverage/").status_code == 400
        outside = _vehicle(world, inside=False)
        assert auditor.get(f"/api/v1/vehicles/{outside.pk}/coverage/", {"at": "2026-10-10T10:00"}).status_code == 404

    def test_there_is_no_lending_status(self, world):
        vehicle = _vehicle(world, inside=True)
        before = _fleet_state()
        fleet = world.client(UserRole.FLEET)
        response = fleet.post(f"/api/v1/vehicles/{vehicle.pk}/change_status/", {"status": "lent"}, format="json")
        assert response.status_code == 400 and "没有外借这一状态" in response.json()["detail"]
        created = fleet.post("/api/v1/vehicles/", {"plate": "苏D·L0001", "unit": "CZ-TN-01", "seats": 5,
                                                   "status": "lent"}, format="json")
        assert created.status_code == 400 and "status" in created.json()
        assert _fleet_state() == before


@pytest.mark.parametrize("filterset, exempt", [
    (filtersets.VehicleFilterSet, {"livery_photo"}), (filtersets.VehicleHistoryFilterSet, set()),
    (filtersets.TerminalBindingFilterSet, set()), (filtersets.MaintenanceRecordFilterSet, set()),
    (filtersets.InsurancePolicyFilterSet, set()), (filtersets.InspectionFilterSet, set()),
    (filtersets.TripFilterSet, set()), (filtersets.DutyScheduleFilterSet, set()), (filtersets.HolidayFilterSet, set()),
    (filtersets.VehicleSealFilterSet, {"photo", "updated_at"}),
], ids=lambda value: value.__name__ if isinstance(value, type) else "-")
def test_every_model_field_has_a_filter(filterset, exempt):
    fields = {f.name for f in filterset._meta.model._meta.concrete_fields} - exempt
    filtered = {f.field_name.split("__")[0] for f in filterset.base_filters.values() if f.field_name}
    assert fields <= filtered, f"no filter for {sorted(fields - filtered)}"


def test_trip_filters(world_for_filters):
    vehicle, fleet = world_for_filters
    for purpose, status in (("夜查", "approved"), ("补给", "refused"), ("夜查补给", "requested")):
        trip = services.trip_request(vehicle=vehicle, purpose=purpose, start=dt.datetime(2026, 11, 22, 18, tzinfo=SH),
                                     end=dt.datetime(2026, 11, 22, 20, tzinfo=SH))
        if status == "approved":
            services.trip_approve(trip=trip)
        elif status == "refused":
            services.trip_refuse(trip=trip)
    rows = fleet.get("/api/v1/trips/", {"status": ["approved", "requested"], "purpose__icontains": "夜查"}).json()
    assert sorted(r["purpose"] for r in rows["results"]) == ["夜查", "夜查补给"]
    assert fleet.get("/api/v1/trips/", {"status": "lent"}).status_code == 400


@pytest.fixture
def world_for_filters(bureau, api_client_for):
    return (make_vehicle(bureau["units"]["CZ-TN-01"], "苏D·F0001"),
            api_client_for(make_user("fleet-f", "fleet", unit=bureau["units"]["CZ-TN"])))
