"""Fixtures of the simulator tests: the sample city loaded as map layers, and a registry of the sample bureau's
shape (units, duty hours, the vehicles the scenarios steer, recorders issued in two squadrons)."""
from __future__ import annotations

import datetime as dt

import pytest

from simulators.plan import CST

BRIGADES = ("CZ-TN", "CZ-ZL", "CZ-XB")
SQUADRONS = [f"{b}-{i:02d}" for b in BRIGADES for i in (1, 2, 3)]
# The sample bureau's homes of T0001..T0050: four per squadron, three per brigade, four at the detachment.
HOMES = [s for s in SQUADRONS for _ in range(4)] + [b for b in BRIGADES for _ in range(3)] + ["CZ-ZD"] * 4
RECORDERS = {"CZ-TN-01": 3, "CZ-TN-02": 2}
ISSUED_AT = dt.datetime(2026, 11, 18, 0, 30, tzinfo=CST)


@pytest.fixture(scope="session")
def city_map():
    from simulators.city import sample_city_map

    return sample_city_map(1)


def build_registry(terminals: list[str]) -> dict:
    """Units as in the sample bureau, the sample city's layers, duty hours (squadrons 08:00-18:00, brigades and
    the detachment 08:30-17:30, Monday to Friday), a vehicle per terminal at its sample home, and recorders
    issued to officers of CZ-TN-01 and CZ-TN-02 on 2026-11-18."""
    from assets import services
    from gis.sample import build_city
    from gis.services import sample_city_load
    from telematics.calendar import invalidate_calendar, invalidate_trips
    from telematics.models import DutySchedule, Vehicle

    units = {"CZ": services.unit_create(code="CZ", name="常州市城市管理局", kind="bureau", population=5_300_000)}
    units["CZ-ZD"] = services.unit_create(code="CZ-ZD", name="执法支队", kind="detachment", parent=units["CZ"])
    for b in BRIGADES:
        units[b] = services.unit_create(code=b, name=f"{b}大队", kind="brigade", parent=units["CZ-ZD"],
                                        population=700_000)
    for s in SQUADRONS:
        units[s] = services.unit_create(code=s, name=f"{s}中队", kind="squadron", parent=units[s[:5]])
    sample_city_load(city=build_city(seed=1))
    DutySchedule.objects.bulk_create(
        [DutySchedule(unit=units[s], weekdays="1,2,3,4,5", start=dt.time(8), end=dt.time(18)) for s in SQUADRONS]
        + [DutySchedule(unit=units[u], weekdays="1,2,3,4,5", start=dt.time(8, 30), end=dt.time(17, 30))
           for u in (*BRIGADES, "CZ-ZD")])
    Vehicle.objects.bulk_create([Vehicle(plate=f"苏D·A{t[1:]}", unit=units[HOMES[int(t[1:]) - 1]], seats=5,
                                         terminal_id=t) for t in sorted(terminals)])
    recorders = {}
    for code, count in RECORDERS.items():
        for k in range(1, count + 1):
            officer = services.person_create(staff_no=f"{code}-P{k}", name=f"执法队员{code[-2:]}{k}", unit=units[code],
                                             role="officer", frontline=True)
            asset = services.asset_create(tag=f"JLY-{code}-{k}", category="recorder", unit=units[code],
                                          item="执法记录仪", at=ISSUED_AT - dt.timedelta(minutes=10))
            services.asset_issue(asset=asset, person=officer, at=ISSUED_AT)
            recorders.setdefault(code, []).append(asset.tag)
    invalidate_calendar()
    invalidate_trips()
    return {"units": units, "recorders": recorders}
