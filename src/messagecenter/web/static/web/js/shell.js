// The shell around every app page: live badges and slots, the Online/Away switch, the
// personal menu, the Away hint, the keyboard-shortcut help, and the connection itself.

import { socket } from "./socket.js";
import { config, getJson, gettext, post, readJson, startTickers, toast, typingIn } from "./util.js";

const NEEDS_REPLY = ["new", "open"];
const NO_COUNTS = { mine: 0, unassigned: 0, attention: 0, slots_used: 0 };
const state = readJson("mc-shell") || { me: config.me.id, groups: [], counts: { ...NO_COUNTS }, unread: 0 };
let maxSlots = config.me.maxSlots || 0;

// --- badges, tab counts and the slot indicator ----------------------------------------------
// The server counts once (one aggregate query); every conversation.changed then says where the
// conversation was counted before the write ("previous") and after it ("summary"), so the
// counts move by exactly that difference. A reconnect or a resync reads them anew.

function recount() {
  const counts = state.counts;
  setBadge("badge-inbox", counts.attention);
  setBadge("badge-notifications", state.unread);
  setText("[data-count=mine]", counts.mine);
  setText("[data-count=unassigned]", counts.unassigned);
  setText("[data-slots-used]", counts.slots_used);
  setText("[data-slots-max]", maxSlots);
  document.querySelector("[data-slots]")?.classList.toggle("slots--full", maxSlots > 0 && counts.slots_used >= maxSlots);
}

function setBadge(id, count) {
  const badge = document.getElementById(id);
  if (!badge) return;
  badge.hidden = !count;
  badge.querySelector(".nav__badge-count").textContent = count > 99 ? "99+" : String(count);
}

function setText(selector, value) {
  for (const node of document.querySelectorAll(selector)) node.textContent = String(value);
}

// Same rule as the server's inbox: mine, or unassigned in one of my groups (or in none).
function inMyInbox(summary) {
  if (summary.status === "ended") return false;
  if (summary.assigned_operator === state.me) return true;
  return summary.assigned_operator === null && (summary.assigned_group === null || state.groups.includes(summary.assigned_group));
}

/** Where one conversation in this state counts: 1 or 0 per counter. */
function countsOf(summary) {
  if (!summary || !inMyInbox(summary)) return NO_COUNTS;
  const mine = summary.assigned_operator === state.me;
  const unassigned = summary.assigned_operator === null;
  return {
    mine: Number(mine),
    unassigned: Number(unassigned),
    attention: Number(unassigned || (mine && NEEDS_REPLY.includes(summary.status))),
    slots_used: Number(mine && summary.is_live),
  };
}

function applyChange(event) {
  if (!event.summary) return;
  const before = countsOf(event.previous);
  const after = countsOf(event.summary);
  for (const key of Object.keys(NO_COUNTS)) {
    state.counts[key] = Math.max(0, state.counts[key] + after[key] - before[key]);
  }
  recount();
}

async function resync() {
  try {
    const data = await getJson(`${config.urls.inboxRows}?tab=mine`);
    Object.assign(state, data.shell);
    recount();
  } catch {
    /* the next event or reconnect tries again */
  }
}

// --- presence --------------------------------------------------------------------------------

function showPresence(presence) {
  const online = presence === "online";
  config.me.presence = presence;
  const button = document.querySelector(".presence__switch");
  if (button) {
    button.setAttribute("aria-checked", String(online));
    button.dataset.presence = presence;
  }
  setText("[data-presence-label]", online ? gettext("Online") : gettext("Away"));
  const next = document.querySelector("[data-presence-form] input[name=presence]");
  if (next) next.value = online ? "away" : "online";
  const dot = document.querySelector("[data-presence-dot]");
  if (dot) dot.className = `avatar-button__dot avatar-button__dot--${presence}`;
  if (online) document.querySelector("[data-away-hint]")?.remove();
}

function wirePresence() {
  const form = document.querySelector("[data-presence-form]");
  form?.addEventListener("submit", async (event) => {
    event.preventDefault();
    const wanted = form.elements.presence.value;
    showPresence(wanted);
    const result = await post(form.action, { presence: wanted });
    if (!result.ok) {
      showPresence(wanted === "online" ? "away" : "online");
      toast(result.data.error, "error");
    }
  });
  socket.on("operator.presence", (event) => {
    if (event.operator !== state.me) return;
    maxSlots = event.max_slots;
    showPresence(event.presence);
    recount();
  });
}

// --- personal menu -----------------------------------------------------------------------------

function wireMenu() {
  const button = document.querySelector("[data-menu-button]");
  const panel = document.getElementById("personal-menu");
  if (!button || !panel) return;
  const items = () => [...panel.querySelectorAll("[role^=menuitem]")];
  const open = (focusFirst) => {
    panel.hidden = false;
    button.setAttribute("aria-expanded", "true");
    if (focusFirst) items()[0]?.focus();
  };
  const close = (refocus) => {
    panel.hidden = true;
    button.setAttribute("aria-expanded", "false");
    if (refocus) button.focus();
  };
  button.addEventListener("click", () => (panel.hidden ? open(false) : close(false)));
  button.addEventListener("keydown", (event) => {
    if (["ArrowUp", "ArrowDown"].includes(event.key)) {
      event.preventDefault();
      open(true);
    }
  });
  panel.addEventListener("keydown", (event) => {
    const list = items();
    const index = list.indexOf(document.activeElement);
    if (event.key === "Escape") close(true);
    else if (event.key === "ArrowDown") list[(index + 1) % list.length]?.focus();
    else if (event.key === "ArrowUp") list[(index - 1 + list.length) % list.length]?.focus();
    else return;
    event.preventDefault();
  });
  document.addEventListener("click", (event) => {
    if (!panel.hidden && !event.target.closest("[data-menu]")) close(false);
  });
  wireMute();
}

function wireMute() {
  const form = document.querySelector("[data-mute-form]");
  form?.addEventListener("submit", async (event) => {
    event.preventDefault();
    const mute = form.elements.mute.value;
    const result = await post(form.action, { mute });
    if (!result.ok) return toast(result.data.error, "error");
    const muted = result.data.mute_all;
    config.me.muteAll = muted;
    form.elements.mute.value = muted ? "off" : "on";
    form.querySelector("[data-mute]").setAttribute("aria-checked", String(muted));
    document.dispatchEvent(new CustomEvent("mc:mute", { detail: { muted } }));
    toast(muted ? gettext("All sounds and notifications are muted.") : gettext("Sounds and notifications are on again."));
  });
}

function wireAwayHint() {
  const form = document.querySelector("[data-away-hint-form]");
  form?.addEventListener("submit", async (event) => {
    event.preventDefault();
    document.querySelector("[data-away-hint]")?.remove();
    await post(form.action, {});
  });
}

// --- keyboard shortcuts (page modules add their own) -----------------------------------------

function wireShortcuts() {
  const dialog = document.getElementById("shortcuts");
  const openHelp = () => dialog && !dialog.open && dialog.showModal();
  for (const button of document.querySelectorAll("[data-shortcuts-open]")) {
    button.addEventListener("click", openHelp);
  }
  let pendingG = false;
  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || typingIn(event)) return;
    if (document.querySelector("dialog[open]")) return;
    if (event.key === "?") {
      event.preventDefault();
      openHelp();
    } else if (pendingG && (event.key === "h" || event.key === "i")) {
      location.href = event.key === "h" ? "/" : config.urls.inbox;
    }
    pendingG = event.key === "g";
  });
}

// --- the connection ------------------------------------------------------------------------------

function wireSocket() {
  socket.on("conversation.changed", applyChange);
  socket.on("notification.created", (event) => {
    state.unread = event.unread;
    recount();
  });
  // The Notifications page marked everything read.
  document.addEventListener("mc:unread", (event) => {
    state.unread = event.detail.unread;
    recount();
  });
  socket.on("open", () => document.body.classList.remove("is-offline"));
  socket.onResume(resync);
  socket.on("close", () => document.body.classList.add("is-offline"));
  socket.on("error", (event) => {
    if (event.code !== "not_found") toast(event.message, "error");
  });
  socket.connect();
}

wirePresence();
wireMenu();
wireAwayHint();
wireShortcuts();
wireSocket();
recount();
startTickers();

export { state as shellState };
