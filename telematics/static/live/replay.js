/* Track replay: one vehicle's fixes over a time range from the tracks API, its stops and the alerts raised,
   played back at a chosen speed. window.qmReplay exposes the state to the browser tests. */
(function () {
  "use strict";
  var Q = window.QMLive, cfg = Q.config, S = Q.strings;
  var map = Q.baseMap("map");
  Q.gisLayer(map, "jurisdictions").addTo(map);
  var drawn = L.layerGroup().addTo(map);
  var car = null, fixes = [], times = [], clock = 0, playing = false, lastFrame = null;
  var el = function (id) { return document.getElementById(id); };

  var state = window.qmReplay = { fixes: 0, stops: 0, alerts: 0, alarms: 0, loaded: false, clock: null, index: -1,
                                   map: map, drawn: drawn };

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
    Promise.all([
      Q.api(cfg.tracksApi + "?vehicle=" + vehicle + range),
      Q.api(cfg.alertsApi + "?vehicle=" + vehicle + range.replace("&start=", "&since=").replace("&end=", "&until=") +
            "&page_size=1000")
    ]).then(function (res) { show(res[0], res[1].results || res[1]); }).catch(function (err) { fail(err.message); });
  }

  /* The same vehicle and period as files: the track (GPX 1.1, CSV, JSON) and its trips (XLSX, CSV). */
  function exportLinks(vehicle, start, end) {
    var box = el("replay-export");
    var period = "&from=" + encodeURIComponent(start) + "&to=" + encodeURIComponent(end);
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
    el("replay-stops").innerHTML = "";
    el("replay-alerts").innerHTML = "";
    el("replay-alarms").innerHTML = "";
    el("replay-alarms-box").hidden = true;
    fixes = track.fixes;
    times = fixes.map(function (f) { return Date.parse(f.ts); });
    state.fixes = fixes.length;
    state.stops = track.stops.length;
    state.alerts = alerts.length;
    el("replay-summary").textContent = track.plate + " · " + S.fixes + " " + fixes.length + " · " + S.stops + " " +
      track.stops.length + " · " + S.alertsOnTrack + " " + alerts.length;
    if (!fixes.length) {
      state.loaded = true;
      el("replay-clock").textContent = S.noTrack;
      return;
    }
    var line = fixes.map(function (f) { return Q.toDisplay(f.lat, f.lon); });
    L.polyline(line, { color: "#1d4ed8", weight: 3, className: "replay-track" }).addTo(drawn);
    track.stops.forEach(function (s, i) {
      var text = Q.localTime(s.start) + " · " + S.dwell + " " + Math.round(s.dwell_s / 60) + " " + S.minutes;
      L.marker(Q.toDisplay(s.lat, s.lon), { icon: L.divIcon({ className: "replay-stop", html: "P", iconSize: [16, 16] }) })
        .bindTooltip(Q.escapeHtml(text)).addTo(drawn);
      var li = document.createElement("li");
      li.textContent = text + (s.grid_code ? " · " + s.grid_code : "");
      li.addEventListener("click", function () { map.setView(Q.toDisplay(s.lat, s.lon), 17); });
      el("replay-stops").appendChild(li);
    });
    alerts.forEach(function (a) {
      if (a.lat !== null) {
        L.marker(Q.toDisplay(a.lat, a.lon), { icon: L.divIcon({ className: "replay-alert", html: "!", iconSize: [16, 16] }) })
          .bindTooltip(Q.escapeHtml(kindLabel(a.kind) + " · " + Q.localTime(a.started_at))).addTo(drawn);
      }
      var li = document.createElement("li");
      li.dataset.alert = a.id;
      li.textContent = kindLabel(a.kind) + " · " + Q.localTime(a.started_at) + (a.venue ? " · " + a.venue : "");
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
