/*
 * Message Center: voice messages (R-FILE-2). One dependency-free ES module, shared by the
 * operator app (/static/webchat/voice.js, through web/js/voice.js) and the website messenger
 * (/messenger-voice.js, loaded by messenger.js when it first needs it).
 *
 * - Recorder: the microphone through MediaRecorder as Opus (WebM in Chromium, Ogg in
 *   Firefox), its elapsed time and input level (an AnalyserNode), stopping by itself at the
 *   cap (MC_VOICE_MAX_SECONDS).
 * - <mc-voice-recorder>: the panel while recording (discard, level, time, stop, send) and
 *   for listening before sending; fires "voice-send" ({blob, durationMs, type}) and
 *   "voice-discard".
 * - <mc-voice-player>: play/pause, a seek bar (a native range input: arrows, Page Up/Down,
 *   Home/End), elapsed and total time. One player plays at a time.
 * - uploadRecording: the files' resumable upload protocol (docs/files.md) with voice=1 and the
 *   length.
 *
 * Both elements render into their own shadow root with constructed stylesheets (no inline
 * styles: the pages' CSP), themed by the host's custom properties (--mc-voice-accent, else the
 * messenger's --a or the app's --mc-color-primary). Texts: English and German built in; a
 * host may set `element.strings` (the app passes its gettext catalogue).
 */

export const MAX_DEFAULT_MS = 300000;
const TICK_MS = 100;
const CHUNK = 8 * 1024 * 1024;
const RETRIES = 5;
// What MediaRecorder should make, best first: Opus in WebM (Chromium), in Ogg (Firefox).
const TYPES = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus"];

export const STRINGS = {
  en: {
    record: "Record a voice message",
    recording: "Recording voice message",
    stop: "Stop recording",
    send: "Send voice message",
    discard: "Discard voice message",
    level: "Microphone level",
    limit: (max) => "Voice messages can be at most " + max + " long: the recording stopped.",
    denied: "The microphone is not available. Allow it in your browser's site settings to record.",
    unsupported: "This browser cannot record voice messages.",
    sending: "Sending…",
    failed: "The voice message could not be sent.",
    close: "Close",
    play: "Play voice message",
    pause: "Pause",
    seek: "Position",
    of: (a, b) => a + " of " + b,
    voice: "Voice message",
    broken: "This voice message cannot be played.",
  },
  de: {
    record: "Sprachnachricht aufnehmen",
    recording: "Sprachnachricht wird aufgenommen",
    stop: "Aufnahme beenden",
    send: "Sprachnachricht senden",
    discard: "Sprachnachricht verwerfen",
    level: "Mikrofonpegel",
    limit: (max) => "Sprachnachrichten dürfen höchstens " + max + " lang sein: Die Aufnahme wurde beendet.",
    denied: "Das Mikrofon ist nicht verfügbar. Erlauben Sie es in den Website-Einstellungen Ihres Browsers, um aufzunehmen.",
    unsupported: "Dieser Browser kann keine Sprachnachrichten aufnehmen.",
    sending: "Wird gesendet…",
    failed: "Die Sprachnachricht konnte nicht gesendet werden.",
    close: "Schließen",
    play: "Sprachnachricht abspielen",
    pause: "Pause",
    seek: "Position",
    of: (a, b) => a + " von " + b,
    voice: "Sprachnachricht",
    broken: "Diese Sprachnachricht kann nicht abgespielt werden.",
  },
};

const ICONS = {
  mic: '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M12 19v3"/><path d="M19 10v2a7 7 0 0 1-14 0v-2"/><rect x="9" y="2" width="6" height="13" rx="3"/></svg>',
  play: '<svg viewBox="0 0 24 24" aria-hidden="true"><path class="fill" d="M7 4.5v15a1 1 0 0 0 1.5.86l12.5-7.5a1 1 0 0 0 0-1.72L8.5 3.64A1 1 0 0 0 7 4.5z"/></svg>',
  pause: '<svg viewBox="0 0 24 24" aria-hidden="true"><rect class="fill" x="6" y="4" width="4" height="16" rx="1"/><rect class="fill" x="14" y="4" width="4" height="16" rx="1"/></svg>',
  stop: '<svg viewBox="0 0 24 24" aria-hidden="true"><rect class="fill" x="6" y="6" width="12" height="12" rx="2"/></svg>',
  send: '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M3.7 3.2 21 12 3.7 20.8 6.5 12z"/><path d="M6.5 12H13"/></svg>',
  trash: '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M3 6h18"/><path d="M19 6v14a2 2 0 0 1-2 2H7a2 2 0 0 1-2-2V6"/><path d="M8 6V4a2 2 0 0 1 2-2h4a2 2 0 0 1 2 2v2"/></svg>',
};

export function recordingType() {
  if (typeof MediaRecorder === "undefined" || !navigator.mediaDevices?.getUserMedia) return "";
  return TYPES.find((type) => MediaRecorder.isTypeSupported(type)) || "";
}

export function formatTime(ms) {
  const total = Math.max(0, Math.floor((ms || 0) / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = String(total % 60).padStart(2, "0");
  return minutes + ":" + seconds;
}

function stringsFor(lang) {
  return STRINGS[(lang || "").slice(0, 2)] || STRINGS.en;
}

function say(strings, key, ...args) {
  const value = strings[key] ?? STRINGS.en[key];
  return typeof value === "function" ? value(...args) : value;
}

// ----- the recorder ---------------------------------------------------------------------------

export class Recorder {
  constructor({ maxMs = MAX_DEFAULT_MS, onTick = () => {}, onLimit = () => {} } = {}) {
    this.maxMs = maxMs;
    this.onTick = onTick;
    this.onLimit = onLimit;
    this.chunks = [];
    this.level = 0;
    this.elapsed = 0;
  }

  async start() {
    this.type = recordingType();
    if (!this.type) throw Object.assign(new Error("unsupported"), { name: "NotSupportedError" });
    this.stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true } });
    this.media = new MediaRecorder(this.stream, { mimeType: this.type, audioBitsPerSecond: 32000 });
    this.media.addEventListener("dataavailable", (event) => event.data.size && this.chunks.push(event.data));
    this.stopped = new Promise((resolve) => this.media.addEventListener("stop", resolve, { once: true }));
    this.listen();
    this.media.start(1000);
    this.began = performance.now();
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  // The input level for the meter: the signal's RMS, 0..1.
  listen() {
    try {
      this.context = new AudioContext();
      this.analyser = this.context.createAnalyser();
      this.analyser.fftSize = 1024;
      this.context.createMediaStreamSource(this.stream).connect(this.analyser);
      this.samples = new Float32Array(this.analyser.fftSize);
    } catch {
      this.analyser = null; // no meter, the recording still works
    }
  }

  tick() {
    this.elapsed = performance.now() - this.began;
    if (this.analyser) {
      this.analyser.getFloatTimeDomainData(this.samples);
      let sum = 0;
      for (const sample of this.samples) sum += sample * sample;
      this.level = Math.min(1, Math.sqrt(sum / this.samples.length) * 4);
    }
    this.onTick(this);
    if (this.maxMs && this.elapsed >= this.maxMs) this.onLimit(this);
  }

  // The recording: its blob, length and type.
  async stop() {
    if (!this.media) return null;
    clearInterval(this.timer);
    this.elapsed = Math.min(performance.now() - this.began, this.maxMs || Infinity);
    if (this.media.state !== "inactive") this.media.stop();
    await this.stopped;
    this.release();
    return { blob: new Blob(this.chunks, { type: this.type.split(";")[0] }), durationMs: Math.round(this.elapsed), type: this.type };
  }

  cancel() {
    if (this.media && this.media.state !== "inactive") this.media.stop();
    this.chunks = [];
    this.release();
  }

  release() {
    clearInterval(this.timer);
    for (const track of this.stream?.getTracks() || []) track.stop();
    this.context?.close().catch(() => {});
    this.context = null;
  }
}

// ----- uploading ------------------------------------------------------------------------------

// Through the files' resumable protocol: POST announces (with voice=1 and the length), PATCH
// sends 8 MB chunks at Upload-Offset, HEAD tells the offset after a dropped connection.
// Answers {id, file}; throws an Error whose message is the server's reason.
export async function uploadRecording({ url, headers = {}, credentials = "same-origin", recording, name }) {
  const form = new FormData();
  form.append("name", name);
  form.append("size", String(recording.blob.size));
  form.append("voice", "1");
  form.append("duration_ms", String(recording.durationMs));
  const created = await fetch(url, { method: "POST", body: form, headers, credentials });
  const announced = await created.json().catch(() => ({}));
  if (created.status !== 201) throw new Error(announced.error || "");
  const target = new URL(announced.url, new URL(url, location.href)).href;
  let offset = 0;
  let retries = 0;
  for (;;) {
    let answer;
    try {
      const chunk = recording.blob.slice(offset, offset + CHUNK);
      const sent = { "Upload-Offset": String(offset), "Content-Type": "application/offset+octet-stream" };
      answer = await fetch(target, { method: "PATCH", body: chunk, headers: { ...headers, ...sent }, credentials });
    } catch {
      if (++retries > RETRIES) throw new Error("");
      await new Promise((resolve) => setTimeout(resolve, 500 * retries));
      const head = await fetch(target, { method: "HEAD", headers, credentials }).catch(() => null);
      if (head?.ok) offset = Number(head.headers.get("Upload-Offset")) || offset;
      continue;
    }
    retries = 0;
    if (answer.status === 204 || (answer.status === 409 && answer.headers.get("Upload-Offset"))) {
      offset = Number(answer.headers.get("Upload-Offset"));
      continue;
    }
    const body = await answer.json().catch(() => ({}));
    if (answer.status === 200) return { id: body.id, file: body.file };
    throw new Error(body.error || "");
  }
}

// ----- shared look ----------------------------------------------------------------------------

const BASE_CSS = `
:host{--accent:var(--mc-voice-accent,var(--a,var(--mc-color-primary,#3a56d4)));--line:var(--mc-voice-line,var(--mc-color-border,#dde2ea));--muted:var(--mc-voice-muted,var(--mc-color-text-muted,#545f70));--danger:var(--mc-color-danger,#b42318);font:inherit;color:inherit}
[hidden],:host([hidden]){display:none!important}
button{display:inline-grid;place-items:center;width:32px;height:32px;flex:none;padding:0;border:0;border-radius:50%;background:transparent;color:inherit;cursor:pointer}
button:hover{background:color-mix(in srgb,currentColor 10%,transparent)}
button:focus-visible,input:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
button svg{width:18px;height:18px;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round}
button svg .fill{fill:currentColor;stroke:none}
.primary{background:var(--accent);color:#fff}
.primary:hover{background:color-mix(in srgb,var(--accent) 85%,#000)}
.time{font-variant-numeric:tabular-nums;font-size:.8125rem;color:var(--muted);white-space:nowrap}
input[type=range]{flex:1;min-width:60px;height:20px;margin:0;accent-color:var(--accent);background:transparent;cursor:pointer}
@media (prefers-reduced-motion:reduce){*{animation:none!important;transition:none!important}}
`;

function sheet(css) {
  if ("adoptedStyleSheets" in Document.prototype && "replaceSync" in CSSStyleSheet.prototype) {
    const made = new CSSStyleSheet();
    made.replaceSync(css);
    return made;
  }
  return null;
}

function attachStyled(element, css) {
  const shadow = element.attachShadow({ mode: "open" });
  const made = sheet(BASE_CSS + css);
  if (made) shadow.adoptedStyleSheets = [made];
  else {
    const style = document.createElement("style"); // older browsers only (no constructed sheets)
    style.textContent = BASE_CSS + css;
    shadow.append(style);
  }
  return shadow;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value == null || value === false) continue;
    if (name === "html") node.innerHTML = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children.filter((child) => child != null));
  return node;
}

// ----- <mc-voice-player> ----------------------------------------------------------------------

const PLAYER_CSS = `
:host{display:flex;align-items:center;gap:8px;min-width:200px;max-width:320px;padding:4px 10px 4px 4px;border:1px solid var(--line);border-radius:999px;background:var(--mc-voice-surface,var(--mc-color-surface,#fff))}
.play{background:var(--accent);color:#fff}
.play:hover{background:color-mix(in srgb,var(--accent) 85%,#000)}
.broken{font-size:.8125rem;color:var(--danger)}
`;

let playing = null; // the one player that plays

export class VoicePlayer extends HTMLElement {
  static get observedAttributes() {
    return ["src", "duration", "lang"];
  }

  constructor() {
    super();
    this._strings = null;
    this.shadow = attachStyled(this, PLAYER_CSS);
    this.button = el("button", { type: "button", class: "play", part: "play", onclick: () => this.toggle() });
    this.seek = el("input", { type: "range", min: "0", max: "1000", step: "1", value: "0", part: "seek" });
    this.seek.addEventListener("input", () => this.seekTo(Number(this.seek.value)));
    this.seek.addEventListener("pointerdown", () => (this.dragging = true));
    this.seek.addEventListener("pointerup", () => (this.dragging = false));
    this.seek.addEventListener("keydown", (event) => this.key(event));
    this.time = el("span", { class: "time", part: "time" });
    this.problem = el("span", { class: "broken", role: "alert", hidden: true });
    this.shadow.append(this.button, this.seek, this.time, this.problem);
    this.position = 0;
    this.retried = false;
  }

  set strings(value) {
    this._strings = value;
    this.show();
  }

  get strings() {
    return this._strings || stringsFor(this.getAttribute("lang") || document.documentElement.lang);
  }

  get total() {
    const known = Number(this.getAttribute("duration")) || 0;
    const found = this.audio && Number.isFinite(this.audio.duration) ? this.audio.duration * 1000 : 0;
    return known || found;
  }

  connectedCallback() {
    this.setAttribute("role", "group");
    this.show();
  }

  attributeChangedCallback(name) {
    if (name === "src" && this.audio) {
      this.audio.pause();
      this.audio = null;
    }
    this.show();
  }

  ensureAudio() {
    if (this.audio) return this.audio;
    const audio = new Audio();
    audio.preload = "auto";
    audio.src = this.getAttribute("src") || "";
    audio.addEventListener("timeupdate", () => ((this.position = audio.currentTime * 1000), this.show()));
    audio.addEventListener("play", () => this.show());
    audio.addEventListener("pause", () => this.show());
    audio.addEventListener("loadedmetadata", () => this.show());
    audio.addEventListener("ended", () => ((this.position = 0), (audio.currentTime = 0), this.show(), this.dispatchEvent(new Event("ended"))));
    audio.addEventListener("error", () => this.failed());
    this.audio = audio;
    return audio;
  }

  // A signed URL that expired while the page stayed open: ask the lasting address once more.
  failed() {
    const at = this.position;
    if (!this.retried) {
      this.retried = true;
      this.audio = null;
      const audio = this.ensureAudio();
      audio.addEventListener("loadedmetadata", () => (audio.currentTime = at / 1000), { once: true });
      return;
    }
    this.problem.textContent = say(this.strings, "broken");
    this.problem.hidden = false;
    this.show();
  }

  toggle() {
    const audio = this.ensureAudio();
    if (audio.paused) this.play();
    else audio.pause();
  }

  play() {
    const audio = this.ensureAudio();
    if (playing && playing !== this) playing.pause();
    playing = this;
    if (this.position && Math.abs(audio.currentTime * 1000 - this.position) > 250) audio.currentTime = this.position / 1000;
    return audio.play().catch(() => {});
  }

  pause() {
    this.audio?.pause();
  }

  get paused() {
    return !this.audio || this.audio.paused;
  }

  get currentTime() {
    return this.position / 1000;
  }

  // The seek bar's keys: Space or K plays and pauses, arrows move 5 s, Page Up/Down 30 s;
  // Home and End are the range input's own.
  key(event) {
    const moves = { ArrowRight: 5000, ArrowUp: 5000, ArrowLeft: -5000, ArrowDown: -5000, PageUp: 30000, PageDown: -30000 };
    if (event.key === " " || event.key === "k") {
      event.preventDefault();
      this.toggle();
    } else if (event.key in moves && this.total) {
      event.preventDefault();
      const at = Math.max(0, Math.min(this.total, this.position + moves[event.key]));
      this.seekTo((1000 * at) / this.total);
    }
  }

  seekTo(permille) {
    this.position = (this.total * permille) / 1000;
    if (this.audio) this.audio.currentTime = this.position / 1000;
    this.show();
  }

  show() {
    if (!this.button) return;
    const strings = this.strings;
    const paused = this.paused;
    this.button.innerHTML = paused ? ICONS.play : ICONS.pause;
    this.button.setAttribute("aria-label", paused ? say(strings, "play") : say(strings, "pause"));
    this.button.title = this.button.getAttribute("aria-label");
    const total = this.total;
    const elapsed = Math.min(this.position, total || this.position);
    if (!this.dragging) this.seek.value = String(total ? Math.round((1000 * elapsed) / total) : 0);
    this.seek.setAttribute("aria-label", say(strings, "seek"));
    this.seek.setAttribute("aria-valuetext", say(strings, "of", formatTime(elapsed), formatTime(total)));
    this.time.textContent = formatTime(elapsed) + " / " + formatTime(total);
    this.setAttribute("aria-label", this.getAttribute("label") || say(strings, "voice"));
    this.dataset.state = paused ? "paused" : "playing";
  }
}

// ----- <mc-voice-recorder> --------------------------------------------------------------------

const RECORDER_CSS = `
:host{display:flex;align-items:center;gap:8px;padding:6px 8px;border:1px solid var(--line);border-radius:999px;background:var(--mc-voice-surface,var(--mc-color-surface,#fff))}
.dot{width:10px;height:10px;flex:none;border-radius:50%;background:var(--danger);animation:pulse 1.2s ease-in-out infinite}
@keyframes pulse{50%{opacity:.35}}
.meter{position:relative;flex:1;min-width:60px;height:6px;border-radius:3px;background:var(--line);overflow:hidden}
.meter i{position:absolute;inset:0 auto 0 0;width:100%;background:var(--accent);transform-origin:left center;transform:scaleX(0);transition:transform .08s linear}
.discard{color:var(--danger)}
.message{flex:1;font-size:.8125rem}
.message.bad{color:var(--danger)}
mc-voice-player{flex:1;border:0;padding:0;max-width:none}
`;

export class VoiceRecorder extends HTMLElement {
  constructor() {
    super();
    this._strings = null;
    this.shadow = attachStyled(this, RECORDER_CSS);
    this.state = "idle";
  }

  set strings(value) {
    this._strings = value;
  }

  get strings() {
    return this._strings || stringsFor(this.getAttribute("lang") || document.documentElement.lang);
  }

  get maxMs() {
    const seconds = Number(this.getAttribute("max-seconds"));
    return Number.isFinite(seconds) && this.hasAttribute("max-seconds") ? seconds * 1000 : MAX_DEFAULT_MS;
  }

  // Ask for the microphone and record; the panel shows the time, the level and the controls.
  async start() {
    const strings = this.strings;
    this.recorder = new Recorder({ maxMs: this.maxMs, onTick: () => this.tick(), onLimit: () => this.limit() });
    this.draw("starting");
    try {
      await this.recorder.start();
    } catch (error) {
      const key = error?.name === "NotSupportedError" ? "unsupported" : "denied";
      return this.problem(say(strings, key));
    }
    if (this.state !== "starting") return this.recorder.cancel(); // discarded while asking
    this.draw("recording");
    this.parts.stop.focus();
  }

  tick() {
    if (this.state !== "recording") return;
    const { elapsed, level } = this.recorder;
    const max = this.recorder.maxMs;
    this.parts.time.textContent = formatTime(elapsed) + (max ? " / " + formatTime(max) : "");
    this.parts.bar.style.transform = "scaleX(" + level.toFixed(3) + ")"; // CSSOM: allowed by the CSP
    this.parts.meter.setAttribute("aria-valuenow", String(Math.round(level * 100)));
  }

  async limit() {
    if (this.state !== "recording") return;
    await this.review();
    this.parts.message.textContent = say(this.strings, "limit", formatTime(this.recorder.maxMs));
  }

  async review() {
    if (this.state !== "recording") return;
    this.state = "stopping"; // the ticks until the recorder has stopped change nothing
    this.recording = await this.recorder.stop();
    if (!this.recording) return;
    this.url = URL.createObjectURL(this.recording.blob);
    this.draw("review");
    this.parts.send.focus();
  }

  async send() {
    if (this.state === "recording") {
      this.state = "stopping";
      this.recording = await this.recorder.stop();
    }
    if (!this.recording || this.state === "sending") return;
    this.draw("sending");
    this.dispatchEvent(new CustomEvent("voice-send", { detail: this.recording }));
  }

  // The host's answer to "voice-send": done (the panel goes) or the reason it failed.
  sent(error) {
    if (error === undefined) return this.finish();
    this.draw("review");
    this.parts.message.textContent = error || say(this.strings, "failed");
    this.parts.message.className = "message bad";
    this.parts.message.setAttribute("role", "alert");
    this.parts.send.focus();
  }

  discard() {
    this.recorder?.cancel();
    this.finish();
    this.dispatchEvent(new Event("voice-discard"));
  }

  finish() {
    if (this.url) URL.revokeObjectURL(this.url);
    this.url = "";
    this.recording = null;
    this.draw("idle");
    this.dispatchEvent(new Event("voice-done"));
  }

  problem(text) {
    this.draw("problem");
    this.parts.message.textContent = text;
  }

  draw(state) {
    this.state = state;
    this.dataset.state = state;
    const strings = this.strings;
    const button = (name, icon, label, onclick, extra = "") =>
      el("button", { type: "button", class: name + " " + extra, "data-voice": name, "aria-label": label, title: label, html: icon, onclick });
    const parts = {
      discard: button("discard", ICONS.trash, say(strings, "discard"), () => this.discard()),
      stop: button("stop", ICONS.stop, say(strings, "stop"), () => this.review()),
      send: button("send", ICONS.send, say(strings, "send"), () => this.send(), "primary"),
      time: el("span", { class: "time", role: "timer", "aria-live": "off" }, "0:00"),
      bar: el("i"),
      message: el("span", { class: "message", role: state === "problem" ? "alert" : "status" }),
    };
    parts.meter = el("div", { class: "meter", role: "meter", "aria-label": say(strings, "level"), "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": "0" }, parts.bar);
    this.parts = parts;
    this.setAttribute("role", "group");
    this.setAttribute("aria-label", say(strings, "recording"));
    const keys = (event) => {
      if (event.key === "Escape") (event.preventDefault(), event.stopPropagation(), this.discard());
    };
    this.onkeydown = keys;
    if (state === "idle") return this.shadow.replaceChildren();
    if (state === "problem") {
      const close = button("close", ICONS.trash, say(strings, "close"), () => this.discard());
      close.innerHTML = "&times;";
      this.shadow.replaceChildren(parts.message, close);
      return close.focus();
    }
    if (state === "starting" || state === "recording") {
      this.shadow.replaceChildren(parts.discard, el("span", { class: "dot", "aria-hidden": "true" }), parts.time, parts.meter, parts.stop, parts.send);
      parts.stop.disabled = parts.send.disabled = state === "starting";
      return;
    }
    const player = el("mc-voice-player", { src: this.url, duration: String(this.recording?.durationMs || 0) });
    player.strings = strings;
    parts.message.textContent = state === "sending" ? say(strings, "sending") : "";
    parts.send.disabled = parts.discard.disabled = state === "sending";
    this.shadow.replaceChildren(parts.discard, player, parts.message, parts.send);
  }
}

if (!customElements.get("mc-voice-player")) customElements.define("mc-voice-player", VoicePlayer);
if (!customElements.get("mc-voice-recorder")) customElements.define("mc-voice-recorder", VoiceRecorder);

export const micIcon = ICONS.mic;
