"""The in-memory spatial index: places batches of (lon, lat) on the grid, the venues and the jurisdictions.

Built once from the active layers (see `gis.services.spatial_index`) and then only read, so one instance
is shared by every thread of the ingest. Everything is vectorised over numpy arrays:
- grid cells are matched in lon/lat, the coordinates they are stored in, so a point exactly on a cell
  edge is decided on the stored geometry and not on a reprojected copy of it. A rectilinear grid (every
  cell an axis-aligned box on common edges, as generated grids are) is a two-way table lookup; any
  other grid goes through a bucket hash and a crossing test in numpy (GEOS on edges). A point on an edge shared by two cells belongs
  to the cell east of it (then north), in both paths.
- venues and jurisdictions are measured in metres on a local tangent plane at the layers' centre, whose
  scales come from the WGS-84 ellipsoid. It is affine in lon/lat, so straight edges stay straight and
  projecting a million fixes is two multiplications (pyproj took 1.2 s per million here); over a city
  (±25 km) its scale error is under 0.3 %, i.e. under 10 cm at the 30 m that decides a venue.
- venues are found through a bucket hash of their reach, then exact distances for the few candidate
  pairs: an STRtree `dwithin` / `query_nearest` bulk query needs a shapely Point per fix and took
  0.8-1.9 s per million fixes on this machine, the buckets about 0.15 s.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import shapely

_WGS84_A = 6378137.0
_WGS84_F = 1 / 298.257223563
_WGS84_E2 = _WGS84_F * (2 - _WGS84_F)
# Venue bucket side in metres: around the size of a venue plus its reach, so a fix meets a handful.
_BUCKET_M = 64.0


@dataclass(frozen=True)
class Classification:
    """Per input point: its grid cell, its nearest venue within reach and that venue's edge distance."""

    grid_code: np.ndarray  # object: cell code or None outside every cell
    grid_unit: np.ndarray  # object: the cell's responsible unit code or None
    venue_id: np.ndarray  # int64: Venue pk, -1 when no venue within reach
    venue_name: np.ndarray  # object
    venue_category: np.ndarray  # object
    venue_distance_m: np.ndarray  # float64: 0 inside, metres to the edge, NaN when none within reach

    def __len__(self) -> int:
        return len(self.grid_code)


class LocalPlane:
    """Lon/lat ↔ metres on the tangent plane at (lon0, lat0) of the WGS-84 ellipsoid."""

    def __init__(self, lon0: float, lat0: float):
        self.lon0 = lon0
        self.lat0 = lat0
        phi = math.radians(lat0)
        w = math.sqrt(1 - _WGS84_E2 * math.sin(phi) ** 2)
        meridian = _WGS84_A * (1 - _WGS84_E2) / w**3  # radius of curvature along the meridian
        normal = _WGS84_A / w  # radius of curvature in the prime vertical
        self.m_per_deg_lat = math.radians(1) * meridian
        self.m_per_deg_lon = math.radians(1) * normal * math.cos(phi)

    def forward(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        x = (np.asarray(lon, dtype=float) - self.lon0) * self.m_per_deg_lon
        y = (np.asarray(lat, dtype=float) - self.lat0) * self.m_per_deg_lat
        return x, y

    def geometries(self, geoms: np.ndarray) -> np.ndarray:
        def project(coords: np.ndarray) -> np.ndarray:
            out = np.empty_like(coords)
            out[:, 0], out[:, 1] = self.forward(coords[:, 0], coords[:, 1])
            return out

        return shapely.transform(np.asarray(geoms, dtype=object), project)


def _as_float_arrays(lons, lats) -> tuple[np.ndarray, np.ndarray]:
    lons = np.ascontiguousarray(lons, dtype=np.float64).ravel()
    lats = np.ascontiguousarray(lats, dtype=np.float64).ravel()
    if lons.shape != lats.shape:
        raise ValueError(f"lons ({lons.size}) and lats ({lats.size}) differ in length")
    return lons, lats


def _first_per_group(groups: np.ndarray, keys: list[np.ndarray]) -> np.ndarray:
    """Positions of the first row of each group after sorting by (group, *keys)."""
    order = np.lexsort(tuple(reversed([groups, *keys])))
    sorted_groups = groups[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = sorted_groups[1:] != sorted_groups[:-1]
    return order[first]


class _RectilinearGrid:
    """Cells that are axis-aligned boxes on shared edges: a point's cell is two binary searches away."""

    def __init__(self, xs: np.ndarray, ys: np.ndarray, table: np.ndarray):
        self.xs = xs
        self.ys = ys
        self.table = table  # [row, col] → cell index, -1 for holes
        self._x_step = self._even_step(xs)
        self._y_step = self._even_step(ys)

    @staticmethod
    def _even_step(edges: np.ndarray) -> float | None:
        if len(edges) < 3:
            return None
        step = (edges[-1] - edges[0]) / (len(edges) - 1)
        return float(step) if np.allclose(np.diff(edges), step, rtol=1e-6, atol=0) else None

    @classmethod
    def detect(cls, geoms: np.ndarray) -> _RectilinearGrid | None:
        if len(geoms) == 0:
            return None
        if not np.all(shapely.get_type_id(geoms) == 3) or not np.all(shapely.get_num_coordinates(geoms) == 5):
            return None
        bounds = shapely.bounds(geoms)
        box_area = (bounds[:, 2] - bounds[:, 0]) * (bounds[:, 3] - bounds[:, 1])
        if not np.allclose(shapely.area(geoms), box_area, rtol=1e-9, atol=0):
            return None
        xs = np.unique(np.concatenate([bounds[:, 0], bounds[:, 2]]))
        ys = np.unique(np.concatenate([bounds[:, 1], bounds[:, 3]]))
        cols = np.searchsorted(xs, bounds[:, 0])
        rows = np.searchsorted(ys, bounds[:, 1])
        # Each cell must span exactly one column and one row of the lattice.
        if np.any(cols + 1 >= len(xs)) or np.any(rows + 1 >= len(ys)):
            return None
        if not (np.array_equal(xs[cols + 1], bounds[:, 2]) and np.array_equal(ys[rows + 1], bounds[:, 3])):
            return None
        if (len(ys) - 1) * (len(xs) - 1) > 50_000_000:
            return None
        table = np.full((len(ys) - 1, len(xs) - 1), -1, dtype=np.int64)
        flat = rows * (len(xs) - 1) + cols
        if len(np.unique(flat)) != len(flat):
            return None  # overlapping cells: leave it to the general path
        table.ravel()[flat] = np.arange(len(geoms))
        return cls(xs, ys, table)

    @staticmethod
    def _slot(edges: np.ndarray, step: float | None, values: np.ndarray) -> np.ndarray:
        """Same as searchsorted(edges, values, "right") - 1. On evenly spaced edges and a large batch, a
        division and a one-step correction against the exact edges (the division can be an ulp off on an
        edge) is several times faster than the binary search."""
        if step is None or len(values) < 4096:
            return np.searchsorted(edges, values, side="right") - 1
        with np.errstate(invalid="ignore"):
            guess = np.floor((values - edges[0]) / step)
        slot = np.clip(np.nan_to_num(guess, nan=-1.0), -1, len(edges) - 1).astype(np.int64)
        inner = np.clip(slot, 0, len(edges) - 1)
        slot[(slot >= 0) & (values < edges[inner])] -= 1
        upper = np.clip(slot + 1, 0, len(edges) - 1)
        slot[(slot + 1 < len(edges)) & (values >= edges[upper])] += 1
        slot[values < edges[0]] = -1
        return slot

    def lookup(self, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
        ncols = len(self.xs) - 1
        nrows = len(self.ys) - 1
        col = self._slot(self.xs, self._x_step, lons)
        row = self._slot(self.ys, self._y_step, lats)
        # The east and north outer edges belong to the last column/row (a boundary point is in the cell).
        col[(col == ncols) & (lons == self.xs[-1])] = ncols - 1
        row[(row == nrows) & (lats == self.ys[-1])] = nrows - 1
        valid = (col >= 0) & (col < ncols) & (row >= 0) & (row < nrows)
        result = np.full(len(lons), -1, dtype=np.int64)
        result[valid] = self.table[row[valid], col[valid]]
        # A point on the west/south edge of a hole still touches the cell on the other side of that edge.
        miss = np.flatnonzero(valid & (result < 0))
        if len(miss):
            c, r = col[miss], row[miss]
            on_x = (lons[miss] == self.xs[c]) & (c > 0)
            on_y = (lats[miss] == self.ys[r]) & (r > 0)
            for dc, dr, cond in ((1, 0, on_x), (0, 1, on_y), (1, 1, on_x & on_y)):
                pick = cond & (result[miss] < 0)
                if pick.any():
                    result[miss[pick]] = self.table[r[pick] - dr, c[pick] - dc]
        return result


class _Buckets:
    """Boxes hashed into a uniform bucket grid (bucket side `size` in the boxes' units). Each box is listed
    in every bucket it overlaps; a point meets the boxes listed in its own bucket. The buckets are a
    dense table over the boxes' extent when that is city-sized (one gather per point), else a sorted key
    list searched per point (layers spread over the country)."""

    _MAX_DENSE = 4_000_000

    def __init__(self, bounds: np.ndarray, size: float):
        self.size = size
        n = len(bounds)
        lo = np.floor(bounds[:, :2] / size).astype(np.int64)
        hi = np.floor(bounds[:, 2:] / size).astype(np.int64)
        nx, ny = hi[:, 0] - lo[:, 0] + 1, hi[:, 1] - lo[:, 1] + 1
        counts = nx * ny
        member = np.repeat(np.arange(n, dtype=np.int64), counts)
        local = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
        bx = lo[member, 0] + local % nx[member]
        by = lo[member, 1] + local // nx[member]
        self.entries = len(member)
        self.dense = False
        if self.entries:
            self.bx0, self.by0 = int(bx.min()), int(by.min())
            self.nbx, self.nby = int(bx.max()) - self.bx0 + 1, int(by.max()) - self.by0 + 1
            self.dense = self.nbx * self.nby <= self._MAX_DENSE
        keys = (bx - self.bx0) * self.nby + (by - self.by0) if self.dense else self._key(bx, by)
        order = np.argsort(keys, kind="stable")
        keys, self.members = keys[order], member[order]
        if self.dense:
            self.starts = np.searchsorted(keys, np.arange(self.nbx * self.nby), side="left")
            self.ends = np.searchsorted(keys, np.arange(self.nbx * self.nby), side="right")
        else:
            self.keys, self.starts = np.unique(keys, return_index=True)
            self.ends = np.append(self.starts[1:], len(keys))

    @staticmethod
    def _key(bx: np.ndarray, by: np.ndarray) -> np.ndarray:
        return (bx + (1 << 31)) * (1 << 32) + (by + (1 << 31))

    def _slots(self, bx: np.ndarray, by: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(positions of points that fall in an occupied bucket, that bucket's slot)."""
        if self.dense:
            gx, gy = bx - self.bx0, by - self.by0
            hit = np.flatnonzero((gx >= 0) & (gx < self.nbx) & (gy >= 0) & (gy < self.nby))
            slot = gx[hit] * self.nby + gy[hit]
            occupied = self.ends[slot] > self.starts[slot]
            return hit[occupied], slot[occupied]
        key = self._key(bx, by)
        slot = np.minimum(np.searchsorted(self.keys, key), len(self.keys) - 1)
        hit = np.flatnonzero(self.keys[slot] == key)
        return hit, slot[hit]

    def candidates(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(point position, box position) pairs sharing a bucket."""
        if self.entries == 0 or len(x) == 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        with np.errstate(invalid="ignore"):
            bx = np.floor(x / self.size)
            by = np.floor(y / self.size)
        # Far-off or non-finite points cannot share a bucket with a box; keep them out of the int cast.
        limit = float(1 << 40)
        bx = np.where(np.abs(bx) < limit, bx, limit).astype(np.int64)
        by = np.where(np.abs(by) < limit, by, limit).astype(np.int64)
        hit, slot = self._slots(bx, by)
        starts = self.starts[slot]
        counts = self.ends[slot] - starts
        points = np.repeat(hit, counts)
        offsets = np.arange(len(points)) - np.repeat(np.cumsum(counts) - counts, counts)
        return points, self.members[np.repeat(starts, counts) + offsets]


class _PolygonGrid:
    """Any polygons (holes too). Candidate cells come from a bucket hash of the cells' boxes and a box test;
    an even-odd crossing test over the candidates' rings, in numpy, settles the points clearly inside or
    outside, and GEOS (boundary included) settles the few lying within a hair of an edge, so a point on an
    edge shared by two cells still goes to the one lying furthest east/north, as in the rectilinear table.
    An STRtree bulk query with GEOS on every pair did the same at a quarter of a million points a second."""

    # Within this distance (degrees, ~1 mm) of an edge a point is decided by GEOS, not by floating arithmetic.
    EDGE_EPS = 1e-8
    CHUNK = 200_000  # points per pass: bounds the (pair × edge) arrays

    def __init__(self, geoms: np.ndarray):
        self.geoms = geoms
        shapely.prepare(geoms)
        bounds = shapely.bounds(geoms)
        self.minx, self.miny, self.maxx, self.maxy = bounds.T
        side = np.maximum(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1])
        # Buckets of half a cell: a point meets ~2 boxes instead of ~4.
        self.buckets = _Buckets(bounds, float(np.median(side)) / 2 if len(side) else 1.0)
        # Every ring segment, grouped by cell: edge_start[c] .. edge_start[c] + edge_count[c].
        parts, part_cell = shapely.get_parts(geoms, return_index=True)  # multipolygons: each polygon
        rings, ring_part = shapely.get_rings(parts, return_index=True)
        ring_cell = part_cell[ring_part]
        coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
        same = coord_ring[:-1] == coord_ring[1:]
        cell = ring_cell[coord_ring[:-1][same]]
        order = np.argsort(cell, kind="stable")
        a, b = coords[:-1][same][order], coords[1:][same][order]
        self.x0, self.y0 = a[:, 0], a[:, 1]
        self.dx, self.dy = b[:, 0] - a[:, 0], b[:, 1] - a[:, 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            self.slope = self.dx / self.dy  # x per y; unused for horizontal edges (they straddle nothing)
        self.length = np.hypot(self.dx, self.dy)
        eps = self.EDGE_EPS
        self.box = (np.minimum(a[:, 0], b[:, 0]) - eps, np.maximum(a[:, 0], b[:, 0]) + eps,
                    np.minimum(a[:, 1], b[:, 1]) - eps, np.maximum(a[:, 1], b[:, 1]) + eps)
        self.edge_count = np.bincount(cell, minlength=len(geoms))
        self.edge_start = np.cumsum(self.edge_count) - self.edge_count

    def lookup(self, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
        result = np.full(len(lons), -1, dtype=np.int64)
        for start in range(0, len(lons), self.CHUNK):
            x, y = lons[start:start + self.CHUNK], lats[start:start + self.CHUNK]
            points, cells = self._containing(x, y)
            # Usually one cell per point; only points on shared edges need the east-then-north rule.
            several = np.bincount(points, minlength=len(x))[points] > 1
            result[start + points[~several]] = cells[~several]
            if several.any():
                points, cells = points[several], cells[several]
                first = _first_per_group(points, [-self.minx[cells], -self.miny[cells], cells])
                result[start + points[first]] = cells[first]
        return result

    def _containing(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(point, cell) pairs where the cell contains the point or has it on its boundary."""
        points, cells = self.buckets.candidates(x, y)
        px, py = x[points], y[points]
        keep = ((px >= self.minx[cells]) & (px <= self.maxx[cells]) & (py >= self.miny[cells])
                & (py <= self.maxy[cells]))
        points, cells, px, py = points[keep], cells[keep], px[keep], py[keep]
        if not len(points):
            return points, cells
        counts = self.edge_count[cells]
        pair = np.repeat(np.arange(len(points)), counts)
        edge = np.repeat(self.edge_start[cells] - np.cumsum(counts) + counts, counts) + np.arange(len(pair))
        ex, ey = px[pair], py[pair]
        y0 = self.y0[edge]
        rel_y = ey - y0
        with np.errstate(invalid="ignore"):
            straddles = (y0 > ey) != (y0 + self.dy[edge] > ey)
            crosses = straddles & (ex < self.x0[edge] + self.slope[edge] * rel_y)
        # "Too close to call": within EDGE_EPS of the segment (its box grown by EDGE_EPS, and of its line).
        xmin, xmax, ymin, ymax = (b[edge] for b in self.box)
        near = (ex >= xmin) & (ex <= xmax) & (ey >= ymin) & (ey <= ymax)
        at = np.flatnonzero(near)
        cross = self.dx[edge[at]] * rel_y[at] - self.dy[edge[at]] * (ex[at] - self.x0[edge[at]])
        near[at] = np.abs(cross) <= self.EDGE_EPS * self.length[edge[at]]
        inside = (np.bincount(pair, weights=crosses, minlength=len(points)) % 2) == 1
        unsure = np.bincount(pair[near], minlength=len(points)) > 0
        if unsure.any():
            at = np.flatnonzero(unsure)
            inside[at] = shapely.intersects_xy(self.geoms[cells[at]], px[at], py[at])
        return points[inside], cells[inside]


class SpatialIndex:
    """Grid cells, venues and jurisdictions of one set of active layer versions (see module docstring)."""

    def __init__(
        self,
        *,
        grid_codes,
        grid_units,
        grid_geoms,
        venue_ids,
        venue_names,
        venue_categories,
        venue_geoms,
        venue_radius_m,
        jurisdictions: dict[str, object],
        near_m: float = 30.0,
        alerting_categories=("restaurant", "entertainment"),
        resolve_path: Callable[[str], str | None] | None = None,
        signature: tuple = (),
    ):
        self.signature = signature
        self.near_m = float(near_m)
        self.alerting_categories = frozenset(alerting_categories)
        self._resolve_path = resolve_path

        self.grid_codes = np.asarray(list(grid_codes), dtype=object)
        self.grid_units = np.asarray([u or None for u in grid_units], dtype=object)
        grid_geoms = np.asarray(list(grid_geoms), dtype=object)
        self._grid = _RectilinearGrid.detect(grid_geoms) or (
            _PolygonGrid(grid_geoms) if len(grid_geoms) else None)

        self.venue_ids = np.asarray(list(venue_ids), dtype=np.int64)
        self.venue_names = np.asarray(list(venue_names), dtype=object)
        self.venue_categories = np.asarray(list(venue_categories), dtype=object)
        venue_geoms = np.asarray(list(venue_geoms), dtype=object)
        radius = np.asarray([float(r) if r is not None else np.nan for r in venue_radius_m], dtype=float)
        self.venue_radius = np.where(np.isnan(radius), 0.0, radius)

        all_geoms = [g for g in (*grid_geoms, *venue_geoms, *jurisdictions.values()) if g is not None]
        if all_geoms:
            minx, miny, maxx, maxy = shapely.total_bounds(np.asarray(all_geoms, dtype=object))
            self.plane = LocalPlane((minx + maxx) / 2, (miny + maxy) / 2)
        else:
            self.plane = LocalPlane(119.95, 31.78)

        self._venue_geoms_m = self.plane.geometries(venue_geoms) if len(venue_geoms) else venue_geoms
        self._venue_is_point = (shapely.get_type_id(self._venue_geoms_m) == 0) if len(venue_geoms) else \
            np.zeros(0, dtype=bool)
        shapely.prepare(self._venue_geoms_m)
        bounds_m = shapely.bounds(self._venue_geoms_m) if len(venue_geoms) else np.zeros((0, 4))
        alerting = np.isin(self.venue_categories, list(self.alerting_categories))
        # Each venue is listed under the buckets its reach (bbox grown by radius + max distance) overlaps.
        reach = (self.venue_radius + self.near_m)[:, None]
        grown = np.hstack([bounds_m[:, :2] - reach, bounds_m[:, 2:] + reach]) if len(venue_geoms) else \
            bounds_m
        self._venue_sets = {False: np.arange(len(venue_geoms)), True: np.flatnonzero(alerting)}
        self._buckets = {key: _Buckets(grown[members], _BUCKET_M)
                         for key, members in self._venue_sets.items()}
        self._venue_bounds_m = bounds_m
        self._grid_codes_padded = np.append(self.grid_codes, np.array([None], dtype=object))
        self._grid_units_padded = np.append(self.grid_units, np.array([None], dtype=object))
        self._venue_ids_padded = np.append(self.venue_ids, np.int64(-1))
        self._venue_names_padded = np.append(self.venue_names, np.array([None], dtype=object))
        self._venue_categories_padded = np.append(self.venue_categories, np.array([None], dtype=object))

        self._jurisdictions_m = {code: self.plane.geometries(np.asarray([geom], dtype=object))[0]
                                 for code, geom in jurisdictions.items()}
        for geom in self._jurisdictions_m.values():
            shapely.prepare(geom)
        self._unit_polygon_cache: dict[str, object | None] = {}
        from .places import PlaceIndex  # places.py builds on this module

        # The named places (gis.places); gis.services fills it from the `places` layer.
        self.places = PlaceIndex(names=[], kinds=[], geoms=[], plane=self.plane)

    # --- grid and venues ------------------------------------------------------------------------------

    def classify(self, lons, lats, *, alerting_only: bool = True) -> Classification:
        lons, lats = _as_float_arrays(lons, lats)
        n = len(lons)
        cells = self._grid.lookup(lons, lats) if self._grid is not None else np.full(n, -1, dtype=np.int64)
        venue, distance = self._nearest_venues(lons, lats, alerting_only=alerting_only)
        # Index -1 picks the trailing "none" entry of each padded array: one gather per field, no masks.
        return Classification(
            grid_code=self._grid_codes_padded[cells], grid_unit=self._grid_units_padded[cells],
            venue_id=self._venue_ids_padded[venue], venue_name=self._venue_names_padded[venue],
            venue_category=self._venue_categories_padded[venue], venue_distance_m=distance)

    def _nearest_venues(self, lons: np.ndarray, lats: np.ndarray, *, alerting_only: bool):
        n = len(lons)
        venue = np.full(n, -1, dtype=np.int64)
        distance = np.full(n, np.nan)
        x, y = self.plane.forward(lons, lats)
        points, members = self._buckets[bool(alerting_only)].candidates(x, y)
        if len(points) == 0:
            return venue, distance
        vi = self._venue_sets[bool(alerting_only)][members]
        b = self._venue_bounds_m[vi]
        px, py = x[points], y[points]
        dx = np.maximum(np.maximum(b[:, 0] - px, px - b[:, 2]), 0.0)
        dy = np.maximum(np.maximum(b[:, 1] - py, py - b[:, 3]), 0.0)
        # Exact for point venues (their box is the point); a lower bound for polygons, refined below.
        d = np.hypot(dx, dy) - self.venue_radius[vi]
        keep = d <= self.near_m
        points, vi, d = points[keep], vi[keep], d[keep]
        polygon = ~self._venue_is_point[vi]
        if polygon.any():
            where = np.flatnonzero(polygon)
            d[where] = shapely.distance(self._venue_geoms_m[vi[where]],
                                        shapely.points(x[points[where]], y[points[where]]))
            keep = d <= self.near_m
            points, vi, d = points[keep], vi[keep], d[keep]
        if len(points) == 0:
            return venue, distance
        d = np.maximum(d, 0.0)
        first = _first_per_group(points, [d, vi])
        venue[points[first]] = vi[first]
        distance[points[first]] = d[first]
        return venue, distance

    # --- jurisdictions --------------------------------------------------------------------------------

    def jurisdiction_polygon(self, unit_code: str):
        """The unit's own jurisdiction (metric plane), else its nearest ancestor's, else None."""
        if unit_code in self._unit_polygon_cache:
            return self._unit_polygon_cache[unit_code]
        polygon = self._jurisdictions_m.get(unit_code)
        path = None
        if polygon is None and self._resolve_path is not None:
            path = self._resolve_path(unit_code)
            for ancestor in reversed([c for c in (path or "").split("/") if c and c != unit_code]):
                polygon = self._jurisdictions_m.get(ancestor)
                if polygon is not None:
                    break
        if polygon is not None or path is not None:
            # An unknown unit is not remembered: it may be created while this index is in use.
            self._unit_polygon_cache[unit_code] = polygon
        return polygon

    def jurisdiction_distance(self, unit_code: str, lons, lats) -> np.ndarray:
        """Metres outside the unit's jurisdiction: 0 inside or on the boundary, NaN when none is known."""
        lons, lats = _as_float_arrays(lons, lats)
        polygon = self.jurisdiction_polygon(unit_code)
        if polygon is None:
            return np.full(len(lons), np.nan)
        x, y = self.plane.forward(lons, lats)
        result = np.zeros(len(lons))
        outside = np.flatnonzero(~shapely.contains_xy(polygon, x, y))
        if len(outside):
            result[outside] = shapely.distance(polygon, shapely.points(x[outside], y[outside]))
        return result
