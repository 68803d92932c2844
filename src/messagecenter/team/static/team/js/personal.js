/*
 * Message Center: the personal runtime (R-OP-4). One ES module, loaded on every app page.
 *
 * - Reads my preferences, groups and active conversations from /me/preferences.json.
 * - Listens to conversation.changed and notification.created on the app's one socket
 *   (web/js/socket.js, shared with the shell and the page modules; it opens no socket of its own).
 * - Plays sounds with the Web Audio API (generated tones, no files) and shows browser
 *   notifications (Web Notifications API), per event, separately for my conversations and my
 *   groups' conversations; "mute all" silences everything.
 * - The inactivity alarm: for each of my conversations whose contact wrote last (OPEN or NEW,
 *   `waiting_since` set) and has waited longer than the countdown, an alarm plays, repeated at
 *   the interval. Time comes from `now()` (`window.__mcNow` if a test sets it, else
 *   `Date.now`); the checks run on `setInterval`, so Playwright's page.clock drives both.
 * - Asks for notification permission with a bar at the top while permission is "default".
 *
 * Observable for tests and the shell: window.__mcAlarm {count, conversations, at},
 * window.__mcAudio {played: [sound names]}, <html data-mc-alarm="count">, and "mc:alarm" events.
 * Listens to document "mc:mute" {muted} from the shell's personal menu, and "mc:feedback".
 * API: window.mcPersonal {play, preview, feedback, requestPermission, state}.
 */

import { socket } from "../../web/js/socket.js";

const PREFERENCES_URL = "/me/preferences.json";
const TICK_MS = 1000;
const SIGNAL_GAP_MS = 2000;
const PROMPT_KEY = "mc.notifications.prompt";
const WAITING_STATUSES = new Set(["open", "new"]);
const LOGO = new URL("../../web/img/logo.svg", import.meta.url).href;

// Tones: [frequency Hz, start s, duration s, waveform, peak gain].
const SOUNDS = {
  bell: [[880, 0, 1.3, "sine", 0.6], [1760, 0, 0.7, "sine", 0.18], [2637, 0, 0.35, "sine", 0.08]],
  chime: [[659, 0, 0.4, "sine", 0.55], [988, 0.14, 0.6, "sine", 0.5]],
  pulse: [[740, 0, 0.11, "square", 0.22], [740, 0.2, 0.11, "square", 0.22], [740, 0.4, 0.11, "square", 0.22]],
  alarm: [[880, 0, 0.2, "sawtooth", 0.22], [660, 0.24, 0.2, "sawtooth", 0.22], [880, 0.48, 0.2, "sawtooth", 0.22], [660, 0.72, 0.2, "sawtooth", 0.22]],
  message: [[1047, 0, 0.16, "sine", 0.45], [1319, 0.08, 0.32, "sine", 0.4]],
  tick: [[1500, 0, 0.04, "triangle", 0.25]],
};
const EVENT_SOUNDS = {
  new_conversation: "chime",
  new_message: "message",
  assigned: "bell",
  mention: "chime",
};

const now = () => (typeof window.__mcNow === "function" ? window.__mcNow() : Date.now());

const state = {
  ready: false,
  me: null,
  mute: false,
  prefs: null,
  groups: new Set(),
  colleagues: new Set(),
  conversations: new Map(),
  strings: {},
  urls: { conversation: "", placeholder: "" },
};
const pending = [];
const alarmed = new Map(); // conversation id -> {since, at}: when its alarm last played
const lastSignal = new Map(); // conversation id -> when it last made a sound or notification
let audio = null;

if (!window.mcPersonal) {
  window.mcPersonal = {
    play,
    preview,
    feedback,
    requestPermission,
    get state() {
      return state;
    },
  };
  window.__mcAlarm = { count: 0, conversations: [], at: null };
  window.__mcAudio = { played: [] };
  boot();
}

function boot() {
  socket.on("conversation.changed", onEvent);
  socket.on("notification.created", onEvent);
  window.addEventListener("mc:feedback", () => feedback());
  // The shell's personal menu switches "mute all" and says so.
  document.addEventListener("mc:mute", (event) => {
    state.mute = Boolean(event.detail?.muted);
    if (state.mute) document.querySelector(".mc-permission-bar")?.remove();
  });
  for (const type of ["pointerdown", "keydown"]) {
    // Browsers start audio only after a gesture: resume the context on the first one.
    window.addEventListener(type, unlockAudio, { capture: true, passive: true });
  }
  setInterval(checkInactivity, TICK_MS);
  load();
}

async function load() {
  let data;
  try {
    const response = await fetch(PREFERENCES_URL, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    if (!response.ok || !response.headers.get("content-type")?.includes("json")) return;
    data = await response.json();
  } catch {
    return; // offline or signed out: nothing to play
  }
  state.me = data.me;
  state.mute = Boolean(data.mute_all);
  state.prefs = data.preferences;
  state.groups = new Set(data.groups);
  state.colleagues = new Set(data.colleagues);
  state.strings = data.strings || {};
  state.urls = { ...state.urls, ...data.urls };
  for (const conversation of data.conversations || []) track(conversation);
  state.ready = true;
  document.documentElement.dataset.mcPersonal = "ready";
  pending.splice(0).forEach(handle);
  showPermissionPrompt();
  socket.connect(); // the shell has opened it already; a page without the shell opens it here
}

// --- events ----------------------------------------------------------------------------------

function onEvent(frame) {
  if (!frame || typeof frame !== "object") return;
  if (!state.ready) pending.push(frame);
  else handle(frame);
}

function handle(frame) {
  if (frame.type === "conversation.changed") onConversationChanged(frame);
  else if (frame.type === "notification.created") onNotification(frame);
}

function onConversationChanged(frame) {
  const summary = frame.summary;
  if (!summary || !summary.id) return;
  track(summary);
  const scope = scopeOf(summary);
  if (!scope) return;
  // One event per write: "kind" is its message if it had one, "kinds" every entry's kind.
  const kinds = frame.kinds || [frame.kind];
  if (frame.kind === "message" && fromContact(frame)) {
    const event = frame.started ? "new_conversation" : "new_message";
    signal(event, scope, frame.preview, summary.id);
  } else if (kinds.includes("assigned") && scope === "team" && summary.assigned_operator) {
    // Assignments to me arrive as notifications (they leave out "Assign to me").
    signal("assigned", scope, "", summary.id, state.strings.team_assigned);
  }
}

function onNotification(frame) {
  if (frame.kind === "assigned" || frame.kind === "forwarded") {
    signal("assigned", "mine", "", frame.conversation);
  } else if (frame.kind === "mention") {
    const known = frame.conversation && state.conversations.get(frame.conversation);
    const scope = known && known.assigned_operator !== state.me ? "team" : "mine";
    signal("mention", scope, "", frame.conversation);
  }
}

function fromContact(frame) {
  if (frame.author_kind) return frame.author_kind === "contact";
  // R-RULES: a contact message leaves the conversation OPEN (or NEW); an operator's makes it
  // WAITING. So the resulting status tells who wrote.
  return WAITING_STATUSES.has(frame.summary.status);
}

/** "mine": assigned to me; "team": unassigned in my groups or a group colleague's; else null. */
function scopeOf(summary) {
  const assignee = summary.assigned_operator;
  if (assignee === state.me) return "mine";
  if (assignee) return state.colleagues.has(assignee) ? "team" : null;
  const group = summary.assigned_group;
  return !group || state.groups.has(group) ? "team" : null;
}

function track(summary) {
  const id = summary.id;
  if (summary.status === "ended") {
    // Nothing more to alarm about or classify: keep the map as small as the open work.
    state.conversations.delete(id);
    alarmed.delete(id);
    return;
  }
  state.conversations.set(id, { ...state.conversations.get(id), ...summary });
}

// --- alerts ----------------------------------------------------------------------------------

function signal(event, scope, body, conversationId, title) {
  if (state.mute || !state.prefs) return;
  // One change often arrives as several events (a new chat routed to me is a message and an
  // assignment): one signal per conversation and moment is enough. A mention always counts.
  const key = event === "mention" ? `${conversationId}:mention` : conversationId;
  const t = now();
  if (key && t - (lastSignal.get(key) ?? -Infinity) < SIGNAL_GAP_MS) return;
  if (key) lastSignal.set(key, t);
  if (state.prefs.audio?.[scope]?.[event]) play(EVENT_SOUNDS[event], state.prefs.volume);
  if (state.prefs.browser?.[scope]?.[event]) {
    notify(title || state.strings[event] || event, body || "", conversationId);
  }
}

function notify(title, body, conversationId) {
  if (!("Notification" in window) || Notification.permission !== "granted") return;
  try {
    const shown = new Notification(title, {
      body,
      icon: LOGO,
      tag: conversationId ? `mc-${conversationId}` : undefined,
    });
    shown.onclick = () => {
      window.focus();
      if (conversationId && state.urls.conversation) {
        location.href = state.urls.conversation.replace(state.urls.placeholder, conversationId);
      }
      shown.close();
    };
  } catch {
    // Some mobile browsers only notify through a service worker; the sound still plays.
  }
}

function feedback() {
  if (!state.mute && state.prefs?.audio_feedback) play("tick", state.prefs.volume);
}

// --- inactivity alarm ------------------------------------------------------------------------

function checkInactivity() {
  const settings = state.prefs?.inactivity;
  if (!state.ready || !settings?.enabled || state.mute) return;
  const t = now();
  const due = [];
  for (const conversation of state.conversations.values()) {
    if (isDue(conversation, settings, t)) due.push(conversation);
  }
  if (!due.length) return;
  for (const conversation of due) {
    alarmed.set(conversation.id, { since: conversation.waiting_since, at: t });
  }
  soundAlarm(due.map((c) => c.id), settings, t);
}

function isDue(conversation, settings, t) {
  if (conversation.assigned_operator !== state.me) return false;
  if (!WAITING_STATUSES.has(conversation.status) || !conversation.waiting_since) return false;
  const since = Date.parse(conversation.waiting_since);
  if (Number.isNaN(since) || t - since < settings.countdown * 1000) return false;
  const last = alarmed.get(conversation.id);
  if (!last || last.since !== conversation.waiting_since) return true; // a new wait
  return settings.repeat > 0 && t - last.at >= settings.repeat * 1000;
}

function soundAlarm(ids, settings, t) {
  const played = play(settings.sound, settings.volume);
  const alarm = window.__mcAlarm;
  alarm.count += 1;
  alarm.conversations = ids;
  alarm.at = t;
  alarm.audible = played;
  document.documentElement.dataset.mcAlarm = String(alarm.count);
  window.dispatchEvent(new CustomEvent("mc:alarm", { detail: { conversations: ids, at: t } }));
}

// --- sound -----------------------------------------------------------------------------------

function audioContext() {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return null;
  if (!audio) audio = new Context();
  if (audio.state === "suspended") audio.resume().catch(() => {});
  return audio;
}

function unlockAudio() {
  for (const type of ["pointerdown", "keydown"]) {
    window.removeEventListener(type, unlockAudio, { capture: true });
  }
  audioContext();
}

/** Play a named sound at `volume` (0-100). Returns whether Web Audio was available. */
function play(name, volume = 70) {
  window.__mcAudio.played.push(name);
  const context = audioContext();
  if (!context) return false;
  const master = context.createGain();
  master.gain.value = Math.max(0, Math.min(1, volume / 100));
  master.connect(context.destination);
  const start = context.currentTime + 0.02;
  for (const [frequency, offset, duration, wave, peak] of SOUNDS[name] || SOUNDS.chime) {
    const oscillator = context.createOscillator();
    const envelope = context.createGain();
    oscillator.type = wave;
    oscillator.frequency.value = frequency;
    const begin = start + offset;
    envelope.gain.setValueAtTime(0.0001, begin);
    envelope.gain.exponentialRampToValueAtTime(peak, begin + 0.012);
    envelope.gain.exponentialRampToValueAtTime(0.0001, begin + duration);
    oscillator.connect(envelope).connect(master);
    oscillator.start(begin);
    oscillator.stop(begin + duration + 0.05);
  }
  return true;
}

/** The settings page's Play buttons: a sound at a volume, even when muted. */
function preview(name, volume) {
  return play(name, Number(volume));
}

// --- permission ---------------------------------------------------------------------

async function requestPermission() {
  if (!("Notification" in window)) return "unsupported";
  const result = await Notification.requestPermission();
  window.dispatchEvent(new CustomEvent("mc:permission", { detail: { permission: result } }));
  return result;
}

function wantsBrowserNotifications() {
  const browser = state.prefs?.browser || {};
  return Object.values(browser).some((events) => Object.values(events).some(Boolean));
}

function showPermissionPrompt() {
  if (!("Notification" in window) || Notification.permission !== "default") return;
  if (state.mute || !wantsBrowserNotifications()) return;
  if (sessionStorage.getItem(PROMPT_KEY) === "later") return;
  if (document.querySelector(".mc-permission-bar")) return;
  addPromptStyles();
  // A banner at the top of the page, as the shell's own hints; floating if there is no shell.
  const main = document.getElementById("main");
  const bar = document.createElement("section");
  bar.className = main ? "banner mc-permission-bar" : "mc-permission-bar mc-permission-bar--floating";
  bar.setAttribute("aria-labelledby", "mc-permission-title");
  const body = document.createElement("div");
  body.className = "banner__body";
  const title = document.createElement("h2");
  title.className = "banner__title";
  title.id = "mc-permission-title";
  title.textContent = state.strings.prompt_title || "";
  const text = document.createElement("p");
  text.className = "banner__text";
  text.textContent = state.strings.prompt || "";
  body.append(title, text);
  const enable = button(state.strings.enable, "button button--primary button--small", async () => {
    bar.remove();
    await requestPermission();
  });
  const later = button(state.strings.later, "button button--ghost button--small", () => {
    sessionStorage.setItem(PROMPT_KEY, "later");
    bar.remove();
  });
  const actions = document.createElement("div");
  actions.className = "mc-permission-bar__actions";
  actions.append(enable, later);
  bar.append(bellIcon(), body, actions);
  (main || document.body).prepend(bar);
}

function button(label, className, onClick) {
  const element = document.createElement("button");
  element.type = "button";
  element.className = className;
  element.textContent = label || "";
  element.addEventListener("click", onClick);
  return element;
}

function bellIcon() {
  const span = document.createElement("span");
  span.className = "banner__icon";
  span.setAttribute("aria-hidden", "true");
  span.innerHTML =
    '<svg class="icon" viewBox="0 0 24 24" width="20" height="20" fill="none" stroke="currentColor" ' +
    'stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round"><path d="M6 16.5V11a6 ' +
    '6 0 0 1 12 0v5.5l1.5 2h-15z"/><path d="M10 20.5a2 2 0 0 0 4 0"/></svg>';
  return span;
}

function addPromptStyles() {
  // This module runs on every page, with or without the team styles: it brings its own.
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(`
    .mc-permission-bar { align-items: center; }
    .mc-permission-bar__actions { display: flex; flex: none; gap: var(--mc-space-2, 0.5rem); }
    .main--page > .mc-permission-bar + .banner { margin-top: calc(-1 * var(--mc-space-8, 2rem)); }
    .mc-permission-bar--floating {
      position: fixed; z-index: 60; top: 0.75rem; left: 50%; display: flex; gap: 0.75rem;
      max-width: calc(100vw - 2rem); transform: translateX(-50%); padding: 0.75rem 1rem;
      border: 1px solid #c7d0f8; border-radius: 14px; background: #fff;
      box-shadow: 0 12px 32px -8px rgb(16 24 40 / 0.14);
    }
  `);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}
