// The operator app's one WebSocket (/ws/operator), shared by every module of every page: the
// shell, the inbox and conversation pages, the team pages and the personal runtime all import
// this module (a module URL runs once per page), so a tab holds exactly one connection.
//
// Modules subscribe to event types: socket.on("conversation.changed", handler). Subscriptions
// to conversations are remembered with the last sequence number seen, so a reconnect resumes
// each one from where it was: the server sends everything after that number. Whatever a page
// shows that is not a timeline (lists, counters, boards) it re-reads in socket.onResume(),
// called after a reconnect and when the server asks for it with a `resync` frame.
// A close with code 4401 (signed out) leads to the sign-in page instead of reconnecting;
// 4403 (forbidden origin) stops.

import { config } from "./util.js";

const PING_MS = 25000;
const MAX_BACKOFF_MS = 30000;
export const CLOSE_SIGNED_OUT = 4401;
export const CLOSE_FORBIDDEN = 4403;

class OperatorSocket extends EventTarget {
  constructor(path) {
    super();
    this.path = path;
    this.ws = null;
    this.attempt = 0;
    this.subscriptions = new Map();
    this.connected = false;
    this.stopped = false;
  }

  // Idempotent: the first module that needs the connection opens it.
  connect() {
    if (this.ws || this.stopped) return;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}${this.path}`);
    this.ws = ws;
    ws.addEventListener("open", () => this.opened());
    ws.addEventListener("message", (event) => this.received(event));
    ws.addEventListener("close", (event) => this.closed(ws, event));
  }

  opened() {
    this.connected = true;
    this.resumed = this.attempt > 0;
    this.attempt = 0;
    this.resubscribe();
    clearInterval(this.pinger);
    this.pinger = setInterval(() => this.send({ type: "ping" }), PING_MS);
    this.emit("open", { resumed: this.resumed });
    if (this.resumed) this.emit("resume", { reason: "reconnect" });
  }

  resubscribe() {
    for (const [conversation, after] of this.subscriptions) this.send({ type: "subscribe", conversation, after });
  }

  received(event) {
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch {
      return;
    }
    this.emit(frame.type, frame);
    // An observation point for tests and browser extensions; page modules use on().
    window.dispatchEvent(new CustomEvent("mc:event", { detail: frame }));
    if (frame.type === "resync") {
      // The server could not deliver everything (or restarted its state): catch up as after
      // a reconnect, timelines from their last seen number and everything else from scratch.
      this.resubscribe();
      this.emit("resume", { reason: "resync" });
    }
  }

  closed(ws, event) {
    if (ws !== this.ws) return;
    this.ws = null;
    this.connected = false;
    clearInterval(this.pinger);
    this.emit("close", { code: event.code });
    if (event.code === CLOSE_SIGNED_OUT) return this.signedOut();
    if (event.code === CLOSE_FORBIDDEN) {
      this.stopped = true;
      return;
    }
    // Exponential backoff with jitter, so a restarted server is not hit by every tab at once.
    const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** this.attempt) * (0.6 + Math.random() * 0.4);
    this.attempt += 1;
    setTimeout(() => this.connect(), delay);
  }

  // The session ended (signed out here or elsewhere, expired): reconnecting cannot work.
  signedOut() {
    this.stopped = true;
    const next = encodeURIComponent(location.pathname + location.search);
    location.assign(`${config.urls.login || "/login/"}?next=${next}`);
  }

  send(frame) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  subscribe(conversation, after) {
    this.subscriptions.set(conversation, after);
    this.send({ type: "subscribe", conversation, after });
  }

  // The newest sequence number a module has applied: the resume point after a reconnect.
  seen(conversation, seq) {
    if (this.subscriptions.has(conversation) && seq > this.subscriptions.get(conversation)) {
      this.subscriptions.set(conversation, seq);
    }
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  on(type, handler) {
    this.addEventListener(type, (event) => handler(event.detail));
  }

  // After a reconnect or a server `resync`: re-read what live events may have missed.
  onResume(handler) {
    this.on("resume", handler);
  }
}

export const socket = new OperatorSocket(config.urls.socket || "/ws/operator");
