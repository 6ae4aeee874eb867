"""The map the simulated vehicles drive: streets, jurisdictions, grid cells, venues and depots in local metres."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import shapely
from shapely.geometry import Point

from django.utils.translation import gettext_lazy as _

from quartermaster.errors import DomainError

from .streets import LocalProjection, StreetGraph

# Venue categories whose parking raises venue_parking (SPEC "Alerts"); planned stops keep clear of them.
ALERTING_CATEGORIES = ("restaurant", "entertainment")
# A planned inspection stop or depot-area stop keeps this far from any alerting venue (the rule looks 30 m
# around a venue and a stop may drift 50 m), and this far inside the jurisdiction boundary.
SAFE_VENUE_CLEARANCE_M = 150.0
SAFE_BOUNDARY_CLEARANCE_M = 120.0
DEFAULT_VENUE_RADIUS_M = 30.0


@dataclass(frozen=True)
class VenueSpot:
    name: str
    category: str
    area: object  # shapely geometry in metres: the polygon, or the disc of a point venue
    parking: tuple[float, float]


@dataclass
class OperatingArea:
    """Where the vehicles of one jurisdiction drive: the streets inside it and the stops that raise nothing."""

    unit_code: str
    polygon: object
    graph: StreetGraph
    nodes: list[int]
    safe_nodes: list[int]


@dataclass
class CityMap:
    projection: LocalProjection
    graph: StreetGraph
    jurisdictions: dict[str, object]
    cells: list[tuple[str, str, tuple[float, float]]]
    venues: list[VenueSpot]
    depots: dict[str, tuple[float, float]]
    _areas: dict[str, OperatingArea] = field(default_factory=dict, repr=False)
    _targets: dict[tuple[str, str], list[int]] = field(default_factory=dict, repr=False)

    @classmethod
    def from_layers(cls, *, streets, jurisdictions, grid, venues, depots: dict[str, tuple[float, float]] | None = None
                    ) -> CityMap:
        """Builds from GeoDataFrames in WGS-84 (the sample city's or the loaded layers'); depots by unit code,
        (lon, lat); units without one park at a central safe stop of their jurisdiction."""
        if streets is None or len(streets) == 0:
            raise DomainError(_("没有道路图层：请加载示例城市（`qm gis sample --load`）或指定城市"), field="streets")
        if jurisdictions is None or len(jurisdictions) == 0:
            raise DomainError(_("没有辖区图层：模拟器要让车辆留在各自辖区内"), field="jurisdictions")
        minx, miny, maxx, maxy = streets.total_bounds
        proj = LocalProjection(lon0=round((minx + maxx) / 2, 4), lat0=round((miny + maxy) / 2, 4))
        lines = [proj.geometry_to_xy(g) for g in streets.geometry]
        lines = [part for g in lines for part in shapely.get_parts(g)]
        graph = StreetGraph.from_lines(lines)
        juris = {str(row.unit): proj.geometry_to_xy(row.geometry) for row in jurisdictions.itertuples()}
        cells = []
        for row in grid.itertuples():
            c = proj.geometry_to_xy(row.geometry).centroid
            unit = getattr(row, "unit", None)
            cells.append((str(row.code), str(unit) if isinstance(unit, str) and unit else "", (c.x, c.y)))
        spots = []
        for row in venues.itertuples():
            geom = proj.geometry_to_xy(row.geometry)
            if geom.geom_type == "Point":
                radius = getattr(row, "radius_m", None)
                radius = DEFAULT_VENUE_RADIUS_M if radius is None or math.isnan(radius) else float(radius)
                area, parking = geom.buffer(radius), (geom.x, geom.y)
            else:
                area, rep = geom, geom.representative_point()
                parking = (rep.x, rep.y)
            spots.append(VenueSpot(name=str(row.name), category=str(row.category), area=area, parking=parking))
        depot_xy = {code: tuple(float(v) for v in proj.to_xy(lon, lat)) for code, (lon, lat) in (depots or {}).items()}
        return cls(projection=proj, graph=graph, jurisdictions=juris, cells=sorted(cells), venues=spots,
                   depots=depot_xy)

    @cached_property
    def alerting_venue_area(self):
        areas = [v.area for v in self.venues if v.category in ALERTING_CATEGORIES]
        return shapely.union_all(np.asarray(areas, dtype=object)) if areas else shapely.Polygon()

    def venue_clearance(self, xy: np.ndarray) -> np.ndarray:
        """Metres from each point to the nearest restaurant or entertainment venue."""
        if self.alerting_venue_area.is_empty:
            return np.full(len(xy), np.inf)
        return shapely.distance(shapely.points(xy), self.alerting_venue_area)

    def area(self, unit_code: str) -> OperatingArea:
        if unit_code not in self._areas:
            if unit_code not in self.jurisdictions:
                raise DomainError(_("单位 %(unit_code)s 没有辖区"), field="unit", unit_code=unit_code)
            polygon = self.jurisdictions[unit_code]
            sub = self.graph.restricted(polygon)
            nodes = sorted(sub.largest_component())
            if len(nodes) < 4:
                raise DomainError(_("%(unit_code)s 的辖区内道路太少，无法巡逻"), field="streets", unit_code=unit_code)
            xy = self.graph.node_xy[nodes]
            inner = shapely.buffer(polygon, -SAFE_BOUNDARY_CLEARANCE_M)
            ok = (self.venue_clearance(xy) >= SAFE_VENUE_CLEARANCE_M) & shapely.contains_xy(inner, xy[:, 0], xy[:, 1])
            safe = [n for n, good in zip(nodes, ok) if good]
            if not safe:
                raise DomainError(_("%(unit_code)s 的辖区内没有远离娱乐餐饮场所的道路点"), field="venues",
                                  unit_code=unit_code)

            self._areas[unit_code] = OperatingArea(unit_code=unit_code, polygon=polygon, graph=sub, nodes=nodes,
                                                   safe_nodes=safe)
        return self._areas[unit_code]

    def area_for(self, unit_path: list[str], pick: int = 0) -> OperatingArea:
        """The jurisdiction of the unit or its nearest ancestor; a unit above every jurisdiction (bureau,
        detachment) drives in one of the jurisdictions below it (`pick` chooses which), which lies inside
        theirs however the rules resolve it."""
        for code in reversed(unit_path):
            if code in self.jurisdictions:
                return self.area(code)
        below = sorted(c for c in self.jurisdictions if not unit_path or c.startswith(unit_path[-1]))
        below = below or sorted(self.jurisdictions)
        return self.area(below[pick % len(below)])

    def patrol_targets(self, area: OperatingArea, unit_path: list[str]) -> list[int]:
        """Safe street points next to the grid cells the unit answers for (its own and its sub-units'),
        or next to every cell of its jurisdiction when no cell names the unit."""
        unit = unit_path[-1] if unit_path else ""
        key = (area.unit_code, unit)
        if key in self._targets:
            return self._targets[key]
        mine = [c for c in self.cells if unit and c[1] and (c[1] == unit or c[1].startswith(unit + "-"))]
        if not mine:
            xy = np.asarray([c[2] for c in self.cells])
            inside = shapely.contains_xy(area.polygon, xy[:, 0], xy[:, 1])
            mine = [c for c, ok in zip(self.cells, inside) if ok]
        safe = np.asarray(area.safe_nodes)
        safe_xy = self.graph.node_xy[safe]
        targets = set()
        for _kind, _name, (x, y) in mine:
            d = np.hypot(safe_xy[:, 0] - x, safe_xy[:, 1] - y)
            i = int(np.argmin(d))
            if d[i] <= 250.0:
                targets.add(int(safe[i]))
        self._targets[key] = sorted(targets) if len(targets) >= 2 else list(area.safe_nodes)
        return self._targets[key]

    def depot_for(self, area: OperatingArea, unit_path: list[str]) -> tuple[float, float]:
        """The unit's depot (or its nearest ancestor's, if inside the same jurisdiction), else the safe stop
        closest to the middle of its jurisdiction."""
        for code in reversed(unit_path):
            if code in self.depots and area.polygon.contains(Point(self.depots[code])):
                return self.depots[code]
        c = area.polygon.representative_point()
        node = self.graph.nearest_node(c.x, c.y, area.safe_nodes)
        return tuple(float(v) for v in self.graph.node_xy[node])


def sample_city_map(seed: int = 1) -> CityMap:
    """The GIS sample city (`gis.sample.build_city`), the one `qm gis sample --load` loads."""
    from gis.sample import build_city

    city = build_city(seed=seed)
    return CityMap.from_layers(streets=city.streets, jurisdictions=city.jurisdictions, grid=city.grid,
                               venues=city.venues, depots=city.depots)


def loaded_city_map() -> CityMap | None:
    """The map layers loaded in the database (`qm gis import`, `qm gis sample --load`), or None without streets
    or jurisdictions. Depots are not a layer: those of the sample city when its streets are the ones loaded."""
    import geopandas as gpd
    from shapely import wkb

    from gis.selectors import active_features, active_version

    streets_version = active_version(layer="streets")
    if streets_version is None or active_version(layer="jurisdictions") is None:
        return None

    def frame(layer: str, fields: dict[str, str]):
        rows = [{**{out: getattr(f, attr) for out, attr in fields.items()}, "geometry": wkb.loads(f.geometry, hex=True)}
                for f in active_features(layer=layer).order_by("pk")]
        return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326") if rows else gpd.GeoDataFrame(
            {**{k: [] for k in fields}, "geometry": []}, geometry="geometry", crs="EPSG:4326")

    depots = None
    if streets_version.source_file.startswith("sample city"):
        from gis.sample import build_city

        depots = build_city().depots
    return CityMap.from_layers(streets=frame("streets", {"name": "name"}),
                               jurisdictions=frame("jurisdictions", {"unit": "unit_code"}),
                               grid=frame("grid", {"code": "code", "unit": "unit_code"}),
                               venues=frame("venues", {"name": "name", "category": "category", "radius_m": "radius_m"}),
                               depots=depots)
