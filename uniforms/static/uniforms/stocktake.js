/* Stocktake screen: start a stocktake of a unit (or storage place), scan tags one after another (each answered at
   once: found, unexpected, misplaced), then close it to list what is missing, unexpected and misplaced. */
(function () {
  "use strict";
  const root = document.getElementById("stocktake");
  const msg = root.dataset;
  const csrf = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  const tagInput = document.getElementById("st-tag");
  const body = document.querySelector("#scans tbody");
  const status = document.getElementById("st-status");
  const result = document.getElementById("st-result");
  const closeButton = document.getElementById("st-close");
  // Items as the API names them (Chinese) in the page's language.
  const itemNames = JSON.parse(document.getElementById("item-names").textContent);
  let stocktakeId = null;
  if (msg.stocktake) {  // an open stocktake resumed (an annual inventory's): scan on into it
    stocktakeId = Number(msg.stocktake);
    status.textContent = msg.msgResumed;
    tagInput.disabled = false;
    closeButton.disabled = false;
    tagInput.focus();
  }

  async function post(url, payload) {
    const response = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json"},
      body: JSON.stringify(payload || {}),
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

  function label(key) { return msg[key] || key; }

  function row(cells, cls) {
    const tr = document.createElement("tr");
    if (cls) { tr.className = cls; }
    cells.forEach(([text, tdClass]) => {
      const td = document.createElement("td");
      td.textContent = text == null ? "" : text;
      if (tdClass) { td.className = tdClass; }
      tr.appendChild(td);
    });
    return tr;
  }

  document.getElementById("st-start").addEventListener("click", async () => {
    const unit = document.getElementById("st-unit").value.trim();
    const place = document.getElementById("st-place").value.trim();
    const {status: code, data} = await post(msg.api, {unit: unit, place: place || null});
    if (code !== 201) { status.textContent = describe(data); return; }
    stocktakeId = data.id;
    body.replaceChildren();
    result.replaceChildren();
    status.textContent = msg.msgStarted + " " + data.id;
    tagInput.disabled = false;
    closeButton.disabled = false;
    tagInput.focus();
  });

  tagInput.addEventListener("keydown", async (event) => {
    if (event.key !== "Enter") { return; }
    event.preventDefault();
    const tag = tagInput.value.trim();
    tagInput.value = "";
    if (!tag) { return; }
    if (stocktakeId === null) { status.textContent = msg.msgStartFirst; return; }
    const line = row([[body.children.length + 1], [tag], ["…", "finding"]]);
    line.dataset.tag = tag;
    body.appendChild(line);
    const {status: code, data} = await post(msg.api + stocktakeId + "/scan/", {tag: tag});
    line.className = code === 201 ? data.finding : "bad";
    line.querySelector("td.finding").textContent = code === 201 ? label(data.finding) : describe(data);
  });

  function section(key, lines) {
    const h = document.createElement("h2");
    h.textContent = label(key) + " (" + lines.length + ")";
    const table = document.createElement("table");
    table.id = "result-" + key;
    const thead = document.createElement("thead");
    thead.appendChild(document.getElementById("result-head").content.cloneNode(true));
    table.appendChild(thead);
    const tbody = document.createElement("tbody");
    lines.forEach((ln) => tbody.appendChild(row(
      [[ln.tag], [(ln.item && itemNames[ln.item]) || ln.item], [ln.unit], [ln.holder], [ln.reason ? label(ln.reason) : ""], [ln.place || ""]])));
    if (!lines.length) { tbody.appendChild(row([[msg.msgNone]])); }
    table.appendChild(tbody);
    result.append(h, table);
  }

  closeButton.addEventListener("click", async () => {
    if (stocktakeId === null) { return; }
    const {status: code, data} = await post(msg.api + stocktakeId + "/close/");
    if (code !== 200) { status.textContent = describe(data); return; }
    status.textContent = msg.msgClosed;
    tagInput.disabled = true;
    closeButton.disabled = true;
    result.replaceChildren();
    ["missing", "unexpected", "misplaced"].forEach((key) => section(key, data.result[key]));
  });
}());
