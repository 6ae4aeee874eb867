"""The sample city: deterministic, squadrons tiling brigades, grid codes, streets, venues, depots."""
import json
import re

import geopandas as gpd
import numpy as np
import pytest
import shapely

from gis.index import LocalPlane
from gis.sample import build_city


@pytest.fixture(scope="module")
def city():
    return build_city(seed=1)


def test_same_seed_same_city_other_seed_other_venues(city):
    again = build_city(seed=1)
    for name in ("grid", "venues", "jurisdictions", "streets"):
        assert getattr(city, name).equals(getattr(again, name)), name
    assert again.depots == city.depots
    other = build_city(seed=2)
    assert not other.venues.equals(city.venues)
    assert other.grid.equals(city.grid)


def test_layers_are_wgs84_around_changzhou(city):
    for name in ("grid", "venues", "jurisdictions", "streets"):
        frame = getattr(city, name)
        assert frame.crs.to_epsg() == 4326
        minx, miny, maxx, maxy = frame.total_bounds
        assert 119.85 < minx < maxx < 120.05 and 31.7 < miny < maxy < 31.85


def test_squadrons_tile_their_brigade(city):
    j = city.jurisdictions.set_index("unit").geometry
    assert sorted(j.index) == sorted(["CZ-ZD", "CZ-TN", "CZ-ZL", "CZ-XB"]
                                     + [f"CZ-{b}-0{s}" for b in ("TN", "ZL", "XB") for s in (1, 2, 3)])
    for brigade in ("CZ-TN", "CZ-ZL", "CZ-XB"):
        squadrons = [j[f"{brigade}-0{s}"] for s in (1, 2, 3)]
        assert shapely.union_all(squadrons).equals(j[brigade])
        assert sum(s.area for s in squadrons) == pytest.approx(j[brigade].area, rel=1e-12)
    assert shapely.union_all([j[b] for b in ("CZ-TN", "CZ-ZL", "CZ-XB")]).equals(j["CZ-ZD"])


def test_grid_cells_are_about_100m_with_15_digit_codes_inside_their_squadron(city):
    grid = city.grid
    assert len(grid) == 5400 and grid["code"].is_unique
    assert all(re.fullmatch(r"\d{15}", c) for c in grid["code"])
    plane = LocalPlane(119.95, 31.78)
    minx, miny, maxx, maxy = grid.geometry.iloc[0].bounds
    width = (maxx - minx) * plane.m_per_deg_lon
    height = (maxy - miny) * plane.m_per_deg_lat
    assert 90 < width < 110 and 90 < height < 110
    j = city.jurisdictions.set_index("unit").geometry
    centroids = gpd.GeoSeries(shapely.centroid(grid.geometry.values), index=grid.index)
    for unit in grid["unit"].unique():
        inside = j[unit].contains(centroids[grid["unit"] == unit])
        assert inside.all(), unit
        assert j[unit].covers(shapely.union_all(grid.geometry[grid["unit"] == unit].values))
    assert grid["code"].str[:6].isin(["320402", "320404", "320411"]).all()


def test_streets_are_named_lines_of_several_kinds(city):
    streets = city.streets
    assert (streets.geometry.geom_type == "LineString").all()
    assert streets["name"].is_unique and (streets["name"].str.len() > 0).all()
    assert set(streets["kind"]) == {"main", "side", "diagonal", "canal"}
    assert len(streets) >= 25


def test_venues_of_several_categories_along_streets(city):
    venues = city.venues
    assert 200 <= len(venues) <= 500
    assert {"restaurant", "entertainment", "shop", "hotel", "office"} <= set(venues["category"])
    kinds = venues.geometry.geom_type.value_counts()
    assert kinds["Point"] > 50 and kinds["Polygon"] > 50
    points = venues.geometry.geom_type == "Point"
    assert venues.loc[points, "radius_m"].gt(0).all() and venues.loc[~points, "radius_m"].isna().all()
    plane = LocalPlane(119.95, 31.78)
    streets_m = plane.geometries(city.streets.geometry.values)
    venues_m = plane.geometries(venues.geometry.values)
    distance = shapely.distance(venues_m[:, None], streets_m[None, :]).min(axis=1)
    assert distance.max() < 60
    assert venues["name"].is_unique


def test_one_depot_per_brigade_on_a_street_inside_it_and_clear_of_venues(city):
    assert set(city.depots) == {"CZ-TN", "CZ-ZL", "CZ-XB"}
    j = city.jurisdictions.set_index("unit").geometry
    plane = LocalPlane(119.95, 31.78)
    streets_m = plane.geometries(city.streets.geometry.values)
    venues_m = plane.geometries(city.venues.geometry.values)
    for unit, (lon, lat) in city.depots.items():
        assert j[unit].contains(shapely.Point(lon, lat))
        depot = shapely.Point(*plane.forward(lon, lat))
        assert shapely.distance(depot, streets_m).min() < 0.01
        assert shapely.distance(depot, venues_m).min() > 200


def test_sample_command_writes_files(tmp_path, db):
    from django.core.management import call_command

    call_command("gis", "sample", "--output", str(tmp_path), "--seed", "3")
    for name in ("grid", "venues", "jurisdictions", "streets"):
        assert (tmp_path / f"{name}.geojson").stat().st_size > 1000
    depots = json.loads((tmp_path / "depots.json").read_text(encoding="utf-8"))
    assert set(depots) == {"CZ-TN", "CZ-ZL", "CZ-XB"}
    assert np.allclose(depots["CZ-TN"], build_city(seed=3).depots["CZ-TN"])
