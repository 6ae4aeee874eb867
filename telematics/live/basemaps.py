"""Base-map presets of the live map and replay (QM_BASEMAP): which tile layers the page draws and in which datum
they are, so the page shifts the WGS-84 data onto GCJ-02 tiles for display (static/live/common.js, once)."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from django.utils.html import escape

from . import conf

WGS84, GCJ02 = "wgs84", "gcj02"
_TIANDITU = ("https://t{s}.tianditu.gov.cn/%(layer)s_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
             "&LAYER=%(layer)s&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}"
             "&tk=%(key)s")


@dataclass(frozen=True)
class Preset:
    crs: str
    tiles: tuple[dict, ...] = ()
    drawn: bool = False  # the bureau's own layers drawn as the base (the sample city offline)


def _tianditu(key: str) -> Preset:
    # vec_w: the vector map, cva_w: its Chinese labels, both Web Mercator on CGCS2000 (WGS-84 within a metre).
    credit = '&copy; <a href="https://www.tianditu.gov.cn/">天地图</a>'
    return Preset(WGS84, tuple({"url": _TIANDITU % {"layer": layer, "key": quote(key, safe="")},
                                "subdomains": "01234567", "maxZoom": 18, "attribution": credit if layer == "vec"
                                else ""} for layer in ("vec", "cva")))


PRESETS = ("none", "offline", "tianditu", "gaode", "tencent", "custom")


def current_name() -> str:
    name = str(conf.get("QM_BASEMAP")).strip().lower()
    if not name:
        return "custom" if conf.get("QM_TILE_URL") else "offline"
    return name


def preset(name: str | None = None) -> Preset:
    """The preset in force (or `name`); ValueError names what is wrong with its settings."""
    name = name or current_name()
    if name == "none":
        return Preset(WGS84)
    if name == "offline":
        return Preset(WGS84, drawn=True)
    if name == "tianditu":
        key = str(conf.get("QM_TIANDITU_KEY")).strip()
        if not key:
            raise ValueError("QM_BASEMAP=tianditu needs QM_TIANDITU_KEY (a browser-side key from 天地图's console)")
        return _tianditu(key)
    if name == "gaode":
        return Preset(GCJ02, ({"url": "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1"
                                      "&style=8&x={x}&y={y}&z={z}", "subdomains": "1234", "maxZoom": 18,
                               "attribution": "&copy; 高德地图"},))
    if name == "tencent":
        return Preset(GCJ02, ({"url": "https://rt{s}.map.gtimg.com/tile?z={z}&x={x}&y={-y}&type=vector&styleid=3",
                               "subdomains": "0123", "maxZoom": 18, "attribution": "&copy; 腾讯地图"},))
    if name == "custom":
        url = str(conf.get("QM_TILE_URL")).strip()
        crs = str(conf.get("QM_TILE_CRS")).strip().lower()
        if not url:
            raise ValueError("QM_BASEMAP=custom needs QM_TILE_URL (a tile URL template with {z}, {x} and {y})")
        if crs not in (WGS84, GCJ02):
            raise ValueError(f"QM_TILE_CRS must be wgs84 or gcj02 (got {crs!r})")
        return Preset(crs, ({"url": url, "subdomains": str(conf.get("QM_TILE_SUBDOMAINS")), "maxZoom": 19,
                             "attribution": escape(conf.get("QM_TILE_ATTRIBUTION"))},))
    raise ValueError(f"QM_BASEMAP must be one of {', '.join(PRESETS)} (got {name!r})")


def page_config() -> dict:
    """What the page's scripts need: the preset's name, datum, tile layers and whether to draw the city."""
    name = current_name()
    try:
        chosen = preset(name)
    except ValueError:
        name, chosen = "none", Preset(WGS84)  # the system check reports it; the map still works without tiles
    return {"basemap": name, "tileCrs": chosen.crs, "tiles": list(chosen.tiles), "drawnBase": chosen.drawn}
