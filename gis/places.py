"""Place labels: where a point is, in words a fleet manager reads, built only from the bureau's own layers.

The label of a point is its venue when it is inside or near one (QM_VENUE_NEAR_M), else the landmark (park …) it
is in, else the street it is on ("延陵西路", or "延陵西路与和平北路交叉口" at a crossing), else the landmark it is
near (QM_PLACE_LANDMARK_M), else the nearest named street within QM_PLACE_STREET_M ("延陵西路附近"), followed by
the community (else district) it lies in; the grid code is kept beside it as the secondary reference, and is the
label only when nothing else is known.

`PlaceIndex` holds the `places` layer in metres on the spatial index's local plane (see gis/index.py) and answers
batches with numpy: street segments and landmark points through a bucket hash, areas through the polygon lookup
the grid uses. `gis.services.place_labels` combines it with the venues and grid of the shared index.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

import numpy as np
import shapely
from django.utils import translation
from django.utils.translation import gettext as _

from .index import LocalPlane, _Buckets, _first_per_group, _PolygonGrid

# A point this close to a street is on it; two different streets this close make a crossing.
ON_STREET_M = 30.0
JUNCTION_M = 40.0
AREA_KINDS = ("community", "district")  # most local first: the label names the first that contains the point


def _wording() -> tuple[str, str, str]:
    """("{name}附近", "{a}与{b}交叉口", "网格 {code}") in the active language, looked up once per language: a page of
    thousands of labels (the live map's stream) would otherwise spend most of its time in gettext."""
    language = translation.get_language()
    found = _WORDING.get(language)
    if found is None:
        found = _WORDING[language] = (_("{name}附近"), _("{a}与{b}交叉口"), _("网格 {code}"))
    return found


_WORDING: dict[str | None, tuple[str, str, str]] = {}


@dataclass(slots=True)
class Place:
    """What is known about one point; `label()` words it in the active language."""

    venue: str = ""
    venue_inside: bool = False
    landmark: str = ""
    landmark_inside: bool = False
    street: str = ""
    street_m: float | None = None
    cross_street: str = ""
    community: str = ""
    district: str = ""
    grid_code: str = ""

    @property
    def area(self) -> str:
        return self.community or self.district

    def main(self, wording: tuple[str, str, str] | None = None) -> str:
        """The primary part, most specific first: the venue; the landmark the point is in; the street it is on (or
        the crossing); the landmark it is near; the street it is near."""
        near, crossing, _ = wording or _wording()
        if self.venue:
            return self.venue if self.venue_inside else near.format(name=self.venue)
        if self.landmark and self.landmark_inside:
            return self.landmark
        if self.street and self.cross_street:
            return crossing.format(a=self.street, b=self.cross_street)
        if self.street and self.street_m is not None and self.street_m <= ON_STREET_M:
            return self.street
        if self.landmark:
            return near.format(name=self.landmark)
        if self.street:
            return near.format(name=self.street)
        return ""

    def label(self, wording: tuple[str, str, str] | None = None) -> str:
        """"王记面馆 · 荷花池社区", "延陵西路附近 · 天宁区", or "网格 320402001001005" when only the grid is known.
        `wording`: `_wording()` taken once for a batch."""
        wording = wording or _wording()
        main = self.main(wording)
        area = self.area
        if main and area:
            return f"{main} · {area}"
        if main or area:
            return main or area
        return wording[2].format(code=self.grid_code) if self.grid_code else ""

    def as_dict(self) -> dict:
        """The known parts only (what an alert keeps in `evidence["place_parts"]`)."""
        return {k: v for k, v in asdict(self).items() if v is not None and v != "" and v is not False}

    @classmethod
    def from_dict(cls, data: dict | None) -> Place:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (data or {}).items() if k in known})


def labels(places: list[Place]) -> list[str]:
    """The label of each place in the active language."""
    wording = _wording()
    return [p.label(wording) for p in places]


def place_label(parts: dict | None, fallback: str = "") -> str:
    """The label of stored parts (an alert's `evidence["place_parts"]`) in the active language, else `fallback`."""
    return Place.from_dict(parts).label() if parts else fallback


class _Segments:
    """Named line segments in metres: per point, the nearest one within reach and the nearest other name."""

    def __init__(self, lines_m: np.ndarray, names: np.ndarray, reach: float):
        self.reach = reach
        parts, part_line = shapely.get_parts(lines_m, return_index=True)
        coords, coord_part = shapely.get_coordinates(parts, return_index=True)
        # Consecutive coordinates of one part make a segment.
        same = coord_part[:-1] == coord_part[1:]
        line = part_line[coord_part[:-1][same]]
        a, b = coords[:-1][same], coords[1:][same]
        self.ax, self.ay = a[:, 0], a[:, 1]
        self.dx, self.dy = b[:, 0] - a[:, 0], b[:, 1] - a[:, 1]
        self.len2 = self.dx ** 2 + self.dy ** 2
        self.name = names[line]
        # Names as integers so "another street" is one comparison.
        self.name_id = np.unique(self.name.astype(str), return_inverse=True)[1] if len(line) else line
        bounds = np.column_stack([np.minimum(a[:, 0], b[:, 0]) - reach, np.minimum(a[:, 1], b[:, 1]) - reach,
                                  np.maximum(a[:, 0], b[:, 0]) + reach, np.maximum(a[:, 1], b[:, 1]) + reach])
        self.buckets = _Buckets(bounds, max(64.0, reach))

    def nearest(self, x: np.ndarray, y: np.ndarray):
        """(segment of the nearest street or -1, its distance, segment of the nearest other-named street or -1, its
        distance), per point, within reach."""
        n = len(x)
        first, first_d = np.full(n, -1, dtype=np.int64), np.full(n, np.nan)
        second, second_d = np.full(n, -1, dtype=np.int64), np.full(n, np.nan)
        points, seg = self.buckets.candidates(x, y)
        if not len(points):
            return first, first_d, second, second_d
        px, py = x[points] - self.ax[seg], y[points] - self.ay[seg]
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.clip((px * self.dx[seg] + py * self.dy[seg]) / self.len2[seg], 0.0, 1.0)
        t = np.nan_to_num(t)
        d = np.hypot(px - t * self.dx[seg], py - t * self.dy[seg])
        keep = d <= self.reach
        points, seg, d = points[keep], seg[keep], d[keep]
        if not len(points):
            return first, first_d, second, second_d
        pick = _first_per_group(points, [d, seg])
        first[points[pick]], first_d[points[pick]] = seg[pick], d[pick]
        other = self.name_id[seg] != self.name_id[first[points]]
        if other.any():
            points, seg, d = points[other], seg[other], d[other]
            pick = _first_per_group(points, [d, seg])
            second[points[pick]], second_d[points[pick]] = seg[pick], d[pick]
        return first, first_d, second, second_d


class PlaceIndex:
    """The `places` layer: streets (lines), areas (community/district polygons), landmarks (points, other polygons)."""

    def __init__(self, *, names, kinds, geoms, plane: LocalPlane, street_m: float = 200.0,
                 landmark_m: float = 100.0):
        names = np.asarray(list(names), dtype=object)
        kinds = np.asarray(list(kinds), dtype=object)
        geoms = np.asarray(list(geoms), dtype=object)
        self.plane = plane
        self.street_m = float(street_m)
        self.landmark_m = float(landmark_m)
        types = shapely.get_type_id(geoms) if len(geoms) else np.zeros(0, dtype=int)
        lines = np.isin(types, (1, 5))
        polygons = np.isin(types, (3, 6))
        points = types == 0
        self._streets = _Segments(plane.geometries(geoms[lines]) if lines.any() else np.zeros(0, dtype=object),
                                  names[lines], self.street_m)
        self._areas = {}
        for kind in AREA_KINDS:
            pick = polygons & (kinds == kind)
            self._areas[kind] = (_PolygonGrid(geoms[pick]), names[pick]) if pick.any() else None
        pick = polygons & ~np.isin(kinds, AREA_KINDS)
        self._landmark_areas = (_PolygonGrid(geoms[pick]), names[pick]) if pick.any() else None
        pick = points
        if pick.any():
            xs, ys = plane.forward(shapely.get_x(geoms[pick]), shapely.get_y(geoms[pick]))
            self._landmark_xy = np.column_stack([xs, ys])
            r = self.landmark_m
            self._landmark_buckets = _Buckets(np.column_stack([xs - r, ys - r, xs + r, ys + r]), max(64.0, r))
        else:
            self._landmark_xy = np.zeros((0, 2))
            self._landmark_buckets = None
        self._landmark_names = names[pick]
        self.size = len(geoms)

    def lookup(self, lons: np.ndarray, lats: np.ndarray) -> dict[str, np.ndarray]:
        """Per point: street, street_m, cross_street, landmark, landmark_inside, community, district (arrays;
        "" / NaN where nothing is found)."""
        n = len(lons)
        empty = np.full(n, "", dtype=object)
        out = {"street": empty.copy(), "street_m": np.full(n, np.nan), "cross_street": empty.copy(),
               "landmark": empty.copy(), "landmark_inside": np.zeros(n, dtype=bool)}
        for kind in AREA_KINDS:
            out[kind] = empty.copy()
            if self._areas[kind] is not None:
                grid, names = self._areas[kind]
                hit = grid.lookup(lons, lats)
                out[kind][hit >= 0] = names[hit[hit >= 0]]
        if not n or not self.size:
            return out
        x, y = self.plane.forward(lons, lats)
        seg, d, cross, cross_d = self._streets.nearest(x, y)
        found = seg >= 0
        out["street"][found] = self._streets.name[seg[found]]
        out["street_m"][found] = d[found]
        junction = found & (cross >= 0) & (d <= JUNCTION_M) & (cross_d <= JUNCTION_M)
        out["cross_street"][junction] = self._streets.name[cross[junction]]
        if self._landmark_areas is not None:
            grid, names = self._landmark_areas
            hit = grid.lookup(lons, lats)
            out["landmark"][hit >= 0] = names[hit[hit >= 0]]
            out["landmark_inside"][hit >= 0] = True
        if self._landmark_buckets is not None:
            points, which = self._landmark_buckets.candidates(x, y)
            dist = np.hypot(x[points] - self._landmark_xy[which, 0], y[points] - self._landmark_xy[which, 1])
            keep = (dist <= self.landmark_m) & ~out["landmark_inside"][points]
            points, which, dist = points[keep], which[keep], dist[keep]
            if len(points):
                pick = _first_per_group(points, [dist, which])
                out["landmark"][points[pick]] = self._landmark_names[which[pick]]
        return out


def places_for(lookup: dict[str, np.ndarray], *, grid_code, venue_name, venue_distance_m) -> list[Place]:
    """One Place per point from the place lookup and the spatial index's classification."""
    n = len(grid_code)
    result = []
    streets, street_m, cross = lookup["street"].tolist(), lookup["street_m"].tolist(), lookup["cross_street"].tolist()
    landmarks, inside = lookup["landmark"].tolist(), lookup["landmark_inside"].tolist()
    communities, districts = lookup["community"].tolist(), lookup["district"].tolist()
    grids, venues, venue_d = list(grid_code), list(venue_name), list(venue_distance_m)
    for i in range(n):
        metres = street_m[i]
        result.append(Place(
            venue=venues[i] or "", venue_inside=bool(venues[i]) and venue_d[i] == 0.0,
            landmark=landmarks[i], landmark_inside=bool(inside[i]), street=streets[i],
            street_m=None if math.isnan(metres) else round(metres, 1), cross_street=cross[i],
            community=communities[i], district=districts[i], grid_code=grids[i] or ""))
    return result
