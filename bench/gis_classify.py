"""Classifies fixes against the grid and venues (gis.index.SpatialIndex); prints points/s.

Default sizes are small (200,000 points, 10,000 cells, 1,000 venues); `--full` runs the issue's sizes:
1,000,000 points against 100,000 grid cells and 10,000 venues (target ≥ 1,000,000 points/s on one core).
It also times an irregular grid (cells that are not axis-aligned boxes: a bucket hash and a crossing test)
and the jurisdiction distance.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import shapely

from gis.index import SpatialIndex

LON0, LAT0 = 119.80, 31.63
CELL_LON, CELL_LAT = 0.00106, 0.0009  # ≈ 100 m × 100 m at Changzhou


def build_layers(cells: int, venues: int, rng: np.random.Generator, irregular: bool = False):
    side = round(np.sqrt(cells))
    xs = np.round(LON0 + np.arange(side + 1) * CELL_LON, 7)
    ys = np.round(LAT0 + np.arange(side + 1) * CELL_LAT, 7)
    x0, y0 = np.meshgrid(xs[:-1], ys[:-1])
    x1, y1 = np.meshgrid(xs[1:], ys[1:])
    grid = shapely.box(x0.ravel(), y0.ravel(), x1.ravel(), y1.ravel())
    if irregular:
        # Nudge every cell's south-east corner (first and closing vertex) westwards: no longer boxes.
        coords = shapely.get_coordinates(grid).reshape(len(grid), 5, 2)
        coords[:, [0, 4], 0] -= CELL_LON * 0.01
        grid = shapely.polygons(coords)
    codes = np.array([f"320402{i:09d}" for i in range(len(grid))], dtype=object)
    units = np.array([f"CZ-TN-0{i % 3 + 1}" for i in range(len(grid))], dtype=object)
    vx = rng.uniform(xs[0], xs[-1], venues)
    vy = rng.uniform(ys[0], ys[-1], venues)
    polygon = rng.random(venues) < 0.5
    size_lon, size_lat = 40 / 94_700, 30 / 111_000
    venue_geoms = np.where(polygon, shapely.box(vx, vy, vx + size_lon, vy + size_lat), shapely.points(vx, vy))
    categories = rng.choice(["restaurant", "entertainment", "shop", "hotel", "office"], venues)
    jurisdiction = shapely.box(xs[0], ys[0], (xs[0] + xs[-1]) / 2, ys[-1])
    index = SpatialIndex(
        grid_codes=codes, grid_units=units, grid_geoms=grid,
        venue_ids=np.arange(venues), venue_names=[f"venue {i}" for i in range(venues)],
        venue_categories=categories, venue_geoms=venue_geoms,
        venue_radius_m=np.where(polygon, np.nan, 30.0),
        jurisdictions={"CZ-TN": jurisdiction},
    )
    return index, (xs[0], ys[0], xs[-1], ys[-1])


def timed(label: str, n: int, fn, repeat: int = 3) -> float:
    best = float("inf")
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    print(f"   {label}: {n:,} points in {best:.3f} s = {n / best:,.0f} points/s", flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="1,000,000 points, 100,000 cells, 10,000 venues")
    parser.add_argument("--points", type=int)
    parser.add_argument("--cells", type=int)
    parser.add_argument("--venues", type=int)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    points = args.points or (1_000_000 if args.full else 200_000)
    cells = args.cells or (100_000 if args.full else 10_000)
    venues = args.venues or (10_000 if args.full else 1_000)
    rng = np.random.default_rng(args.seed)

    started = time.perf_counter()
    index, (minx, miny, maxx, maxy) = build_layers(cells, venues, rng)
    print(f"   index of {len(index.grid_codes):,} cells and {venues:,} venues built in "
          f"{time.perf_counter() - started:.2f} s ({type(index._grid).__name__})", flush=True)
    # Fixes over the layers plus a 10 % margin outside them.
    pad_x, pad_y = (maxx - minx) * 0.05, (maxy - miny) * 0.05
    lons = rng.uniform(minx - pad_x, maxx + pad_x, points)
    lats = rng.uniform(miny - pad_y, maxy + pad_y, points)

    result = timed("classify, alerting venues", points, lambda: index.classify(lons, lats))
    timed("classify, all venues", points, lambda: index.classify(lons, lats, alerting_only=False))
    in_cell = np.count_nonzero(np.not_equal(result.grid_code, None))
    near = np.count_nonzero(result.venue_id >= 0)
    print(f"   {in_cell:,} points in a cell, {near:,} at an alerting venue", flush=True)
    timed("jurisdiction distance", points, lambda: index.jurisdiction_distance("CZ-TN", lons, lats))

    irregular, _ = build_layers(cells, venues, np.random.default_rng(args.seed), irregular=True)
    assert shapely.is_valid(irregular._grid.geoms).all()
    timed(f"classify, irregular grid ({type(irregular._grid).__name__})", points,
          lambda: irregular.classify(lons, lats))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
