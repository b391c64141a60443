// promptctl console: row selection, the "Assign model" dialog, and the model search.
// Pages work without this file; it only adds what needs a script. No inline script anywhere:
// the Content-Security-Policy forbids it.
"use strict";

(function () {
  const main = document.getElementById("main");
  const csrf = main ? main.dataset.csrf : "";

  // Model search: type to narrow the dropdown's options.
  for (const search of document.querySelectorAll("input.model-search")) {
    const select = document.getElementById(search.dataset.for);
    if (!select) continue;
    search.addEventListener("input", () => {
      const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
      let first = null;
      for (const option of select.options) {
        const text = option.textContent.toLowerCase();
        option.hidden = !words.every((w) => text.includes(w));
        if (!option.hidden && first === null) first = option;
      }
      for (const group of select.querySelectorAll("optgroup")) {
        group.hidden = Array.from(group.children).every((o) => o.hidden);
      }
      if (first && (select.selectedIndex < 0 || select.options[select.selectedIndex].hidden)) {
        select.value = first.value;
        select.dispatchEvent(new Event("change"));
      }
    });
  }

  const bulk = document.querySelector(".bulk");
  if (!bulk) return;
  const selected = new Map(); // id -> {id, row_version, name}
  const count = document.getElementById("selected-count");
  const open = document.getElementById("assign-open");
  const result = document.getElementById("result");
  const dialog = document.getElementById("assign-dialog");
  const form = document.getElementById("assign-form");
  const model = document.getElementById("assign-model");
  const cost = document.getElementById("assign-cost");

  function rowOf(box) {
    const tr = box.closest("tr");
    return { id: tr.dataset.id, row_version: Number(tr.dataset.rowVersion), name: tr.dataset.name };
  }

  function refresh() {
    for (const box of document.querySelectorAll("input.select")) {
      const row = rowOf(box);
      box.checked = selected.has(row.id);
      box.closest("tr").classList.toggle("selected", box.checked);
    }
    count.textContent = selected.size + " selected";
    open.disabled = selected.size === 0;
  }

  for (const box of document.querySelectorAll("input.select")) {
    box.addEventListener("change", () => {
      const row = rowOf(box);
      if (box.checked) selected.set(row.id, row); else selected.delete(row.id);
      refresh();
    });
  }

  document.getElementById("select-none").addEventListener("click", () => {
    selected.clear();
    refresh();
  });

  document.getElementById("select-all").addEventListener("click", async () => {
    const response = await fetch(bulk.dataset.selectionUrl, { credentials: "same-origin" });
    if (!response.ok) return;
    for (const row of await response.json()) selected.set(row.id, row);
    refresh();
  });

  async function preview() {
    cost.textContent = "";
    if (!model.value) return;
    const response = await fetch("/console/preview", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ model: model.value, ids: Array.from(selected.keys()) }),
    });
    if (!response.ok) return;
    const p = await response.json();
    if (p.covered === 0) return;
    const usd = (v) => (v === null ? "unknown" : "$" + v.toFixed(2));
    cost.textContent = "Monthly cost of the " + p.covered + " prompts usage.yaml covers: " +
      usd(p.monthly_before_usd) + " → " + usd(p.monthly_after_usd);
  }

  open.addEventListener("click", () => {
    document.getElementById("assign-count").textContent =
      "Set the model of " + selected.size + " selected prompt" + (selected.size === 1 ? "" : "s") + ".";
    dialog.showModal();
    document.getElementById("assign-model-search").focus();
    preview();
  });
  model.addEventListener("change", preview);
  document.getElementById("assign-cancel").addEventListener("click", () => dialog.close());

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!model.value) return;
    const apply = document.getElementById("assign-apply");
    apply.disabled = true;
    const response = await fetch("/console/assign", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ model: model.value, rows: Array.from(selected.values()) }),
    });
    apply.disabled = false;
    dialog.close();
    let answer = { message: "The server answered " + response.status + ".", conflicts: [] };
    try { answer = await response.json(); } catch (_) { /* not JSON: keep the status */ }
    result.classList.toggle("failed", !response.ok);
    result.textContent = answer.message;
    // The rows that conflicted, or the rules of record that refused: one line each.
    const lines = (answer.conflicts || []).concat(answer.refusals || []);
    if (lines.length) {
      const list = document.createElement("ul");
      for (const line of lines) {
        const item = document.createElement("li");
        item.textContent = line;
        list.appendChild(item);
      }
      result.appendChild(list);
    }
    if (response.ok) {
      // The rows moved on: show them as they are now, keeping the message.
      const reload = document.createElement("a");
      reload.href = window.location.href;
      reload.textContent = " Reload to see the new models.";
      result.appendChild(reload);
      selected.clear();
      refresh();
    }
  });

  refresh();
})();
