"""The map's GCJ-02 display shift (static/live/gcj02.js) against the Python gis.gcj02 on the same points, and the
map drawing WGS-84 fixes shifted onto GCJ-02 tiles when QM_TILE_CRS=gcj02."""
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone

from gis.gcj02 import gcj02_to_wgs84, wgs84_to_gcj02
from telematics.models import Vehicle
from telematics.tracking.store import PositionRow, store_positions
from tests.support.fixtures import make_user

SCRIPT = Path(__file__).resolve().parents[2] / "telematics" / "static" / "live" / "gcj02.js"
POINTS = [(119.9463, 31.7781), (116.3975, 39.9087), (121.4737, 31.2304), (113.2644, 23.1291), (87.6168, 43.8256),
          (139.6917, 35.6895), (-0.1276, 51.5072)]  # Changzhou, Beijing, Shanghai, Guangzhou, Urumqi; Tokyo, London


def test_js_port_matches_python(chromium):
    page = chromium.new_page()
    try:
        page.set_content("<html><body></body></html>")
        page.add_script_tag(path=str(SCRIPT))
        results = page.evaluate("""points => points.map(p => ({
            fwd: QMGcj02.wgs84ToGcj02(p[0], p[1]), back: QMGcj02.gcj02ToWgs84(p[0], p[1]),
            outside: QMGcj02.outsideChina(p[0], p[1])}))""", [list(p) for p in POINTS])
    finally:
        page.close()
    for (lon, lat), got in zip(POINTS, results, strict=True):
        assert got["fwd"] == pytest.approx(wgs84_to_gcj02(lon, lat), abs=1e-9)
        assert got["back"] == pytest.approx(gcj02_to_wgs84(lon, lat), abs=1e-9)
    assert [r["outside"] for r in results] == [False] * 5 + [True, True]
    shift = results[0]["fwd"]
    assert 0.003 < abs(shift[0] - POINTS[0][0]) + abs(shift[1] - POINTS[0][1]) < 0.02  # a few hundred metres


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_map_shifts_markers_onto_gcj02_tiles(bureau, live_server, browser_page, settings):
    settings.QM_TILE_CRS = "gcj02"
    settings.QM_TILE_URL = f"{live_server.url}/no-tiles/{{z}}/{{x}}/{{y}}.png"  # none there: the layer stays empty
    vehicle = Vehicle.objects.create(plate="苏D·G0001", unit=bureau["units"]["CZ-TN-01"], seats=5, terminal_id="G1")
    with transaction.atomic():
        store_positions([PositionRow(terminal="G1", ts=timezone.now(), vehicle_id=vehicle.pk, lat=31.7781,
                                     lon=119.9463, speed=0.0, heading=None, acc=None, seq=None, grid_code="",
                                     venue_id=None, received_at=timezone.now())])
    page = browser_page(make_user("admin", None, superuser=True))
    page.goto(f"{live_server.url}/map/")
    page.wait_for_function("window.qmMap && window.qmMap.ready")
    drawn = page.evaluate(f"(() => {{ const p = qmMap.markers[{vehicle.pk}].getLatLng(); return [p.lng, p.lat]; }})()")
    assert drawn == pytest.approx(wgs84_to_gcj02(119.9463, 31.7781), abs=1e-9)
    assert page.evaluate(f"qmMap.position({vehicle.pk}).lat") == 31.7781  # the data itself stays WGS-84
    assert page.locator(".leaflet-tile-pane img").count() > 0
