/* The live fleet map: a snapshot, then server-sent events (fixes, alert changes). Markers are clustered and
   updated in batches once per animation frame. Re-inserting a moved marker into the cluster tree is what costs
   (Leaflet.markercluster redraws every visible cluster on each removal batch), so a marker that moved a little
   is only moved on screen and re-clustered later, when the page is idle; one that moved far, changed state or
   was filtered re-clusters at once. The fleet manager finds a vehicle by plate, follows one (the map keeps it
   centred), filters by unit (the view refits, the counts follow) and sees a vehicle's last track on its card.
   window.qmMap exposes the state to the browser tests and the benchmark. */
(function () {
  "use strict";
  var Q = window.QMLive, cfg = Q.config, S = Q.strings;
  var STATES = ["moving", "stopped", "offline", "alert"];

  var map = Q.baseMap("map");
  var alerting = 0;        // vehicles in the alert state: only then do clusters look inside for them
  var cluster = L.markerClusterGroup({ chunkedLoading: false, maxClusterRadius: 50, disableClusteringAtZoom: 17,
                                       spiderfyOnMaxZoom: false, showCoverageOnHover: false,
                                       iconCreateFunction: clusterIcon });

  /* A cluster holding a vehicle in alert is drawn red, so an alert is not lost inside a cluster. */
  function clusterIcon(c) {
    var n = c.getChildCount();
    var size = n < 10 ? "small" : n < 100 ? "medium" : "large";
    var alert = alerting > 0 && c.getAllChildMarkers().some(function (m) { return m.options.state === "alert"; });
    return L.divIcon({ html: "<div><span>" + n + "</span></div>", iconSize: L.point(40, 40),
                       className: "marker-cluster marker-cluster-" + size + (alert ? " qm-cluster-alert" : "") });
  }
  var NEAR_M = 200;        // a move shorter than this (from where the tree has the marker) waits to re-cluster
  var RECLUSTER_SLICE = 50;
  map.addLayer(cluster);
  var evidence = L.layerGroup().addTo(map);
  var layers = { grid: Q.gisLayer(map, "grid"), venues: Q.gisLayer(map, "venues"),
                 jurisdictions: Q.gisLayer(map, "jurisdictions") };

  var vehicles = {};       // id -> vehicle row (snapshot fields, newest fix, state); times are epoch ms
  var markers = {};        // id -> marker (vehicles with a fix)
  var shown = {};          // id -> true when its marker is in the cluster group
  var alerts = {};         // id -> alert row (panel)
  var ongoing = {};        // vehicle id -> {alert id: true} of alerts whose episode is still on
  // Fix ages are judged on the server's clock: an office PC whose clock is off must not show every vehicle
  // offline (or none). The snapshot carries the server's time; the difference is kept for the page's life.
  var clockSkew = 0;
  function serverNow() { return Date.now() + clockSkew; }
  var pending = {};        // id -> fix waiting for the next frame
  var framePending = false;
  var stats = { received: 0, applied: 0, delays: [], flushMs: [], appliedAt: {} };
  var filter = { unitPath: "", states: { moving: true, stopped: true, offline: true, alert: true } };
  var openCardId = null;

  /* ---- vehicle state and icons ---- */
  function stateOf(v, now) {
    if (ongoing[v.id] && Object.keys(ongoing[v.id]).length) return "alert";
    if (!v.ts || now - v.ts > cfg.offlineS * 1000) return "offline";
    return (v.speed || 0) >= cfg.stopKmh ? "moving" : "stopped";
  }

  var icons = {};
  function iconFor(state, heading) {
    var step = heading === null || heading === undefined ? -1 : Math.round(heading / 15) % 24;
    var key = state + step;
    if (!icons[key]) {
      var arrow = step < 0 ? "" : '<i class="qm-arrow" style="transform:rotate(' + step * 15 + 'deg)"></i>';
      icons[key] = L.divIcon({ className: "qm-vehicle qm-state-" + state, html: arrow, iconSize: [18, 18],
                               iconAnchor: [9, 9] });
    }
    return icons[key];
  }

  var VehicleMarker = L.Marker.extend({
    update: function () {
      if (this._icon && this._map) this._setPos(this._map.latLngToLayerPoint(this._qmPos || this._latlng).round());
      return this;
    },
    _initIcon: function () {
      L.Marker.prototype._initIcon.call(this);
      if (this._icon) {
        this._icon.dataset.vehicle = this.options.vehicleId;
        this._icon.dataset.state = this.options.state;
      }
    }
  });

  function matches(v) {
    return filter.states[v.state] && inUnit(v);
  }

  /* ---- applying fixes: one batch per frame ---- */
  function queueFix(f) {
    stats.received++;
    var prev = pending[f[0]];
    if (!prev || prev[1] < f[1]) pending[f[0]] = f;
    if (!framePending) {
      framePending = true;
      window.requestAnimationFrame(flush);
    }
  }

  function flush() {
    framePending = false;
    var started = performance.now(), now = serverNow();
    var moves = [], fixes = pending;
    pending = {};
    Object.keys(fixes).forEach(function (id) {
      var f = fixes[id], v = vehicles[id];
      if (!v) { unknownVehicle(); return; }
      if (v.ts && v.ts > f[1]) return;  // an older fix: the marker stays
      v.ts = f[1]; v.lat = f[2]; v.lon = f[3]; v.speed = f[4]; v.heading = f[5]; v.grid = f[6]; v.place = f[7];
      stats.applied++;
      stats.appliedAt[id] = now;
      if (stats.delays.length < 200000) stats.delays.push(now - f[1]);
      moves.push(v);
    });
    placeVehicles(moves, now);
    if (lastTrack.id !== null && fixes[lastTrack.id]) extendLastTrack(vehicles[lastTrack.id]);
    if (openCardId !== null && fixes[openCardId]) refreshCard();
    if (following !== null && fixes[following]) keepCentred();
    if (stats.flushMs.length < 100000) stats.flushMs.push(performance.now() - started);
  }

  /* The cluster tree knows a marker by its _latlng; a marker moved a little is drawn at _qmPos meanwhile. */
  function leaveCluster(list) {
    if (!list.length) return;
    cluster.removeLayers(list);
    list.forEach(function (m) {
      if (m._qmPos) { m._latlng = m._qmPos; m._qmPos = null; }
    });
  }

  function joinCluster(list) {
    if (!list.length) return;
    alerting = 0;  // before the group draws its cluster icons
    Object.keys(vehicles).forEach(function (id) { if (vehicles[id].state === "alert") alerting++; });
    cluster.addLayers(list);
    reopenCard();
  }

  /* A card whose marker left the map to be re-clustered (it moved far) comes back with the marker: when the marker
     rejoins, or when the view comes to it (following). */
  function reopenCard() {
    if (reopenId !== null && markers[reopenId] && map.hasLayer(markers[reopenId])) openCard(reopenId, true);
  }

  function metres(a, b) {
    var dy = (a.lat - b.lat) * 111320, dx = (a.lng - b.lng) * 111320 * Math.cos(a.lat * Math.PI / 180);
    return Math.sqrt(dx * dx + dy * dy);
  }

  var stale = {};  // id -> true: shown at its new position, still clustered at the old one

  /* Puts each vehicle's marker where its newest fix says, in its state's colour. Every removal batch makes the
     group redraw what is visible, so markers that must move in the tree (moved far, changed state, filtered)
     leave and return in one batch each. */
  function placeVehicles(list, now) {
    var leave = [], back = [], light = [];
    list.forEach(function (v) {
      var was = v.state;
      v.state = stateOf(v, now);
      if (v.lat === null || v.lat === undefined) return;
      var m = markers[v.id], pos = Q.toDisplay(v.lat, v.lon), icon = iconFor(v.state, v.heading);
      if (!m) {
        m = markers[v.id] = new VehicleMarker(pos, { icon: icon, vehicleId: v.id, state: v.state, title: v.plate });
        m.on("click", function () { openCard(v.id); });
        if (matches(v)) { back.push(m); shown[v.id] = true; }
        return;
      }
      var want = matches(v);
      if (shown[v.id] && want && was === v.state && metres(pos, m._latlng) < NEAR_M) {
        light.push([m, pos, icon]);
        stale[v.id] = true;
        return;
      }
      if (shown[v.id]) leave.push(m);
      m._qmDest = pos;
      m.options.state = v.state;
      m._qmNext = icon;
      if (want) { back.push(m); shown[v.id] = true; } else { delete shown[v.id]; }
      delete stale[v.id];
    });
    light.forEach(function (x) {
      x[0]._qmPos = x[1];
      if (x[0].options.icon !== x[2]) x[0].setIcon(x[2]); else x[0].update();
    });
    leaveCluster(leave);
    leave.forEach(function (m) {
      if (m._qmDest) { m._latlng = m._qmDest; m._qmDest = null; }
      if (m._qmNext && m.options.icon !== m._qmNext) m.setIcon(m._qmNext);
      m._qmNext = null;
    });
    back.forEach(function (m) {
      if (m._qmNext && m.options.icon !== m._qmNext) m.setIcon(m._qmNext);
      m._qmNext = null;
    });
    joinCluster(back);
    updateCounts();
  }

  /* When the page is idle, markers drawn away from their tree position go back into the tree at their true
     position, fifty at a time (each batch costs a redraw of the visible clusters), so clusters catch up
     without holding up frames. */
  var staleOrder = [];
  function catchUp(deadline) {
    var slices = 0;
    while (slices++ < 4 && (deadline.didTimeout || deadline.timeRemaining() > 8)) {
      if (!staleOrder.length) staleOrder = Object.keys(stale);
      if (!staleOrder.length) break;
      var batch = staleOrder.splice(0, RECLUSTER_SLICE).filter(function (id) {
        return stale[id] && shown[id];
      }).map(function (id) { delete stale[id]; return markers[id]; });
      leaveCluster(batch);
      joinCluster(batch);
      if (deadline.didTimeout) break;
    }
    window.requestIdleCallback(catchUp, { timeout: 1000 });
  }
  window.requestIdleCallback(catchUp, { timeout: 1000 });

  function applyBatch(remove, add) {
    leaveCluster(remove);
    joinCluster(add);
    updateCounts();
  }

  function restyleAll() {
    var now = serverNow(), remove = [], add = [];
    Object.keys(vehicles).forEach(function (id) {
      var v = vehicles[id], m = markers[id], was = v.state, wasShown = !!shown[id];
      v.state = stateOf(v, now);
      if (!m) return;
      var want = matches(v);
      if (was !== v.state || want !== wasShown) {
        if (wasShown) remove.push(m);
        m.options.state = v.state;
        m.setIcon(iconFor(v.state, v.heading));
        if (want) { add.push(m); shown[id] = true; } else { delete shown[id]; }
        delete stale[id];
      }
    });
    applyBatch(remove, add);
  }

  function inUnit(v) { return !filter.unitPath || (v.unit_path || "").indexOf(filter.unitPath) === 0; }

  /* The counts are of the unit chosen (all states, so a state unticked still shows how many it hides). */
  function updateCounts() {
    var counts = { moving: 0, stopped: 0, offline: 0, alert: 0 }, nofix = 0, onMap = 0;
    Object.keys(vehicles).forEach(function (id) {
      var v = vehicles[id];
      if (!inUnit(v)) return;
      if (v.lat === null || v.lat === undefined) { nofix++; return; }
      counts[v.state]++;
      if (shown[id]) onMap++;
    });
    STATES.forEach(function (s) { document.getElementById("count-" + s).textContent = counts[s]; });
    document.getElementById("count-nofix").textContent = nofix;
    document.getElementById("vehicle-count").textContent = onMap;
  }

  var refetching = false;
  function unknownVehicle() {
    // A vehicle registered after the page loaded: take a fresh snapshot (at most one at a time).
    if (refetching) return;
    refetching = true;
    Q.api(cfg.snapshotUrl).then(function (snap) { loadVehicles(snap.vehicles); })
      .finally(function () { refetching = false; });
  }

  /* ---- vehicle card ---- */
  function vehicleAlerts(id) {
    return Object.keys(alerts).map(function (k) { return alerts[k]; })
      .filter(function (a) { return a.vehicle_id === id && (a.ongoing || a.status === "open"); });
  }

  function cardHtml(v) {
    var rows = vehicleAlerts(v.id).map(function (a) {
      return '<li data-alert="' + a.id + '">' + Q.escapeHtml(a.kind_label) + " · " + Q.localTime(a.started_at) +
        (a.place ? ' · <span class="card-alert-place">' + Q.escapeHtml(a.place) + "</span>" : "") + "</li>";
    }).join("");
    return '<div id="vehicle-card" data-vehicle="' + v.id + '">' +
      '<h3 class="card-plate">' + Q.escapeHtml(v.plate) + "</h3><dl>" +
      "<dt>" + S.unit + '</dt><dd class="card-unit">' + Q.escapeHtml(v.unit_name) + "（" + Q.escapeHtml(v.unit) + "）</dd>" +
      "<dt>" + S.state + '</dt><dd class="card-state">' + S.states[v.state] + "</dd>" +
      "<dt>" + S.speed + '</dt><dd class="card-speed">' + (v.speed === null || v.speed === undefined ? "—" :
        Number(v.speed).toFixed(1) + " " + S.kmh) + "</dd>" +
      "<dt>" + S.lastFix + '</dt><dd class="card-time">' + Q.localTime(v.ts) + "</dd>" +
      "<dt>" + S.place + '</dt><dd class="card-place">' + Q.escapeHtml(v.place || "—") +
        (v.grid ? ' <small class="card-grid">' + Q.escapeHtml(v.grid) + "</small>" : "") + "</dd>" +
      "<dt>" + S.openAlerts + '</dt><dd class="card-alerts">' + (rows ? "<ul>" + rows + "</ul>" : S.none) + "</dd>" +
      "<dt>" + S.lastTrack + '</dt><dd class="card-track">' + lastTrackText(v.id) + "</dd></dl>" +
      '<p><button type="button" class="card-follow">' + (following === v.id ? S.unfollow : S.follow) + "</button></p>" +
      locateHtml(v) +
      '<p><a class="card-file" href="' + cfg.vehicleUrl.replace("{id}", v.id) + '">' + S.vehicleFile + "</a> · " +
      '<a class="card-replay" href="' + cfg.replayUrl + "?vehicle=" + v.id + '">' + S.replay + "</a></p></div>";
  }

  /* ---- locate now: a JT/T 808 terminal is asked for its position (0x8201) through the vehicles API ---- */
  var located = {};          // vehicle id -> {busy, text, fail}: survives the card's re-rendering on each fix
  var locatedLayer = L.layerGroup().addTo(map);

  function locateHtml(v) {
    if (!cfg.canLocate || !v.jt808) return "";
    var r = located[v.id] || {}, iv = intervals[v.id] || {};
    return '<p class="card-locate-row"><button type="button" class="card-locate"' + (r.busy ? " disabled" : "") + ">" +
      (r.busy ? S.locating : S.locate) + '</button> <button type="button" class="card-interval">' + S.interval +
      '</button> <span class="card-located' + (r.fail ? " fail" : "") + '">' + Q.escapeHtml(r.text || "") +
      '</span> <span class="card-interval-answer' + (iv.fail ? " fail" : "") + '">' + Q.escapeHtml(iv.text || "") +
      "</span></p>";
  }

  function redrawCard(id) {
    var m = markers[id];
    if (m && m.getPopup()) m.getPopup().setContent(cardHtml(vehicles[id]));
    // the card on screen even when the marker was re-clustered meanwhile
    var row = document.querySelector('#vehicle-card[data-vehicle="' + id + '"] .card-locate-row');
    if (row) row.outerHTML = locateHtml(vehicles[id]);
  }

  function locate(id) {
    var v = vehicles[id];
    located[id] = { busy: true };
    // after this click is handled: Leaflet takes a click on a node no longer in the popup for a map click
    window.setTimeout(function () { redrawCard(id); }, 0);
    Q.api(cfg.vehiclesApi + id + "/locate/", { method: "POST", body: {} }).then(function (answer) {
      var f = answer.fix;
      var text = S.located + " " + Q.localTime(f.ts) + " · " + Number(f.lat).toFixed(6) + ", " +
        Number(f.lon).toFixed(6) + (f.speed === null || f.speed === undefined ? "" :
        " · " + Number(f.speed).toFixed(1) + " " + S.kmh);
      located[id] = { text: text };
      locatedLayer.clearLayers();
      L.circleMarker(Q.toDisplay(f.lat, f.lon), { radius: 9, color: "#dc2626", className: "located-fix" })
        .bindTooltip(Q.escapeHtml(v.plate + " · " + text)).addTo(locatedLayer);
      window.qmMap.located = answer;
    }).catch(function (err) {
      located[id] = { text: err.message, fail: true };
      window.qmMap.located = { error: err.data || err.message };
    }).finally(function () { redrawCard(id); });
  }

  /* ---- reporting interval: 0x8103 to a JT/T 808 terminal through the vehicles API, its 0x0001 answer shown ---- */
  var intervals = {};        // vehicle id -> {text, fail}: the terminal's last answer, as for locate
  var intervalDialog = document.getElementById("interval-dialog");
  var intervalVehicle = null;
  function intervalText(answer) {
    var parts = [];
    if (answer.seconds) parts.push(S.intervalDefault + " " + answer.seconds + " " + S.seconds);
    if (answer.sleep_seconds) parts.push(S.intervalSleep + " " + answer.sleep_seconds + " " + S.seconds);
    return (answer.status === "ok" ? S.intervalAccepted : S.intervalRefused) + " · " + parts.join(" / ") +
      " · " + S.intervalResult + " " + answer.result;
  }
  function openInterval(id) {
    intervalVehicle = id;
    document.getElementById("interval-title").textContent = S.intervalTitle + " · " + vehicles[id].plate;
    document.getElementById("interval-error").hidden = true;
    document.getElementById("interval-answer").hidden = true;
    document.getElementById("interval-submit").disabled = false;
    intervalDialog.showModal();
  }
  document.getElementById("interval-cancel").addEventListener("click", function () { intervalDialog.close(); });
  document.getElementById("interval-submit").addEventListener("click", function () {
    var id = intervalVehicle, error = document.getElementById("interval-error");
    var shown = document.getElementById("interval-answer"), button = document.getElementById("interval-submit");
    function read(field) {
      var text = document.getElementById(field).value.trim();
      return text === "" ? null : Number(text);
    }
    var body = { seconds: read("interval-seconds"), sleep_seconds: read("interval-sleep") };
    var ok = function (n) { return n === null || (Number.isInteger(n) && n >= 1 && n <= 86400); };
    if ((body.seconds === null && body.sleep_seconds === null) || !ok(body.seconds) || !ok(body.sleep_seconds)) {
      error.textContent = S.intervalRequired;
      error.hidden = false;
      return;
    }
    error.hidden = true;
    button.disabled = true;
    shown.hidden = false;
    shown.textContent = S.intervalSending;
    Q.api(cfg.vehiclesApi + id + "/report-interval/", { method: "POST", body: body }).then(function (answer) {
      intervals[id] = { text: intervalText(answer), fail: answer.status !== "ok" };
      window.qmMap.intervalAnswer = answer;
    }).catch(function (err) {
      intervals[id] = { text: err.message, fail: true };
      window.qmMap.intervalAnswer = { error: err.data || err.message };
    }).finally(function () {
      shown.textContent = intervals[id].text;
      shown.className = intervals[id].fail ? "fail" : "";
      button.disabled = false;
      redrawCard(id);
    });
  });

  var reopenId = null;
  function openCard(id, reopening) {
    var v = vehicles[id], m = markers[id];
    if (!v || !m) return;
    openCardId = reopenId = null;
    if (m._qmPos && shown[id]) { leaveCluster([m]); joinCluster([m]); delete stale[id]; }  // exact, for the popup
    openCardId = id;
    m.unbindPopup();
    // A card coming back after re-clustering must not move the view (only following does that).
    m.bindPopup(cardHtml(v), { maxWidth: 320, autoPan: !reopening }).openPopup();
    // An open alert listed on the card zooms to its evidence, as in the panel.
    m.getPopup().getElement().addEventListener("click", function (e) {
      if (e.target.classList.contains("card-locate")) return locate(id);
      if (e.target.classList.contains("card-interval")) return openInterval(id);
      if (e.target.classList.contains("card-follow")) return following === id ? unfollow() : follow(id);
      var li = e.target.closest("li[data-alert]");
      if (li) showEvidence(Number(li.dataset.alert));
    });
    m.once("popupclose", function () {
      if (openCardId !== id) return;
      if (!map.hasLayer(m)) { reopenId = id; return; }
      openCardId = null;
      if (lastTrack.id === id) clearLastTrack();
    });
    if (!reopening) loadLastTrack(id);
  }

  function refreshCard() {
    var m = markers[openCardId];
    if (!m || !m.getPopup()) return;
    m.getPopup().setContent(cardHtml(vehicles[openCardId]));
    m.getPopup().setLatLng(m._qmPos || m._latlng);  // the card follows the marker as drawn
  }

  /* ---- a vehicle's last track (QM_MAP_LAST_TRACK_MIN) while its card is open, growing with its new fixes ---- */
  var lastTrackLayer = L.layerGroup().addTo(map);
  var lastTrack = { id: null, line: null, fixes: 0, loading: false };

  function lastTrackText(id) {
    if (lastTrack.id !== id || lastTrack.loading) return "—";
    if (!lastTrack.fixes) return S.lastTrackNone;
    return lastTrack.fixes + " " + S.fixes + " · " + cfg.lastTrackMin + " " + S.minutes;
  }

  function clearLastTrack() {
    lastTrackLayer.clearLayers();
    lastTrack = { id: null, line: null, fixes: 0, loading: false };
  }

  function loadLastTrack(id) {
    clearLastTrack();
    lastTrack = { id: id, line: null, fixes: 0, loading: true };
    var start = new Date(serverNow() - cfg.lastTrackMin * 60000).toISOString();
    Q.api(cfg.tracksApi + "?vehicle=" + id + "&start=" + encodeURIComponent(start)).then(function (track) {
      if (lastTrack.id !== id) return;  // another card was opened meanwhile
      var points = track.fixes.map(function (f) { return Q.toDisplay(f.lat, f.lon); });
      lastTrack.loading = false;
      lastTrack.fixes = points.length;
      lastTrack.newest = track.fixes.length ? Date.parse(track.fixes[track.fixes.length - 1].ts) : 0;
      lastTrack.line = L.polyline(points, { color: "#7c3aed", weight: 4, opacity: 0.8, className: "last-track",
                                            interactive: false }).addTo(lastTrackLayer);
      // only the line's text: re-rendering the card could swallow a click on it in progress
      var dd = document.querySelector('#vehicle-card[data-vehicle="' + id + '"] .card-track');
      if (dd) dd.textContent = lastTrackText(id);
      window.qmMap.lastTrack = { id: id, fixes: points.length };
    }).catch(function () { if (lastTrack.id === id) clearLastTrack(); });
  }

  function extendLastTrack(v) {
    if (!lastTrack.line || !v.ts || v.ts <= lastTrack.newest) return;
    lastTrack.newest = v.ts;
    lastTrack.fixes++;
    lastTrack.line.addLatLng(Q.toDisplay(v.lat, v.lon));
    window.qmMap.lastTrack = { id: v.id, fixes: lastTrack.fixes };
  }

  /* ---- follow a vehicle: the map keeps it centred as its fixes arrive; dragging the map lets go ---- */
  var following = null;
  var followBox = document.getElementById("follow-status");

  function drawnPos(id) { var m = markers[id]; return m ? (m._qmPos || m._latlng) : null; }

  function keepCentred() {
    var p = drawnPos(following);
    if (p) map.panTo(p, { animate: true, duration: 0.4 });
  }

  function follow(id) {
    following = id;
    followBox.hidden = false;
    document.getElementById("follow-plate").textContent = vehicles[id].plate;
    keepCentred();
    followButtons();
  }

  function unfollow() {
    following = null;
    followBox.hidden = true;
    followButtons();
  }

  /* The button's text only: Leaflet takes a click on a node no longer in the popup for a map click. */
  function followButtons() {
    document.querySelectorAll("#vehicle-card .card-follow").forEach(function (b) {
      b.textContent = following === Number(b.closest("#vehicle-card").dataset.vehicle) ? S.unfollow : S.follow;
    });
  }
  document.getElementById("follow-stop").addEventListener("click", unfollow);
  map.on("dragstart", function () { if (following !== null) unfollow(); });
  map.on("moveend", reopenCard);

  /* ---- search by plate: jump to the vehicle and open its card ---- */
  function plateKey(text) { return String(text || "").replace(/[\s·•.\-]/g, "").toUpperCase(); }

  function findPlates(query) {
    var q = plateKey(query), all = Object.keys(vehicles).map(function (id) { return vehicles[id]; });
    if (!q) return [];
    var exact = all.filter(function (v) { return plateKey(v.plate) === q; });
    if (exact.length) return exact;
    return all.filter(function (v) { return plateKey(v.plate).indexOf(q) >= 0; })
      .sort(function (a, b) { return a.plate < b.plate ? -1 : 1; });
  }

  var searchNote = document.getElementById("search-result");
  function note(text, candidates) {
    searchNote.innerHTML = "";
    searchNote.hidden = !text;
    searchNote.appendChild(document.createTextNode(text || ""));
    (candidates || []).slice(0, 10).forEach(function (v) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "search-candidate";
      b.dataset.vehicle = v.id;
      b.textContent = v.plate;
      b.addEventListener("click", function () { jumpTo(v.id); });
      searchNote.appendChild(b);
    });
  }

  /* A vehicle hidden by the filters is shown again: the fleet manager asked for it by name. */
  function jumpTo(id) {
    var v = vehicles[id];
    if (v.lat === null || v.lat === undefined) return note(S.searchNoFix);
    note("");
    if (!matches(v)) {
      filter.unitPath = "";
      document.getElementById("filter-unit").value = "";
      STATES.forEach(function (s) { filter.states[s] = true; });
      document.querySelectorAll(".filter-state").forEach(function (box) { box.checked = true; });
      restyleAll();
      document.querySelectorAll("#alert-list li").forEach(function (li) { li.hidden = false; });
      updateAlertCount();
    }
    map.setView(drawnPos(id), Math.max(map.getZoom(), 17), { animate: false });
    cluster.zoomToShowLayer(markers[id], function () { openCard(id); });
  }

  function search(query) {
    var found = findPlates(query);
    if (!found.length) return note(S.searchNotFound);
    if (found.length > 1) return note(S.searchMany, found);
    jumpTo(found[0].id);
  }
  document.getElementById("plate-search").addEventListener("submit", function (e) {
    e.preventDefault();
    search(document.getElementById("plate-query").value);
  });

  /* ---- alerts panel ---- */
  function setOngoing(a) {
    var set = ongoing[a.vehicle_id] = ongoing[a.vehicle_id] || {};
    if (a.ongoing) set[a.id] = true; else delete set[a.id];
  }

  /* A terminal_silent that began while the terminal reported its power or antenna cut: say so (JT/T 808 alarms). */
  function explainedHtml(a) {
    if (!a.explained_by || !a.explained_by.length) return "";
    return '<div class="alert-explained">' + S.explainedBy + " " + a.explained_by.map(function (c) {
      return Q.escapeHtml(c.label) + "（" + Q.localTime(c.started_at) + "）";
    }).join("、") + "</div>";
  }

  function alertItem(a) {
    var li = document.createElement("li");
    li.className = "alert-item";
    li.dataset.alert = a.id;
    li.dataset.vehicle = a.vehicle_id;
    li.dataset.status = a.status;
    li.dataset.kind = a.kind;
    var where = [a.place || a.venue, a.grid_code].filter(Boolean).map(Q.escapeHtml).join(" · ");
    li.innerHTML = '<div class="alert-head"><strong>' + Q.escapeHtml(a.kind_label) + "</strong> " +
      '<span class="alert-plate">' + Q.escapeHtml(a.plate) + "</span></div>" +
      '<div class="alert-meta">' + Q.localTime(a.started_at) + (where ? " · " + where : "") +
      ' · <span class="alert-status">' + Q.escapeHtml(a.status_label) + "</span></div>" +
      explainedHtml(a) +
      '<div class="alert-case"><a class="alert-case-link" href="/alerts/' + encodeURIComponent(a.id) + '/">' +
      Q.escapeHtml(S.openCase) + "</a></div>" +
      (cfg.canReview && (a.status === "open" || a.status === "closed") ?
        '<div class="alert-actions"><button type="button" class="alert-ack">' + S.acknowledge + "</button> " +
        '<button type="button" class="alert-dismiss">' + S.dismiss + "</button></div>" : "");
    li.addEventListener("click", function (e) {
      if (e.target.classList.contains("alert-case-link")) return;  // the case page opens; no zoom
      if (e.target.classList.contains("alert-ack")) return openReview(a.id, "acknowledge");
      if (e.target.classList.contains("alert-dismiss")) return openReview(a.id, "dismiss");
      showEvidence(a.id);
    });
    return li;
  }

  function upsertAlert(a, isNew) {
    var known = alerts[a.id];
    alerts[a.id] = a;
    setOngoing(a);
    var list = document.getElementById("alert-list");
    var existing = list.querySelector('li[data-alert="' + a.id + '"]');
    var li = alertItem(a);
    li.hidden = !alertInUnit(li);
    if (existing) {
      existing.replaceWith(li);
    } else if (!known) {
      // Newest first: before the first item that started earlier.
      var items = list.children, before = null;
      for (var i = 0; i < items.length; i++) {
        var other = alerts[items[i].dataset.alert];
        if (other && other.started_at < a.started_at) { before = items[i]; break; }
      }
      list.insertBefore(li, before);
      if (isNew) li.classList.add("alert-new");
    }
    updateAlertCount();
  }

  /* Alerts awaiting review of the unit chosen, like the panel shows them. */
  function updateAlertCount() {
    var n = Object.keys(alerts).filter(function (k) {
      var a = alerts[k], v = vehicles[a.vehicle_id];
      return (a.status === "open" || a.status === "closed") && (!v || inUnit(v));
    }).length;
    document.getElementById("alert-count").textContent = n;
  }

  function showEvidence(id) {
    Q.api(cfg.alertsApi + id + "/").then(function (a) {
      var bounds = Q.drawEvidence(evidence, a);
      if (bounds) map.fitBounds(bounds.pad(0.3), { maxZoom: 17 });
      document.querySelectorAll("#alert-list li.selected").forEach(function (el) { el.classList.remove("selected"); });
      var li = document.querySelector('#alert-list li[data-alert="' + id + '"]');
      if (li) li.classList.add("selected");
    }).catch(function (err) { if (err.status === 404) dropAlert(id); });
  }

  function dropAlert(id) {
    var a = alerts[id];
    if (!a) return;
    delete alerts[id];
    if (ongoing[a.vehicle_id]) delete ongoing[a.vehicle_id][id];
    var li = document.querySelector('#alert-list li[data-alert="' + id + '"]');
    if (li) li.remove();
    updateAlertCount();
    restyleAll();
  }

  /* ---- review dialog: acknowledge or dismiss with a reason, through the alerts API ---- */
  var dialog = document.getElementById("review-dialog");
  var reviewing = null;
  function openReview(id, action) {
    reviewing = { id: id, action: action };
    document.getElementById("review-title").textContent =
      (action === "dismiss" ? S.dismissTitle : S.acknowledgeTitle) + " · " + alerts[id].plate;
    document.getElementById("review-submit").textContent = action === "dismiss" ? S.dismiss : S.acknowledge;
    document.getElementById("review-reason").value = "";
    document.getElementById("review-error").hidden = true;
    dialog.showModal();
  }
  document.getElementById("review-cancel").addEventListener("click", function () { dialog.close(); });
  document.getElementById("review-submit").addEventListener("click", function () {
    var reason = document.getElementById("review-reason").value.trim();
    var error = document.getElementById("review-error");
    if (reviewing.action === "dismiss" && !reason) {
      error.textContent = S.reasonRequired;
      error.hidden = false;
      return;
    }
    Q.api(cfg.alertsApi + reviewing.id + "/" + reviewing.action + "/", { method: "POST", body: { reason: reason } })
      .then(function (a) {
        var row = alerts[a.id];
        row.status = a.status;
        row.status_label = a.status === "dismissed" ? S.statusDismissed : S.statusAcknowledged;
        row.ongoing = !a.ended_at && a.status !== "dismissed";
        upsertAlert(row, false);
        restyleAll();
        dialog.close();
      })
      .catch(function (err) { error.textContent = err.message; error.hidden = false; });
  });

  /* ---- filters and layers ---- */
  /* The panel follows the unit filter too: alerts of other units' vehicles are hidden, not dropped. */
  function alertInUnit(li) {
    var v = vehicles[li.dataset.vehicle];
    return !filter.unitPath || !v || (v.unit_path || "").indexOf(filter.unitPath) === 0;
  }
  /* The view fits the vehicles shown (those of the unit with a fix when the state filter hides them all). */
  function refit() {
    var ids = Object.keys(shown);
    if (!ids.length) ids = Object.keys(vehicles).filter(function (id) { return inUnit(vehicles[id]) && markers[id]; });
    var points = ids.map(drawnPos).filter(Boolean);
    if (points.length) map.fitBounds(L.latLngBounds(points).pad(0.1), { maxZoom: 15, animate: false });
  }
  document.getElementById("filter-unit").addEventListener("change", function (e) {
    filter.unitPath = e.target.value;
    restyleAll();
    refit();
    document.querySelectorAll("#alert-list li").forEach(function (li) { li.hidden = !alertInUnit(li); });
    updateAlertCount();
  });
  document.querySelectorAll(".filter-state").forEach(function (box) {
    box.addEventListener("change", function () { filter.states[box.value] = box.checked; restyleAll(); });
  });
  Object.keys(layers).forEach(function (name) {
    var box = document.getElementById("layer-" + name);
    function sync() { if (box.checked) map.addLayer(layers[name]); else map.removeLayer(layers[name]); }
    box.addEventListener("change", sync);
    sync();
  });

  /* ---- snapshot, then the stream ---- */
  function loadVehicles(rows) {
    var fresh = rows.filter(function (row) {
      var v = vehicles[row.id];
      return !(v && v.ts && row.ts && v.ts >= row.ts);
    });
    fresh.forEach(function (row) { vehicles[row.id] = row; });
    placeVehicles(fresh, serverNow());
  }

  var status = document.getElementById("stream-status");
  function setStatus(state) { status.dataset.state = state; status.textContent = S.stream[state]; }

  function connect(cursor) {
    var source = new EventSource(cfg.streamUrl + "?cursor=" + encodeURIComponent(cursor));
    source.onopen = function () { setStatus("live"); };
    source.onerror = function () { setStatus("reconnecting"); };
    source.addEventListener("fixes", function (e) { JSON.parse(e.data).forEach(queueFix); });
    source.addEventListener("delay", function (e) { Q.showDelay(JSON.parse(e.data).delay_s); });
    source.addEventListener("alerts", function (e) {
      JSON.parse(e.data).forEach(function (a) { upsertAlert(a, !alerts[a.id]); });
      restyleAll();
      if (openCardId !== null) refreshCard();
    });
    source.addEventListener("resync", function () {
      // The stream skipped a long backlog: take the fleet as it is now.
      Q.api(cfg.snapshotUrl).then(function (snap) { loadVehicles(snap.vehicles); });
    });
    source.addEventListener("review", function (e) {
      var keep = {};
      JSON.parse(e.data).forEach(function (id) { keep[id] = true; });
      Object.keys(alerts).forEach(function (id) {
        var a = alerts[id];
        if (!keep[id] && (a.status === "open" || a.status === "closed")) dropAlert(id);
      });
    });
    window.qmMap.source = source;
  }

  window.qmMap = {
    map: map, cluster: cluster, vehicles: vehicles, markers: markers, alerts: alerts, stats: stats, layers: layers,
    shown: function () { return Object.keys(shown).map(Number); },
    drawnAt: function (id) { var m = markers[id], p = m && (m._qmPos || m._latlng); return p ? [p.lat, p.lng] : null; },
    position: function (id) { var v = vehicles[id]; return v ? { lat: v.lat, lon: v.lon, ts: v.ts, state: v.state } : null; },
    openCard: openCard, showEvidence: showEvidence, search: search, follow: follow, unfollow: unfollow,
    following: function () { return following; }, lastTrack: null, ready: false
  };

  Q.api(cfg.snapshotUrl).then(function (snap) {
    var serverTime = Date.parse(snap.now);
    if (!isNaN(serverTime)) clockSkew = serverTime - Date.now();
    Q.showDelay(snap.delay_s);
    snap.alerts.forEach(function (a) { upsertAlert(a, false); });
    snap.vehicles.forEach(function (v) {
      (v.ongoing_alerts || []).forEach(function (id) { (ongoing[v.id] = ongoing[v.id] || {})[id] = true; });
    });
    loadVehicles(snap.vehicles);
    var plates = document.getElementById("plate-options");
    snap.vehicles.map(function (v) { return v.plate; }).sort().forEach(function (plate) {
      var option = document.createElement("option");
      option.value = plate;
      plates.appendChild(option);
    });
    var placed = snap.vehicles.filter(function (v) { return v.lat !== null; });
    if (placed.length) {
      map.fitBounds(L.latLngBounds(placed.map(function (v) { return Q.toDisplay(v.lat, v.lon); })).pad(0.1),
                    { maxZoom: 15, animate: false });
    }
    connect(snap.cursor);
    // Opened from a vehicle file (/map/?vehicle=ID): that vehicle shown, its card open, the map following it.
    var focus = Number(cfg.focus);
    if (focus && vehicles[focus]) {
      jumpTo(focus);
      if (vehicles[focus].lat !== null && vehicles[focus].lat !== undefined) follow(focus);
    }
    window.qmMap.ready = true;
  });

  // Offline is a matter of time passing, not of a new fix: re-judge every vehicle now and then.
  window.setInterval(restyleAll, 10000);
})();
