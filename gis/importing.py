"""Reading and checking layer files: any format and CRS geopandas/pyogrio reads, to validated WGS-84 rows.

Nothing here touches the database except the unit-code check; `gis.services` stores what this returns.
Every problem names its feature (position in the file, plus its code / name / unit when it has one) and
all of them are reported at once, so a bad file is fixed in one round.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from pyproj import CRS

from assets.models import OrgUnit
from quartermaster.errors import DomainError, Named, choice_label

from .choices import DEFAULT_VENUE_RADIUS_M, Layer, PlaceKind, VenueCategory
from .gcj02 import gcj02_to_wgs84

GRID_CODE = re.compile(r"^\d{14}(\d)?$")
WGS84 = CRS.from_epsg(4326)
POLYGONAL = ("Polygon", "MultiPolygon")
ALLOWED_TYPES = {
    Layer.GRID: POLYGONAL,
    Layer.JURISDICTIONS: POLYGONAL,
    Layer.VENUES: (*POLYGONAL, "Point"),
    Layer.STREETS: ("LineString", "MultiLineString"),
    Layer.PLACES: ("LineString", "MultiLineString", *POLYGONAL, "Point"),
}
_CATEGORY_BY_LABEL = {str(label): value for value, label in VenueCategory.choices}
# A places file may say its kinds in Chinese (道路, 街道 …); the known ones become PlaceKind values.
_PLACE_KIND_BY_LABEL = {**{str(label): value for value, label in PlaceKind.choices},
                        "路": PlaceKind.STREET, "街道": PlaceKind.DISTRICT, "街": PlaceKind.STREET,
                        "区": PlaceKind.DISTRICT, "城区": PlaceKind.DISTRICT, "小区": PlaceKind.COMMUNITY,
                        "村": PlaceKind.COMMUNITY, "兴趣点": PlaceKind.LANDMARK, "poi": PlaceKind.LANDMARK}
# Without a kind, a place's kind follows from its geometry.
_PLACE_KIND_BY_GEOMETRY = {"LineString": PlaceKind.STREET, "MultiLineString": PlaceKind.STREET,
                           "Polygon": PlaceKind.DISTRICT, "MultiPolygon": PlaceKind.DISTRICT,
                           "Point": PlaceKind.LANDMARK}
_MAX_LISTED_ERRORS = 50


def _said(template, **params) -> Named:
    """A problem of a feature, rendered when the refusal is read (in the reader's language)."""
    return Named(lambda: str(template) % params if params else str(template))


@dataclass
class LayerRows:
    """A checked layer: one dict per feature (WGS-84 shapely geometry under "geometry")."""

    layer: str
    crs: str
    rows: list[dict] = field(default_factory=list)
    repaired: int = 0
    warnings: list[str] = field(default_factory=list)


def read_frame(path: str | Path, *, crs: str | None = None) -> tuple[gpd.GeoDataFrame, str]:
    """The file as a WGS-84 GeoDataFrame and a label of the CRS it came in. `crs="gcj02"` says the
    coordinates are GCJ-02 lon/lat (taken from a Chinese web map) and converts them."""
    path = Path(path)
    if not path.exists():
        raise DomainError(_("%(path)s：文件不存在"), code="not_found", field="file", path=path)
    try:
        frame = gpd.read_file(path, engine="pyogrio")
    except Exception as exc:  # pyogrio raises its own DataSourceError/DataLayerError family
        raise DomainError(_("%(path)s：无法作为 GeoJSON、GeoPackage 或 Shapefile 读取（%(error)s）"),
                          code="unreadable", field="file", path=path, error=exc) from exc
    return to_wgs84(frame, crs=crs, where=str(path))


def to_wgs84(frame: gpd.GeoDataFrame, *, crs: str | None = None,
             where: str = "layer") -> tuple[gpd.GeoDataFrame, str]:
    """The frame in WGS-84 and a label of the CRS it came in (see `read_frame`)."""
    declared = frame.crs
    if crs is not None and crs.lower() not in ("gcj02", "wgs84"):
        raise DomainError(_("%(where)s：未知的 --crs %(crs)s（应为 gcj02 或 wgs84）"), code="invalid", field="crs",
                          where=where, crs=repr(crs))
    if declared is None:
        # GeoJSON is WGS-84 by definition (RFC 7946); a file without a CRS is read the same way.
        frame = frame.set_crs(WGS84, allow_override=True)
        label = "EPSG:4326 (undeclared)"
    else:
        authority = declared.to_authority()
        label = ":".join(authority) if authority else declared.name
        if not declared.equals(WGS84) and not (declared.is_geographic and declared.datum == WGS84.datum):
            if crs and crs.lower() == "gcj02":
                raise DomainError(_("%(where)s：声明了 %(label)s，但 GCJ-02 坐标是经纬度；请去掉 --crs gcj02 或所声明的投影"),
                                  code="invalid", field="crs", where=where, label=label)
            try:
                frame = frame.to_crs(WGS84)
            except Exception as exc:
                raise DomainError(_("%(where)s：无法从 %(label)s 转换到 WGS-84（%(error)s）"),
                                  code="invalid", field="crs", where=where, label=label, error=exc) from exc
        else:
            frame = frame.set_crs(WGS84, allow_override=True)
    if crs and crs.lower() == "gcj02":
        def convert(coords: np.ndarray) -> np.ndarray:
            lon, lat = gcj02_to_wgs84(coords[:, 0], coords[:, 1])
            return np.column_stack([lon, lat])

        frame = frame.set_geometry(shapely.transform(frame.geometry.values, convert), crs=WGS84)
        label = f"GCJ-02 ({label})"
    return frame, label


def _text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _describe(position: int, props: dict) -> str:
    for key in ("code", "name", "unit"):
        text = _text(props.get(key))
        if text:
            return _said(_("第 %(position)s 个要素（%(key)s %(text)s）"), position=position, key=key, text=text)
    return _said(_("第 %(position)s 个要素"), position=position)


def _geometry_checks(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per feature, in one pass over the layer: (missing or empty, coordinates sane, valid)."""
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    coords, owner = shapely.get_coordinates(geoms, return_index=True)
    bad = ~np.isfinite(coords).all(axis=1) | (np.abs(coords[:, 0]) > 180) | (np.abs(coords[:, 1]) > 90)
    sane = np.ones(len(geoms), dtype=bool)
    sane[owner[bad]] = False
    valid = np.zeros(len(geoms), dtype=bool)
    present = ~missing
    valid[present] = shapely.is_valid(geoms[present])
    return missing, sane, valid


def _checked_geometry(geom, allowed: tuple[str, ...], *, missing: bool, sane: bool,
                      valid: bool) -> tuple[object | None, bool, str | None]:
    """(geometry, repaired?, error): invalid shapes go through make_valid, keeping only the allowed kind."""
    if missing:
        return None, False, _said(_("没有几何图形"))
    if geom.geom_type not in allowed:
        return None, False, _said(_("是 %(type)s，应为 %(allowed)s"), type=geom.geom_type,
                                  allowed=" / ".join(allowed))
    if not sane:
        return None, False, _said(_("坐标超出经纬度范围或不是数字（未声明的投影坐标系？）"))
    if valid:
        return geom, False, None
    reason = shapely.is_valid_reason(geom)
    repaired = shapely.make_valid(geom)
    if geom.geom_type in POLYGONAL:
        parts = [p for p in shapely.get_parts(repaired) if p.geom_type in POLYGONAL]
        parts = [q for p in parts for q in shapely.get_parts(p)]
        repaired = shapely.MultiPolygon(parts) if len(parts) > 1 else (parts[0] if parts else None)
        if repaired is None or repaired.area == 0:
            return None, False, _said(_("几何图形无效且无法修复（%(reason)s）"), reason=reason)
    elif repaired.geom_type not in allowed:
        return None, False, _said(_("几何图形无效且无法修复（%(reason)s）"), reason=reason)
    return repaired, True, None


def _known_units() -> set[str] | None:
    """Unit codes to check against, or None when no org units exist yet (a fresh database)."""
    codes = set(OrgUnit.objects.values_list("code", flat=True))
    return codes or None


def check_frame(layer: str, frame: gpd.GeoDataFrame, *, crs_label: str) -> LayerRows:
    """Validates every feature of a WGS-84 frame for `layer`; raises one DomainError listing every problem."""
    layer = Layer(layer)
    result = LayerRows(layer=layer, crs=crs_label)
    errors: list[Named] = []
    allowed = ALLOWED_TYPES[layer]
    columns = [c for c in frame.columns if c != frame.geometry.name]
    required = {Layer.GRID: ["code"], Layer.VENUES: ["name", "category"], Layer.JURISDICTIONS: ["unit"],
                Layer.STREETS: [], Layer.PLACES: ["name"]}[layer]
    missing = [c for c in required if c not in columns]
    if missing:
        raise DomainError(_("%(layer)s：文件没有 %(missing)s 属性（它有：%(columns)s）"), code="invalid_layer",
                          layer=choice_label(layer, Layer), missing=", ".join(missing),
                          columns=", ".join(columns) or "—")
    if len(frame) == 0:
        raise DomainError(_("%(layer)s：文件中没有要素"), code="invalid_layer", layer=choice_label(layer, Layer))
    units = _known_units() if layer in (Layer.GRID, Layer.JURISDICTIONS) else None
    if units is None and layer in (Layer.GRID, Layer.JURISDICTIONS):
        result.warnings.append(gettext("还没有任何单位：未检查单位代码"))
    seen: dict[str, int] = {}
    records = frame[columns].to_dict("records")
    geoms = np.asarray(frame.geometry.values, dtype=object)
    missing, sane, valid = _geometry_checks(geoms)
    for position, (props, geom) in enumerate(zip(records, geoms, strict=True)):
        label = _describe(position, props)
        problems: list[Named] = []
        geometry, repaired, problem = _checked_geometry(geom, allowed, missing=missing[position],
                                                        sane=sane[position], valid=valid[position])
        if problem:
            problems.append(problem)
        row: dict = {"geometry": geometry}
        if layer == Layer.GRID:
            code = _text(props.get("code"))
            unit = _text(props.get("unit"))
            if not GRID_CODE.match(code):
                problems.append(_said(_("网格编码 %(code)s 不是 14 或 15 位数字（GB/T 30428）"), code=repr(code)))
            if unit and units is not None and unit not in units:
                problems.append(_said(_("单位 %(unit)s 不是已登记的单位"), unit=repr(unit)))
            row.update(code=code, unit_code=unit)
            key = code
        elif layer == Layer.VENUES:
            name = _text(props.get("name"))
            raw_category = _text(props.get("category"))
            category = _CATEGORY_BY_LABEL.get(raw_category, raw_category.lower())
            if not name:
                problems.append(_said(_("没有名称")))
            if not category:
                problems.append(_said(_("没有类别")))
            radius = None
            if geometry is not None and geometry.geom_type == "Point":
                raw_radius = props.get("radius_m")
                text = _text(raw_radius)
                try:
                    radius = float(text) if text else DEFAULT_VENUE_RADIUS_M
                except ValueError:
                    radius = math.nan
                if not (radius > 0 and math.isfinite(radius)):
                    problems.append(_said(_("radius_m %(text)s 不是正的米数"), text=repr(text)))
            row.update(name=name[:200], category=category[:32], radius_m=radius)
            key = None
        elif layer == Layer.JURISDICTIONS:
            unit = _text(props.get("unit"))
            if not unit:
                problems.append(_said(_("没有单位")))
            elif units is not None and unit not in units:
                problems.append(_said(_("单位 %(unit)s 不是已登记的单位"), unit=repr(unit)))
            row.update(unit_code=unit)
            key = unit
        elif layer == Layer.PLACES:
            name = _text(props.get("name"))
            raw_kind = _text(props.get("kind"))
            kind = _PLACE_KIND_BY_LABEL.get(raw_kind, _PLACE_KIND_BY_LABEL.get(raw_kind.lower(), raw_kind.lower()))
            if not kind and geometry is not None:
                kind = _PLACE_KIND_BY_GEOMETRY[geometry.geom_type]
            if not name:
                problems.append(_said(_("没有名称")))
            row.update(name=name[:200], kind=str(kind)[:32])
            key = None
        else:
            row.update(name=_text(props.get("name"))[:200], kind=_text(props.get("kind"))[:32])
            key = None
        if key:
            if key in seen:
                problems.append(_said(_("与第 %(other)s 个要素的 %(key)s 重复"), key=key, other=seen[key]))
            else:
                seen[key] = position
        if problems:
            errors.extend(Named(lambda label=label, p=p: f"{label} {p}") for p in problems)
            continue
        result.repaired += int(repaired)
        result.rows.append(row)
    if errors:
        shown = errors[:_MAX_LISTED_ERRORS]
        hidden = _said(_("……另有 %(count)s 处"), count=len(errors) - len(shown))
        more = Named(lambda: "\n" + str(hidden)) if len(errors) > len(shown) else ""
        raise DomainError(_("%(layer)s：%(count)s 处问题，未导入任何内容：\n%(problems)s%(more)s"),
                          code="invalid_layer", layer=choice_label(layer, Layer), count=len(errors),
                          problems=Named(lambda: "\n".join(str(e) for e in shown)), more=more)
    return result
