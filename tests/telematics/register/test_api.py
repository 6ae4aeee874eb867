"""The use register's endpoints: fuel/cost entries and odometer readings through the CRUD and scope matrix (kept as
written, refusals change nothing), their rules, every field filterable, and the register itself scoped."""
from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from telematics.models import OdometerReading, VehicleCost
from telematics.register import filtersets
from telematics.register.services import cost_entry_create, odometer_reading_create
from tests.support.fixtures import make_user
from tests.telematics.api.test_views import RecordCase

from ..factories import make_vehicle

pytestmark = pytest.mark.django_db
SH = dt.timezone(dt.timedelta(hours=8))
_seq = itertools.count(1)


def _vehicle(world, *, inside):
    return make_vehicle(world.unit(inside=inside), f"苏D·R{next(_seq):04d}")


class RegisterCase(RecordCase):
    def create_data(self, world, *, inside):
        return {"vehicle": _vehicle(world, inside=inside).pk, **self.record_data()}

    def make_object(self, world, *, inside):
        return type(self).service(vehicle=_vehicle(world, inside=inside), **self.record_args())

    def state(self):
        rows, ledger, fleet = super().state()
        return rows, ledger, fleet, list(VehicleCost.objects.values()), list(OdometerReading.objects.values())


class TestVehicleCostAPI(RegisterCase):
    basename = "vehiclecost"
    model = VehicleCost
    service = staticmethod(cost_entry_create)

    def record_data(self):
        return {"date": "2026-11-10", "kind": "fuel", "amount": "320.50", "litres": "42.30", "fuel_card": "9001",
                "journey_start": "2026-11-10T09:00:00+08:00", "note": "中石化天宁站"}

    def record_args(self):
        return {"date": dt.date(2026, 11, 10), "kind": "toll", "amount": Decimal("15.00")}

    def update_data(self, world, obj):
        return {"amount": "1.00"}


class TestOdometerReadingAPI(RegisterCase):
    basename = "odometerreading"
    model = OdometerReading
    service = staticmethod(odometer_reading_create)

    def record_data(self):
        return {"read_at": "2026-11-10T08:50:00+08:00", "km": 10000, "note": "出车前"}

    def record_args(self):
        return {"read_at": dt.datetime(2026, 11, 10, 8, 50, tzinfo=SH), "km": 10000}

    def update_data(self, world, obj):
        return {"km": 1}


@pytest.mark.parametrize("filterset, exempt", [(filtersets.VehicleCostFilterSet, {"receipt"}),
                                               (filtersets.OdometerReadingFilterSet, set())],
                         ids=lambda value: value.__name__ if isinstance(value, type) else "-")
def test_every_model_field_has_a_filter(filterset, exempt):
    fields = {f.name for f in filterset._meta.model._meta.concrete_fields} - exempt
    filtered = {f.field_name.split("__")[0] for f in filterset.base_filters.values() if f.field_name}
    assert fields <= filtered, f"no filter for {sorted(fields - filtered)}"


def test_the_entries_rules_refuse_and_change_nothing(bureau, api_client_for):
    vehicle = make_vehicle(bureau["units"]["CZ-TN-01"], "苏D·R9001")
    fleet = api_client_for(make_user("fleet-r", "fleet", bureau["units"]["CZ-TN"]))
    post = lambda data: fleet.post("/api/v1/vehicle-costs/", {"vehicle": vehicle.pk, "date": "2026-11-10",  # noqa: E731
                                                             **data}, format="json")
    assert post({"kind": "fuel", "amount": "100.00"}).json()["field"] == "litres"  # fuel needs its litres
    assert post({"kind": "toll", "amount": "10.00", "litres": "5"}).json()["field"] == "litres"
    assert post({"kind": "toll", "amount": "10.00", "journey_start": "2026-11-11T09:00:00+08:00"}).status_code == 400
    assert post({"kind": "fuel", "amount": "-1", "litres": "5"}).status_code == 400
    assert VehicleCost.objects.count() == 0
    created = post({"kind": "fuel", "amount": "300.00", "litres": "40", "odometer_km": 12000})
    assert created.status_code == 201, created.content
    assert created.json()["entered_by"] == "fleet-r"
    reading = OdometerReading.objects.get()  # the odometer given with the fuel is a reading (the day's noon)
    assert (reading.km, reading.read_at) == (12000, dt.datetime(2026, 11, 10, 12, tzinfo=SH))
    backwards = fleet.post("/api/v1/odometer-readings/", {"vehicle": vehicle.pk, "km": 11000,
                                                          "read_at": "2026-11-10T18:00:00+08:00"}, format="json")
    assert backwards.status_code == 400 and backwards.json()["code"] == "odometer_backwards"
    assert OdometerReading.objects.count() == 1


def test_the_register_endpoint_is_scoped(booked, api_client_for):
    units = booked["units"]
    inside = api_client_for(make_user("fleet-tn2", "fleet", units["CZ-TN"]))
    body = inside.get("/api/v1/register/?unit=CZ-TN&month=2026-11").json()
    assert body["grand_total"]["cost_yuan"] == 85.0 and body["rows"][0]["purpose"] == "市容巡查"
    assert inside.get("/api/v1/register/?unit=CZ-WJ&month=2026-11").status_code == 404
    assert inside.get("/api/v1/register/?unit=CZ-TN&month=2026-13").status_code == 400
    xlsx = inside.get("/api/v1/register/?unit=CZ-TN&month=2026-11&format=xlsx")
    assert xlsx.status_code == 200 and xlsx["Content-Disposition"].endswith('register-CZ-TN-2026-11.xlsx"')
    english = inside.get("/api/v1/register/?unit=CZ-TN&month=2026-11&lang=en").json()
    assert english["columns"][2]["label"] == "Departure"
    # The other brigade's fuel entry: not in the list for CZ-TN, and the whole bureau sees it.
    seen = {row["plate"] for row in inside.get("/api/v1/vehicle-costs/").json()["results"]}
    assert seen == {"苏D·A0001"}
    whole = api_client_for(make_user("auditor-cz", "auditor", units["CZ"]))
    assert "苏D·W0001" in {row["plate"] for row in whole.get("/api/v1/vehicle-costs/").json()["results"]}
    wj = whole.get("/api/v1/register/?unit=CZ-WJ&month=2026-11").json()
    assert wj["grand_total"]["litres"] == 60.0 and wj["grand_total"]["litres_per_100km"] is None


def test_the_admin_lists_and_adds_entries_through_the_service(bureau, client):
    vehicle = make_vehicle(bureau["units"]["CZ-TN-01"], "苏D·R9002")
    client.force_login(make_user("root", None, superuser=True))
    added = client.post("/admin/telematics/vehiclecost/add/", {
        "vehicle": vehicle.pk, "date": "2026-11-10", "kind": "parking", "amount": "12.00", "litres": "",
        "fuel_card": "", "odometer_km": "", "journey_start_0": "", "journey_start_1": "", "note": "路边停车"})
    assert added.status_code == 302, added.content[:500]
    entry = VehicleCost.objects.get()
    assert (entry.amount, entry.entered_by) == (Decimal("12.00"), "root")
    assert client.get("/admin/telematics/vehiclecost/").status_code == 200
    assert client.get(f"/admin/telematics/vehiclecost/{entry.pk}/change/").status_code == 200
    refused = client.post("/admin/telematics/odometerreading/add/", {"vehicle": vehicle.pk, "read_at_0": "2026-11-10",
                                                                     "read_at_1": "08:00", "km": "-5"})
    assert refused.status_code == 200 and not OdometerReading.objects.exists()
