"""The deterministic sample city (Changzhou): jurisdictions, a 100 m unit grid, streets, venues, places and depots.

Three brigades lie side by side west to east (CZ-ZL 钟楼, CZ-TN 天宁, CZ-XB 新北), each 3 km × 6 km and cut
into three squadrons of 3 km × 2 km stacked south to north (-01, -02, -03). The detachment CZ-ZD's
jurisdiction is the whole 9 km × 6 km city. Grid cells are 0.00106° × 0.0009° (≈ 100 m × 100 m) and
share their edge coordinates exactly with each other and with the jurisdictions, so every cell lies in
exactly one squadron. Cell codes are 15 digits: district (天宁 320402, 钟楼 320404, 新北 320411),
street = squadron number, community = 1 km block, grid number within the block.
Main roads run every 1 km and side roads every 500 m through cell middles (never on a cell edge), plus
two diagonal roads and a winding canal road; venues sit 15-45 m off a street. The places layer names the streets
as people say them (延陵西路, 和平北路 …), the three districts, 54 communities, landmarks and parks. The layout is fixed and
the seed only moves and names the venues, so the same seed always gives the same city.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import LineString, Point, box

from .index import LocalPlane

WEST, SOUTH = 119.905, 31.750
CELL_LON, CELL_LAT = 0.00106, 0.0009
BRIGADES = (("CZ-ZL", "320404"), ("CZ-TN", "320402"), ("CZ-XB", "320411"))
BRIGADE_COLS, SQUADRON_ROWS, SQUADRONS = 30, 20, 3
COMMUNITY_CELLS = 10
COLS, ROWS = BRIGADE_COLS * len(BRIGADES), SQUADRON_ROWS * SQUADRONS
DETACHMENT = "CZ-ZD"
VENUE_COUNT = 360
POINT_RADIUS_CHOICES = (20.0, 25.0, 30.0, 40.0, 50.0)
# No venue near a depot: vehicles park there every night and must not look like they are at a restaurant.
DEPOT_CLEARANCE_M = 250.0

NS_MAIN = ["西林路", "怀德路", "广化路", "和平路", "晋陵路", "关河路", "青洋路", "东方大道", "丁塘河路"]
EW_MAIN = ["长江路", "中吴大道", "延陵路", "劳动路", "龙城大道", "通江大道"]
# The side roads between the main roads (west to east, south to north).
NS_SIDE = ["西新桥路", "南大街", "北大街", "局前街", "博爱路", "罗汉路", "清潭路", "花园街"]
EW_SIDE = ["西横街", "东横街", "青果巷", "觅渡桥路", "县直街"]
# The `places` layer: the districts are the brigades' jurisdictions, the communities the 1 km blocks the grid
# codes number (per brigade, squadron by squadron, west to east then south to north).
DISTRICTS = ("钟楼区", "天宁区", "新北区")
COMMUNITIES = (
    "南大街", "西新桥", "荷花池", "五星", "新闸", "北港", "永红", "西林", "怀德", "广化", "勤业", "清潭",
    "花园", "白云", "丽华北", "邮电", "工人", "盛毗",
    "红梅", "青龙", "茶山", "雕庄", "兰陵", "天宁", "东坡", "舣舟", "丽华", "翠竹", "青山", "朝阳",
    "北环", "横山桥", "郑陆", "东青", "焦溪", "三河口",
    "河海", "三井", "龙虎塘", "薛家", "奔牛", "罗溪", "西夏墅", "孟河", "春江", "魏村", "圩塘", "安家",
    "百馨", "新桥", "汤庄", "飞龙", "锦绣", "通江")
# Landmarks a little off a street crossing (cell column, row of the crossing), and parks filling a block
# between streets (the block's south-west cell).
LANDMARKS = (("常州火车站", 45.5, 45.5), ("常州市人民政府", 35.5, 35.5), ("文笔塔", 25.5, 15.5),
             ("天宁寺", 55.5, 15.5), ("常州博物馆", 65.5, 35.5), ("青果巷历史街区", 20.5, 20.5),
             ("淹城遗址", 10.5, 50.5), ("中华恐龙园", 75.5, 45.5), ("常州体育馆", 5.5, 35.5),
             ("大运河文化广场", 60.5, 30.5))
PARKS = (("红梅公园", 50.5, 40.5), ("东坡公园", 30.5, 10.5), ("紫荆公园", 80.5, 20.5))
CATEGORIES = (("restaurant", 0.30), ("entertainment", 0.12), ("shop", 0.24), ("hotel", 0.08),
              ("office", 0.14), ("school", 0.04), ("hospital", 0.03), ("park", 0.05))
NAME_PARTS = {
    "restaurant": (["老常州", "王记", "陈家", "金陵", "天目", "运河", "兰陵", "马记", "福满楼", "聚丰"],
                   ["面馆", "饭店", "酒楼", "小笼馆", "火锅店", "大排档", "菜馆", "烧烤"]),
    "entertainment": (["欢乐", "星光", "金色年华", "夜上海", "皇冠", "麦乐迪", "水云间", "大世界"],
                      ["KTV", "酒吧", "夜总会", "洗浴中心", "棋牌室", "歌舞厅", "足浴城"]),
    "shop": (["苏果", "华润", "好又多", "便民", "金鹰", "新一佳", "联华"],
             ["便利店", "超市", "五金店", "药房", "服装店", "水果店"]),
    "hotel": (["锦江", "如家", "汉庭", "龙城", "天宁", "全季"], ["宾馆", "酒店", "大酒店", "快捷酒店"]),
    "office": (["环球", "恐龙园", "科技", "金融", "创意", "万达"], ["大厦", "写字楼", "产业园", "中心"]),
    "school": (["实验", "第一", "局前街", "北郊", "正衡"], ["小学", "中学", "幼儿园"]),
    "hospital": (["第一人民", "中医", "妇幼", "第二人民"], ["医院", "社区卫生服务中心"]),
    "park": (["红梅", "东坡", "青枫", "紫荆", "荆川"], ["公园", "广场"]),
}


@dataclass(frozen=True)
class SampleCity:
    """The sample city's layers as WGS-84 GeoDataFrames, plus one depot (lon, lat) per brigade on a street."""

    grid: gpd.GeoDataFrame  # code, unit
    venues: gpd.GeoDataFrame  # name, category, radius_m (None for polygons)
    jurisdictions: gpd.GeoDataFrame  # unit
    streets: gpd.GeoDataFrame  # name, kind (main / side / diagonal / canal)
    places: gpd.GeoDataFrame  # name, kind (street / district / community / landmark / park)
    depots: dict[str, tuple[float, float]]


def _edges() -> tuple[np.ndarray, np.ndarray]:
    # Rounded once so neighbouring cells and jurisdictions share bit-identical edge coordinates.
    xs = np.round(WEST + np.arange(COLS + 1) * CELL_LON, 7)
    ys = np.round(SOUTH + np.arange(ROWS + 1) * CELL_LAT, 7)
    return xs, ys


def _squadron(col: int, row: int) -> tuple[int, int]:
    return col // BRIGADE_COLS, row // SQUADRON_ROWS


def _grid(xs: np.ndarray, ys: np.ndarray) -> gpd.GeoDataFrame:
    rows = []
    for row in range(ROWS):
        for col in range(COLS):
            b, s = _squadron(col, row)
            brigade, district = BRIGADES[b]
            local_col, local_row = col % BRIGADE_COLS, row % SQUADRON_ROWS
            community = (local_row // COMMUNITY_CELLS) * (BRIGADE_COLS // COMMUNITY_CELLS) \
                + local_col // COMMUNITY_CELLS + 1
            number = (local_row % COMMUNITY_CELLS) * COMMUNITY_CELLS + local_col % COMMUNITY_CELLS + 1
            rows.append({"code": f"{district}{s + 1:03d}{community:03d}{number:03d}",
                         "unit": f"{brigade}-{s + 1:02d}",
                         "geometry": box(xs[col], ys[row], xs[col + 1], ys[row + 1])})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def _jurisdictions(xs: np.ndarray, ys: np.ndarray) -> gpd.GeoDataFrame:
    rows = [{"unit": DETACHMENT, "geometry": box(xs[0], ys[0], xs[-1], ys[-1])}]
    for b, (brigade, _district) in enumerate(BRIGADES):
        x0, x1 = xs[b * BRIGADE_COLS], xs[(b + 1) * BRIGADE_COLS]
        rows.append({"unit": brigade, "geometry": box(x0, ys[0], x1, ys[-1])})
        for s in range(SQUADRONS):
            rows.append({"unit": f"{brigade}-{s + 1:02d}",
                         "geometry": box(x0, ys[s * SQUADRON_ROWS], x1, ys[(s + 1) * SQUADRON_ROWS])})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def _streets(plane: LocalPlane, xs: np.ndarray, ys: np.ndarray) -> list[tuple[str, str, LineString]]:
    """Named streets in metres on the plane."""
    def x_at(col: float) -> float:
        return float(plane.forward(WEST + col * CELL_LON, plane.lat0)[0])

    def y_at(row: float) -> float:
        return float(plane.forward(plane.lon0, SOUTH + row * CELL_LAT)[1])

    west, east, south, north = x_at(0), x_at(COLS), y_at(0), y_at(ROWS)
    inset = 30.0  # roads stop just inside the city edge
    streets = []
    for k, name in enumerate(NS_MAIN):
        x = x_at(10 * k + 5.5)
        streets.append((name, "main", LineString([(x, south + inset), (x, north - inset)])))
        if k < len(NS_MAIN) - 1:
            xs_side = x_at(10 * k + 10.5)
            side = LineString([(xs_side, south + inset), (xs_side, north - inset)])
            streets.append((NS_SIDE[k], "side", side))
    for k, name in enumerate(EW_MAIN):
        y = y_at(10 * k + 5.5)
        streets.append((name, "main", LineString([(west + inset, y), (east - inset, y)])))
        if k < len(EW_MAIN) - 1:
            y_side = y_at(10 * k + 10.5)
            side = LineString([(west + inset, y_side), (east - inset, y_side)])
            streets.append((EW_SIDE[k], "side", side))
    streets.append(("兰陵大道", "diagonal",
                    LineString([(west + 300, south + 300), (east - 2500, north - 300)])))
    streets.append(("飞龙路", "diagonal",
                    LineString([(west + 2800, north - 300), (east - 300, south + 400)])))
    t = np.linspace(0.0, 1.0, 121)
    canal_x = west + inset + t * (east - west - 2 * inset)
    canal_y = y_at(ROWS / 2 + 2.3) + 420.0 * np.sin(t * 3 * np.pi)
    streets.append(("运河路", "canal", LineString(np.column_stack([canal_x, canal_y]))))
    return streets


def _segment_names(name: str, parts: tuple[str, ...]) -> list[str]:
    """延陵路 → 延陵西路, 延陵中路, 延陵东路."""
    return [f"{name[:-1]}{part}路" for part in parts]


def _places(plane: LocalPlane, streets_m: list[tuple[str, str, LineString]], jurisdictions: gpd.GeoDataFrame,
            ) -> gpd.GeoDataFrame:
    """Named streets as people say them (an east-west main road is 西/中/东 in the three districts, a north-south
    one 南/北 of the middle), the districts and communities, landmarks and parks."""
    def x_at(col: float) -> float:
        return float(plane.forward(WEST + col * CELL_LON, plane.lat0)[0])

    def y_at(row: float) -> float:
        return float(plane.forward(plane.lon0, SOUTH + row * CELL_LAT)[1])

    big = 1e6
    rows = []
    for name, kind, line in streets_m:
        pieces = [(name, line)]
        if kind == "main" and name in EW_MAIN and not name.endswith("大道"):
            cuts = [x_at(b * BRIGADE_COLS) for b in range(len(BRIGADES) + 1)]
            names = _segment_names(name, ("西", "中", "东"))
            pieces = [(names[b], shapely.clip_by_rect(line, cuts[b], -big, cuts[b + 1], big))
                      for b in range(len(BRIGADES))]
        elif kind == "main" and not name.endswith("大道"):
            middle = y_at(ROWS / 2)
            south, north = _segment_names(name, ("南", "北"))
            pieces = [(south, shapely.clip_by_rect(line, -big, -big, big, middle)),
                      (north, shapely.clip_by_rect(line, -big, middle, big, big))]
        rows.extend({"name": n, "kind": "street", "geometry": _to_wgs84(plane, g)} for n, g in pieces if not g.is_empty)
    for b, name in enumerate(DISTRICTS):
        rows.append({"name": name, "kind": "district",
                     "geometry": jurisdictions.loc[jurisdictions["unit"] == BRIGADES[b][0], "geometry"].iloc[0]})
    xs, ys = _edges()
    per_row = BRIGADE_COLS // COMMUNITY_CELLS
    per_squadron = per_row * (SQUADRON_ROWS // COMMUNITY_CELLS)
    for i, name in enumerate(COMMUNITIES):
        b, rest = divmod(i, per_squadron * SQUADRONS)
        s, k = divmod(rest, per_squadron)
        col = b * BRIGADE_COLS + (k % per_row) * COMMUNITY_CELLS
        row = s * SQUADRON_ROWS + (k // per_row) * COMMUNITY_CELLS
        rows.append({"name": f"{name}社区", "kind": "community",
                     "geometry": box(xs[col], ys[row], xs[col + COMMUNITY_CELLS], ys[row + COMMUNITY_CELLS])})
    for name, col, row in LANDMARKS:
        rows.append({"name": name, "kind": "landmark",
                     "geometry": _to_wgs84(plane, Point(x_at(col + 0.6), y_at(row + 0.6)))})
    for name, col, row in PARKS:
        rows.append({"name": name, "kind": "park",
                     "geometry": _to_wgs84(plane, box(x_at(col + 0.6), y_at(row + 0.6), x_at(col + 4.4),
                                                      y_at(row + 4.4)))})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def _venues(rng: np.random.Generator, streets: list[tuple[str, str, LineString]], plane: LocalPlane,
            keep_clear: list[Point]):
    names = [c for c, _w in CATEGORIES]
    weights = np.array([w for _c, w in CATEGORIES])
    lengths = np.array([line.length for _n, _k, line in streets])
    used_names: set[str] = set()
    rows = []
    while len(rows) < VENUE_COUNT:
        i = len(rows)
        street = streets[int(rng.choice(len(streets), p=lengths / lengths.sum()))][2]
        at = float(rng.uniform(80.0, street.length - 80.0))
        here = street.interpolate(at)
        if any(here.distance(p) < DEPOT_CLEARANCE_M for p in keep_clear):
            continue
        ahead = street.interpolate(min(at + 1.0, street.length))
        dx, dy = ahead.x - here.x, ahead.y - here.y
        norm = float(np.hypot(dx, dy)) or 1.0
        ux, uy = dx / norm, dy / norm
        side = 1.0 if rng.random() < 0.5 else -1.0
        category = str(rng.choice(names, p=weights / weights.sum()))
        prefixes, suffixes = NAME_PARTS[category]
        name = f"{rng.choice(prefixes)}{rng.choice(suffixes)}"
        if name in used_names:
            name = f"{name}（{i + 1}号店）"
        used_names.add(name)
        if rng.random() < 0.45:
            # A building footprint facing the street: 20-60 m along it, 15-40 m deep, 12 m back from the kerb.
            along, depth = float(rng.uniform(20, 60)), float(rng.uniform(15, 40))
            nx, ny = -uy * side, ux * side
            cx, cy = here.x + nx * (12 + depth / 2), here.y + ny * (12 + depth / 2)
            corners = [(cx + ux * a * along / 2 + nx * d * depth / 2,
                        cy + uy * a * along / 2 + ny * d * depth / 2)
                       for a, d in ((-1, -1), (1, -1), (1, 1), (-1, 1))]
            geom, radius = shapely.Polygon(corners), None
        else:
            offset = float(rng.uniform(15, 45))
            geom = Point(here.x - uy * side * offset, here.y + ux * side * offset)
            radius = float(rng.choice(POINT_RADIUS_CHOICES))
        rows.append({"name": name, "category": category, "radius_m": radius,
                     "geometry": _to_wgs84(plane, geom)})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def _to_wgs84(plane: LocalPlane, geom):
    def inverse(coords: np.ndarray) -> np.ndarray:
        return np.column_stack([plane.lon0 + coords[:, 0] / plane.m_per_deg_lon,
                                plane.lat0 + coords[:, 1] / plane.m_per_deg_lat])

    return shapely.transform(geom, inverse)


def build_city(seed: int = 1) -> SampleCity:
    """The sample city; the same seed always gives the same layers."""
    rng = np.random.default_rng(seed)
    xs, ys = _edges()
    plane = LocalPlane(float((xs[0] + xs[-1]) / 2), float((ys[0] + ys[-1]) / 2))
    streets_m = _streets(plane, xs, ys)
    streets = gpd.GeoDataFrame(
        [{"name": name, "kind": kind, "geometry": _to_wgs84(plane, line)} for name, kind, line in streets_m],
        geometry="geometry", crs="EPSG:4326")
    depots, depots_m = {}, []
    for b, (brigade, _district) in enumerate(BRIGADES):
        # The crossing of the brigade's middle main road with 延陵路 (the middle east-west main road).
        col = 10 * (3 * b + 1) + 5.5
        x = float(plane.forward(WEST + col * CELL_LON, plane.lat0)[0])
        y = float(plane.forward(plane.lon0, SOUTH + 25.5 * CELL_LAT)[1])
        depot = _to_wgs84(plane, Point(x, y))
        depots[brigade] = (float(depot.x), float(depot.y))
        depots_m.append(Point(x, y))
    jurisdictions = _jurisdictions(xs, ys)
    return SampleCity(grid=_grid(xs, ys), venues=_venues(rng, streets_m, plane, depots_m),
                      jurisdictions=jurisdictions, streets=streets, places=_places(plane, streets_m, jurisdictions),
                      depots=depots)


def write_city(city: SampleCity, folder: Path) -> list[Path]:
    """grid/venues/jurisdictions/streets/places .geojson (and depots.json) in `folder`; returns the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in ("grid", "venues", "jurisdictions", "streets", "places"):
        path = folder / f"{name}.geojson"
        path.unlink(missing_ok=True)  # the GeoJSON driver refuses to overwrite
        getattr(city, name).to_file(path, driver="GeoJSON", engine="pyogrio")
        written.append(path)
    depots = folder / "depots.json"
    depots.write_text(json.dumps({k: list(v) for k, v in city.depots.items()}, indent=2), encoding="utf-8")
    written.append(depots)
    return written
