// promptctl console: row selection, the "Assign model" dialog, the model search and the cost
// of a change. Pages work without this file; it only adds what needs a script. No inline
// script anywhere: the Content-Security-Policy forbids it.
"use strict";

(function () {
  const main = document.getElementById("main");
  const csrf = main ? main.dataset.csrf : "";
  const RESULT_KEY = "promptctl.result";

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
    });
  }

  function list(lines) {
    const ul = document.createElement("ul");
    for (const line of lines) {
      const li = document.createElement("li");
      li.textContent = line;
      ul.appendChild(li);
    }
    return ul;
  }

  // Model search: type to narrow the picker to the models whose id, provider, name or tier
  // holds every word.
  for (const search of document.querySelectorAll("input.model-search")) {
    const picker = document.getElementById(search.dataset.for);
    if (!picker) continue;
    search.addEventListener("input", () => {
      const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
      let group = null;
      let groupShown = false;
      const closeGroup = () => { if (group) group.hidden = !groupShown; };
      for (const child of picker.children) {
        if (child.classList.contains("picker-group")) {
          closeGroup();
          group = child;
          groupShown = false;
          continue;
        }
        const text = (child.dataset.search || child.textContent).toLowerCase();
        child.hidden = !words.every((w) => text.includes(w));
        groupShown = groupShown || !child.hidden;
      }
      closeGroup();
    });
    // Enter in the search box moves to the first model shown rather than submitting.
    search.addEventListener("keydown", (event) => {
      if (event.key !== "Enter" && event.key !== "ArrowDown") return;
      const first = picker.querySelector("label.model-option:not([hidden]) input");
      if (!first) return;
      event.preventDefault();
      first.focus();
      first.checked = true;
      first.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }

  // The cost of a change, in words, with each prompt's on demand.
  async function showCost(target, model, ids) {
    target.replaceChildren();
    if (!model || ids.length === 0) return;
    const response = await post("/console/preview", { model: model, ids: ids });
    if (!response.ok) return;
    const p = await response.json();
    const summary = document.createElement("p");
    summary.textContent = p.summary;
    target.appendChild(summary);
    if (p.prompts.length > 1 || p.without_usage.length) {
      const details = document.createElement("details");
      const title = document.createElement("summary");
      title.textContent = "Per prompt";
      details.appendChild(title);
      details.appendChild(list(p.prompts.concat(
        p.without_usage.map((name) => name + ": no usage figures, cost unknown"))));
      target.appendChild(details);
    }
  }

  function checkedModel(picker) {
    const checked = picker.querySelector("input[name='model']:checked");
    return checked ? checked.value : "";
  }

  // The prompt page's "Change model": its cost as soon as a model is picked.
  const changeForm = document.querySelector("form.change-model");
  if (changeForm) {
    const picker = document.getElementById("change-model");
    const cost = document.getElementById("change-model-cost");
    picker.addEventListener("change", () =>
      showCost(cost, checkedModel(picker), [changeForm.dataset.rowId]));
  }

  // What the last write said, kept across the reload that shows its result.
  const result = document.getElementById("result");
  function showResult(answer) {
    result.replaceChildren();
    result.classList.toggle("failed", !!answer.failed);
    result.textContent = answer.message;
    if (answer.lines && answer.lines.length) result.appendChild(list(answer.lines));
  }
  if (result) {
    const kept = sessionStorage.getItem(RESULT_KEY);
    if (kept) {
      sessionStorage.removeItem(RESULT_KEY);
      try { showResult(JSON.parse(kept)); } catch (_) { /* not ours: ignore */ }
    }
  }

  const bulk = document.querySelector(".bulk");
  if (!bulk) return;
  const selected = new Map(); // id -> {id, row_version, name}
  const count = document.getElementById("selected-count");
  const open = document.getElementById("assign-open");
  const dialog = document.getElementById("assign-dialog");
  const form = document.getElementById("assign-form");
  const picker = document.getElementById("assign-model");
  const cost = document.getElementById("assign-cost");
  const pageBox = document.getElementById("select-page");
  const boxes = Array.from(document.querySelectorAll("input.select"));

  function rowOf(box) {
    const tr = box.closest("tr");
    return { id: tr.dataset.id, row_version: Number(tr.dataset.rowVersion), name: tr.dataset.name };
  }

  function refresh() {
    for (const box of boxes) {
      box.checked = selected.has(rowOf(box).id);
      box.closest("tr").classList.toggle("selected", box.checked);
    }
    const onPage = boxes.filter((b) => b.checked).length;
    pageBox.checked = boxes.length > 0 && onPage === boxes.length;
    pageBox.indeterminate = onPage > 0 && onPage < boxes.length;
    count.textContent = selected.size + " selected";
    open.disabled = selected.size === 0;
  }

  for (const box of boxes) {
    box.addEventListener("change", () => {
      const row = rowOf(box);
      if (box.checked) selected.set(row.id, row); else selected.delete(row.id);
      refresh();
    });
  }

  pageBox.addEventListener("change", () => {
    for (const box of boxes) {
      const row = rowOf(box);
      if (pageBox.checked) selected.set(row.id, row); else selected.delete(row.id);
    }
    refresh();
  });

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

  open.addEventListener("click", () => {
    document.getElementById("assign-count").textContent =
      "Set the model of " + selected.size + " selected prompt" + (selected.size === 1 ? "" : "s") + ".";
    dialog.showModal();
    document.getElementById("assign-model-search").focus();
    showCost(cost, checkedModel(picker), Array.from(selected.keys()));
  });
  picker.addEventListener("change", () =>
    showCost(cost, checkedModel(picker), Array.from(selected.keys())));
  document.getElementById("assign-cancel").addEventListener("click", () => dialog.close());

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const model = checkedModel(picker);
    if (!model) return;
    const apply = document.getElementById("assign-apply");
    apply.disabled = true;
    const response = await post("/console/assign", { model: model, rows: Array.from(selected.values()) });
    apply.disabled = false;
    dialog.close();
    let answer = { message: "The server answered " + response.status + "." };
    try { answer = await response.json(); } catch (_) { /* not JSON: keep the status */ }
    const shown = {
      failed: !response.ok,
      message: answer.message,
      // The rows that conflicted, or the rules of record that refused: one line each.
      lines: (answer.conflicts || []).concat(answer.refusals || []),
    };
    if (response.ok || response.status === 409) {
      // Rows moved on (ours, or someone else's): show them as they are now.
      sessionStorage.setItem(RESULT_KEY, JSON.stringify(shown));
      window.location.reload();
      return;
    }
    showResult(shown);
  });

  refresh();
})();
