"""The spatial index on hand-made layers: cells and their edges, venues and their reach, jurisdictions."""
import dataclasses
import math

import numpy as np
import pytest
import shapely
from pyproj import Geod

from gis.index import LocalPlane, SpatialIndex

LON0, LAT0, STEP = 119.95, 31.78, 0.001
PLANE = LocalPlane(LON0, LAT0)
GEOD = Geod(ellps="WGS84")


def east(lon, metres):
    return lon + metres / PLANE.m_per_deg_lon


def north(lat, metres):
    return lat + metres / PLANE.m_per_deg_lat


def lattice(skip=()):
    codes, units, geoms = [], [], []
    xs = [LON0 + i * STEP for i in range(4)]
    ys = [LAT0 + j * STEP for j in range(4)]
    for j in range(3):
        for i in range(3):
            if (i, j) in skip:
                continue
            codes.append(f"320402001001{j}{i}1")
            units.append("CZ-TN-01")
            geoms.append(shapely.box(xs[i], ys[j], xs[i + 1], ys[j + 1]))
    return codes, units, geoms


def make_index(grid=None, venues=(), jurisdictions=None, paths=None, near_m=30.0):
    codes, units, geoms = grid or lattice()
    venues = list(venues)
    return SpatialIndex(
        grid_codes=codes, grid_units=units, grid_geoms=geoms,
        venue_ids=[v[0] for v in venues], venue_names=[v[1] for v in venues],
        venue_categories=[v[2] for v in venues], venue_geoms=[v[3] for v in venues],
        venue_radius_m=[v[4] for v in venues],
        jurisdictions=jurisdictions or {}, near_m=near_m,
        resolve_path=(paths or {}).get,
    )


def code(i, j):
    return f"320402001001{j}{i}1"


def test_rectilinear_grid_uses_the_table_and_breaks_ties_east_then_north():
    index = make_index()
    assert index._grid.__class__.__name__ == "_RectilinearGrid"
    x1, y1 = LON0 + STEP, LAT0 + STEP
    lons = [LON0 + STEP / 2, x1, LON0 + STEP / 2, x1, LON0, LON0 + 3 * STEP, LON0 + 3 * STEP, LON0 - 1e-7]
    lats = [LAT0 + STEP / 2, LAT0 + STEP / 2, y1, y1, LAT0, LAT0 + 3 * STEP, LAT0 + 1.5 * STEP, LAT0]
    result = index.classify(lons, lats)
    assert result.grid_code.tolist() == [
        code(0, 0),  # inside
        code(1, 0),  # on the vertical edge between (0,0) and (1,0): east
        code(0, 1),  # on the horizontal edge: north
        code(1, 1),  # on the corner of four cells: north-east
        code(0, 0),  # south-west outer corner
        code(2, 2),  # north-east outer corner
        code(2, 1),  # on the east outer edge
        None,  # just outside
    ]
    assert result.grid_unit.tolist()[:2] == ["CZ-TN-01", "CZ-TN-01"]
    assert result.grid_unit[-1] is None


def test_irregular_grid_goes_through_the_tree_with_the_same_tie_rule():
    codes, units, geoms = lattice()
    # A triangle makes the layer non-rectilinear; the other cells keep their edges.
    geoms[0] = shapely.Polygon([(LON0, LAT0), (LON0 + STEP, LAT0), (LON0 + STEP, LAT0 + STEP)])
    index = make_index(grid=(codes, units, geoms))
    assert index._grid.__class__.__name__ == "_PolygonGrid"
    x1, y1 = LON0 + STEP, LAT0 + STEP
    result = index.classify([LON0 + 0.9 * STEP, x1, x1, LON0 + 0.1 * STEP, LON0 + 10 * STEP],
                            [LAT0 + 0.1 * STEP, LAT0 + STEP / 2, y1, LAT0 + 0.9 * STEP, LAT0])
    assert result.grid_code.tolist() == [code(0, 0), code(1, 0), code(1, 1), None, None]


def _warped_cells(n: int, rng) -> np.ndarray:
    """A partition into jittered quadrilaterals; every 7th cell has a hole, every 11th is two separate parts."""
    from shapely import affinity

    xs, ys = np.meshgrid(LON0 + np.arange(n + 1) * STEP, LAT0 + np.arange(n + 1) * STEP)
    xs[1:-1, 1:-1] += rng.uniform(-0.3, 0.3, (n - 1, n - 1)) * STEP
    ys[1:-1, 1:-1] += rng.uniform(-0.3, 0.3, (n - 1, n - 1)) * STEP
    xs, ys = np.round(xs, 7), np.round(ys, 7)
    cells = []
    for j in range(n):
        for i in range(n):
            cell = shapely.Polygon([(xs[j, i], ys[j, i]), (xs[j, i + 1], ys[j, i + 1]),
                                    (xs[j + 1, i + 1], ys[j + 1, i + 1]), (xs[j + 1, i], ys[j + 1, i])])
            k = j * n + i
            if k % 7 == 0:
                cell = cell.difference(cell.centroid.buffer(0.2 * STEP, 4))
            elif k % 11 == 0:
                c = cell.centroid
                cell = shapely.MultiPolygon([affinity.scale(cell, 0.35, 0.35, origin=(c.x + dx * STEP, c.y))
                                             for dx in (-0.8, 0.8)])
            cells.append(cell)
    return np.array(cells, dtype=object)


def test_irregular_grid_agrees_with_geos_everywhere_including_edges_vertices_holes_and_parts():
    """The numpy crossing test (GEOS only near edges) against GEOS on every pair, with the same tie rule."""
    from gis.index import _first_per_group

    rng = np.random.default_rng(5)
    n = 30
    geoms = _warped_cells(n, rng)
    assert shapely.is_valid(geoms).all()
    codes = [f"C{k}" for k in range(len(geoms))]
    index = make_index(grid=(codes, ["CZ-TN-01"] * len(geoms), list(geoms)))
    assert index._grid.__class__.__name__ == "_PolygonGrid"
    count = 60_000
    lons = rng.uniform(LON0 - 2 * STEP, LON0 + (n + 2) * STEP, count)
    lats = rng.uniform(LAT0 - 2 * STEP, LAT0 + (n + 2) * STEP, count)
    coords = shapely.get_coordinates(geoms)
    mids = (coords[:-1] + coords[1:]) / 2  # on edges (and a few chords between rings, as well)
    lons = np.concatenate([lons, coords[:, 0], mids[:, 0]])
    lats = np.concatenate([lats, coords[:, 1], mids[:, 1]])

    got = index.classify(lons, lats).grid_code
    hits, cells = shapely.STRtree(geoms).query(shapely.points(lons, lats), predicate="intersects")
    bounds = shapely.bounds(geoms)
    first = _first_per_group(hits, [-bounds[cells, 0], -bounds[cells, 1], cells])
    expected = np.full(len(lons), None, dtype=object)
    expected[hits[first]] = np.array(codes, dtype=object)[cells[first]]
    assert (got == expected).all()
    assert (expected != None).sum() > count // 2  # noqa: E711 (element-wise)
    holes = [k for k in range(0, len(geoms), 7)]
    centres = shapely.get_coordinates(shapely.centroid(geoms[holes]))
    assert all(c is None for c in index.classify(centres[:, 0], centres[:, 1]).grid_code)


def test_point_on_the_edge_of_a_hole_stays_in_the_neighbouring_cell():
    index = make_index(grid=lattice(skip={(1, 1)}))
    x1, x2, y1 = LON0 + STEP, LON0 + 2 * STEP, LAT0 + STEP
    result = index.classify([x1, LON0 + 1.5 * STEP, x2, LON0 + 1.5 * STEP],
                            [LAT0 + 1.5 * STEP, y1, LAT0 + 1.5 * STEP, LAT0 + 1.5 * STEP])
    # west edge of the hole → the west cell; south edge → the south cell; east edge → the east cell.
    assert result.grid_code.tolist() == [code(0, 1), code(1, 0), code(2, 1), None]


VENUE_LON, VENUE_LAT = LON0 + 0.01, LAT0 + 0.01


def venues():
    square = shapely.box(VENUE_LON, VENUE_LAT, east(VENUE_LON, 40), north(VENUE_LAT, 40))
    point_lon = east(VENUE_LON, 300)
    return [
        (11, "老王饭店", "restaurant", square, None),
        (12, "欢乐KTV", "entertainment", shapely.Point(point_lon, VENUE_LAT), 30.0),
        (13, "便利店", "shop", shapely.Point(east(VENUE_LON, 600), VENUE_LAT), 30.0),
    ]


def test_polygon_venue_inside_near_and_beyond_reach():
    index = make_index(venues=venues())
    mid_lat = north(VENUE_LAT, 20)
    lons = [east(VENUE_LON, 20), east(VENUE_LON, -20), east(VENUE_LON, -31), VENUE_LON]
    lats = [mid_lat, mid_lat, mid_lat, north(VENUE_LAT, 40)]
    result = index.classify(lons, lats)
    assert result.venue_id.tolist() == [11, 11, -1, 11]
    assert result.venue_name[0] == "老王饭店" and result.venue_category[0] == "restaurant"
    assert result.venue_distance_m[0] == 0.0 and result.venue_distance_m[3] == 0.0
    assert result.venue_distance_m[1] == pytest.approx(20.0, abs=0.01)
    assert math.isnan(result.venue_distance_m[2])
    assert result.venue_name[2] is None


def test_point_venue_with_radius():
    index = make_index(venues=venues())
    centre = east(VENUE_LON, 300)
    lons = [centre, east(centre, 25), east(centre, 50), east(centre, 59.9), east(centre, 61)]
    result = index.classify(lons, [VENUE_LAT] * 5)
    assert result.venue_id.tolist() == [12, 12, 12, 12, -1]
    assert result.venue_distance_m[:2].tolist() == [0.0, 0.0]
    assert result.venue_distance_m[2] == pytest.approx(20.0, abs=0.01)
    assert result.venue_distance_m[3] == pytest.approx(29.9, abs=0.01)
    # the plane's metres agree with the ellipsoid's
    assert GEOD.inv(centre, VENUE_LAT, east(centre, 50), VENUE_LAT)[2] == pytest.approx(50, abs=0.01)


def test_nearest_of_several_venues_by_edge_distance():
    near_big = (21, "大酒楼", "restaurant", shapely.Point(VENUE_LON, VENUE_LAT), 100.0)
    small = (22, "小吃", "restaurant", shapely.Point(east(VENUE_LON, 120), VENUE_LAT), 5.0)
    index = make_index(venues=[near_big, small])
    # 112 m from the big one's centre (12 m from its edge), 8 m from the small one's centre (3 m from edge)
    result = index.classify([east(VENUE_LON, 112)], [VENUE_LAT])
    assert result.venue_id.tolist() == [22]
    assert result.venue_distance_m[0] == pytest.approx(3.0, abs=0.01)


def test_only_alerting_categories_by_default():
    index = make_index(venues=venues())
    shop = east(VENUE_LON, 600)
    assert index.classify([shop], [VENUE_LAT]).venue_id.tolist() == [-1]
    result = index.classify([shop], [VENUE_LAT], alerting_only=False)
    assert result.venue_id.tolist() == [13] and result.venue_category.tolist() == ["shop"]


def test_configured_reach():
    index = make_index(venues=venues(), near_m=50.0)
    result = index.classify([east(VENUE_LON, -45)], [north(VENUE_LAT, 20)])
    assert result.venue_distance_m[0] == pytest.approx(45.0, abs=0.01)


def test_points_far_outside_every_layer():
    brigade = shapely.box(LON0, LAT0, LON0 + 0.1, LAT0 + 0.1)
    index = make_index(venues=venues(), jurisdictions={"CZ-TN": brigade})
    lons, lats = np.array([116.39, -74.0, 0.0]), np.array([39.9, 40.7, 0.0])
    result = index.classify(lons, lats, alerting_only=False)
    assert result.grid_code.tolist() == [None, None, None]
    assert result.venue_id.tolist() == [-1, -1, -1]
    assert np.isnan(result.venue_distance_m).all()
    distance = index.jurisdiction_distance("CZ-TN", lons[:1], lats[:1])
    assert distance[0] > 900_000  # Beijing is ~1000 km away


def test_classification_is_aligned_with_the_input_and_accepts_empty_batches():
    index = make_index(venues=venues())
    empty = index.classify(np.array([]), np.array([]))
    assert len(empty) == 0 and empty.venue_distance_m.dtype == np.float64
    with pytest.raises(ValueError):
        index.classify([1.0, 2.0], [1.0])
    with pytest.raises(dataclasses.FrozenInstanceError):
        empty.grid_code = None


def test_empty_index_classifies_nothing():
    index = make_index(grid=([], [], []))
    result = index.classify([LON0], [LAT0])
    assert result.grid_code.tolist() == [None] and result.venue_id.tolist() == [-1]
    assert math.isnan(index.jurisdiction_distance("CZ-TN", [LON0], [LAT0])[0])


def test_jurisdiction_distance_inside_boundary_outside_and_ancestor_fallback():
    brigade = shapely.box(LON0, LAT0, LON0 + 0.01, LAT0 + 0.01)
    squadron = shapely.box(LON0, LAT0, LON0 + 0.005, LAT0 + 0.01)
    paths = {"CZ-TN-01": "/CZ/CZ-ZD/CZ-TN/CZ-TN-01/", "CZ-TN-02": "/CZ/CZ-ZD/CZ-TN/CZ-TN-02/",
             "CZ-XB-01": "/CZ/CZ-ZD/CZ-XB/CZ-XB-01/"}
    index = make_index(jurisdictions={"CZ-TN": brigade, "CZ-TN-01": squadron}, paths=paths)
    lons = [LON0 + 0.001, LON0 + 0.005, east(LON0 + 0.005, 200), east(LON0 + 0.01, 200)]
    lats = [LAT0 + 0.005] * 4
    own = index.jurisdiction_distance("CZ-TN-01", lons, lats)
    assert own[:2].tolist() == [0.0, 0.0]
    assert own[2] == pytest.approx(200, abs=0.05)
    fallback = index.jurisdiction_distance("CZ-TN-02", lons, lats)  # no polygon: the brigade's
    assert fallback.tolist()[:3] == [0.0, 0.0, 0.0]
    assert fallback[3] == pytest.approx(200, abs=0.05)
    assert np.isnan(index.jurisdiction_distance("CZ-XB-01", lons, lats)).all()
    assert np.isnan(index.jurisdiction_distance("NOPE", lons, lats)).all()


def test_even_edge_lookup_agrees_with_binary_search_on_and_between_edges():
    from gis.index import _RectilinearGrid

    edges = np.round(LON0 + np.arange(301) * 0.00106, 7)
    rng = np.random.default_rng(3)
    values = np.concatenate([edges, rng.uniform(edges[0] - 0.01, edges[-1] + 0.01, 20000),
                             np.nextafter(edges, -np.inf), np.nextafter(edges, np.inf),
                             [np.nan, -np.inf, np.inf]])
    step = _RectilinearGrid._even_step(edges)
    assert step is not None and _RectilinearGrid._even_step(edges ** 1.5) is None
    got = _RectilinearGrid._slot(edges, step, values)
    assert len(values) >= 4096  # large enough to take the division path
    want = np.searchsorted(edges, values, side="right") - 1
    want[np.isnan(values)] = -1  # a NaN is beyond every edge for searchsorted; the lookup drops it anyway
    finite = np.isfinite(values)
    assert np.array_equal(got[finite], want[finite])
    assert got[~finite].tolist()[:2] == [-1, -1]


def test_unevenly_spaced_rectilinear_grid():
    xs = [LON0, LON0 + 0.001, LON0 + 0.003, LON0 + 0.0035]
    geoms = [shapely.box(xs[i], LAT0, xs[i + 1], LAT0 + 0.001) for i in range(3)]
    index = make_index(grid=(["320402001001001", "320402001001002", "320402001001003"], ["", "", ""], geoms))
    assert index._grid.__class__.__name__ == "_RectilinearGrid"
    result = index.classify([LON0 + 0.002, xs[2], LON0 + 0.0034, LON0 + 0.004], [LAT0 + 0.0005] * 4)
    assert result.grid_code.tolist() == ["320402001001002", "320402001001003", "320402001001003", None]
    assert result.grid_unit.tolist() == [None, None, None, None]  # blank unit reads as none


def test_non_finite_fixes_match_nothing():
    index = make_index(venues=venues())
    result = index.classify([np.nan, np.inf, LON0 + STEP / 2], [LAT0, np.nan, LAT0 + STEP / 2])
    assert result.grid_code.tolist() == [None, None, code(0, 0)]
    assert result.venue_id.tolist() == [-1, -1, -1]


def test_venues_spread_across_the_country_use_the_sparse_buckets():
    beijing = (31, "北京饭店", "restaurant", shapely.Point(116.39, 39.9), 30.0)
    index = make_index(venues=[*venues(), beijing])
    assert index._buckets[True].dense is False
    centre = east(VENUE_LON, 300)
    result = index.classify([east(116.39, 10), centre, 100.0], [39.9, VENUE_LAT, 30.0])
    assert result.venue_id.tolist() == [31, 12, -1]
    assert result.venue_distance_m[:2].tolist() == [0.0, 0.0]


def test_a_unit_created_after_the_index_was_built_is_found():
    paths = {"CZ-TN": "/CZ/CZ-ZD/CZ-TN/"}
    brigade = shapely.box(LON0, LAT0, LON0 + 0.01, LAT0 + 0.01)
    index = make_index(jurisdictions={"CZ-TN": brigade}, paths=paths)
    assert np.isnan(index.jurisdiction_distance("CZ-TN-04", [LON0 + 0.001], [LAT0 + 0.001])).all()
    paths["CZ-TN-04"] = "/CZ/CZ-ZD/CZ-TN/CZ-TN-04/"
    assert index.jurisdiction_distance("CZ-TN-04", [LON0 + 0.001], [LAT0 + 0.001]).tolist() == [0.0]
