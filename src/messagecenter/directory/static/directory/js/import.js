// The import wizard: the chosen file's name on the drop zone, and the live progress bar,
// which polls the run's counters every second until the job has finished.

const drop = document.querySelector("[data-drop]");
if (drop) {
  const input = drop.querySelector("input[type=file]");
  const name = drop.querySelector("[data-drop-name]");
  input.addEventListener("change", () => {
    if (input.files.length) name.textContent = input.files[0].name;
  });
  for (const type of ["dragenter", "dragover"]) drop.addEventListener(type, () => (drop.dataset.dragging = "true"));
  for (const type of ["dragleave", "drop"]) drop.addEventListener(type, () => (drop.dataset.dragging = "false"));
}

const card = document.querySelector("[data-import]");
if (card) {
  card.dataset.stateValue = card.querySelector("[data-state]")?.className.match(/dir-state--(\w+)/)?.[1] || "";
  if (card.dataset.finished !== "true") poll();
}

function show(status) {
  const bar = card.querySelector("[data-bar]");
  bar.setAttribute("aria-valuenow", String(status.percent));
  bar.querySelector("rect").setAttribute("width", `${status.percent}%`);
  card.querySelector("[data-percent]").textContent = String(status.percent);
  card.querySelector("[data-processed]").textContent = String(status.processed);
  card.querySelector("[data-total]").textContent = String(status.total);
  const state = card.querySelector("[data-state]");
  state.textContent = status.state_label;
  state.className = `dir-state dir-state--${status.state}`;
  card.dataset.stateValue = status.state;
  for (const key of ["created", "updated", "skipped", "refused"]) {
    card.querySelector(`[data-count=${key}]`).textContent = String(status[key]);
  }
}

async function poll() {
  try {
    const response = await fetch(card.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (response.ok) {
      const status = await response.json();
      show(status);
      if (status.finished) {
        // The result (report, undo) is rendered by the server: show it after the bar fills.
        setTimeout(() => window.location.reload(), 600);
        return;
      }
    }
  } catch {
    /* a network hiccup: the next poll tries again */
  }
  setTimeout(poll, 1000);
}
