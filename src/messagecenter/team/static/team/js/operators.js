/*
 * Operators page: keeps the board live. On a presence change or a conversation event that
 * changes someone's load, it re-fetches the board partial (the same template the page was
 * rendered with) and swaps it in, flashing the rows that changed. Events come from the app's
 * one socket (web/js/socket.js).
 */

import { socket } from "../../web/js/socket.js";

const board = document.querySelector("[data-operators-board]");
const badge = document.querySelector("[data-live-badge]");
// Entry kinds that change slots, open conversations or the unassigned count.
const LOAD_KINDS = new Set(["assigned", "status_changed", "live_changed"]);
const DEBOUNCE_MS = 300;
// Grace periods end without an event (a closed laptop): refresh now and then anyway.
const REFRESH_MS = 30000;

let timer = null;
let inflight = false;
let again = false;

if (board) {
  socket.on("operator.presence", schedule);
  socket.on("hello", schedule);
  socket.on("conversation.changed", (frame) => changesLoad(frame) && schedule());
  socket.on("open", () => setConnected(true));
  socket.on("close", () => setConnected(false));
  socket.onResume(schedule);
  setConnected(socket.connected);
  setInterval(refresh, REFRESH_MS);
}

function changesLoad(frame) {
  // One event per write; it lists every kind of entry the write added.
  return frame.started || (frame.kinds || [frame.kind]).some((kind) => LOAD_KINDS.has(kind));
}

function setConnected(connected) {
  if (badge) badge.dataset.connected = String(connected);
}

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(refresh, DEBOUNCE_MS);
}

async function refresh() {
  if (inflight) {
    again = true;
    return;
  }
  inflight = true;
  try {
    const response = await fetch(board.dataset.refreshUrl, {
      credentials: "same-origin",
      headers: { "HX-Request": "true" },
    });
    if (response.ok) swap(await response.text());
  } catch {
    // Offline for a moment: the next event or the periodic refresh tries again.
  } finally {
    inflight = false;
    if (again) {
      again = false;
      schedule();
    }
  }
}

function swap(html) {
  const before = snapshot();
  board.innerHTML = html;
  for (const row of board.querySelectorAll("tr[data-operator]")) {
    const previous = before.get(row.dataset.operator);
    if (previous !== undefined && previous !== fingerprint(row)) row.dataset.flash = "";
  }
}

function snapshot() {
  const rows = new Map();
  for (const row of board.querySelectorAll("tr[data-operator]")) {
    rows.set(row.dataset.operator, fingerprint(row));
  }
  return rows;
}

function fingerprint(row) {
  return [row.dataset.state, row.querySelector("[data-slots]")?.textContent, row.querySelector("[data-open]")?.textContent].join("|");
}
