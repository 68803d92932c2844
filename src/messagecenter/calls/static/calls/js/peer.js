// One side of a call's WebRTC connection, shared by the operator app (calls/js/call.js) and the
// website messenger (messenger-call.js): dependency-free, so the messenger can load it from any
// site. Signalling goes through the caller's socket (docs/realtime.md, "Calls"):
// `send({description} | {candidate} | {media})`, and `handle(frame)` takes the other side's.
//
// Both sides negotiate an audio and (where the widget allows video) a video transceiver once,
// at the start; switching the camera or a screen share on and off later only replaces the
// video track (`replaceTrack`), so nothing is renegotiated mid-call. The other side hears
// what is on through `media` signals and shows or hides the picture.

export class Peer {
  constructor({ ice, caller, videoAllowed, send, onRemote, onState, onMedia }) {
    this.caller = caller;
    this.videoAllowed = videoAllowed;
    this.send = send;
    this.onRemote = onRemote || (() => {});
    this.onState = onState || (() => {});
    this.onMedia = onMedia || (() => {});
    this.pending = []; // candidates that came before the other side's description
    this.remote = new MediaStream();
    this.camera = null;
    this.screen = null;
    this.pc = new RTCPeerConnection({
      iceServers: ice.ice_servers || [],
      // "relay" by default: only the TURN relay's address is ever exchanged (privacy).
      iceTransportPolicy: ice.ice_transport_policy || "relay",
    });
    this.pc.onicecandidate = (e) => this.send({ candidate: e.candidate ? e.candidate.toJSON() : null });
    this.pc.ontrack = (e) => {
      if (!this.remote.getTracks().includes(e.track)) this.remote.addTrack(e.track);
      this.onRemote(this.remote);
    };
    this.pc.onconnectionstatechange = () => this.onState(this.pc.connectionState);
  }

  // The caller (the operator) offers once the contact accepted; the callee waits for it.
  async start(local) {
    this.local = local;
    this.microphone = local.getAudioTracks()[0] || null;
    this.camera = local.getVideoTracks()[0] || null;
    if (!this.caller) return;
    this.audio = this.pc.addTransceiver(this.microphone || "audio", { direction: "sendrecv", streams: [local] });
    if (this.videoAllowed) this.video = this.pc.addTransceiver(this.camera || "video", { direction: "sendrecv", streams: [local] });
    await this.pc.setLocalDescription(await this.pc.createOffer());
    this.send({ description: { type: "offer", sdp: this.pc.localDescription.sdp } });
    this.announce();
  }

  async handle(frame) {
    if (frame.description) await this.described(frame.description);
    if ("candidate" in frame) {
      if (!this.pc.remoteDescription) this.pending.push(frame.candidate);
      else await this.addCandidate(frame.candidate);
    }
    if (frame.media) this.onMedia(frame.media);
  }

  async described(description) {
    await this.pc.setRemoteDescription(description);
    for (const c of this.pending.splice(0)) await this.addCandidate(c);
    if (description.type !== "offer") return;
    // The callee answers on the transceivers the offer made, sending its own tracks on them.
    for (const t of this.pc.getTransceivers()) {
      const kind = t.receiver.track.kind;
      if (kind === "audio") (this.audio = t), await t.sender.replaceTrack(this.microphone);
      if (kind === "video" && this.videoAllowed) (this.video = t), await t.sender.replaceTrack(this.camera);
      t.direction = kind === "video" && !this.videoAllowed ? "recvonly" : "sendrecv";
    }
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    this.send({ description: { type: "answer", sdp: this.pc.localDescription.sdp } });
    this.announce();
  }

  async addCandidate(candidate) {
    try {
      await this.pc.addIceCandidate(candidate || null);
    } catch {
      /* a candidate for a transceiver this side refused: nothing to do */
    }
  }

  // What this side sends, for the other side's picture and labels.
  announce() {
    this.send({ media: { microphone: !!this.microphone?.enabled, camera: !!this.camera && !this.screen, screen: !!this.screen } });
  }

  setMicrophone(on) {
    if (this.microphone) this.microphone.enabled = on;
    this.announce();
  }

  async setCamera(on) {
    if (!this.videoAllowed) return false;
    if (on && !this.camera) {
      const stream = await navigator.mediaDevices.getUserMedia({ video: true });
      this.camera = stream.getVideoTracks()[0];
    } else if (!on && this.camera) {
      this.camera.stop();
      this.camera = null;
    }
    if (!this.screen) await this.video?.sender.replaceTrack(this.camera);
    this.announce();
    return !!this.camera;
  }

  async setScreen(on) {
    if (!this.videoAllowed) return false;
    if (on && !this.screen) {
      const stream = await navigator.mediaDevices.getDisplayMedia({ video: true });
      this.screen = stream.getVideoTracks()[0];
      // Stopped from the browser's own "Stop sharing" bar: back to the camera.
      this.screen.addEventListener("ended", () => this.setScreen(false).then(() => this.onState("screen-ended")));
    } else if (!on && this.screen) {
      this.screen.stop();
      this.screen = null;
    }
    await this.video?.sender.replaceTrack(this.screen || this.camera);
    this.announce();
    return !!this.screen;
  }

  // The picture this side shows of itself: the screen share, else the camera.
  preview() {
    const track = this.screen || this.camera;
    return track ? new MediaStream([track]) : null;
  }

  // For the call's own quality hints and for tests: bytes received and the route in use.
  async stats() {
    const report = await this.pc.getStats();
    let bytesReceived = 0;
    let pair = null;
    report.forEach((s) => {
      if (s.type === "inbound-rtp") bytesReceived += s.bytesReceived || 0;
      if (s.type === "transport" && s.selectedCandidatePairId) pair = report.get(s.selectedCandidatePairId);
    });
    if (!pair) report.forEach((s) => s.type === "candidate-pair" && s.nominated && s.state === "succeeded" && (pair = s));
    const local = pair && report.get(pair.localCandidateId);
    const remote = pair && report.get(pair.remoteCandidateId);
    return { bytesReceived, local: local?.candidateType || null, remote: remote?.candidateType || null };
  }

  close() {
    for (const track of [this.microphone, this.camera, this.screen, ...(this.local?.getTracks() || [])]) track?.stop();
    this.pc.onicecandidate = this.pc.ontrack = this.pc.onconnectionstatechange = null;
    this.pc.close();
  }
}

// Media for a call: the microphone, and the camera when asked (the browser's prompt).
export function askMedia(video) {
  return navigator.mediaDevices.getUserMedia({ audio: true, video: !!video });
}

export function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const mm = String(Math.floor(s / 60) % 60).padStart(2, "0");
  const ss = String(s % 60).padStart(2, "0");
  return s >= 3600 ? `${Math.floor(s / 3600)}:${mm}:${ss}` : `${Math.floor(s / 60)}:${ss}`;
}

// Lucide icons (ISC licence) for the call controls; the app's sprite has no video icons.
const PATHS = {
  phone: '<path d="M22 16.92v3a2 2 0 0 1-2.18 2 19.79 19.79 0 0 1-8.63-3.07 19.5 19.5 0 0 1-6-6 19.79 19.79 0 0 1-3.07-8.67A2 2 0 0 1 4.11 2h3a2 2 0 0 1 2 1.72 12.84 12.84 0 0 0 .7 2.81 2 2 0 0 1-.45 2.11L8.09 9.91a16 16 0 0 0 6 6l1.27-1.27a2 2 0 0 1 2.11-.45 12.84 12.84 0 0 0 2.81.7A2 2 0 0 1 22 16.92z"/>',
  "phone-off": '<path d="M10.68 13.31a16 16 0 0 0 3.41 2.6l1.27-1.27a2 2 0 0 1 2.11-.45 12.84 12.84 0 0 0 2.81.7 2 2 0 0 1 1.72 2v3a2 2 0 0 1-2.18 2 19.79 19.79 0 0 1-8.63-3.07 19.42 19.42 0 0 1-3.33-2.67m-2.67-3.34a19.79 19.79 0 0 1-3.07-8.63A2 2 0 0 1 4.11 2h3a2 2 0 0 1 2 1.72 12.84 12.84 0 0 0 .7 2.81 2 2 0 0 1-.45 2.11L8.09 9.91"/><line x1="22" x2="2" y1="2" y2="22"/>',
  video: '<path d="m16 13 5.223 3.482a.5.5 0 0 0 .777-.416V7.87a.5.5 0 0 0-.752-.432L16 10.5"/><rect x="2" y="6" width="14" height="12" rx="2"/>',
  "video-off": '<path d="M10.66 6H14a2 2 0 0 1 2 2v2.5l5.248-3.062A.5.5 0 0 1 22 7.87v8.196"/><path d="M16 16a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V8a2 2 0 0 1 2-2h2"/><path d="m2 2 20 20"/>',
  mic: '<path d="M12 2a3 3 0 0 0-3 3v7a3 3 0 0 0 6 0V5a3 3 0 0 0-3-3Z"/><path d="M19 10v2a7 7 0 0 1-14 0v-2"/><line x1="12" x2="12" y1="19" y2="22"/>',
  "mic-off": '<line x1="2" x2="22" y1="2" y2="22"/><path d="M18.89 13.23A7.12 7.12 0 0 0 19 12v-2"/><path d="M5 10v2a7 7 0 0 0 12 5"/><path d="M15 9.34V5a3 3 0 0 0-5.68-1.33"/><path d="M9 9v3a3 3 0 0 0 5.12 2.12"/><line x1="12" x2="12" y1="19" y2="22"/>',
  screen: '<path d="m9 10 3-3 3 3"/><path d="M12 13V7"/><rect width="20" height="14" x="2" y="3" rx="2"/><path d="M12 17v4"/><path d="M8 21h8"/>',
};

export function iconSvg(name) {
  return `<svg class="icon" width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">${PATHS[name]}</svg>`;
}
