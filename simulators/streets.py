"""The street network as a routable graph in metres: noded from the street LineStrings, shortest paths by Dijkstra."""
from __future__ import annotations

import heapq
import itertools
import math
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import LineString

from django.utils.translation import gettext_lazy as _

from quartermaster.errors import DomainError


@dataclass(frozen=True)
class LocalProjection:
    """Equirectangular metres around the city centre; over a city (< 50 km) the error stays below 0.3 %,
    well inside the tens of metres the rules work with, and it is exact to invert (no pyproj per fix)."""

    lon0: float
    lat0: float

    @property
    def m_per_deg_lat(self) -> float:
        phi = math.radians(self.lat0)
        return 111_132.92 - 559.82 * math.cos(2 * phi) + 1.175 * math.cos(4 * phi)

    @property
    def m_per_deg_lon(self) -> float:
        phi = math.radians(self.lat0)
        return 111_412.84 * math.cos(phi) - 93.5 * math.cos(3 * phi)

    def to_xy(self, lon, lat):
        return ((np.asarray(lon, dtype=float) - self.lon0) * self.m_per_deg_lon,
                (np.asarray(lat, dtype=float) - self.lat0) * self.m_per_deg_lat)

    def to_lonlat(self, x: float, y: float) -> tuple[float, float]:
        return self.lon0 + x / self.m_per_deg_lon, self.lat0 + y / self.m_per_deg_lat

    def geometry_to_xy(self, geom):
        return shapely.transform(geom, lambda c: np.column_stack(self.to_xy(c[:, 0], c[:, 1])))


@dataclass
class Route:
    """A path through the network: its polyline (metres) with cumulative distances, and the node ids it visits."""

    xy: np.ndarray
    cumdist: np.ndarray
    nodes: list[int]

    @property
    def length(self) -> float:
        return float(self.cumdist[-1]) if len(self.cumdist) else 0.0

    def at(self, dist: float) -> tuple[float, float, float]:
        """(x, y, heading in degrees clockwise from north) at `dist` metres along the route."""
        if len(self.xy) == 1:
            return float(self.xy[0, 0]), float(self.xy[0, 1]), 0.0
        dist = min(max(dist, 0.0), self.length)
        i = int(np.searchsorted(self.cumdist, dist, side="right")) - 1
        i = min(max(i, 0), len(self.xy) - 2)
        seg = self.cumdist[i + 1] - self.cumdist[i]
        f = 0.0 if seg <= 0 else (dist - self.cumdist[i]) / seg
        (x0, y0), (x1, y1) = self.xy[i], self.xy[i + 1]
        heading = math.degrees(math.atan2(x1 - x0, y1 - y0)) % 360.0
        return float(x0 + f * (x1 - x0)), float(y0 + f * (y1 - y0)), heading


def route_from_points(points: list[tuple[float, float]], nodes: list[int] | None = None) -> Route:
    xy = np.asarray(points, dtype=float).reshape(-1, 2)
    keep = np.ones(len(xy), dtype=bool)
    keep[1:] = np.any(np.abs(np.diff(xy, axis=0)) > 1e-6, axis=1)
    xy = xy[keep]
    steps = np.hypot(*np.diff(xy, axis=0).T) if len(xy) > 1 else np.zeros(0)
    return Route(xy=xy, cumdist=np.concatenate([[0.0], np.cumsum(steps)]), nodes=nodes or [])


@dataclass
class StreetGraph:
    """Undirected graph: node coordinates in metres, adjacency {node: [(neighbour, length, edge id)]},
    edge polylines oriented from the lower to the higher node id."""

    node_xy: np.ndarray
    adjacency: dict[int, list[tuple[int, float, int]]]
    edge_xy: list[np.ndarray]
    edge_ends: list[tuple[int, int]]
    _lines: list[LineString] = field(default_factory=list, repr=False)

    @classmethod
    def from_lines(cls, lines_xy: list[LineString], snap_m: float = 0.5) -> StreetGraph:
        """Nodes every crossing (streets drawn as long lines crossing each other mid-segment are split there)
        and snaps ends closer than `snap_m` together."""
        if not lines_xy:
            raise DomainError(_("道路图层为空：模拟器需要道路才能行驶"), field="streets")
        noded = shapely.node(shapely.union_all(np.asarray(lines_xy, dtype=object)))
        parts = shapely.get_parts(noded)
        keys: dict[tuple[int, int], int] = {}
        coords: list[tuple[float, float]] = []

        def node_id(x: float, y: float) -> int:
            key = (round(x / snap_m), round(y / snap_m))
            if key not in keys:
                keys[key] = len(coords)
                coords.append((x, y))
            return keys[key]

        adjacency: dict[int, list[tuple[int, float, int]]] = {}
        edge_xy: list[np.ndarray] = []
        edge_ends: list[tuple[int, int]] = []
        seen: set[tuple[int, int, int]] = set()
        for part in parts:
            xy = np.asarray(part.coords)
            if len(xy) < 2 or part.length < 1e-6:
                continue
            a, b = node_id(*xy[0]), node_id(*xy[-1])
            if a == b:
                continue
            if a > b:
                a, b, xy = b, a, xy[::-1]
            signature = (a, b, int(part.length))
            if signature in seen:
                continue
            seen.add(signature)
            edge = len(edge_xy)
            edge_xy.append(xy)
            edge_ends.append((a, b))
            adjacency.setdefault(a, []).append((b, part.length, edge))
            adjacency.setdefault(b, []).append((a, part.length, edge))
        return cls(node_xy=np.asarray(coords, dtype=float), adjacency=adjacency, edge_xy=edge_xy,
                   edge_ends=edge_ends, _lines=[LineString(xy) for xy in edge_xy])

    def restricted(self, area_xy, tolerance_m: float = 1.0) -> StreetGraph:
        """The same graph keeping only edges lying inside `area_xy` (a polygon in metres), so routes never
        leave it; node ids are kept so nodes mean the same in both graphs."""
        inside = shapely.covers(shapely.buffer(area_xy, tolerance_m), np.asarray(self._lines, dtype=object))
        adjacency: dict[int, list[tuple[int, float, int]]] = {}
        for node, links in self.adjacency.items():
            kept = [link for link in links if inside[link[2]]]
            if kept:
                adjacency[node] = kept
        return StreetGraph(node_xy=self.node_xy, adjacency=adjacency, edge_xy=self.edge_xy,
                           edge_ends=self.edge_ends, _lines=self._lines)

    @property
    def nodes(self) -> list[int]:
        return sorted(self.adjacency)

    def largest_component(self) -> set[int]:
        best: set[int] = set()
        unseen = set(self.adjacency)
        while unseen:
            start = min(unseen)
            comp = {start}
            stack = [start]
            while stack:
                for nb, _length, _edge in self.adjacency[stack.pop()]:
                    if nb not in comp:
                        comp.add(nb)
                        stack.append(nb)
            unseen -= comp
            if len(comp) > len(best):
                best = comp
        return best

    def nearest_node(self, x: float, y: float, among: list[int] | None = None) -> int:
        candidates = np.asarray(among if among is not None else self.nodes)
        d = np.hypot(self.node_xy[candidates, 0] - x, self.node_xy[candidates, 1] - y)
        return int(candidates[int(np.argmin(d))])

    def distances_from(self, source: int) -> dict[int, float]:
        """Network distance from `source` to every reachable node."""
        dist = {source: 0.0}
        heap = [(0.0, source)]
        while heap:
            d, node = heapq.heappop(heap)
            if d > dist[node]:
                continue
            for nb, length, _edge in self.adjacency.get(node, ()):
                nd = d + length
                if nd < dist.get(nb, math.inf):
                    dist[nb] = nd
                    heapq.heappush(heap, (nd, nb))
        return dist

    def route(self, source: int, target: int) -> Route:
        """Shortest path from `source` to `target` (A* on straight-line distance); DomainError if unreachable."""
        if source == target:
            return route_from_points([tuple(self.node_xy[source])], [source])
        tx, ty = self.node_xy[target]
        best = {source: 0.0}
        came: dict[int, tuple[int, int]] = {}
        heap = [(0.0, 0.0, source)]
        while heap:
            _, d, node = heapq.heappop(heap)
            if node == target:
                break
            if d > best[node]:
                continue
            for nb, length, edge in self.adjacency.get(node, ()):
                nd = d + length
                if nd < best.get(nb, math.inf):
                    best[nb] = nd
                    came[nb] = (node, edge)
                    h = math.hypot(self.node_xy[nb, 0] - tx, self.node_xy[nb, 1] - ty)
                    heapq.heappush(heap, (nd + h, nd, nb))
        else:
            raise DomainError(_("从节点 %(source)s 到节点 %(target)s 没有道路路线"), field="streets", source=source,
                              target=target)

        chain = [target]
        edges = []
        while chain[-1] != source:
            prev, edge = came[chain[-1]]
            edges.append(edge)
            chain.append(prev)
        chain.reverse()
        edges.reverse()
        points: list[tuple[float, float]] = []
        for (a, _), edge in zip(itertools.pairwise(chain), edges, strict=False):
            xy = self.edge_xy[edge]
            if self.edge_ends[edge][0] != a:
                xy = xy[::-1]
            points.extend(map(tuple, xy if not points else xy[1:]))
        return route_from_points(points, chain)

    def on_street_distance(self, x: float, y: float) -> float:
        """Distance in metres from a point to the nearest street (used by tests and checks)."""
        return float(shapely.distance(shapely.points(x, y), shapely.union_all(np.asarray(self._lines, dtype=object))))
