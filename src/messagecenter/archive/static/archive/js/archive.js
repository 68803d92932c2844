// All conversations: filters that apply while typing, more rows in place, multi-select with
// the action bar, bulk jobs with progress, CSV export with progress, live row updates.
// The page works without this module (GET filter form, links, POST action form); this only
// makes it quicker to use.

const config = JSON.parse(document.getElementById("archive-config").textContent);
// Django's JavaScript catalogue (loaded by the page shell) translates; English without it.
const gettext = window.gettext || ((text) => text);
const fmt = (text, values) => text.replace(/%\((\w+)\)s/g, (_, key) => String(values[key]));
const csrf = () => document.querySelector("#bulk-form [name=csrfmiddlewaretoken]").value;

const filterForm = document.getElementById("filter-form");
const bulkForm = document.getElementById("bulk-form");
const rowsBody = document.getElementById("archive-rows");
const loadMore = document.getElementById("load-more");
const empty = document.getElementById("archive-empty");
const actionsBar = document.getElementById("archive-actions");
const selectPage = document.getElementById("select-page");
const selectedCount = document.getElementById("selected-count");
const selectMatching = document.getElementById("select-matching");
const matchingNote = document.getElementById("matching-note");
const scopeInput = document.getElementById("bulk-scope");
const actionSelect = document.getElementById("bulk-action");
const jobPanel = document.getElementById("job-panel");
const confirmDialog = document.getElementById("confirm-delete");
const news = document.getElementById("archive-news");

document.documentElement.classList.add("js");

const state = { filter: config.filter, matching: null, generation: 0 };

// --- filters -----------------------------------------------------------------------------

function filterQuery() {
  const params = new URLSearchParams();
  for (const [key, value] of new FormData(filterForm)) {
    if (value !== "") params.append(key, value);
  }
  return params.toString();
}

async function fetchRows(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`rows: ${response.status}`);
  return response.json();
}

async function reload() {
  const generation = ++state.generation;
  const query = filterQuery();
  const data = await fetchRows(`${config.urls.rows}?${query}`);
  if (generation !== state.generation) return; // a newer filter is on its way
  history.replaceState(null, "", query ? `?${query}` : location.pathname);
  state.filter = query;
  bulkForm.elements.filter.value = query;
  rowsBody.innerHTML = data.html;
  showNext(data.next);
  news.hidden = true;
  clearSelection();
}

function showNext(url) {
  loadMore.hidden = !url;
  if (url) loadMore.href = url;
  empty.hidden = rowsBody.children.length > 0;
}

function syncPeriod() {
  filterForm.dataset.period = filterForm.elements.period.value;
}

let typing;
filterForm.addEventListener("input", (event) => {
  if (event.target.name !== "q" && event.target.name !== "feedback_text") return;
  const value = event.target.value.trim();
  clearTimeout(typing);
  // Prefix search starts at 3 characters; shorter words wait for Enter.
  if (value.length > 0 && value.length < 3) return;
  typing = setTimeout(reload, 250);
});
filterForm.addEventListener("change", (event) => {
  if (event.target.name === "q" || event.target.name === "feedback_text") return;
  syncPeriod();
  if (event.target.name === "period" && event.target.value === "custom") return;
  reload();
});
filterForm.addEventListener("submit", (event) => {
  event.preventDefault();
  clearTimeout(typing);
  reload();
});
syncPeriod();

loadMore.addEventListener("click", async (event) => {
  event.preventDefault();
  const data = await fetchRows(loadMore.href);
  rowsBody.insertAdjacentHTML("beforeend", data.html);
  showNext(data.next);
  if (state.matching !== null) tickAll(true);
  updateSelection();
});

// --- selection and the action bar ----------------------------------------------------------

const boxes = () => [...rowsBody.querySelectorAll("input[name=ids]:not(:disabled)")];

function tickAll(checked) {
  for (const box of boxes()) {
    box.checked = checked;
    box.closest("tr").classList.toggle("archive-row--selected", checked);
  }
}

function updateSelection() {
  const ticked = boxes().filter((box) => box.checked).length;
  const matching = state.matching !== null;
  selectedCount.textContent = matching ? state.matching.toLocaleString() : String(ticked);
  actionsBar.hidden = ticked === 0 && !matching;
  selectPage.checked = ticked > 0 && ticked === boxes().length;
  scopeInput.value = matching ? "matching" : "selected";
  selectMatching.hidden = matching;
  matchingNote.hidden = !matching;
  document.getElementById("selected-note").hidden = matching;
}

function clearSelection() {
  state.matching = null;
  tickAll(false);
  updateSelection();
}

rowsBody.addEventListener("change", (event) => {
  if (event.target.name !== "ids") return;
  event.target.closest("tr").classList.toggle("archive-row--selected", event.target.checked);
  if (!event.target.checked) state.matching = null; // back to the rows ticked by hand
  updateSelection();
});

selectPage.addEventListener("change", () => {
  state.matching = null;
  tickAll(selectPage.checked);
  updateSelection();
});

selectMatching.addEventListener("click", async () => {
  const response = await fetch(`${config.urls.count}?${state.filter}`, {
    headers: { Accept: "application/json" },
  });
  const { count } = await response.json();
  state.matching = count;
  tickAll(true);
  matchingNote.textContent = fmt(gettext("All %(count)s conversations matching the filter are selected."), {
    count: count.toLocaleString(),
  });
  updateSelection();
});

actionSelect.addEventListener("change", () => {
  for (const target of actionsBar.querySelectorAll(".archive-actions__target")) {
    target.hidden = target.dataset.for !== actionSelect.value;
  }
});

function selectionSize() {
  return state.matching !== null ? state.matching : boxes().filter((box) => box.checked).length;
}

function bulkData() {
  const data = new FormData(bulkForm);
  for (const target of actionsBar.querySelectorAll(".archive-actions__target[hidden] select")) {
    data.delete(target.name);
  }
  if (state.matching !== null) data.delete("ids");
  return data;
}

bulkForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const action = actionSelect.value;
  if (!action) return;
  if (action === "export") {
    await exportCsv(bulkData());
    return;
  }
  const data = bulkData();
  if (action === "delete") {
    const count = selectionSize();
    if (!(await confirmDelete(count))) return;
    data.set("confirm", String(count));
  }
  await startJob(data);
});

function confirmDelete(count) {
  const text = count === 1
    ? gettext("Delete 1 conversation with its messages and notes? This cannot be undone.")
    : fmt(gettext("Delete %(count)s conversations with their messages and notes? This cannot be undone."), {
      count: count.toLocaleString(),
    });
  document.getElementById("confirm-delete-text").textContent = text;
  document.getElementById("confirm-delete-button").textContent = fmt(gettext("Delete %(count)s"), {
    count: count.toLocaleString(),
  });
  confirmDialog.showModal();
  return new Promise((resolve) => {
    confirmDialog.addEventListener("close", () => resolve(confirmDialog.returnValue === "delete"), {
      once: true,
    });
  });
}

// --- jobs ----------------------------------------------------------------------------------

function panel(html) {
  jobPanel.hidden = false;
  jobPanel.innerHTML = html;
}

function escapeHtml(text) {
  const node = document.createElement("span");
  node.textContent = text;
  return node.innerHTML;
}

function renderJob(job) {
  const progress = `<progress max="${job.total || 1}" value="${job.processed}"></progress>`;
  const counted = fmt(gettext("%(processed)s of %(total)s processed"), job);
  let html = `<p><strong>${escapeHtml(job.label)}</strong></p>${progress}<p>${counted}</p>`;
  if (job.finished) {
    html += `<p class="archive-job__summary">${fmt(gettext("%(done)s done, %(refused)s refused"), job)}</p>`;
    if (job.reasons.length) {
      const items = job.reasons.map((r) => `<li>${escapeHtml(r.reason)} (${r.count})</li>`).join("");
      html += `<ul class="archive-job__reasons">${items}</ul>`;
    }
    if (job.error) {
      html += `<p class="alert alert--error">${gettext("The job stopped because of an error. What is counted above was done.")}</p>`;
    }
  }
  panel(html);
}

async function startJob(data) {
  const response = await fetch(config.urls.jobs, {
    method: "POST",
    body: data,
    headers: { Accept: "application/json", "X-CSRFToken": csrf() },
  });
  const body = await response.json();
  if (!response.ok) {
    panel(`<p class="alert alert--error" role="alert">${escapeHtml(body.error)}</p>`);
    return;
  }
  renderJob(body);
  let job = body;
  while (!job.finished) {
    await new Promise((resolve) => setTimeout(resolve, 800));
    job = await (await fetch(job.url, { headers: { Accept: "application/json" } })).json();
    renderJob(job);
  }
  await reload();
}

// --- export --------------------------------------------------------------------------------

async function exportCsv(data) {
  const total = selectionSize();
  panel(`<p>${gettext("Exporting…")}</p>`);
  const response = await fetch(config.urls.jobs, {
    method: "POST",
    body: data,
    headers: { "X-CSRFToken": csrf() },
  });
  if (!response.ok) {
    panel(`<p class="alert alert--error" role="alert">${gettext("The export failed.")}</p>`);
    return;
  }
  const reader = response.body.getReader();
  const parts = [];
  let lines = -1; // the header line is not a conversation
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    for (const byte of value) if (byte === 10) lines += 1;
    panel(`<progress max="${total || 1}" value="${lines}"></progress><p>${fmt(gettext("%(rows)s of %(total)s rows exported"), { rows: lines, total })}</p>`);
  }
  const name = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob(parts, { type: "text/csv" }));
  link.download = name ? name[1] : "conversations.csv";
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  panel(`<p class="archive-job__summary">${fmt(gettext("%(rows)s rows exported"), { rows: lines })}</p>`);
}

// --- live rows -------------------------------------------------------------------------------

const statusLabels = Object.fromEntries(
  [...filterForm.elements.status.options].map((option) => [option.value, option.textContent]),
);
const timeFormat = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
  dateStyle: "short",
  timeStyle: "short",
});

function applyChange(event) {
  const row = rowsBody.querySelector(`tr[data-id="${CSS.escape(event.conversation)}"]`);
  if (!row) {
    // Activity moves a conversation to the top: offer it rather than reorder under the mouse.
    if (!new URLSearchParams(location.search).has("after")) news.hidden = false;
    return;
  }
  const summary = event.summary;
  const status = row.querySelector('[data-field="status"]');
  status.className = `status status--${summary.status}`;
  status.textContent = statusLabels[summary.status] || summary.status;
  row.querySelector('[data-field="live"]').hidden = !summary.is_live;
  row.classList.toggle("archive-row--live", summary.is_live);
  const operator = row.querySelector('[data-field="operator"]');
  const group = config.groups[summary.assigned_group] || "";
  operator.textContent = config.operators[summary.assigned_operator] || "—";
  if (group) {
    const sub = document.createElement("span");
    sub.className = "archive-row__sub";
    sub.textContent = group;
    operator.append(sub);
  }
  const activity = row.querySelector('[data-field="activity"]');
  activity.dateTime = summary.last_activity_at;
  activity.textContent = timeFormat.format(new Date(summary.last_activity_at));
  row.classList.remove("archive-row--changed");
  void row.offsetWidth; // restart the highlight animation
  row.classList.add("archive-row--changed");
}

function applyDeleted(event) {
  const row = rowsBody.querySelector(`tr[data-id="${CSS.escape(event.conversation)}"]`);
  if (!row) return;
  row.classList.add("archive-row--gone");
  const box = row.querySelector("input[name=ids]");
  box.checked = false;
  box.disabled = true;
  updateSelection();
}

function listen(delay = 1000) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}${config.urls.socket}`);
  socket.addEventListener("message", (message) => {
    const event = JSON.parse(message.data);
    if (event.type === "conversation.changed") applyChange(event);
    else if (event.type === "conversation.deleted") applyDeleted(event);
  });
  socket.addEventListener("open", () => {
    delay = 1000;
  });
  socket.addEventListener("close", (closed) => {
    if (closed.code === 4401 || closed.code === 4403) return; // signed out: nothing to resume
    setTimeout(() => listen(Math.min(delay * 2, 30_000)), delay);
  });
}

document.getElementById("archive-news-button").addEventListener("click", reload);
listen();
updateSelection();
