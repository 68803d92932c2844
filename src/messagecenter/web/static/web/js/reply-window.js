// The channel's reply window in the composer (WhatsApp: 24 hours after the contact last wrote,
// free text is possible; after it, only a template). Shows the time left, and once it has closed
// says so before the operator writes; the server refuses a free-form reply outside it anyway
// (conversations.channel.check_reply_window). Recomputed every 30 s and when the contact writes.

import { format, gettext } from "./util.js";

const TICK_MS = 30 * 1000;

export class ReplyWindow {
  constructor(composer, { seconds, lastContactAt, channel, templates = false }) {
    this.seconds = seconds;
    // The channel sends templates from the composer (WhatsApp: the `!` picker).
    this.templates = templates;
    this.channel = channel;
    this.lastContactAt = lastContactAt ? new Date(lastContactAt) : null;
    if (!composer || !seconds) return;
    this.el = document.createElement("p");
    this.el.className = "composer__window";
    this.el.dataset.replyWindow = "";
    this.el.setAttribute("role", "status");
    composer.querySelector("[data-input]")?.before(this.el);
    this.render();
    setInterval(() => this.render(), TICK_MS);
  }

  // The contact wrote (a message entry of theirs): the window opens again.
  contactWrote(at) {
    this.lastContactAt = new Date(at);
    this.render();
  }

  render() {
    if (!this.el) return;
    const closes = this.lastContactAt ? this.lastContactAt.getTime() + this.seconds * 1000 : 0;
    const left = closes - Date.now();
    const hours = Math.round(this.seconds / 3600);
    this.el.dataset.open = left > 0 ? "yes" : "no";
    if (left > 0) {
      const h = Math.floor(left / 3600000);
      const m = Math.floor((left % 3600000) / 60000);
      this.el.textContent = format(gettext("%(channel)s reply window: %(hours)s h %(minutes)s min left for free-form replies."), { channel: this.channel, hours: h, minutes: m });
    } else {
      const text = this.templates
        ? gettext("The %(channel)s reply window has closed: the contact last wrote more than %(hours)s hours ago. Free-form replies are refused until they write again; type ! to send an approved template.")
        : gettext("The %(channel)s reply window has closed: the contact last wrote more than %(hours)s hours ago. Free-form replies are refused until they write again; only a template could be sent.");
      this.el.textContent = format(text, { channel: this.channel, hours });
    }
  }
}
