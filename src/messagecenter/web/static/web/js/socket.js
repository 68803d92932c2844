// The operator app's one WebSocket (/ws/operator), shared by every module of a page.
//
// Frames arrive as events named by their type ("conversation.changed", "timeline.entry", ...).
// Subscriptions are remembered with the last sequence number seen, so a reconnect resumes
// each conversation from where it was: the server sends everything after that number.

import { config } from "./util.js";

const PING_MS = 25000;
const MAX_BACKOFF_MS = 30000;

class OperatorSocket extends EventTarget {
  constructor(path) {
    super();
    this.path = path;
    this.ws = null;
    this.attempt = 0;
    this.subscriptions = new Map();
    this.connected = false;
  }

  connect() {
    window.__mcShellSocket = true; // personal.js (team app) then opens no socket of its own
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}${this.path}`);
    this.ws = ws;
    ws.addEventListener("open", () => this.opened());
    ws.addEventListener("message", (event) => this.received(event));
    ws.addEventListener("close", () => this.closed(ws));
  }

  opened() {
    this.connected = true;
    this.resumed = this.attempt > 0;
    this.attempt = 0;
    for (const [conversation, after] of this.subscriptions) this.send({ type: "subscribe", conversation, after });
    clearInterval(this.pinger);
    this.pinger = setInterval(() => this.send({ type: "ping" }), PING_MS);
    this.dispatchEvent(new CustomEvent("open", { detail: { resumed: this.resumed } }));
  }

  received(event) {
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch {
      return;
    }
    this.dispatchEvent(new CustomEvent(frame.type, { detail: frame }));
    // Every frame for modules that do not import this one (team/js/personal.js, the
    // Operators and Notifications pages).
    window.dispatchEvent(new CustomEvent("mc:event", { detail: frame }));
  }

  closed(ws) {
    if (ws !== this.ws) return;
    this.connected = false;
    clearInterval(this.pinger);
    this.dispatchEvent(new CustomEvent("close"));
    // Exponential backoff with jitter, so a restarted server is not hit by every tab at once.
    const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** this.attempt) * (0.6 + Math.random() * 0.4);
    this.attempt += 1;
    setTimeout(() => this.connect(), delay);
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

  on(type, handler) {
    this.addEventListener(type, (event) => handler(event.detail));
  }
}

export const socket = new OperatorSocket(config.urls.socket || "/ws/operator");
