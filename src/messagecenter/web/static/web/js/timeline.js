// The conversation's history (R-CONV-1, 5, 8, 9): messages, notes and system events with
// per-session LIVE/OFFLINE labels, rendered with lit-html from the operator entries of
// docs/realtime.md. Entries are kept by sequence number, so a live push that repeats what a
// resume batch brought is simply the same entry again.

import { html, nothing, render } from "../../vendor/lit-html/lit-html.js";
import { repeat } from "../../vendor/lit-html/directives/repeat.js";
import { unsafeHTML } from "../../vendor/lit-html/directives/unsafe-html.js";
import { channelIcon, icon } from "./inbox-list.js";
import { translatedBody } from "../../translation/js/timeline.js";
import { config, format, formatDateTime, formatSize, formatTime, gettext, ngettext } from "./util.js";
import { voiceFile } from "./voice-player.js";

// Marks texts for makemessages; they are translated where shown.
const gettext_noop = (text) => text;
const CHANNELS = {
  webchat: gettext_noop("Website messenger"),
  email: gettext_noop("E-mail"),
  whatsapp: gettext_noop("WhatsApp"),
  telegram: gettext_noop("Telegram"),
  sms: gettext_noop("SMS"),
  custom: gettext_noop("Custom channel"),
};
const STATUSES = { new: gettext_noop("New"), open: gettext_noop("Open"), waiting: gettext_noop("Waiting"), ended: gettext_noop("Ended") };
const DELIVERY = {
  queued: ["clock", gettext_noop("Queued")],
  sent: ["check", gettext_noop("Sent")],
  delivered: ["check-check", gettext_noop("Delivered")],
  read: ["check-check", gettext_noop("Read")],
  failed: ["circle-alert", gettext_noop("Failed")],
};
const RULES = {
  returning_contact: gettext_noop("returning contact"),
  most_free_slots: gettext_noop("most free slots"),
  longest_idle: gettext_noop("longest without a new chat"),
  only_candidate: gettext_noop("only available operator"),
  backlog_drain: gettext_noop("a slot became free"),
  no_candidate: gettext_noop("nobody available"),
};
const LIVE_REASONS = {
  routed: gettext_noop("routed while both were online"),
  contact_message: gettext_noop("the contact wrote while both were online"),
  backlog_drain: gettext_noop("taken from the queue"),
  contact_offline: gettext_noop("the contact went offline"),
  operator_unavailable: gettext_noop("the operator became unavailable"),
  reassigned: gettext_noop("the conversation was reassigned"),
  ended: gettext_noop("the conversation ended"),
  inactive: gettext_noop("no activity for the widget’s timeout"),
};
const GROUP_MS = 5 * 60 * 1000;
// Every entry kind this timeline renders (conversations.models.EntryKind): a test compares the
// two lists, so a new kind cannot reach operators as a raw "someone: kind".
export const RENDERED_KINDS = [
  "message", "note", "note_edited", "note_deleted", "message_deleted", "status_changed",
  "assigned", "routing_decision", "live_changed", "updated", "call", "command", "rating",
  "verification", "transcript", "push", "blocked",
];

export class Timeline {
  constructor(root, page, context) {
    this.root = root;
    this.list = root.querySelector("[data-entries]");
    this.context = context; // {directory, mayDelete(entry), onDelete(seq), mayRetry(), onRetry(seq), noteTools}
    this.sessions = page.sessions || {};
    this.entries = new Map();
    this.remoteImages = new Set(); // seqs of mails whose remote images the operator asked for
    this.more = page.more;
    this.add(page.entries);
  }

  get first() {
    return Math.min(...this.entries.keys());
  }

  get last() {
    return this.entries.size ? Math.max(...this.entries.keys()) : 0;
  }

  add(entries) {
    for (const entry of entries) {
      this.entries.set(entry.seq, entry);
      this.follow(entry);
    }
    this.render();
  }

  // Entries that change earlier ones: a deletion marks its message, a LIVE start its session.
  follow(entry) {
    if (entry.kind === "message_deleted") {
      const message = this.entries.get(entry.data.message_seq);
      if (message?.message) message.message.deleted = true;
    } else if (entry.kind === "note_deleted") {
      const note = this.entries.get(entry.data.note_seq);
      if (note?.note) Object.assign(note.note, { deleted: true, html: "", body: "" });
    } else if (entry.kind === "live_changed" && entry.data.live) {
      const session = this.sessions[entry.session];
      if (session) session.live = true;
      else this.sessions[entry.session] = { live: true, started_at: entry.at };
    } else if (entry.kind === "message" && !this.sessions[entry.session]) {
      this.sessions[entry.session] = { live: false, started_at: entry.at };
    }
  }

  replace(entry) {
    this.entries.set(entry.seq, entry);
    this.render();
  }

  render() {
    const items = [...this.entries.values()].sort((a, b) => a.seq - b.seq);
    const rows = [];
    let previous = null;
    for (const entry of items) {
      if (!previous || previous.session !== entry.session) rows.push({ key: `s${entry.session}`, session: entry.session });
      rows.push({ key: entry.seq, entry, previous });
      previous = entry;
    }
    render(
      repeat(rows, (row) => row.key, (row) => (row.entry ? this.entryTemplate(row.entry, row.previous) : this.sessionTemplate(row.session))),
      this.list,
    );
  }

  sessionTemplate(number) {
    const session = this.sessions[number] || { live: false };
    const label = session.live ? "LIVE" : "OFFLINE";
    const title = session.live
      ? gettext("The assigned operator and the contact were online at the same time.")
      : gettext("One side wrote while the other was offline.");
    return html`<li class="session" aria-label=${format(gettext("Session %(number)s"), { number })}>
      <span class="oval ${session.live ? "oval--live" : ""}" title=${title}>${label}</span>
      <span>${format(gettext("Session %(number)s"), { number })}${session.started_at ? ` · ${formatDateTime(session.started_at)}` : ""}</span>
    </li>`;
  }

  entryTemplate(entry, previous) {
    switch (entry.kind) {
      case "message":
        return this.messageTemplate(entry, previous);
      case "note":
        return this.noteTemplate(entry);
      default:
        return this.eventTemplate(entry, previous);
    }
  }

  messageTemplate(entry, previous) {
    const message = entry.message;
    const author = message.author_kind;
    const same =
      previous?.kind === "message" &&
      previous.actor.id === entry.actor.id &&
      previous.message.author_kind === author &&
      new Date(entry.at) - new Date(previous.at) < GROUP_MS;
    const name = entry.actor.name || (author === "contact" ? gettext("Contact") : gettext("Bot"));
    const deletable = author !== "contact" && !message.deleted && this.context.mayDelete(entry);
    const classes = `msg msg--${author}${same ? " msg--same" : ""}${message.deleted ? " msg--deleted" : ""}${entry.pending ? " msg--pending" : ""}`;
    return html`<li class=${classes} data-seq=${entry.seq}>
      <div class="msg__head"><span class="msg__author">${name}</span><time datetime=${entry.at}>${formatTime(entry.at)}</time></div>
      <div class="msg__bubble">
        ${translatedBody(entry, this.bodyHtml(entry)) || html`<div class="msg__body">${unsafeHTML(this.bodyHtml(entry))}</div>`}
        ${this.mailTemplate(entry)}
        ${this.reactionsTemplate(message)}
        ${deletable
          ? html`<button type="button" class="msg__delete" aria-label=${gettext("Delete message")} title=${gettext("Delete message")} @click=${() => this.context.onDelete(entry.seq)}>${icon("trash-2")}</button>`
          : nothing}
      </div>
      <div class="msg__foot">
        ${same ? html`<time datetime=${entry.at}>${formatTime(entry.at)}</time>` : nothing}
        ${message.deleted ? html`<span class="msg__deleted-label">${gettext("Deleted · the contact sees “Message deleted”")}</span>` : nothing}
        ${message.delete_error ? html`<span class="msg__deleted-label" data-delete-error>${message.delete_error}</span>` : nothing}
        ${this.editedTemplate(message)}
        ${message.template ? html`<span class="msg__template" data-template title=${`${message.template.name} · ${message.template.language}`}>${icon("file-text")}${gettext("Template")}</span>` : nothing}
        ${author === "contact" ? this.channelTemplate(message) : this.deliveryTemplate(message, entry)}
      </div>
    </li>`;
  }

  // The contact edited the message on their channel (Telegram): "edited", and on demand the
  // earlier versions, oldest first (shown as text).
  editedTemplate(message) {
    if (!message.edited_at) return nothing;
    const title = format(gettext("Edited %(time)s"), { time: formatDateTime(message.edited_at) });
    return html`<details class="msg__edited" data-edited>
      <summary title=${title}>${gettext("edited")}</summary>
      <ol class="msg__revisions" aria-label=${gettext("Earlier versions")}>${(message.revisions || []).map(
        (revision) => html`<li><time datetime=${revision.written_at}>${formatDateTime(revision.written_at)}</time> <span class="msg__revision">${revision.body}</span></li>`,
      )}</ol>
    </details>`;
  }

  // The contact's reaction on their channel (WhatsApp): the emoji under the message.
  reactionsTemplate(message) {
    const reactions = message.reactions || [];
    if (!reactions.length) return nothing;
    return html`<p class="msg__reactions" data-reactions aria-label=${gettext("The contact reacted")}>${reactions.map((r) => html`<span class="msg__reaction">${r.emoji}</span>`)}</p>`;
  }

  // A mail's remote images load only when the operator asks (the sanitiser kept their
  // address in data-mc-remote-src); the page's policy allows https images for that.
  bodyHtml(entry) {
    const body = entry.message.html;
    if (!this.remoteImages.has(entry.seq)) return body;
    return body.replaceAll(' data-mc-remote-src="', ' referrerpolicy="no-referrer" src="');
  }

  // What the channel brought beside the body: files, parts too large to keep, the quoted
  // history the parser cut, the held-back remote images.
  mailTemplate(entry) {
    const message = entry.message;
    const files = (message.files || []).filter((file) => !file.inline);
    const mail = message.mail;
    const notKept = message.not_kept || [];
    if (!files.length && !mail && !notKept.length) return nothing;
    const skipped = mail?.skipped_attachments || [];
    return html`<div class="msg__extras">
      ${files.length
        ? html`<ul class="msg__files" aria-label=${gettext("Attachments")}>${files.map((file) => fileTemplate(file))}</ul>`
        : nothing}
      ${skipped.map(
        (part) => html`<p class="msg__skipped" data-skipped>${icon("circle-alert")}${format(gettext("Not kept: %(name)s (%(size)s), larger than the upload limit."), { name: part.filename, size: formatSize(part.size) })}</p>`,
      )}
      ${notKept.map(
        (part) => html`<p class="msg__skipped" data-skipped>${icon("circle-alert")}${format(gettext("Not kept: %(name)s (%(size)s). %(reason)s"), { name: part.filename, size: formatSize(part.size), reason: part.reason })}</p>`,
      )}
      ${mail?.remote_images_blocked && !this.remoteImages.has(entry.seq)
        ? html`<button type="button" class="button button--small msg__remote" data-load-remote-images @click=${() => this.showRemoteImages(entry.seq)}>${icon("eye")}<span>${gettext("Load remote images")}</span></button>`
        : nothing}
      ${mail?.quoted_text
        ? html`<details class="msg__quoted"><summary>${gettext("Show quoted text")}</summary><pre>${mail.quoted_text}</pre></details>`
        : nothing}
    </div>`;
  }

  showRemoteImages(seq) {
    this.remoteImages.add(seq);
    this.render();
  }

  channelTemplate(message) {
    const client = message.client_info || {};
    const parts = [client.browser, client.os, client.device_class].filter(Boolean);
    const channel = gettext(CHANNELS[message.channel] || message.channel);
    const label = parts.length ? `${channel} · ${parts.join(" · ")}` : channel;
    return html`<span class="msg__channel" title=${label}>${channelIcon(message.channel)}<span>${label}</span></span>`;
  }

  deliveryTemplate(message, entry) {
    if (entry.pending) return html`<span class="delivery">${icon("clock")}${gettext("Sending…")}</span>`;
    // Sent outside Message Center and echoed by the channel (the WhatsApp Business app on the phone).
    const elsewhere = message.client_info?.sent_from;
    if (elsewhere) return html`<span class="delivery delivery--sent" data-sent-from>${icon("smartphone")}${format(gettext("Sent from %(app)s"), { app: elsewhere })}</span>`;
    const state = DELIVERY[message.delivery_state];
    if (!state) return nothing;
    const shown = html`<span class="delivery delivery--${message.delivery_state}">${icon(state[0])}${gettext(state[1])}</span>`;
    if (message.delivery_state !== "failed") return shown;
    // A failed delivery says why, and the assigned operator (or an admin) can send it again.
    return html`${shown}${message.delivery_error ? html`<span class="delivery__error" data-delivery-error>${message.delivery_error}</span>` : nothing}
      ${this.context.mayRetry?.() ? html`<button type="button" class="button button--small delivery__retry" data-retry @click=${() => this.context.onRetry(entry.seq)}>${icon("refresh-cw")}<span>${gettext("Retry")}</span></button>` : nothing}`;
  }

  noteTemplate(entry) {
    const note = entry.note;
    if (note.deleted) {
      return html`<li class="note note--deleted" data-seq=${entry.seq}>${icon("sticky-note", "icon--sm")} ${format(gettext("%(name)s deleted a note."), { name: entry.actor.name })}</li>`;
    }
    return html`<li class="note" data-seq=${entry.seq}>
      <div class="note__head">
        ${icon("sticky-note")}<span class="note__kind">${gettext("Note")}</span>
        <span>${entry.actor.name} · <time datetime=${entry.at}>${formatTime(entry.at)}</time>${note.edited ? ` · ${gettext("edited")}` : ""}</span>
      </div>
      <div class="note__body">${unsafeHTML(note.html)}</div>
    </li>`;
  }

  eventTemplate(entry, previous) {
    const [iconName, text] = describe(entry, this.context.directory, implicit(entry, previous));
    if (text === null) return nothing;
    return html`<li class="event" data-seq=${entry.seq} data-kind=${entry.kind}>
      ${icon(iconName)}<span>${text} <span class="event__time">· <time datetime=${entry.at}>${formatTime(entry.at)}</time></span>${entry.kind === "routing_decision" ? candidates(entry) : nothing}${entry.kind === "rating" ? ratingDetail(entry.data) : nothing}</span>
    </li>`;
  }
}

function nameOf(directory, kind, id) {
  const found = (directory[kind] || []).find((item) => item.id === id);
  return found ? found.name : gettext("someone");
}

function actorName(entry) {
  if (entry.actor.kind === "system") return gettext("Message Center");
  if (entry.actor.name) return entry.actor.name;
  return entry.actor.kind === "contact" ? gettext("The contact") : gettext("someone");
}

// A status change that a message caused (same actor, same moment) needs no actor sentence.
function implicit(entry, previous) {
  return (
    entry.kind === "status_changed" &&
    previous?.kind === "message" &&
    previous.actor.id === entry.actor.id &&
    new Date(entry.at) - new Date(previous.at) < 5000
  );
}

// The sentence for a system event (R-CONV-1): [icon, text]; text null hides the entry.
export function describe(entry, directory, caused = false) {
  const who = actorName(entry);
  const data = entry.data || {};
  switch (entry.kind) {
    case "status_changed":
      if (caused) {
        return ["circle-dot", format(gettext("Status: %(from)s → %(to)s"), { from: gettext(STATUSES[data.from] || data.from), to: gettext(STATUSES[data.to] || data.to) })];
      }
      return ["circle-dot", format(gettext("%(who)s changed the status from %(from)s to %(to)s."), { who, from: gettext(STATUSES[data.from] || data.from), to: gettext(STATUSES[data.to] || data.to) })];
    case "assigned":
      return ["user-plus", assignedText(entry, who, data, directory)];
    case "routing_decision":
      return ["route", data.winner
        ? format(gettext("Routed to %(name)s (rule: %(rule)s)."), { name: nameOf(directory, "operators", data.winner), rule: gettext(RULES[data.rule] || data.rule) })
        : gettext("Nobody was available: the conversation waits in Unassigned.")];
    case "live_changed":
      return ["radio", data.live
        ? format(gettext("LIVE started: %(reason)s."), { reason: gettext(LIVE_REASONS[data.reason] || data.reason) })
        : format(gettext("LIVE ended: %(reason)s."), { reason: gettext(LIVE_REASONS[data.reason] || data.reason) })];
    case "updated":
      return ["pencil", updatedText(who, data, directory)];
    case "message_deleted":
      return ["trash-2", format(gettext("%(who)s deleted a message."), { who })];
    case "note_edited":
      return ["pencil", format(gettext("%(who)s edited a note."), { who })];
    case "note_deleted":
      return [null, null];
    case "call":
      return ["phone", callText(who, data)];
    case "push":
      return ["arrow-up-right", format(gettext("%(who)s sent the contact to %(url)s."), { who, url: data.url || "" })];
    case "rating":
      return ["smile", data.state === "rated"
        ? format(gettext("%(who)s rated the conversation %(stars)s of 5."), { who, stars: data.rating })
        : format(gettext("%(who)s asked the contact for a rating."), { who })];
    case "transcript":
      return ["mail", transcriptText(who, data)];
    case "verification":
      return ["shield", data.state === "verified"
        ? format(gettext("%(who)s verified the e-mail address."), { who })
        : format(gettext("%(who)s sent the contact a verification code."), { who })];
    case "blocked":
      return ["lock", data.blocked
        ? format(gettext("%(who)s blocked the contact."), { who })
        : format(gettext("%(who)s unblocked the contact."), { who })];
    case "command":
      return ["terminal", format(gettext("%(who)s ran %(command)s."), { who, command: data.command || data.name || "" })];
    default:
      return ["info", format(gettext("%(who)s: %(kind)s"), { who, kind: entry.kind })];
  }
}

// Call events (R-FILE-3): offered, accepted, declined, missed, cancelled, ended with its length.
function callText(who, data) {
  const minutes = Math.floor((data.duration || 0) / 60);
  const duration = `${minutes}:${String((data.duration || 0) % 60).padStart(2, "0")}`;
  switch (data.event) {
    case "offered":
      return format(data.video ? gettext("%(who)s started a video call.") : gettext("%(who)s started an audio call."), { who });
    case "accepted":
      return format(gettext("%(who)s accepted the call."), { who });
    case "declined":
      return format(gettext("%(who)s declined the call."), { who });
    case "missed":
      return gettext("Missed call: the contact did not answer within 3 minutes.");
    case "cancelled":
      return data.by === "system" ? gettext("The call was cancelled: the caller's window closed.") : format(gettext("%(who)s cancelled the call."), { who });
    case "ended":
      return data.by === "system"
        ? format(gettext("The call ended after %(duration)s: a window closed."), { duration })
        : format(gettext("%(who)s ended the call after %(duration)s."), { who, duration });
    default:
      return format(gettext("Call: %(event)s"), { event: data.event || "" });
  }
}

function assignedText(entry, who, data, directory) {
  if (data.operator) {
    if (data.operator === entry.actor.id) return format(gettext("%(who)s took the conversation."), { who });
    return format(gettext("%(who)s assigned the conversation to %(name)s."), { who, name: nameOf(directory, "operators", data.operator) });
  }
  if (data.group) return format(gettext("%(who)s handed the conversation to the group %(name)s."), { who, name: nameOf(directory, "groups", data.group) });
  return format(gettext("%(who)s unassigned the conversation."), { who });
}

function updatedText(who, data, directory) {
  if (data.field === "subject") {
    return data.value ? format(gettext("%(who)s set the subject to “%(value)s”."), { who, value: data.value }) : format(gettext("%(who)s removed the subject."), { who });
  }
  if (data.field === "topic") {
    return data.value ? format(gettext("%(who)s set the topic to %(value)s."), { who, value: nameOf(directory, "topics", data.value) }) : format(gettext("%(who)s removed the topic."), { who });
  }
  if (data.field === "locale") {
    const names = new Intl.DisplayNames([config.language || "en"], { type: "language" });
    return format(gettext("%(who)s set the conversation language to %(value)s."), { who, value: names.of(data.value) });
  }
  if (data.field === "identity") {
    // The channel told us the contact's id or number changed (WhatsApp): same contact, same conversation.
    return format(gettext("The contact’s %(channel)s ID changed from %(previous)s to %(value)s."), { channel: gettext(CHANNELS[data.kind] || data.kind), previous: data.previous, value: data.value });
  }
  return format(gettext("%(who)s changed %(field)s."), { who, field: data.field });
}

function transcriptText(who, data) {
  const count = data.recipients || 0;
  if (data.to_contact && count) {
    return format(ngettext(
      "%(who)s asked for the transcript to be e-mailed to the contact and %(count)s more address when the conversation ends.",
      "%(who)s asked for the transcript to be e-mailed to the contact and %(count)s more addresses when the conversation ends.",
      count,
    ), { who, count });
  }
  if (data.to_contact) return format(gettext("%(who)s asked for the transcript to be e-mailed to the contact when the conversation ends."), { who });
  return format(ngettext(
    "%(who)s asked for the transcript to be e-mailed to %(count)s address when the conversation ends.",
    "%(who)s asked for the transcript to be e-mailed to %(count)s addresses when the conversation ends.",
    count,
  ), { who, count });
}

// Stars as a picture (the sentence says the number) and the contact's own words.
function ratingDetail(data) {
  if (data.state !== "rated") return nothing;
  const stars = Math.max(0, Math.min(5, Number(data.rating) || 0));
  return html` <span class="event__stars" aria-hidden="true">${"★".repeat(stars)}${"☆".repeat(5 - stars)}</span>${data.feedback ? html`<q class="event__feedback">${data.feedback}</q>` : nothing}`;
}

function candidates(entry) {
  const list = entry.data.candidates || [];
  if (!list.length) return nothing;
  const count = list.length;
  return html` <details><summary>${format(ngettext("%(count)s candidate", "%(count)s candidates", count), { count })}</summary>
    <ul class="event__candidates">${list.map((c) => html`<li>${format(ngettext("%(name)s: %(free)s free slot", "%(name)s: %(free)s free slots", c.free), { name: c.name, free: c.free })}</li>`)}</ul>
  </details>`;
}

// A file of a message: a raster image as its preview, opening in the viewer; anything else as
// its name, type and size; a file in quarantine (virus scan) says so and has no link.
function fileTemplate(file) {
  if (file.scan === "infected" || file.scan === "pending") {
    const why = file.scan === "infected" ? gettext("Quarantined: a virus scan found something.") : gettext("Waiting for the virus scan.");
    return html`<li><span class="msg__file msg__file--quarantined" data-file=${file.id} data-quarantined>${icon("shield")}<span class="msg__file-name">${file.name}</span><span class="msg__file-size">${why}</span></span></li>`;
  }
  if (file.voice) return voiceFile(file);
  if (file.image && file.thumb) {
    return html`<li><button type="button" class="msg__image" data-file=${file.id} data-image-file aria-label=${format(gettext("Show image %(name)s"), { name: file.name })} @click=${() => showImage(file)}><img src=${file.thumb} alt=${file.name} loading="lazy"></button></li>`;
  }
  return html`<li><a class="msg__file" href=${file.url} download=${file.name} data-file=${file.id}>${icon("paperclip")}<span class="msg__file-name">${file.name}</span><span class="msg__file-size">${fileType(file)} · ${formatSize(file.size)}</span></a></li>`;
}

function fileType(file) {
  return file.content_type ? file.content_type.split("/").pop().toUpperCase() : "";
}

// The image viewer: the full image in a modal dialog, with its name and a download link.
function showImage(file) {
  let dialog = document.getElementById("image-viewer");
  if (!dialog) {
    dialog = document.createElement("dialog");
    dialog.id = "image-viewer";
    dialog.className = "image-viewer";
    dialog.addEventListener("click", (event) => { if (event.target === dialog) dialog.close(); });
    document.body.append(dialog);
  }
  render(html`<figure class="image-viewer__figure">
      <img class="image-viewer__image" src=${file.url} alt=${file.name}>
      <figcaption class="image-viewer__caption"><span>${file.name} · ${formatSize(file.size)}</span>
        <a class="button button--small" href=${file.url} download=${file.name}>${gettext("Download")}</a>
        <button type="button" class="button button--small" data-close-viewer @click=${() => dialog.close()}>${icon("x")}<span>${gettext("Close")}</span></button>
      </figcaption>
    </figure>`, dialog);
  dialog.showModal();
}
