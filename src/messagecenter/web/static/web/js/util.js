// Shared helpers of the operator app: configuration, translation, requests, time, toasts.

export const config = readJson("mc-config") || { me: {}, urls: {}, language: "en" };

export function readJson(id) {
  const node = document.getElementById(id);
  return node ? JSON.parse(node.textContent) : null;
}

// Django's JavaScript catalogue (/jsi18n/) defines gettext and interpolate.
export function gettext(text) {
  return typeof window.gettext === "function" ? window.gettext(text) : text;
}

// Singular or plural by count (the catalogue knows the language's plural rules).
export function ngettext(singular, plural, count) {
  if (typeof window.ngettext === "function") return window.ngettext(singular, plural, count);
  return count === 1 ? singular : plural;
}

// Fill %(name)s placeholders of an already translated text:
// format(gettext("%(name)s is typing…"), { name }) — gettext() stays visible to makemessages.
export function format(text, values) {
  return text.replace(/%\((\w+)\)s/g, (_, key) => String(values[key] ?? ""));
}

function csrfToken() {
  const field = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (field) return field.value;
  const match = document.cookie.match(/(?:^|; )mc_csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

// POST a form (or an object) to an action view; resolves to {ok, status, data}.
export async function post(url, body) {
  const form = body instanceof FormData ? body : toFormData(body || {});
  try {
    const response = await fetch(url, {
      method: "POST",
      body: form,
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
      credentials: "same-origin",
    });
    const data = await readBody(response);
    return { ok: response.ok && data.ok !== false, status: response.status, data };
  } catch (error) {
    return { ok: false, status: 0, data: { error: gettext("The server cannot be reached. Please try again.") } };
  }
}

export async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
  if (!response.ok) throw new Error(`${response.status} ${url}`);
  return response.json();
}

function toFormData(values) {
  const form = new FormData();
  for (const [key, value] of Object.entries(values)) form.append(key, value);
  return form;
}

async function readBody(response) {
  if (response.status === 204) return {};
  if (response.status === 404) return { ok: false, error: gettext("This no longer exists.") };
  try {
    return await response.json();
  } catch {
    return { ok: false, error: gettext("Something went wrong. Please try again.") };
  }
}

// --- time, in the operator's language and time zone ------------------------------------------

const zone = config.timeZone || undefined;
const language = config.language || "en";
const timeFormat = new Intl.DateTimeFormat(language, { hour: "numeric", minute: "2-digit", timeZone: zone });
// "1. Dez. 2026" / "Dec 1, 2026": the month as a word in the operator's language.
const DATE = { day: "numeric", month: "short", year: "numeric" };
const dateFormat = new Intl.DateTimeFormat(language, { ...DATE, timeZone: zone });
const dateTimeFormat = new Intl.DateTimeFormat(language, { ...DATE, hour: "numeric", minute: "2-digit", timeZone: zone });
// "vor 4 Min." / "4 min. ago", "vor 2 Tagen" / "2 days ago", "jetzt" / "now".
const relativeFormat = new Intl.RelativeTimeFormat(language, { numeric: "auto", style: "short" });
const TICK_MS = 15000;

// "12 kB" / "1,4 MB": a file's size in the operator's language.
const SIZE_UNITS = ["byte", "kilobyte", "megabyte", "gigabyte"];
export function formatSize(bytes) {
  let value = Number(bytes) || 0;
  let unit = 0;
  while (value >= 1000 && unit < SIZE_UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = unit && value < 10 ? 1 : 0;
  return new Intl.NumberFormat(language, { style: "unit", unit: SIZE_UNITS[unit], unitDisplay: "short", maximumFractionDigits: digits }).format(value);
}

export function formatTime(iso) {
  return iso ? timeFormat.format(new Date(iso)) : "";
}

export function formatDate(iso) {
  return iso ? dateFormat.format(new Date(iso)) : "";
}

export function formatDateTime(iso) {
  return iso ? dateTimeFormat.format(new Date(iso)) : "";
}

// How long ago, in the operator's language: "now", "4 min. ago", "2 hr. ago", "3 days ago".
export function since(iso, now = Date.now()) {
  if (!iso) return "";
  const minutes = Math.max(0, Math.floor((now - new Date(iso).getTime()) / 60000));
  if (minutes < 1) return relativeFormat.format(0, "second");
  if (minutes < 60) return relativeFormat.format(-minutes, "minute");
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return relativeFormat.format(-hours, "hour");
  return relativeFormat.format(-Math.floor(hours / 24), "day");
}

// One clock for every relative time on the page. Each DOM node has one owner: lit-html
// templates re-render their own <time> on a tick (they are never written to from outside,
// or lit's next update finds its text node gone); server-rendered ones are the tickers'.
const tickers = new Set();
let ticking = null;

export function onTick(callback) {
  tickers.add(callback);
  ticking ??= setInterval(() => {
    const now = Date.now();
    for (const tick of tickers) tick(now);
  }, TICK_MS);
  return () => tickers.delete(callback);
}

// Every server-rendered <time class="ticker" data-since> (htmx partials included) counts up.
// lit-html templates must not use the class: they re-render on onTick instead.
export function startTickers() {
  const update = (now = Date.now()) => {
    for (const node of document.querySelectorAll(".ticker[data-since]")) {
      const text = since(node.dataset.since, now);
      if (node.textContent !== text) node.textContent = text;
      node.title = formatDateTime(node.dataset.since);
    }
  };
  update();
  onTick(update);
  document.addEventListener("htmx:afterSwap", () => update());
  return update;
}

// --- feedback ------------------------------------------------------------------------------

export function toast(message, kind = "info") {
  const region = document.getElementById("toasts");
  if (!region || !message) return;
  const node = document.createElement("div");
  node.className = `toast toast--${kind}`;
  node.setAttribute("role", kind === "error" ? "alert" : "status");
  node.textContent = message;
  region.append(node);
  setTimeout(() => node.remove(), kind === "error" ? 7000 : 3500);
}

export function debounce(fn, wait) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), wait);
  };
}

// Whether a key press belongs to a text field (then page shortcuts stay quiet).
export function typingIn(event) {
  const target = event.target;
  if (!(target instanceof Element)) return false;
  return Boolean(target.closest("input, textarea, select, [contenteditable=''], [contenteditable=true], emoji-picker"));
}
