/* The offline base map: the bureau's own layers drawn like a street map when no tile service is set — districts
   and parks as areas, streets as white roads with their names, communities, landmarks and venues named — from
   GET {layersApi}basemap/ (places, venues, and the grid when zoomed in). Nothing is fetched from the internet.
   QMPlaces.baseLayer(map) returns a Leaflet layer group to add to the map; it reloads for the visible box on
   moveend. Registered as window.QMOfflineBase (static/live/common.js calls it when QM_BASEMAP is offline). All names come from uploaded files: they are set as text (escaped), never as HTML. */
(function (root) {
  "use strict";

  var STREET_LABEL_ZOOM = 14, COMMUNITY_ZOOM = 14, VENUE_LABEL_ZOOM = 16, GRID_ZOOM = 16, DISTRICT_MAX_ZOOM = 15;
  var AREA_STYLE = {
    district: { color: "#b9a98c", weight: 1.5, dashArray: "8 4", fillColor: "#f3eee2", fillOpacity: 0.6 },
    community: { color: "#c8bca4", weight: 1, dashArray: "2 4", fill: false },
    park: { color: "#8fbf7f", weight: 1, fillColor: "#cfe8c4", fillOpacity: 0.9 },
    other: { color: "#bfb39b", weight: 1, fillColor: "#ece6d8", fillOpacity: 0.6 }
  };

  function panes(map) {
    if (map.getPane("qm-base")) return;
    map.createPane("qm-base").style.zIndex = 250;         // above tiles (200), below overlays (400)
    map.createPane("qm-base-labels").style.zIndex = 380;  // names above the roads, below vehicles and alerts
    map.getPane("qm-base-labels").style.pointerEvents = "none";
  }

  function label(latlng, text, kind) {
    var Q = root.QMLive;
    return L.marker(latlng, {
      pane: "qm-base-labels", interactive: false, keyboard: false,
      icon: L.divIcon({ className: "qm-place-label qm-place-" + kind, iconSize: null,
                        html: "<span>" + Q.escapeHtml(text) + "</span>" })
    });
  }

  /* The point at fraction `at` (default the middle) of a line, by length. */
  function midpoint(latlngs, at) {
    var total = 0, i, seg = [];
    for (i = 1; i < latlngs.length; i++) {
      var d = latlngs[i - 1].distanceTo(latlngs[i]);
      seg.push(d);
      total += d;
    }
    var half = total * (at === undefined ? 0.5 : at);
    for (i = 1; i < latlngs.length; i++) {
      if (half <= seg[i - 1]) {
        var t = seg[i - 1] ? half / seg[i - 1] : 0, a = latlngs[i - 1], b = latlngs[i];
        return L.latLng(a.lat + (b.lat - a.lat) * t, a.lng + (b.lng - a.lng) * t);
      }
      half -= seg[i - 1];
    }
    return latlngs[0];
  }

  /* A segment cut to the box (Liang-Barsky), or null when it misses it. */
  function clip(a, b, box) {
    var t0 = 0, t1 = 1, dx = b.lng - a.lng, dy = b.lat - a.lat;
    var edges = [[-dx, a.lng - box.getWest()], [dx, box.getEast() - a.lng],
                 [-dy, a.lat - box.getSouth()], [dy, box.getNorth() - a.lat]];
    for (var i = 0; i < 4; i++) {
      var p = edges[i][0], q = edges[i][1];
      if (p === 0) { if (q < 0) return null; continue; }
      var r = q / p;
      if (p < 0) { if (r > t1) return null; if (r > t0) t0 = r; } else { if (r < t0) return null; if (r < t1) t1 = r; }
    }
    return [L.latLng(a.lat + t0 * dy, a.lng + t0 * dx), L.latLng(a.lat + t1 * dy, a.lng + t1 * dx)];
  }

  /* Where a street's name goes: the middle of its longest stretch inside the view, so a long road is named on
     screen; null when it does not cross the view. */
  function streetLabelSpot(latlngs, view, at) {
    var best = null, bestLength = 0;
    for (var i = 1; i < latlngs.length; i++) {
      var piece = clip(latlngs[i - 1], latlngs[i], view);
      if (!piece) continue;
      var length = piece[0].distanceTo(piece[1]);
      if (length > bestLength) { best = piece; bestLength = length; }
    }
    return best ? midpoint(best, at) : null;
  }

  function lines(geometry) {
    var Q = root.QMLive;
    var parts = geometry.type === "LineString" ? [geometry.coordinates] : geometry.coordinates;
    return parts.map(function (line) { return line.map(function (c) { return Q.toDisplay(c[1], c[0]); }); });
  }

  function rings(geometry) {
    var Q = root.QMLive;
    var polys = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
    return polys.map(function (poly) {
      return poly.map(function (ring) { return ring.map(function (c) { return Q.toDisplay(c[1], c[0]); }); });
    });
  }

  function draw(group, fc, map) {
    var zoom = map.getZoom(), view = map.getBounds();
    var areas = [], roads = [], labels = [], marks = [];
    fc.features.forEach(function (f) {
      var p = f.properties, g = f.geometry, layer = p.layer;
      if (!g) return;
      if (layer === "grid") {
        areas.push(L.polygon(rings(g), { pane: "qm-base", color: "#d6cfc0", weight: 0.5, fill: false,
                                         interactive: false, className: "qm-base-grid" }));
      } else if (layer === "venues") {
        var style = { pane: "qm-base", color: p.alerting ? "#c2410c" : "#a8a29e", weight: 1,
                      fillColor: p.alerting ? "#fdba74" : "#e7e5e4", fillOpacity: 0.9, interactive: false,
                      className: "qm-base-venue" };
        var shape = g.type === "Point" ?
          L.circle(root.QMLive.toDisplay(g.coordinates[1], g.coordinates[0]), L.extend({ radius: p.radius_m || 30 }, style)) :
          L.polygon(rings(g), style);
        marks.push(shape);
        if (zoom >= VENUE_LABEL_ZOOM) {
          var at = g.type === "Point" ? root.QMLive.toDisplay(g.coordinates[1], g.coordinates[0]) :
            L.polygon(rings(g)).getBounds().getCenter();
          labels.push(label(at, p.name, "venue"));
        }
      } else if (g.type === "LineString" || g.type === "MultiLineString") {
        lines(g).forEach(function (line) {
          roads.push({ line: line, name: p.name });
        });
      } else if (g.type === "Polygon" || g.type === "MultiPolygon") {
        var kind = AREA_STYLE[p.kind] ? p.kind : "other";
        var polygon = L.polygon(rings(g), L.extend({ pane: "qm-base", interactive: false,
                                                     className: "qm-base-area qm-base-" + kind }, AREA_STYLE[kind]));
        areas.push(polygon);
        var centre = polygon.getBounds().getCenter();
        if (kind === "district" && zoom <= DISTRICT_MAX_ZOOM) labels.push(label(centre, p.name, "district"));
        else if (kind === "community" && zoom >= COMMUNITY_ZOOM) labels.push(label(centre, p.name, "community"));
        else if (kind !== "district" && kind !== "community") labels.push(label(centre, p.name, "park"));
      } else if (g.type === "Point") {
        var spot = root.QMLive.toDisplay(g.coordinates[1], g.coordinates[0]);
        marks.push(L.circleMarker(spot, { pane: "qm-base", radius: 5, color: "#7c3aed", weight: 2, fillColor: "#ede9fe",
                                          fillOpacity: 1, interactive: false, className: "qm-base-landmark" }));
        labels.push(label(spot, p.name, "landmark"));
      }
    });
    var width = zoom >= 16 ? 10 : zoom >= 14 ? 6 : 4;
    var casings = roads.map(function (r) {
      return L.polyline(r.line, { pane: "qm-base", color: "#cbbf9f", weight: width + 2, interactive: false,
                                  className: "qm-base-road-casing" });
    });
    var fills = roads.map(function (r) {
      return L.polyline(r.line, { pane: "qm-base", color: "#ffffff", weight: width, interactive: false,
                                  className: "qm-base-road" });
    });
    if (zoom >= STREET_LABEL_ZOOM - 1) {
      var named = {}, inner = view.pad(-0.08);  // names kept off the very edge of the map
      roads.forEach(function (r) {
        if (named[r.name] || !r.name) return;  // one name per street on screen
        // Spread along the road by its name, so crossing roads do not all put their names at the centre.
        var hash = 0;
        for (var i = 0; i < r.name.length; i++) hash = (hash * 31 + r.name.charCodeAt(i)) % 997;
        var spot = streetLabelSpot(r.line, inner, 0.25 + 0.5 * (hash % 100) / 100);
        if (!spot) return;
        named[r.name] = true;
        labels.push(label(spot, r.name, "street"));
      });
    }
    group.clearLayers();
    areas.concat(casings, fills, marks, labels).forEach(function (l) { group.addLayer(l); });
    group.fire("qm:loaded", { count: fc.features.length, streets: roads.length, labels: labels.length });
  }

  function baseLayer(map) {
    var Q = root.QMLive;
    panes(map);
    map.getContainer().classList.add("qm-basemap");
    var group = L.layerGroup();
    var loaded = null, seq = 0;
    function load() {
      if (!map.hasLayer(group)) return;
      var zoom = map.getZoom();
      var b = map.getBounds().pad(0.3);
      var sw = Q.fromDisplay(b.getSouthWest()), ne = Q.fromDisplay(b.getNorthEast());
      var layers = "places,venues" + (zoom >= GRID_ZOOM ? ",grid" : "");
      var query = "bbox=" + [sw.lon, sw.lat, ne.lon, ne.lat].map(function (v) { return v.toFixed(5); }).join(",") +
        "&layers=" + layers;
      if (query + "&z=" + zoom === loaded) return;
      loaded = query + "&z=" + zoom;
      var mine = ++seq;
      Q.api(Q.config.layersApi + "basemap/?" + query).then(function (fc) {
        if (mine === seq) draw(group, fc, map);
      }).catch(function () { loaded = null; });
    }
    map.on("moveend", load);
    group.on("add", load);
    return group;
  }

  root.QMPlaces = { baseLayer: baseLayer };
  // The offline base map's drawing (QM_BASEMAP=offline), as static/live/common.js asks for it.
  root.QMOfflineBase = function (map) { return baseLayer(map).addTo(map); };
})(window);
