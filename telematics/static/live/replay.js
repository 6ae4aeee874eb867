/* Track replay: one vehicle's fixes over a time range from the tracks API, its trips and stops (the journeys API:
   each stop a timed marker named by its place) and the alerts raised, played back at a chosen speed. Choosing a trip
   shows its totals (distance, moving and stopped time). window.qmReplay exposes the state to the browser tests. */
(function () {
  "use strict";
  var Q = window.QMLive, cfg = Q.config, S = Q.strings;
  var map = Q.baseMap("map");
  Q.gisLayer(map, "jurisdictions").addTo(map);
  var drawn = L.layerGroup().addTo(map);
  var car = null, fixes = [], times = [], clock = 0, playing = false, lastFrame = null;
  var el = function (id) { return document.getElementById(id); };

  var state = window.qmReplay = { fixes: 0, stops: 0, alerts: 0, alarms: 0, trips: 0, trip: -1, totals: null,
                                   loaded: false, clock: null, index: -1, map: map, drawn: drawn };
  var journeys = { journeys: [], stops: [] }, selected = null;

  el("replay-vehicle").value = cfg.vehicle;
  el("replay-start").value = cfg.start;
  el("replay-end").value = cfg.end;

  function kindLabel(kind) { return S.kinds[kind] || kind; }

  function iso(local) { return (local.length === 16 ? local + ":00" : local) + cfg.utcOffset; }

  function fail(message) {
    el("replay-error").textContent = message;
    el("replay-error").hidden = false;
  }

  function load() {
    var vehicle = el("replay-vehicle").value;
    el("replay-error").hidden = true;
    if (!vehicle) return fail(S.chooseVehicle);
    var range = "&start=" + encodeURIComponent(iso(el("replay-start").value)) +
                "&end=" + encodeURIComponent(iso(el("replay-end").value));
    pause();
    exportLinks(vehicle, iso(el("replay-start").value), iso(el("replay-end").value));
    var period = "?from=" + encodeURIComponent(iso(el("replay-start").value)) +
                 "&to=" + encodeURIComponent(iso(el("replay-end").value));
    Promise.all([
      Q.trackApi(cfg.tracksApi + "?vehicle=" + vehicle + range, vehicle),
      Q.api(cfg.alertsApi + "?vehicle=" + vehicle + range.replace("&start=", "&since=").replace("&end=", "&until=") +
            "&page_size=1000"),
      Q.trackApi(el("replay-export").dataset.journeys.replace("/0/", "/" + vehicle + "/") + period, vehicle)
    ]).then(function (res) {
      journeys = res[2];
      exportLinks(vehicle, iso(el("replay-start").value), iso(el("replay-end").value));  // with the purpose given
      show(res[0], res[1].results || res[1]);
    }).catch(function (err) { fail(err.message); });
  }

  /* The same vehicle and period as files: the track (GPX 1.1, CSV, JSON) and its trips (XLSX, CSV). */
  function exportLinks(vehicle, start, end) {
    var box = el("replay-export");
    var period = "&from=" + encodeURIComponent(start) + "&to=" + encodeURIComponent(end) + Q.purposeQuery(vehicle);
    var track = box.dataset.track.replace("/0/", "/" + vehicle + "/");
    var journeys = box.dataset.journeys.replace("/0/", "/" + vehicle + "/");
    el("replay-gpx").href = track + "?format=gpx" + period;
    el("replay-csv").href = track + "?format=csv" + period;
    el("replay-json").href = track + "?format=json" + period;
    el("replay-trips-xlsx").href = journeys + "?format=xlsx" + period;
    el("replay-trips-csv").href = journeys + "?format=csv" + period;
    box.hidden = false;
  }

  function show(track, alerts) {
    drawn.clearLayers();
    el("replay-hint").hidden = true;
    el("replay-lists").hidden = false;
    el("replay-stops").innerHTML = "";
    el("replay-trips").innerHTML = "";
    selected = null;
    state.trip = -1;
    el("replay-alerts").innerHTML = "";
    el("replay-alarms").innerHTML = "";
    el("replay-alarms-box").hidden = true;
    fixes = track.fixes;
    times = fixes.map(function (f) { return Date.parse(f.ts); });
    state.fixes = fixes.length;
    // Stops of at least the stop length (the start of the data counts as a stop for detection, not here).
    var stops = journeys.stops.filter(function (s) { return s.dwell_s >= cfg.stopMinS; });
    state.stops = stops.length;
    state.stopData = stops;  // as served (WGS-84); drawn through Q.toDisplay
    state.alerts = alerts.length;
    state.trips = journeys.journeys.length;
    el("replay-summary").textContent = track.plate + " · " + S.fixes + " " + fixes.length + " · " + S.stops + " " +
      stops.length + " · " + S.alertsOnTrack + " " + alerts.length;
    showTotals(null, stops);
    if (!fixes.length) {
      state.loaded = true;
      el("replay-clock").textContent = S.noTrack;
      return;
    }
    var line = fixes.map(function (f) { return Q.toDisplay(f.lat, f.lon); });
    L.polyline(line, { color: "#1d4ed8", weight: 3, className: "replay-track" }).addTo(drawn);
    stops.forEach(function (s) {
      var when = clockTime(s.start) + "–" + clockTime(s.end);
      var text = when + " · " + S.dwell + " " + minutes(s.dwell_s) + " " + S.minutes + (s.place ? " · " + s.place : "");
      L.marker(Q.toDisplay(s.lat, s.lon), { icon: L.divIcon({ className: "replay-stop", html: "P", iconSize: [16, 16] }) })
        .bindTooltip(Q.escapeHtml(when + (s.place ? " " + s.place : "")),
                     { permanent: true, direction: "top", offset: [0, -8], className: "replay-stop-label" })
        .addTo(drawn);
      var li = document.createElement("li");
      li.textContent = text;
      li.addEventListener("click", function () { map.setView(Q.toDisplay(s.lat, s.lon), 17); });
      el("replay-stops").appendChild(li);
    });
    journeys.journeys.forEach(function (j, i) {
      var li = document.createElement("li");
      li.dataset.trip = i;
      li.textContent = clockTime(j.start) + "–" + clockTime(j.end) + " · " + km(j.distance_m) + " " + S.km + " · " +
        (S.classes[j["class"]] || j["class"]);
      li.addEventListener("click", function () { selectTrip(i, stops); });
      el("replay-trips").appendChild(li);
    });
    alerts.forEach(function (a) {
      if (a.lat !== null) {
        L.marker(Q.toDisplay(a.lat, a.lon), { icon: L.divIcon({ className: "replay-alert", html: "!", iconSize: [16, 16] }) })
          .bindTooltip(Q.escapeHtml(kindLabel(a.kind) + " · " + Q.localTime(a.started_at))).addTo(drawn);
      }
      var li = document.createElement("li");
      li.dataset.alert = a.id;
      li.textContent = kindLabel(a.kind) + " · " + Q.localTime(a.started_at) +
        (a.place || a.venue ? " · " + (a.place || a.venue) : "");
      if (a.lat !== null) li.addEventListener("click", function () { map.setView(Q.toDisplay(a.lat, a.lon), 17); });
      el("replay-alerts").appendChild(li);
    });
    // The alarm bits of a JT/T 808 terminal's own word, kept with its fixes (overspeed, fatigue, power cut …).
    var alarms = track.alarms || [];
    state.alarms = alarms.length;
    alarms.forEach(function (a) {
      var text = Q.localTime(a.ts) + " · " + a.alarms.map(function (n) { return S.alarms[n] || n; }).join("、");
      var icon = L.divIcon({ className: "replay-alarm", html: "⚠", iconSize: [16, 16] });
      L.marker(Q.toDisplay(a.lat, a.lon), { icon: icon })
        .bindTooltip(Q.escapeHtml(text)).addTo(drawn);
      var li = document.createElement("li");
      li.dataset.alarm = a.ts;
      li.textContent = text;
      li.addEventListener("click", function () { map.setView(Q.toDisplay(a.lat, a.lon), 17); });
      el("replay-alarms").appendChild(li);
    });
    el("replay-alarms-box").hidden = !alarms.length;
    car = L.marker(line[0], { icon: L.divIcon({ className: "replay-car", iconSize: [14, 14] }), zIndexOffset: 1000 })
      .addTo(drawn);
    map.fitBounds(L.latLngBounds(line).pad(0.1));
    ["replay-play", "replay-pause", "replay-slider"].forEach(function (id) { el(id).disabled = false; });
    seek(times[0]);
    state.loaded = true;
  }

  function clockTime(isoText) { return Q.localTime(isoText).slice(11, 16); }
  function minutes(seconds) { return (seconds / 60).toFixed(1); }
  function km(metres) { return (metres / 1000).toFixed(2); }

  /* The totals of one trip, or (trip null) of all trips and stops of the period. */
  function showTotals(trip, stops) {
    var t;
    if (trip) {
      t = { distance_m: trip.distance_m, moving_s: trip.moving_s, stopped_s: trip.stopped_s };
      el("replay-totals-title").textContent = S.trip + " " + clockTime(trip.start) + "–" + clockTime(trip.end);
    } else {
      t = { distance_m: 0, moving_s: 0, stopped_s: 0 };
      journeys.journeys.forEach(function (j) { t.distance_m += j.distance_m; t.moving_s += j.moving_s; });
      stops.forEach(function (s) { t.stopped_s += s.dwell_s; });
      el("replay-totals-title").textContent = S.allTrips + "（" + journeys.journeys.length + "）";
    }
    state.totals = t;
    el("replay-distance").textContent = km(t.distance_m) + " " + S.km;
    el("replay-moving").textContent = minutes(t.moving_s) + " " + S.minutes;
    el("replay-stopped").textContent = minutes(t.stopped_s) + " " + S.minutes;
    el("replay-totals").hidden = false;
  }

  /* A trip chosen in the list: drawn over the track, its totals shown, the car at its start. */
  function selectTrip(i, stops) {
    var trip = journeys.journeys[i];
    if (selected) drawn.removeLayer(selected);
    var a = Date.parse(trip.start), b = Date.parse(trip.end);
    var line = fixes.filter(function (f, k) { return times[k] >= a && times[k] <= b; })
      .map(function (f) { return Q.toDisplay(f.lat, f.lon); });
    selected = L.polyline(line, { color: "#f97316", weight: 6, className: "replay-trip-selected" }).addTo(drawn);
    Array.prototype.forEach.call(el("replay-trips").children, function (li) {
      li.classList.toggle("selected", Number(li.dataset.trip) === i);
    });
    state.trip = i;
    showTotals(trip, stops);
    if (line.length) map.fitBounds(L.latLngBounds(line).pad(0.2));
    if (fixes.length) seek(a);
  }

  /* The car at the last fix not after `t` (ms), the clock and the slider following. */
  function seek(t) {
    clock = Math.max(times[0], Math.min(t, times[times.length - 1]));
    var lo = 0, hi = times.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (times[mid] <= clock) lo = mid; else hi = mid - 1;
    }
    var f = fixes[lo];
    car.setLatLng(Q.toDisplay(f.lat, f.lon));
    state.index = lo;
    state.clock = new Date(clock).toISOString();
    el("replay-clock").textContent = Q.localTime(state.clock) + " · " +
      (f.speed === null ? "—" : Number(f.speed).toFixed(0) + " " + S.kmh);
    var span = times[times.length - 1] - times[0];
    el("replay-slider").value = span ? Math.round((clock - times[0]) / span * 1000) : 1000;
  }

  function frame(now) {
    if (!playing) return;
    if (lastFrame !== null) seek(clock + (now - lastFrame) * Number(el("replay-speed").value));
    lastFrame = now;
    if (clock >= times[times.length - 1]) { pause(); return; }
    window.requestAnimationFrame(frame);
  }

  function play() {
    if (!fixes.length || playing) return;
    if (clock >= times[times.length - 1]) seek(times[0]);
    playing = true;
    state.playing = true;
    lastFrame = null;
    window.requestAnimationFrame(frame);
  }

  function pause() { playing = false; state.playing = false; }

  el("replay-form").addEventListener("submit", function (e) { e.preventDefault(); load(); });
  el("replay-play").addEventListener("click", play);
  el("replay-pause").addEventListener("click", pause);
  el("replay-slider").addEventListener("input", function (e) {
    seek(times[0] + (times[times.length - 1] - times[0]) * Number(e.target.value) / 1000);
  });
  if (cfg.vehicle) load();
})();
