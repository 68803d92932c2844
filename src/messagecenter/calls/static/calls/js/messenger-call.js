// The website messenger's call window (R-FILE-3), loaded by messenger.js when a call frame
// arrives (served at /messenger/modules/call.js, like the messenger itself). The contact sees
// who calls, accepts (the browser then asks for the microphone, and the camera for a video
// call) or declines; during the call they switch the microphone, the camera and a screen share
// and hang up. Dependency-free; renders into the messenger's shadow root.

import { Peer, askMedia, clock, iconSvg } from "./peer.js";

const STRINGS = {
  en: {
    incoming: (n) => (n ? n + " is calling you" : "Incoming call"),
    incomingVideo: (n) => (n ? n + " is calling you (video)" : "Incoming video call"),
    accept: "Accept",
    decline: "Decline",
    allow: "Please allow the microphone (and camera) in your browser to take the call.",
    connecting: "Connecting…",
    mic: "Microphone",
    camera: "Camera",
    screen: "Share screen",
    hangup: "Hang up",
    close: "Close",
    declined: "You declined the call.",
    missed: "You missed a call.",
    cancelled: "The call was cancelled.",
    ended: (d) => "Call ended · " + d,
    lost: "The connection was lost. The call has ended.",
    elsewhere: "The call was answered in another window.",
    failed: "The call could not be connected.",
    call: "Call",
  },
  de: {
    incoming: (n) => (n ? n + " ruft Sie an" : "Eingehender Anruf"),
    incomingVideo: (n) => (n ? n + " ruft Sie an (Video)" : "Eingehender Videoanruf"),
    accept: "Annehmen",
    decline: "Ablehnen",
    allow: "Bitte erlauben Sie Ihrem Browser das Mikrofon (und die Kamera), um den Anruf anzunehmen.",
    connecting: "Verbindung wird aufgebaut…",
    mic: "Mikrofon",
    camera: "Kamera",
    screen: "Bildschirm teilen",
    hangup: "Auflegen",
    close: "Schließen",
    declined: "Sie haben den Anruf abgelehnt.",
    missed: "Sie haben einen Anruf verpasst.",
    cancelled: "Der Anruf wurde abgebrochen.",
    ended: (d) => "Anruf beendet · " + d,
    lost: "Die Verbindung ist abgebrochen. Der Anruf ist beendet.",
    elsewhere: "Der Anruf wurde in einem anderen Fenster angenommen.",
    failed: "Der Anruf konnte nicht verbunden werden.",
    call: "Anruf",
  },
};

const CSS = `
.call{position:fixed;right:20px;bottom:96px;z-index:2147483001;width:min(320px,calc(100vw - 24px));box-sizing:border-box;display:grid;gap:12px;padding:16px;color:#f4f6f9;background:#1a2230;border-radius:16px;box-shadow:0 16px 40px rgba(16,24,40,.35);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;animation:mc-call-in .2s ease-out}
.call[hidden]{display:none}
.call h2{margin:0;font-size:15px;font-weight:600}
.call p{margin:0;color:#c5ccd8;font-variant-numeric:tabular-nums}
.stage{position:relative;display:grid;place-items:center;aspect-ratio:4/3;overflow:hidden;background:#0f141d;border-radius:10px}
.stage video{width:100%;height:100%;object-fit:cover}
.stage video.self{position:absolute;right:8px;bottom:8px;width:30%;height:auto;border-radius:6px;border:2px solid rgba(255,255,255,.6);background:#000}
.call [hidden]{display:none!important}
.av{display:grid;place-items:center;width:64px;height:64px;border-radius:50%;background:var(--mc-accent,#3a56d4);color:#fff;font-size:22px;font-weight:600}
.call[data-state=ringing] .av{animation:mc-call-ring 1.6s ease-in-out infinite}
.row{display:flex;justify-content:center;gap:12px}
.row button{display:grid;place-items:center;width:44px;height:44px;padding:0;border:0;border-radius:50%;cursor:pointer;color:#fff;background:#3a4556}
.row button[aria-pressed=false]{background:#f4f6f9;color:#1a2230}
.row button.end{background:#b42318}
.row button.go{background:#067647}
.row button.text{width:auto;border-radius:22px;padding:0 18px;font:inherit;font-weight:600;gap:8px;display:flex;align-items:center}
.row button:focus-visible{outline:2px solid #fff;outline-offset:2px}
.row svg{width:20px;height:20px}
@keyframes mc-call-in{from{opacity:0;transform:translateY(12px)}to{opacity:1;transform:none}}
@keyframes mc-call-ring{0%,100%{box-shadow:0 0 0 0 rgba(58,86,212,.6)}50%{box-shadow:0 0 0 14px rgba(58,86,212,0)}}
@media (prefers-reduced-motion:reduce){.call,.av{animation:none!important}}
`;

export function mountCall(api) {
  const t = (k, ...a) => {
    const v = (STRINGS[api.lang()] || STRINGS.en)[k];
    return typeof v === "function" ? v(...a) : v;
  };
  const box = document.createElement("section");
  box.className = "call";
  box.setAttribute("role", "dialog");
  box.setAttribute("aria-labelledby", "mc-call-title");
  box.hidden = true;
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(CSS);
  api.shadow.adoptedStyleSheets = [...api.shadow.adoptedStyleSheets, sheet];
  api.shadow.append(box);

  let call = null; // {id, conv, video, videoAllowed, operator, state, peer, remote, theirs, started, note}
  let timer = 0;
  let closer = 0;

  function receive(f) {
    if (f.type === "call.offered") return offered(f);
    if (!call || f.call !== call.id) return;
    if (f.type === "call.joined") return joined(f);
    if (f.type === "call.accepted" && !call.peer && call.state === "ringing") return over("elsewhere");
    if (f.type === "call.signal" && call.peer) return call.peer.handle(f);
    if (f.type === "call.ended") return over(f.state, f.duration);
  }

  function offered(f) {
    if (call && call.state !== "over") return;
    clearTimeout(closer);
    call = { id: f.call, conv: f.conversation, video: f.video, videoAllowed: f.video_allowed, operator: f.operator, state: "ringing" };
    show();
    box.querySelector("[data-accept]")?.focus();
  }

  async function accept() {
    const asked = call;
    asked.note = "";
    try {
      asked.local = await askMedia(asked.video);
    } catch {
      asked.note = t("allow");
      return show();
    }
    // Ended, answered elsewhere or put away while the browser asked: release the devices.
    if (call !== asked || call.state !== "ringing") return asked.local.getTracks().forEach((track) => track.stop());
    call.state = "connecting";
    show();
    if (!api.send({ type: "call.accept", call: call.id })) over("lost");
  }

  async function joined(f) {
    call.peer = new Peer({
      ice: f.ice,
      caller: false,
      videoAllowed: f.video_allowed,
      send: (signal) => api.send({ type: "call.signal", call: call.id, ...signal }),
      onRemote: (stream) => ((call.remote = stream), show()),
      onState: (state) => connection(state),
      onMedia: (media) => ((call.theirs = media), show()),
    });
    box.peer = call.peer; // an observation point for tests (getStats)
    await call.peer.start(call.local);
  }

  function connection(state) {
    if (state === "connected" && call.state !== "connected") {
      call.state = "connected";
      call.started = Date.now();
      clearInterval(timer);
      timer = setInterval(show, 1000);
    }
    show();
  }

  function decline() {
    api.send({ type: "call.decline", call: call.id });
    over("declined");
  }

  function hangUp() {
    api.send({ type: "call.hangup", call: call.id });
  }

  function over(result, duration) {
    if (!call) return;
    clearInterval(timer);
    call.peer?.close();
    stopLocal();
    Object.assign(call, { state: "over", result, duration, peer: null, remote: null });
    show();
    clearTimeout(closer);
    closer = setTimeout(() => ((call = null), show()), 6000);
  }

  function stopLocal() {
    call?.local?.getTracks().forEach((track) => track.stop());
  }

  async function flip(what) {
    const peer = call?.peer;
    if (!peer) return;
    try {
      if (what === "mic") peer.setMicrophone((call.muted = !call.muted) === false);
      if (what === "camera") await peer.setCamera(!peer.camera);
      if (what === "screen") await peer.setScreen(!peer.screen);
    } catch {
      /* refused in the browser's prompt: stays as it was */
    }
    show();
  }

  function h(tag, attrs, ...kids) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v == null || v === false) continue;
      if (k === "class") el.className = v;
      else if (k === "html") el.innerHTML = v;
      else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? "" : v);
    }
    el.append(...kids.filter((x) => x != null && x !== false));
    return el;
  }

  const button = (attrs, icon, label) => h("button", { type: "button", "aria-label": label, title: label, html: iconSvg(icon), ...attrs });
  const toggle = (what, on, icon, label) => button({ "data-toggle": what, "aria-pressed": String(on), onclick: () => flip(what) }, icon, label);

  function status() {
    if (call.state === "ringing") return call.note || "";
    if (call.state === "connecting") return t("connecting");
    if (call.state === "connected") return clock((Date.now() - call.started) / 1000);
    if (call.result === "ended") return t("ended", clock(call.duration || 0));
    return t(call.result in STRINGS.en ? call.result : "lost");
  }

  function controls() {
    if (call.state === "ringing")
      return [
        h("button", { type: "button", class: "text end", "data-decline": true, onclick: decline, html: iconSvg("phone-off") }, t("decline")),
        h("button", { type: "button", class: "text go", "data-accept": true, onclick: accept, html: iconSvg(call.video ? "video" : "phone") }, t("accept")),
      ];
    if (call.state === "over") return [h("button", { type: "button", class: "text", onclick: () => ((call = null), show()) }, t("close"))];
    const peer = call.peer;
    const out = [toggle("mic", !call.muted, call.muted ? "mic-off" : "mic", t("mic"))];
    if (call.videoAllowed) out.push(toggle("camera", !!peer?.camera, peer?.camera ? "video" : "video-off", t("camera")));
    if (call.videoAllowed && navigator.mediaDevices?.getDisplayMedia) out.push(toggle("screen", !!peer?.screen, "screen", t("screen")));
    out.push(button({ class: "end", "data-hangup": true, onclick: hangUp }, "phone-off", t("hangup")));
    return out;
  }

  // Built once: the videos keep playing while the texts and buttons around them change.
  const titleEl = h("h2", { id: "mc-call-title" });
  const statusEl = h("p", { role: "status", "aria-live": "polite" });
  const remoteEl = h("video", { autoplay: true, playsinline: true });
  const selfEl = h("video", { class: "self", autoplay: true, playsinline: true });
  selfEl.muted = true;
  const avatarEl = h("div", { class: "av", "aria-hidden": "true" });
  const stageEl = h("div", { class: "stage" }, remoteEl, avatarEl, selfEl);
  const rowEl = h("div", { class: "row" });
  box.append(h("header", {}, titleEl, statusEl), stageEl, rowEl);

  function show() {
    box.hidden = !call;
    box.dataset.state = call?.state || "idle";
    box.dataset.result = call?.result || "";
    if (!call) {
      remoteEl.srcObject = selfEl.srcObject = null;
      return;
    }
    const name = call.operator || "";
    titleEl.textContent = call.state === "ringing" ? t(call.video ? "incomingVideo" : "incoming", name) : name || t("call");
    statusEl.textContent = status();
    const picture = !!call.remote && !!(call.theirs?.camera || call.theirs?.screen);
    if (remoteEl.srcObject !== (call.remote || null)) remoteEl.srcObject = call.remote || null;
    const preview = call.peer?.preview();
    const track = preview?.getVideoTracks()[0];
    if (selfEl.srcObject?.getVideoTracks()[0] !== track) selfEl.srcObject = track ? preview : null;
    remoteEl.hidden = !picture;
    selfEl.hidden = !track;
    avatarEl.hidden = picture;
    avatarEl.textContent = initials(name);
    stageEl.hidden = call.state === "ringing" || call.state === "over";
    const focused = rowEl.contains(api.shadow.activeElement) ? api.shadow.activeElement.dataset.toggle || "" : null;
    rowEl.replaceChildren(...controls());
    if (focused) rowEl.querySelector(`[data-toggle="${focused}"]`)?.focus();
  }

  // The socket dropped: a call in progress is over (the server ends it); a ringing offer is
  // put away and rings again after the reconnect if it still does (welcome sends it again).
  function dropped() {
    if (!call || call.state === "over") return;
    if (call.state !== "ringing") return over("lost");
    call = null;
    show();
  }

  return { receive, dropped };
}

function initials(name) {
  return (name || "?").split(/\s+/).filter(Boolean).slice(0, 2).map((w) => w[0].toUpperCase()).join("");
}
