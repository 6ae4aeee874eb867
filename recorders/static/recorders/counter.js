/* Shift counter: scan the officer's card, then each recorder; every scan is one ledger movement at once (sign out
   or sign in); the list of kit out now is reloaded after each scan. */
(function () {
  "use strict";
  const root = document.getElementById("counter");
  const msg = root.dataset;
  const csrf = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  const cardInput = document.getElementById("card");
  const tagInput = document.getElementById("tag");
  const lines = document.querySelector("#lines tbody");
  const shifts = document.querySelector("#shifts tbody");

  function mode() { return document.querySelector("input[name=mode]:checked").value; }

  async function call(method, url, payload) {
    const response = await fetch(url, {
      method: method, credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json"},
      body: payload ? JSON.stringify(payload) : undefined,
    });
    let data = {};
    try { data = await response.json(); } catch (e) { data = {detail: response.statusText}; }
    return {status: response.status, data: data};
  }

  function describe(data) {
    if (typeof data.detail === "string") { return data.detail; }
    // The messages name their fields themselves (api/fields.py); the JSON keys are for programs, not people.
    return Object.values(data).map((v) => (Array.isArray(v) ? v.join(" ") : v)).join(" ");
  }

  function row(parent, values, cls) {
    const tr = document.createElement("tr");
    if (cls) { tr.className = cls; }
    values.forEach(([text, tdClass]) => {
      const td = document.createElement("td");
      td.textContent = text == null ? "" : text;
      if (tdClass) { td.className = tdClass; }
      tr.appendChild(td);
    });
    parent.appendChild(tr);
    return tr;
  }

  // The server sends local times (Asia/Shanghai) in ISO 8601: shown as they are, whatever the browser's zone.
  function clock(iso) { return iso.slice(0, 16).replace("T", " "); }
  function now() { return new Date().toTimeString().slice(0, 8); }

  async function reload() {
    const {status, data} = await call("GET", msg.shiftsUrl);
    shifts.replaceChildren();
    if (status !== 200) { row(shifts, [[describe(data)]]); return; }
    if (!data.length) { row(shifts, [[msg.msgNone]]).id = "no-shifts"; return; }
    data.forEach((s) => {
      const tr = row(shifts, [[s.tag], [s.category_name], [s.unit], [s.person_name + "（" + s.person + "）"],
                              [clock(s.since)], [s.hours_out, "hours"], [s.overdue ? msg.msgOverdue : ""]],
                     s.overdue ? "overdue" : "");
      tr.dataset.tag = s.tag;
    });
  }

  async function scan(tag) {
    const out = mode() === "out";
    const card = cardInput.value.trim();
    if (out && !card) {
      lines.prepend(row(lines, [[now()], [msg.modeOut], [tag], [""], [msg.msgCard, "reason"]], "bad"));
      return;
    }
    const {status, data} = out
      ? await call("POST", msg.signOutUrl, {person: card, tag: tag})
      : await call("POST", msg.signInUrl, {tag: tag});
    const ok = status === 201;
    const who = ok && data.person ? data.person_name + "（" + data.person + "）" : (out ? card : "");
    const tr = row(lines, [[now()], [out ? msg.modeOut : msg.modeIn], [tag], [who],
                           [ok ? (out ? msg.msgOut : msg.msgIn) : describe(data), "reason"]], ok ? "ok" : "bad");
    tr.dataset.tag = tag;
    if (ok && out) { document.getElementById("officer").textContent = who; }
    lines.prepend(tr);
    await reload();
  }

  cardInput.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") { return; }
    event.preventDefault();
    document.getElementById("officer").textContent = "";
    tagInput.focus();
  });
  tagInput.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") { return; }
    event.preventDefault();
    const tag = tagInput.value.trim();
    tagInput.value = "";
    if (tag) { scan(tag); }
  });
  document.querySelectorAll("input[name=mode]").forEach((el) => el.addEventListener("change", () => {
    document.getElementById("card-field").hidden = mode() === "in";
    (mode() === "in" ? tagInput : cardInput).focus();
  }));
  reload();
}());
