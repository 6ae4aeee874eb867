"""The alert page's track map (cases.evidence.track_drawing): a street whose box overlaps the map but whose line
passes outside it is cut to nothing and left out; the SVG renderer refused the empty line and the alert page of
the demo's out-of-jurisdiction case answered 500."""
import datetime as dt
from types import SimpleNamespace

import geopandas as gpd
import pytest
from reportlab.graphics import renderPDF, renderSVG
from shapely.geometry import LineString

from gis.services import layer_load_frame
from telematics.tracking.cases.evidence import track_drawing

pytestmark = pytest.mark.django_db
LAT, LON = 31.78, 119.95


def test_a_street_cut_to_nothing_by_the_frame_is_left_out(db):
    # An L round the fix, 2 km away: its box holds the map's frame, the line itself never enters it.
    around = LineString([(LON - 0.02, LAT - 0.02), (LON + 0.02, LAT - 0.02), (LON + 0.02, LAT + 0.02)])
    through = LineString([(LON - 0.01, LAT), (LON + 0.01, LAT)])
    frame = gpd.GeoDataFrame({"name": ["环路", "横街"], "kind": ["main", "side"]}, geometry=[around, through],
                             crs="EPSG:4326")
    layer_load_frame(layer="streets", frame=frame, source_file="test")
    ts = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.timezone.utc)
    evidence = SimpleNamespace(fixes=[(ts, LAT, LON, 0.0, 0, ""), (ts + dt.timedelta(minutes=1), LAT + 0.001, LON,
                                                                   20.0, 0, "")],
                               view=SimpleNamespace(alerts=[]))
    drawing = track_drawing(evidence, 640, 380)
    svg = renderSVG.drawToString(drawing)
    assert svg.count("<polyline") >= 3  # the street through the map (twice: casing and line) and the track
    assert renderPDF.drawToString(drawing).startswith(b"%PDF")
