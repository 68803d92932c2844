// The conversation's call window (R-FILE-3): the composer's phone button offers an audio or
// video call to the contact, who must be online in the messenger. The window shows the ringing
// (with the 180 s the offer lasts), then the call: the contact's picture or initials, the time,
// and switches for the microphone, the camera and a screen share; either side hangs up.
// Frames: docs/realtime.md, "Calls". The media goes through the TURN relay (peer.js).

import { html, nothing, render } from "../../vendor/lit-html/lit-html.js";
import { unsafeHTML } from "../../vendor/lit-html/directives/unsafe-html.js";
import { socket } from "../../web/js/socket.js";
import { format, gettext, readJson, toast } from "../../web/js/util.js";
import { Peer, askMedia, clock, iconSvg } from "./peer.js";

const tool = document.querySelector("[data-call-tool]");
const data = readJson("call-data");
const ENDINGS = {
  declined: () => format(gettext("%(name)s declined the call."), { name: data.contact }),
  missed: () => format(gettext("%(name)s did not answer."), { name: data.contact }),
  cancelled: () => gettext("The call was cancelled."),
  ended: (s) => format(gettext("Call ended · %(duration)s"), { duration: clock(s || 0) }),
  lost: () => gettext("The connection was lost. The call has ended."),
};

if (tool && data) {
  const button = tool.querySelector("[data-call-button]");
  const menu = tool.querySelector("[data-call-menu]");
  const win = document.createElement("section");
  win.className = "call-window";
  win.setAttribute("role", "dialog");
  win.setAttribute("aria-labelledby", "call-title");
  win.dataset.callWindow = "";
  win.hidden = true;
  document.body.append(win);

  let call = null; // {id, video, state, expires, started, peer, mic, camera, screen, remote}
  let timer = 0;

  button.addEventListener("click", () => toggleMenu(menu.hidden));
  menu.addEventListener("click", (event) => {
    const item = event.target.closest("[data-call-offer]");
    if (!item) return;
    toggleMenu(false);
    offer(item.dataset.callOffer === "video");
  });
  menu.addEventListener("keydown", (event) => {
    const items = [...menu.querySelectorAll("[role=menuitem]")];
    const at = items.indexOf(document.activeElement);
    if (event.key === "Escape") toggleMenu(false), button.focus();
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      items[(at + (event.key === "ArrowDown" ? 1 : items.length - 1)) % items.length].focus();
    }
  });
  document.addEventListener("click", (event) => !tool.contains(event.target) && toggleMenu(false));

  function toggleMenu(open) {
    menu.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    if (open) menu.querySelector("[role=menuitem]")?.focus();
  }

  async function offer(video) {
    if (call && call.state !== "over") return toast(gettext("You are already in a call."), "error");
    const asked = (call = { id: null, video, state: "preparing", ref: "call:" + Date.now() });
    show();
    try {
      asked.local = await askMedia(video);
    } catch {
      if (call === asked) (call = null), show();
      return toast(gettext("The call needs your microphone (and camera): allow them in the browser."), "error");
    }
    // Cancelled while the browser asked: release the devices, offer nothing.
    if (call !== asked) return asked.local.getTracks().forEach((track) => track.stop());
    if (!socket.send({ type: "call.offer", conversation: data.conversation, video, client_id: call.ref })) {
      stopLocal();
      call = null;
      show();
      toast(gettext("No connection. Please try again in a moment."), "error");
    }
  }

  socket.on("call.ringing", (frame) => {
    if (!call || frame.client_id !== call.ref) return;
    Object.assign(call, { id: frame.call, state: "ringing", ice: frame.ice, videoAllowed: frame.video_allowed, expires: Date.parse(frame.expires_at) });
    tick();
    show();
  });
  socket.on("error", (frame) => {
    if (!call || frame.client_id !== call.ref || call.id) return;
    stopLocal();
    call = null;
    show();
    toast(frame.message, "error");
  });
  socket.on("call.accepted", async (frame) => {
    if (!call || frame.call !== call.id) return;
    call.state = "connecting";
    call.peer = new Peer({
      ice: call.ice,
      caller: true,
      videoAllowed: call.videoAllowed,
      send: (signal) => socket.send({ type: "call.signal", call: call.id, ...signal }),
      onRemote: (stream) => ((call.remote = stream), show()),
      onState: (state) => connection(state),
      onMedia: (media) => ((call.theirs = media), show()),
    });
    win.peer = call.peer; // an observation point for tests (getStats)
    await call.peer.start(call.local);
    show();
  });
  socket.on("call.signal", (frame) => call?.peer && frame.call === call.id && call.peer.handle(frame));
  socket.on("call.ended", (frame) => call && frame.call === call.id && over(frame.state, frame.duration));
  // The server ends a call whose socket closed; this tab cannot get it back.
  socket.on("close", () => call && call.id && call.state !== "over" && over("lost"));

  function connection(state) {
    if (state === "connected" && call.state !== "connected") {
      call.state = "connected";
      call.started = Date.now();
    }
    show();
  }

  function over(result, duration) {
    clearInterval(timer);
    call.peer?.close();
    stopLocal();
    Object.assign(call, { state: "over", result, duration, peer: null, remote: null });
    show();
    win.querySelector("[data-call-close]")?.focus();
  }

  function stopLocal() {
    call?.local?.getTracks().forEach((track) => track.stop());
  }

  function hangUp() {
    if (call.id) socket.send({ type: "call.hangup", call: call.id });
    else (stopLocal(), (call = null), show());
  }

  async function flip(what) {
    const peer = call.peer;
    if (!peer) return;
    try {
      if (what === "mic") peer.setMicrophone((call.muted = !call.muted) === false);
      if (what === "camera") await peer.setCamera(!peer.camera);
      if (what === "screen") await peer.setScreen(!peer.screen);
    } catch {
      toast(what === "screen" ? gettext("The screen could not be shared.") : gettext("The camera could not be switched on."), "error");
    }
    show();
  }

  function tick() {
    clearInterval(timer);
    timer = setInterval(show, 1000);
  }

  function show() {
    win.hidden = !call;
    win.dataset.state = call?.state || "idle";
    win.dataset.result = call?.result || "";
    render(call ? view() : nothing, win);
    if (call) attach();
  }

  function view() {
    const title = call.video ? gettext("Video call with %(name)s") : gettext("Call with %(name)s");
    return html`
      <header class="call-window__head">
        <h2 id="call-title">${format(title, { name: data.contact })}</h2>
        <p class="call-window__status" role="status" aria-live="polite">${status()}</p>
      </header>
      <div class="call-window__stage">
        <video class="call-window__remote" data-remote autoplay playsinline ?hidden=${!theirPicture()}></video>
        ${theirPicture() ? nothing : html`<div class="call-window__avatar" aria-hidden="true">${initials(data.contact)}</div>`}
        <video class="call-window__self" data-self autoplay playsinline muted ?hidden=${!call.peer?.preview()}></video>
      </div>
      <div class="call-window__controls">${controls()}</div>`;
  }

  function status() {
    if (call.state === "preparing") return gettext("Allow the microphone in your browser…");
    if (call.state === "ringing") return format(gettext("Ringing… %(left)s left"), { left: clock((call.expires - Date.now()) / 1000) });
    if (call.state === "connecting") return gettext("Connecting…");
    if (call.state === "connected") return clock((Date.now() - call.started) / 1000);
    return (ENDINGS[call.result] || ENDINGS.lost)(call.duration);
  }

  function controls() {
    if (call.state === "over") return html`<button type="button" class="button button--small" data-call-close @click=${() => ((call = null), show(), button.focus())}>${gettext("Close")}</button>`;
    const live = call.state === "connected" || call.state === "connecting";
    return html`
      ${live ? html`
        ${toggle("mic", !call.muted, call.muted ? "mic-off" : "mic", gettext("Microphone"))}
        ${call.videoAllowed ? toggle("camera", !!call.peer?.camera, call.peer?.camera ? "video" : "video-off", gettext("Camera")) : nothing}
        ${call.videoAllowed && navigator.mediaDevices?.getDisplayMedia ? toggle("screen", !!call.peer?.screen, "screen", gettext("Share screen")) : nothing}` : nothing}
      <button type="button" class="call-window__hangup" data-call-hangup aria-label=${call.id && call.state !== "ringing" ? gettext("Hang up") : gettext("Cancel the call")} title=${gettext("Hang up")} @click=${hangUp}>${unsafeHTML(iconSvg("phone-off"))}</button>`;
  }

  function toggle(what, on, icon, label) {
    return html`<button type="button" class="call-window__toggle" data-call-toggle=${what} aria-pressed=${String(on)} aria-label=${label} title=${label} @click=${() => flip(what)}>${unsafeHTML(iconSvg(icon))}</button>`;
  }

  function theirPicture() {
    return !!call.remote && !!(call.theirs?.camera || call.theirs?.screen);
  }

  function attach() {
    const remote = win.querySelector("[data-remote]");
    if (remote && call.remote && remote.srcObject !== call.remote) remote.srcObject = call.remote;
    const self = win.querySelector("[data-self]");
    const preview = call.peer?.preview();
    const track = preview?.getVideoTracks()[0];
    if (self && track && self.srcObject?.getVideoTracks()[0] !== track) self.srcObject = preview;
  }
}

function initials(name) {
  return (name || "?").split(/\s+/).filter(Boolean).slice(0, 2).map((w) => w[0].toUpperCase()).join("");
}
