/* Shared by the live map and track replay: settings from the page, the base map (a preset's tiles or none), the
   WGS-84 -> display projection (GCJ-02 tiles), the GIS vector layers, the API calls with the session's CSRF token.
   GCJ-02 is applied here and only here: every drawn position goes through toDisplay exactly once, from the WGS-84
   the server sends (fixes, tracks, alerts, layers); positions read back from the map go through fromDisplay. */
(function (root) {
  "use strict";

  function readJson(id) { return JSON.parse(document.getElementById(id).textContent); }

  var config = readJson("live-config");
  var strings = readJson("live-strings");
  var gcj = config.tileCrs === "gcj02";

  /* Stored data is WGS-84; only what is drawn moves onto GCJ-02 tiles. */
  function toDisplay(lat, lon) {
    if (!gcj) return L.latLng(lat, lon);
    var p = root.QMGcj02.wgs84ToGcj02(lon, lat);
    return L.latLng(p[1], p[0]);
  }
  function fromDisplay(latlng) {
    if (!gcj) return { lat: latlng.lat, lon: latlng.lng };
    var p = root.QMGcj02.gcj02ToWgs84(latlng.lng, latlng.lat);
    return { lat: p[1], lon: p[0] };
  }

  function csrfToken() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (m) return decodeURIComponent(m[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // Data read from a replica that is behind (quartermaster/dbrouter.py): base.html's banner says by how much.
  function showDelay(seconds) {
    var box = document.getElementById("replica-delay");
    if (!box) return;
    box.hidden = !seconds;
    box.dataset.delay = String(seconds || 0);
    if (seconds) box.textContent = strings.delayed.replace("%(n)s", String(seconds));
  }

  function api(url, options) {
    options = options || {};
    var init = { method: options.method || "GET", credentials: "same-origin",
                 headers: { "Accept": "application/json" } };
    if (options.body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.headers["X-CSRFToken"] = csrfToken();
      init.body = JSON.stringify(options.body);
    }
    return fetch(url, init).then(function (r) {
      var readFrom = r.headers.get("X-QM-Read-From");
      if (readFrom) {
        showDelay(readFrom === "replica" ? Math.floor(parseFloat(r.headers.get("X-QM-Replica-Lag")) || 0) : 0);
      }
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) {
          var err = new Error(data.detail || data.message || (strings.failed + " (" + r.status + ")"));
          err.status = r.status;
          err.data = data;
          throw err;
        }
        return data;
      });
    });
  }

  /* The base map of the preset in force (telematics/live/basemaps.py, QM_BASEMAP): its tile layers, or none at all
     (offline, none: nothing is fetched from outside). Offline, the bureau's own city is drawn as the base when a
     drawing script has registered window.QMOfflineBase(map, QMLive) -> layer (templates/live/basemap_scripts.html). */
  function baseMap(elementId) {
    var tiles = config.tiles || [];
    var map = L.map(elementId, { maxZoom: 19, minZoom: 3, zoomControl: true, attributionControl: tiles.length > 0 });
    map.getContainer().dataset.basemap = config.basemap;
    map.setView(toDisplay(config.center[0], config.center[1]), 13);
    var base = null;
    if (tiles.length) {
      base = L.layerGroup(tiles.map(function (t) {
        return L.tileLayer(t.url, { maxZoom: 19, maxNativeZoom: t.maxZoom, subdomains: t.subdomains,
                                    attribution: t.attribution, className: "qm-base-tiles" });
      })).addTo(map);
    } else {
      map.getContainer().classList.add("no-tiles");
      if (config.drawnBase && typeof root.QMOfflineBase === "function") base = root.QMOfflineBase(map, root.QMLive);
    }
    map.qmBase = base;
    return map;
  }

  function coordsToLatLng(c) { return toDisplay(c[1], c[0]); }

  var layerStyles = {
    grid: { color: "#7b8794", weight: 1, fillOpacity: 0.03 },
    venues: { color: "#c2410c", weight: 1, fillOpacity: 0.25 },
    // filled but transparent: hovering anywhere inside names the jurisdiction (kept beneath the other layers)
    jurisdictions: { color: "#1d4ed8", weight: 2, fillOpacity: 0, dashArray: "6 4" }
  };

  /* The text a layer's feature shows on hover (set as text: the properties come from an uploaded file). */
  function featureLabel(name, p) {
    if (name === "grid") return p.code;
    if (name === "venues") {
      var category = (strings.venueCategories || {})[p.category] || p.category;
      return p.name + (category ? "（" + category + "）" : "");
    }
    var unitName = (config.unitNames || {})[p.unit];
    return strings.jurisdiction + " " + (unitName ? unitName + "（" + p.unit + "）" : p.unit);
  }

  function bindLabel(layer, text, options) {
    layer.bindTooltip(escapeHtml(text), options);
  }

  /* The jurisdiction under the pointer, named in a box in the map's corner: a tooltip following the pointer over
     the whole city would be in the way. */
  function hoverBox(map) {
    if (!map.qmHoverBox) {
      var control = L.control({ position: "bottomleft" });
      control.onAdd = function () {
        var div = L.DomUtil.create("div", "qm-hover-info jurisdiction-name");
        div.hidden = true;
        return div;
      };
      control.addTo(map);
      map.qmHoverBox = control.getContainer();
    }
    return map.qmHoverBox;
  }

  function nameOnHover(map, layer, text) {
    layer.on("mouseover", function () {
      var box = hoverBox(map);
      box.textContent = text;
      box.hidden = false;
      box.dataset.layer = L.stamp(layer);
    });
    layer.on("mouseout remove", function () {
      var box = hoverBox(map);
      if (box.dataset.layer === String(L.stamp(layer))) box.hidden = true;
    });
  }

  /* One GIS layer as a Leaflet layer that reloads its features for the visible box when the view moves. */
  function gisLayer(map, name) {
    var group = L.geoJSON(null, {
      coordsToLatLng: coordsToLatLng,
      style: function () { return layerStyles[name]; },
      pointToLayer: function (feature, latlng) {
        return L.circle(latlng, L.extend({ radius: feature.properties.radius_m || 30 }, layerStyles[name]));
      },
      onEachFeature: function (feature, layer) {
        var p = feature.properties;
        if (name === "grid") bindLabel(layer, featureLabel(name, p), { sticky: true, className: "grid-code" });
        if (name === "venues") bindLabel(layer, featureLabel(name, p), { className: "venue-name" });
        if (name === "jurisdictions") nameOnHover(map, layer, featureLabel(name, p));
      }
    });
    var loaded = null;
    function load() {
      if (!map.hasLayer(group)) return;
      var b = map.getBounds().pad(0.2);
      var sw = fromDisplay(b.getSouthWest()), ne = fromDisplay(b.getNorthEast());
      var bbox = [sw.lon, sw.lat, ne.lon, ne.lat].map(function (v) { return v.toFixed(5); }).join(",");
      if (bbox === loaded) return;
      loaded = bbox;
      api(config.layersApi + name + "/?bbox=" + bbox).then(function (fc) {
        group.clearLayers();
        group.addData(fc);
        if (name === "jurisdictions") group.bringToBack();
        group.fire("qm:loaded", { count: fc.features.length });
      }).catch(function () { loaded = null; });
    }
    map.on("moveend", load);
    group.on("add", load);
    return group;
  }

  function localTime(iso) {
    if (!iso) return "—";
    var d = new Date(iso);
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    // Shown in the bureau's time (config.utcOffset), whatever the browser's zone.
    var sign = config.utcOffset[0] === "-" ? -1 : 1;
    var parts = config.utcOffset.slice(1).split(":");
    var shifted = new Date(d.getTime() + sign * (Number(parts[0]) * 60 + Number(parts[1])) * 60000);
    return shifted.getUTCFullYear() + "-" + pad(shifted.getUTCMonth() + 1) + "-" + pad(shifted.getUTCDate()) + " " +
      pad(shifted.getUTCHours()) + ":" + pad(shifted.getUTCMinutes()) + ":" + pad(shifted.getUTCSeconds());
  }

  function escapeHtml(text) {
    return String(text === null || text === undefined ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }[c];
    });
  }

  /* An alert's evidence (its track and where it dwelt) drawn on `layer`; resolves to the bounds to show. */
  function drawEvidence(layer, alert) {
    layer.clearLayers();
    var points = ((alert.evidence || {}).track || []).map(function (t) { return toDisplay(t[1], t[2]); });
    if (points.length > 1) L.polyline(points, { color: "#dc2626", weight: 4, className: "evidence-track" }).addTo(layer);
    if (alert.lat !== null && alert.lat !== undefined) {
      var centre = toDisplay(alert.lat, alert.lon);
      L.circle(centre, { radius: 50, color: "#dc2626", fillOpacity: 0.2, className: "evidence-dwell" })
        .bindTooltip(escapeHtml(strings.dwell + " " + Math.round((alert.dwell_s || 0) / 60) + " " + strings.minutes +
                                (alert.place || alert.venue ? " · " + (alert.place || alert.venue) : "")),
                      { permanent: true })
        .addTo(layer);
      points.push(centre);
    }
    return points.length ? L.latLngBounds(points) : null;
  }

  root.QMLive = { config: config, strings: strings, toDisplay: toDisplay, fromDisplay: fromDisplay, api: api,
                  showDelay: showDelay, baseMap: baseMap, gisLayer: gisLayer, localTime: localTime, escapeHtml: escapeHtml,
                  drawEvidence: drawEvidence };
})(window);
