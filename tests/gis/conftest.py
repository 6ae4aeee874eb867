"""Helpers for the gis tests: small layers written to real files in each format."""
import geopandas as gpd
import pytest
from shapely.geometry import Point, box

LON0, LAT0, STEP = 119.95, 31.78, 0.001


def grid_frame(n: int = 3, prefix: str = "320402001001", crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    rows = [{"code": f"{prefix}{j}{i}1", "unit": "CZ-TN-01",
             "geometry": box(LON0 + i * STEP, LAT0 + j * STEP, LON0 + (i + 1) * STEP, LAT0 + (j + 1) * STEP)}
            for j in range(n) for i in range(n)]
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)


def venue_points() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        [{"name": "老王饭店", "category": "restaurant", "radius_m": 40.0,
          "geometry": Point(LON0 + 0.01, LAT0)},
         {"name": "欢乐KTV", "category": "entertainment", "radius_m": None,
          "geometry": Point(LON0 + 0.02, LAT0)},
         {"name": "便利店", "category": "shop", "radius_m": 10.0, "geometry": Point(LON0 + 0.03, LAT0)}],
        geometry="geometry", crs="EPSG:4326")


def jurisdiction_frame() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        [{"unit": "CZ-TN", "geometry": box(LON0, LAT0, LON0 + 0.02, LAT0 + 0.02)},
         {"unit": "CZ-TN-01", "geometry": box(LON0, LAT0, LON0 + 0.01, LAT0 + 0.02)}],
        geometry="geometry", crs="EPSG:4326")


@pytest.fixture
def write(tmp_path):
    """write(frame, "name.geojson" | ".gpkg" | ".shp") -> path of the file written with geopandas."""
    def _write(frame: gpd.GeoDataFrame, name: str):
        path = tmp_path / name
        frame.to_file(path, engine="pyogrio")
        return path
    return _write


@pytest.fixture(autouse=True)
def _fresh_index():
    """Each test starts with the process-wide index cache cleared."""
    from gis import services
    services.spatial_index_invalidate()
    services._cached = None
    yield
    services._cached = None
