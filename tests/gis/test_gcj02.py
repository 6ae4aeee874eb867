"""GCJ-02 conversion against the published pairs (eviltransform's test data), both ways, scalar and vector."""
import numpy as np
import pytest
from pyproj import Geod

from gis.gcj02 import gcj02_to_wgs84, outside_china, wgs84_to_gcj02

# (wgs lon, wgs lat, gcj lon, gcj lat): Shanghai, Shenzhen, Beijing.
PAIRS = [
    (121.5272106, 31.1774276, 121.531541859215, 31.17530398364597),
    (113.912316, 22.543847, 113.9171764808363, 22.540796131694766),
    (116.377817, 39.911954, 116.38404722455657, 39.91334545536069),
]
GEOD = Geod(ellps="WGS84")


def metres(lon1, lat1, lon2, lat2):
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


@pytest.mark.parametrize("wlon,wlat,glon,glat", PAIRS)
def test_forward_matches_published_pairs(wlon, wlat, glon, glat):
    lon, lat = wgs84_to_gcj02(wlon, wlat)
    assert metres(lon, lat, glon, glat) < 0.01


@pytest.mark.parametrize("wlon,wlat,glon,glat", PAIRS)
def test_inverse_matches_published_pairs_within_half_a_metre(wlon, wlat, glon, glat):
    lon, lat = gcj02_to_wgs84(glon, glat)
    assert isinstance(lon, float)
    assert metres(lon, lat, wlon, wlat) < 0.5


def test_round_trip_over_changzhou_is_under_a_metre_vectorised():
    rng = np.random.default_rng(7)
    lon = rng.uniform(119.7, 120.2, 5000)
    lat = rng.uniform(31.5, 32.0, 5000)
    glon, glat = wgs84_to_gcj02(lon, lat)
    shift = metres(lon, lat, glon, glat)
    assert shift.min() > 100  # the shift is real (hundreds of metres around Changzhou)
    back_lon, back_lat = gcj02_to_wgs84(glon, glat)
    assert metres(lon, lat, back_lon, back_lat).max() < 0.01


def test_outside_china_is_left_unchanged():
    lon = np.array([2.3522, -74.006, 119.95])
    lat = np.array([48.8566, 40.7128, 31.78])
    assert outside_china(lon, lat).tolist() == [True, True, False]
    glon, glat = wgs84_to_gcj02(lon, lat)
    assert glon[:2].tolist() == lon[:2].tolist() and glat[:2].tolist() == lat[:2].tolist()
    assert glon[2] != lon[2]
    assert gcj02_to_wgs84(2.3522, 48.8566) == (2.3522, 48.8566)


def test_inputs_are_not_modified_in_place():
    lon = np.array([119.95])
    lat = np.array([31.78])
    wgs84_to_gcj02(lon, lat)
    gcj02_to_wgs84(lon, lat)
    assert lon[0] == 119.95 and lat[0] == 31.78
