"""The live map's base-map presets (telematics/live/basemaps.py): what each QM_BASEMAP puts on the page, the
datum the page shifts the data to, and the system check that refuses a preset that cannot work."""
import json
import re

import pytest
from django.test import Client

from telematics.live import basemaps
from telematics.live.checks import live_map_settings
from tests.support.fixtures import make_user


def config_of(html: str) -> dict:
    return json.loads(re.search(r'<script id="live-config" type="application/json">(.*?)</script>', html, re.S)[1])


def test_default_is_offline_without_any_tile_layer(settings):
    settings.QM_BASEMAP = ""
    settings.QM_TILE_URL = ""
    assert basemaps.page_config() == {"basemap": "offline", "tileCrs": "wgs84", "tiles": [], "drawnBase": True}
    settings.QM_BASEMAP = "none"
    assert basemaps.page_config() == {"basemap": "none", "tileCrs": "wgs84", "tiles": [], "drawnBase": False}


def test_tianditu_draws_vector_map_and_labels_with_the_key_in_wgs84(settings):
    settings.QM_BASEMAP = "tianditu"
    settings.QM_TIANDITU_KEY = "0123abcd&x"
    config = basemaps.page_config()
    assert config["tileCrs"] == "wgs84" and config["basemap"] == "tianditu"
    vec, cva = config["tiles"]
    assert vec["url"].startswith("https://t{s}.tianditu.gov.cn/vec_w/wmts?") and "LAYER=vec" in vec["url"]
    assert cva["url"].startswith("https://t{s}.tianditu.gov.cn/cva_w/wmts?") and "LAYER=cva" in cva["url"]
    for layer in (vec, cva):
        assert layer["url"].endswith("&tk=0123abcd%26x")  # the key cannot break out of its parameter
        assert "TILEMATRIX={z}&TILEROW={y}&TILECOL={x}" in layer["url"] and layer["subdomains"] == "01234567"
    assert live_map_settings() == []


@pytest.mark.parametrize(("name", "host"), [("gaode", "is.autonavi.com"), ("tencent", "map.gtimg.com")])
def test_gaode_and_tencent_are_gcj02(settings, name, host):
    settings.QM_BASEMAP = name
    config = basemaps.page_config()
    assert config["tileCrs"] == "gcj02" and len(config["tiles"]) == 1 and host in config["tiles"][0]["url"]
    assert live_map_settings() == []


def test_custom_preset_takes_url_datum_and_escaped_credit(settings):
    settings.QM_BASEMAP = "custom"
    settings.QM_TILE_URL = "https://tiles.bureau.example/{z}/{x}/{y}.png"
    settings.QM_TILE_CRS = "GCJ02"
    settings.QM_TILE_ATTRIBUTION = "<b>局</b>"
    config = basemaps.page_config()
    assert config["tileCrs"] == "gcj02"
    assert config["tiles"][0]["url"] == "https://tiles.bureau.example/{z}/{x}/{y}.png"
    assert config["tiles"][0]["attribution"] == "&lt;b&gt;局&lt;/b&gt;"


@pytest.mark.parametrize(("values", "message"), [
    ({"QM_BASEMAP": "tianditu", "QM_TIANDITU_KEY": ""}, "QM_TIANDITU_KEY"),
    ({"QM_BASEMAP": "google"}, "QM_BASEMAP must be one of"),
    ({"QM_BASEMAP": "custom", "QM_TILE_URL": ""}, "needs QM_TILE_URL"),
    ({"QM_BASEMAP": "custom", "QM_TILE_URL": "https://t.example/{z}/{x}/{y}", "QM_TILE_CRS": "bd09"}, "wgs84 or gcj02"),
    ({"QM_MAP_LAST_TRACK_MIN": "an hour"}, "QM_MAP_LAST_TRACK_MIN must be a whole number"),
])
def test_system_check_refuses_a_preset_that_cannot_work(settings, values, message):
    for name, value in values.items():
        setattr(settings, name, value)
    errors = live_map_settings()
    assert len(errors) == 1 and message in errors[0].msg
    if "QM_BASEMAP" in values:
        assert basemaps.page_config()["tiles"] == []  # the page still opens, without tiles


@pytest.mark.django_db
def test_page_carries_the_preset_and_unit_names_in_scope(bureau, settings):
    settings.QM_BASEMAP = "gaode"
    user = make_user("wj", "fleet", bureau["units"]["CZ-WJ"])
    client = Client()
    client.force_login(user)
    for url in ("/map/", "/map/replay/"):
        config = config_of(client.get(url).content.decode())
        assert config["basemap"] == "gaode" and config["tileCrs"] == "gcj02"
        assert config["lastTrackMin"] == 60
        assert config["unitNames"] == {"CZ-WJ": "武进大队", "CZ-WJ-01": "CZ-WJ-01中队"}


@pytest.mark.django_db
def test_the_new_controls_and_script_strings_speak_english_when_switched(bureau, settings):
    client = Client()
    client.force_login(make_user("fleet", "fleet", bureau["units"]["CZ"]))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/map/").content.decode()
    strings = json.loads(re.search(r'<script id="live-strings" type="application/json">(.*?)</script>', html, re.S)[1])
    assert "Find by plate" in html and "Stop following" in html
    assert (strings["follow"], strings["searchNotFound"], strings["jurisdiction"]) == (
        "Follow", "No vehicle with that plate.", "Jurisdiction")
    assert strings["venueCategories"]["restaurant"] != "餐馆酒楼"
