/* Scan-first hand-over: each scanned tag is checked at once by the API; confirm commits all good lines in one call. */
(function () {
  "use strict";
  const root = document.getElementById("handover");
  const msg = root.dataset;
  const csrf = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  const tagInput = document.getElementById("tag");
  const body = document.querySelector("#lines tbody");
  const result = document.getElementById("result");
  let lines = [];  // {tag, ok, pending, row}
  let held = [];  // the person's current holdings: [{tag, category}]
  const categoryNames = JSON.parse(document.getElementById("category-names").textContent);
  // Items as the API names them (Chinese) in the page's language.
  const itemNames = JSON.parse(document.getElementById("item-names").textContent);
  function itemName(name) { return (name && itemNames[name]) || name; }

  function mode() { return document.querySelector("input[name=mode]:checked").value; }

  function target() {
    const person = document.getElementById("person").value.trim();
    const unit = document.getElementById("unit").value.trim();
    return {person: person || null, unit: person ? null : (unit || null)};
  }

  async function post(url, payload) {
    const response = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json"},
      body: JSON.stringify(payload),
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

  function cell(row, text, cls) {
    const td = document.createElement("td");
    td.textContent = text == null ? "" : text;
    if (cls) { td.className = cls; }
    row.appendChild(td);
  }

  function render(line, info) {
    const row = line.row;
    row.replaceChildren();
    row.className = line.ok ? "ok" : "bad";
    row.dataset.tag = line.tag;
    cell(row, lines.indexOf(line) + 1);
    cell(row, line.tag);
    cell(row, info.category_name);
    cell(row, itemName(info.item));
    cell(row, info.size);
    cell(row, line.ok ? msg.msgOk : (info.reason || info.detail), "reason");
    const td = document.createElement("td");
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "remove";
    remove.textContent = msg.msgRemove;
    remove.addEventListener("click", () => {
      lines = lines.filter((l) => l !== line);
      row.remove();
      tagInput.focus();
    });
    td.appendChild(remove);
    row.appendChild(td);
  }

  async function scan(tag) {
    const t = target();
    if (!t.person && !t.unit) { result.textContent = msg.msgTarget; return; }
    // A tag is on the list from the moment it is scanned: a line still waiting for its answer counts as seen,
    // so the same tag scanned twice before the first check answers is refused the second time.
    const seen = lines.filter((l) => l.ok || l.pending).map((l) => l.tag);
    const line = {tag: tag, ok: false, pending: true, row: document.createElement("tr")};
    lines.push(line);
    body.appendChild(line.row);
    const {status, data} = await post(root.dataset.checkUrl, {mode: mode(), tag: tag, seen: seen, ...t});
    line.pending = false;
    line.ok = status === 200 && data.ok === true;
    render(line, status === 200 ? data : {reason: describe(data)});
    // Personal kit (a recorder, a terminal) is one per person: say so before a second one is handed over.
    if (line.ok && mode() === "issue" && t.person && held.some((h) => h.category === data.category)) {
      const warn = line.row.querySelector("td.reason");
      warn.textContent = msg.msgDuplicate;
      warn.classList.add("duplicate");
    }
  }

  async function showHoldings() {
    const panel = document.getElementById("holdings");
    const rows = document.querySelector("#holdings-table tbody");
    const person = target().person;
    held = [];
    rows.replaceChildren();
    panel.hidden = !person;
    if (!person) { return; }
    const label = document.getElementById("holdings-person");
    const link = document.createElement("a");
    link.href = "/people/" + encodeURIComponent(person) + "/";
    link.textContent = person + " · " + msg.msgPersonPage;
    label.replaceChildren(link);
    const query = new URLSearchParams({holder: person, status: "issued", page_size: "200"});
    const response = await fetch(msg.assetsUrl + "?" + query, {credentials: "same-origin",
                                                                headers: {"Accept": "application/json"}});
    if (!response.ok) { return; }
    const data = await response.json();
    held = (data.results || data).map((a) => ({tag: a.tag, category: a.category}));
    if (!held.length) {
      const row = document.createElement("tr");
      cell(row, msg.msgNone, "muted");
      rows.appendChild(row);
    }
    (data.results || data).forEach((a) => {
      const row = document.createElement("tr");
      row.dataset.tag = a.tag;
      const td = document.createElement("td");
      const tagLink = document.createElement("a");
      tagLink.href = "/assets/" + encodeURIComponent(a.tag) + "/";
      tagLink.textContent = a.tag;
      td.appendChild(tagLink);
      row.appendChild(td);
      cell(row, categoryNames[a.category] || a.category);
      cell(row, itemName(a.item));
      cell(row, a.size);
      cell(row, (a.issued_at || "").slice(0, 10));
      rows.appendChild(row);
    });
  }

  function noteLabel() {
    const label = document.getElementById("note-label");
    label.textContent = mode() === "return" ? label.dataset.return : label.dataset.issue;
  }

  tagInput.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") { return; }
    event.preventDefault();
    const tag = tagInput.value.trim();
    tagInput.value = "";
    if (tag) { scan(tag); }
  });

  function reset() {
    lines = [];
    body.replaceChildren();
  }

  // A change of mode or target invalidates every check made so far.
  document.querySelectorAll("input[name=mode], #person, #unit").forEach((el) => el.addEventListener("change", reset));
  document.querySelectorAll("#person, #unit").forEach((el) => el.addEventListener("change", showHoldings));
  document.querySelectorAll("input[name=mode]").forEach((el) => el.addEventListener("change", noteLabel));
  if (msg.initialPerson) {
    document.getElementById("person").value = msg.initialPerson;
    showHoldings();
  }
  document.getElementById("clear").addEventListener("click", () => { reset(); result.textContent = ""; });

  document.getElementById("confirm").addEventListener("click", async () => {
    const tags = lines.filter((l) => l.ok).map((l) => l.tag);
    if (!tags.length) { result.textContent = msg.msgEmpty; return; }
    const payload = {mode: mode(), tags: tags, note: document.getElementById("note").value, ...target()};
    const {status, data} = await post(root.dataset.commitUrl, payload);
    result.replaceChildren();
    if (status === 201) {
      result.append(msg.msgCommitted + " ");
      const number = document.createElement("span");
      number.id = "receipt-no";
      number.textContent = data.number;
      const link = document.createElement("a");
      link.id = "receipt-link";
      link.href = data.pdf;
      link.target = "_blank";
      link.textContent = msg.msgReceipt;
      result.append(number, " ", link);
      reset();
      showHoldings();
    } else {
      result.textContent = msg.msgRefused + ": " + describe(data);
      (data.lines || []).forEach((info) => {
        const line = lines.find((l) => l.tag === info.tag);
        if (line) { line.ok = info.ok; render(line, info); }
      });
    }
    tagInput.focus();
  });
}());
