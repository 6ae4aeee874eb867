"""Assembles a simulation from what the command line asks for (city, fleet, duty, scenarios, docks), and
registers what scenarios declare (approved trips, OwnTracks bindings) before they run."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from django.utils.translation import gettext_lazy as _

from quartermaster.errors import DomainError

from .city import CityMap, loaded_city_map, sample_city_map
from .duty import DutyBook
from .engine import SimConfig, Simulation
from .fleet import registry_docks, registry_fleet, synthetic_fleet
from .scenarios import Scenario, load_scenario


@dataclass
class RunRequest:
    start: dt.datetime | None = None
    duration: dt.timedelta | None = None
    seed: int = 1
    interval: float = 30.0
    rest_interval: float = 120.0
    prefix: str = "qm"
    vehicles: int | None = None
    scenario_files: tuple[str, ...] = ()
    city: str = "auto"  # auto | sample | layers
    city_seed: int = 1
    docks: bool = True
    forever: bool = False  # no end even when scenarios are given (their window only places their events)


def choose_city(kind: str, seed: int) -> CityMap:
    if kind == "sample":
        return sample_city_map(seed)
    loaded = loaded_city_map()
    if loaded is None and kind == "layers":
        raise DomainError(_("没有加载道路和辖区：请运行 `qm gis sample --load` 或导入图层"), field="city")
    return loaded or sample_city_map(seed)


def build(req: RunRequest, *, city: CityMap | None = None) -> Simulation:
    """The simulation the request describes. Scenarios moved to `req.start`'s day when a start is given; the
    run covers the first scenario's window unless start/duration say otherwise."""
    scenarios: list[Scenario] = [load_scenario(Path(p)) for p in req.scenario_files]
    if req.start is not None:
        scenarios = [sc.at_day(req.start) for sc in scenarios]
    start = req.start or (scenarios[0].start if scenarios else None)
    if start is None:
        raise DomainError(_("请给出模拟的开始时间（--start）或一个场景"), field="start")
    duration = req.duration or (max(sc.start + sc.duration for sc in scenarios) - start
                                if scenarios and not req.forever else None)
    city = city or choose_city(req.city, req.city_seed)
    if req.vehicles:
        units = sorted(c for c in city.jurisdictions if c.count("-") >= 1) or sorted(city.jurisdictions)
        fleet, duty, docks = synthetic_fleet(req.vehicles, units), DutyBook.standard(), []
    else:
        fleet, duty = registry_fleet(), DutyBook.from_registry()
        docks = registry_docks() if req.docks else []
    config = SimConfig(start=start, end=start + duration if duration else None, seed=req.seed,
                       interval=req.interval, rest_interval=req.rest_interval, prefix=req.prefix)
    return Simulation(city=city, fleet=fleet, duty_book=duty, config=config, scenarios=scenarios, docks=docks)


@transaction.atomic
def register_declarations(truths: list[dict]) -> tuple[int, int]:
    """Files and approves the trips (派车单) scenarios declare and binds OwnTracks devices to their vehicles (from
    a day before the run, so the whole run is covered), so the ingest knows them; idempotent.
    Returns (trips approved, terminals bound)."""
    from telematics import services
    from telematics.choices import TripStatus
    from telematics.models import Trip

    trips = bound = 0
    for truth in truths:
        for b in truth["terminals"]:
            vehicle = _vehicle(b["terminal"], b.get("vehicle"))
            if vehicle.terminal_id != b["terminal_id"]:
                services.vehicle_bind_terminal(vehicle=vehicle, terminal_id=b["terminal_id"],
                                               at=dt.datetime.fromisoformat(truth["start"]) - dt.timedelta(days=1))
                bound += 1
        for t in truth["trips"]:
            vehicle = _vehicle(t["terminal"], t.get("vehicle"))
            start, end = dt.datetime.fromisoformat(t["start"]), dt.datetime.fromisoformat(t["end"])
            if Trip.objects.filter(vehicle=vehicle, start=start, end=end, status=TripStatus.APPROVED).exists():
                continue
            trip = services.trip_request(vehicle=vehicle, start=start, end=end, purpose=t["purpose"],
                                         dest_lat=t["dest_lat"], dest_lon=t["dest_lon"])
            services.trip_approve(trip=trip, note=t["approved_by"])
            trips += 1
    return trips, bound


def _vehicle(terminal: str, plate: str | None):
    from telematics.models import Vehicle

    vehicle = Vehicle.objects.filter(plate=plate).first() if plate else None
    vehicle = vehicle or Vehicle.objects.filter(terminal_id=terminal).first()
    if vehicle is None:
        raise DomainError(_("登记册中没有车辆 %(vehicle)s，无法为场景登记派车单或终端"), field="vehicle",
                          vehicle=plate or terminal)

    return vehicle
