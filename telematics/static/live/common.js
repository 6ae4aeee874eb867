/* Shared by the live map and track replay: settings from the page, the base map (tiles or none), the
   WGS-84 -> display projection (GCJ-02 tiles), the GIS vector layers, the API calls with the session's CSRF token. */
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

  /* A plain background with vector layers when no tile server is set (offline sites). */
  function baseMap(elementId) {
    var map = L.map(elementId, { maxZoom: 19, minZoom: 3, zoomControl: true, attributionControl: !!config.tileUrl });
    if (config.tileUrl) {
      L.tileLayer(config.tileUrl, { maxZoom: 19, subdomains: "1234" }).addTo(map);
    } else {
      map.getContainer().classList.add("no-tiles");
    }
    map.setView(toDisplay(config.center[0], config.center[1]), 13);
    // places.js: without tiles, the bureau's own layers drawn as the base map.
    if (!config.tileUrl && root.QMPlaces) map.qmBase = root.QMPlaces.baseLayer(map).addTo(map);
    return map;
  }

  function coordsToLatLng(c) { return toDisplay(c[1], c[0]); }

  var layerStyles = {
    grid: { color: "#7b8794", weight: 1, fillOpacity: 0.03 },
    venues: { color: "#c2410c", weight: 1, fillOpacity: 0.25 },
    jurisdictions: { color: "#1d4ed8", weight: 2, fill: false, dashArray: "6 4" }
  };

  /* One GIS layer as a Leaflet layer that reloads its features for the visible box when the view moves. */
  function gisLayer(map, name) {
    var group = L.geoJSON(null, {
      coordsToLatLng: coordsToLatLng,
      style: function () { return layerStyles[name]; },
      pointToLayer: function (feature, latlng) {
        return L.circle(latlng, L.extend({ radius: feature.properties.radius_m || 30 }, layerStyles[name]));
      },
      onEachFeature: function (feature, layer) {
        // Leaflet sets a string tooltip as HTML, and these properties come from an uploaded file: text only.
        var p = feature.properties;
        if (name === "grid") layer.bindTooltip(escapeHtml(p.code), { sticky: true, className: "grid-code" });
        if (name === "venues") layer.bindTooltip(escapeHtml(p.name + (p.category ? "（" + p.category + "）" : "")));
        if (name === "jurisdictions") layer.bindTooltip(escapeHtml(p.unit), { sticky: true });
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
                  baseMap: baseMap, gisLayer: gisLayer, localTime: localTime, escapeHtml: escapeHtml,
                  drawEvidence: drawEvidence };
})(window);
