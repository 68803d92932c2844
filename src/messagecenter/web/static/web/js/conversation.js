// The conversation page (R-CONV-1..9): the inbox list, the live timeline, the composer, the
// action bar and the sidebar. Every action posts to a view that calls the domain service; a
// refusal shows the service's own (translated) message.

import { html, nothing, render } from "../../vendor/lit-html/lit-html.js";
import { repeat } from "../../vendor/lit-html/directives/repeat.js";
import { unsafeHTML } from "../../vendor/lit-html/directives/unsafe-html.js";
import { Composer } from "./composer.js";
import { ReplyWindow } from "./reply-window.js";
import { InboxList, icon, listShortcuts, statusBadge } from "./inbox-list.js";
import { socket } from "./socket.js";
import { Timeline } from "./timeline.js";
import { config, debounce, format, formatTime, getJson, gettext, post, readJson, toast, typingIn } from "./util.js";

const page = readJson("conversation-data");
const CHANNEL_NAMES = { whatsapp: "WhatsApp", sms: "SMS", telegram: "Telegram", email: gettext("E-mail") };
const id = page.conversation.id;
const base = `/inbox/${id}/`;
const me = config.me;
let state = page.conversation;

const list = new InboxList(document.querySelector("[data-inbox]"), readJson("inbox-data") || []);
const timelineRoot = document.getElementById("timeline");
const timeline = new Timeline(timelineRoot, page, {
  directory: page.directory,
  // Only where the channel can delete, within its window (the page's capability record).
  mayDelete: (entry) => channelMayDelete(entry) && (me.admin || state.assigned_operator === me.id),
  onDelete: (seq) => deleteMessage(seq),
  mayRetry: () => me.admin || state.assigned_operator === me.id,
  onRetry: (seq) => retryDelivery(seq),
});
const composer = new Composer(document.querySelector("[data-composer]"), {
  conversation: id,
  onSent: (entry) => receive([entry], true),
  onCommand: (data) => {
    if (data.conversation) applyState(data.conversation);
    refreshDetails();
  },
});
// WhatsApp's 24-hour window: the time left for free-form replies (none on other channels).
const replyWindow = new ReplyWindow(document.querySelector("[data-composer]"), {
  seconds: page.capabilities?.reply_window_seconds,
  lastContactAt: page.conversation.last_contact_at,
  channel: gettext(CHANNEL_NAMES[page.channel] || page.channel),
  templates: Boolean(page.capabilities?.templates && document.querySelector("[data-composer]")?.dataset.templatesUrl),
});
const refreshDetails = debounce(() => document.body.dispatchEvent(new CustomEvent("mc:details")), 400);

// --- live: subscribe, resume, apply ----------------------------------------------------------------

function receive(entries, own = false) {
  const fresh = entries.filter((entry) => !timeline.entries.has(entry.seq));
  if (!fresh.length) return;
  const stick = own || nearBottom();
  timeline.add(fresh);
  for (const entry of fresh) applyEntry(entry);
  socket.seen(id, timeline.last);
  if (stick) scrollToBottom();
}

function applyEntry(entry) {
  if (entry.kind === "message" && entry.message?.author_kind === "contact") replyWindow.contactWrote(entry.at);
  if (entry.kind === "note" || entry.kind === "note_deleted") syncNotes(entry);
  if (entry.kind === "note_edited") reloadEntry(entry.data.note_seq);
  if (entry.kind === "updated") applyUpdate(entry.data);
  if (["assigned", "status_changed", "updated", "live_changed", "message"].includes(entry.kind)) refreshDetails();
  if (entry.kind === "blocked" || entry.kind === "verification") refreshContact();
}

socket.on("timeline.batch", (frame) => {
  if (frame.conversation !== id) return;
  receive(frame.entries);
  applySummary(frame.summary);
});
socket.on("timeline.entry", (frame) => {
  if (frame.conversation !== id) return;
  if (frame.seq > timeline.last + 1) socket.subscribe(id, timeline.last); // a gap: resume
  receive([frame.entry]);
  applySummary(frame.summary);
});
// A message's delivery changed (queued → sent → delivered/read, or failed with a reason).
socket.on("message.updated", (frame) => frame.conversation === id && timeline.replace(frame.entry));
socket.on("typing", (frame) => frame.conversation === id && frame.who === "contact" && showTyping());
socket.subscribe(id, timeline.last);
// The timeline resumes by itself (the socket re-subscribes); header and sidebar re-read.
socket.onResume(() => {
  refreshDetails();
  refreshContact();
});
// The contact changed anywhere (another operator, the API, a $command): header and sidebar.
socket.on("contact.changed", (frame) => frame.contact === state.contact && refreshContact());

// Re-fetches the contact panel (htmx, "mc:contact"); its response also replaces the header's
// name. Never pulls the form from under the operator's fingers: it waits until they leave it.
const refreshContact = debounce(() => {
  const form = document.querySelector("[data-contact-form]");
  if (form?.contains(document.activeElement)) {
    form.addEventListener("focusout", () => setTimeout(refreshContact), { once: true });
    return;
  }
  document.body.dispatchEvent(new CustomEvent("mc:contact"));
}, 250);

async function reloadEntry(seq) {
  const data = await getJson(`${base}timeline/?seq=${seq}`);
  for (const entry of data.entries) {
    timeline.replace(entry);
    syncNotes(entry);
  }
}

// --- the header and action bar ------------------------------------------------------------------------

function operatorName(opId) {
  return page.directory.operators.find((op) => op.id === opId)?.name || "";
}

function groupName(groupId) {
  return page.directory.groups.find((group) => group.id === groupId)?.name || "";
}

function applySummary(summary) {
  if (!summary) return;
  applyState({
    ...state,
    status: summary.status,
    live: summary.is_live,
    assigned_operator: summary.assigned_operator,
    assigned_group: summary.assigned_group,
    waiting_since: summary.waiting_since,
  });
}

// lit-html adds to what a container holds: the server-rendered first state goes once.
function renderInto(template, node) {
  if (!node.dataset.live) {
    node.replaceChildren();
    node.dataset.live = "1";
  }
  render(template, node);
}

function applyState(next) {
  state = { ...state, ...next };
  renderInto(statusBadge(state.status, state.live), document.querySelector("[data-conv-state]"));
  const assignee = operatorName(state.assigned_operator) || groupName(state.assigned_group);
  renderInto(
    html`${icon(state.assigned_group && !state.assigned_operator ? "users" : "user")}${assignee || gettext("Unassigned")}`,
    document.querySelector("[data-conv-assignee]"),
  );
  document.querySelector("[data-assign]").value = state.assigned_operator
    ? `op:${state.assigned_operator}`
    : state.assigned_group
      ? `grp:${state.assigned_group}`
      : "none";
  for (const button of document.querySelectorAll("[data-status-button]")) {
    button.setAttribute("aria-pressed", String(button.dataset.statusButton === state.status));
  }
  document.querySelector("[data-end]").disabled = state.status === "ended";
  composer.setAssigned(state.assigned_operator === me.id, operatorName(state.assigned_operator));
  timeline.render(); // delete buttons follow the assignment
}

function applyUpdate(data) {
  if (data.field === "subject") {
    state.subject = data.value;
    const input = document.querySelector("[data-subject]");
    if (document.activeElement !== input) input.value = data.value;
  } else if (data.field === "topic") {
    document.querySelector("[data-topic]").value = data.value || "";
  } else if (data.field === "locale") {
    document.querySelector("[data-locale]").value = data.value;
  }
}

function resetControls() {
  applyState({});
  document.querySelector("[data-subject]").value = state.subject;
  document.querySelector("[data-topic]").value = state.topic || "";
  if (state.locale) document.querySelector("[data-locale]").value = state.locale;
}

async function submitAction(form, submitter) {
  const data = new FormData(form);
  if (submitter?.name) data.append(submitter.name, submitter.value);
  const result = await post(form.action, data);
  if (!result.ok) {
    toast(result.data.error, "error");
    resetControls();
    return false;
  }
  if (result.data.conversation) {
    applyState(result.data.conversation);
    refreshDetails();
  }
  if (result.data.message) toast(result.data.message);
  form.closest("details[data-dropdown]")?.removeAttribute("open");
  return true;
}

function confirmDialog(dialogId) {
  const dialog = document.getElementById(dialogId);
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "confirm"), { once: true });
    dialog.returnValue = "";
    dialog.showModal();
  });
}

function wireActions() {
  for (const form of document.querySelectorAll("form[data-action]")) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (form.dataset.confirm && !(await confirmDialog(form.dataset.confirm))) return;
      const ok = await submitAction(form, event.submitter);
      if (ok && form.dataset.confirm === "end-dialog") toast(gettext("The conversation has ended."));
    });
  }
  for (const form of document.querySelectorAll("form[data-autosubmit]")) {
    form.querySelector("select").addEventListener("change", () => form.requestSubmit());
  }
  for (const dropdown of document.querySelectorAll("details[data-dropdown]")) {
    dropdown.addEventListener("keydown", (event) => {
      if (event.key !== "Escape" || !dropdown.open) return;
      dropdown.open = false;
      dropdown.querySelector("summary").focus();
    });
    document.addEventListener("click", (event) => {
      if (dropdown.open && !dropdown.contains(event.target)) dropdown.open = false;
    });
  }
  const subject = document.querySelector("[data-subject]");
  subject.addEventListener("blur", () => subject.value.trim() !== state.subject && subject.form.requestSubmit());
  subject.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      subject.value = state.subject;
      subject.blur();
    }
  });
}

// --- message deletion (R-CONV-5) ---------------------------------------------------------------------

function channelMayDelete(entry) {
  const caps = page.capabilities;
  if (!caps.can_delete) return false;
  const window = caps.delete_window_seconds;
  return window === null || Date.now() - new Date(entry.at) < window * 1000;
}

async function deleteMessage(seq) {
  // Where the channel cannot delete, the service's refusal says why; no need to confirm first.
  if (page.can_delete && !(await confirmDialog("delete-dialog"))) return;
  const result = await post(`${base}messages/${seq}/delete/`, {});
  if (!result.ok) return toast(result.data.error, "error");
  receive([result.data.entry]);
}

async function retryDelivery(seq) {
  const result = await post(`${base}messages/${seq}/retry/`, {});
  if (!result.ok) return toast(result.data.error, "error");
  // Re-read rather than apply the answer: the send may already have finished (and been
  // pushed as message.updated) before the answer arrived.
  await reloadEntry(seq);
}

// --- notes in the sidebar (R-CONV-7) ------------------------------------------------------------------

let notes = page.notes;
let editing = null;

function syncNotes(entry) {
  if (entry.kind === "note" && !entry.note.deleted) {
    const note = {
      seq: entry.seq,
      html: entry.note.html,
      body: entry.note.body,
      author: entry.actor.id,
      author_name: entry.actor.name,
      at: entry.at,
      edited: entry.note.edited,
    };
    notes = [...notes.filter((n) => n.seq !== entry.seq), note].sort((a, b) => a.seq - b.seq);
  } else if (entry.kind === "note_deleted" || entry.note?.deleted) {
    notes = notes.filter((n) => n.seq !== (entry.data.note_seq ?? entry.seq));
  }
  renderNotes();
}

function renderNotes() {
  document.querySelector("[data-notes-count]").textContent = String(notes.length);
  const items = notes.length
    ? repeat(notes, (note) => note.seq, noteTemplate)
    : html`<li class="notes__empty">${gettext("No notes yet. Notes are for your team only.")}</li>`;
  renderInto(items, document.querySelector("[data-notes]"));
}

function noteTemplate(note) {
  const mayEdit = me.admin || note.author === me.id;
  if (editing === note.seq) {
    return html`<li class="note"><form class="note-edit" @submit=${(event) => saveNote(event, note.seq)}>
      <label class="visually-hidden" for="note-edit-${note.seq}">${gettext("Edit note")}</label>
      <textarea id="note-edit-${note.seq}" name="body" .value=${note.body} required></textarea>
      <div class="note-edit__actions">
        <button type="button" class="button button--ghost button--small" @click=${() => ((editing = null), renderNotes())}>${gettext("Cancel")}</button>
        <button class="button button--secondary button--small">${gettext("Save")}</button>
      </div></form></li>`;
  }
  return html`<li class="note" data-note=${note.seq}>
    <div class="note__head">${icon("sticky-note")}<span>${note.author_name} · ${formatTime(note.at)}${note.edited ? ` · ${gettext("edited")}` : ""}</span>
      ${mayEdit
        ? html`<span class="note__tools">
            <button type="button" class="icon-button" aria-label=${gettext("Edit note")} title=${gettext("Edit note")} @click=${() => editNote(note.seq)}>${icon("pencil")}</button>
            <button type="button" class="icon-button" aria-label=${gettext("Delete note")} title=${gettext("Delete note")} @click=${() => deleteNote(note.seq)}>${icon("trash-2")}</button>
          </span>`
        : nothing}
    </div>
    <div class="note__body">${unsafeHTML(note.html)}</div>
  </li>`;
}

function editNote(seq) {
  editing = seq;
  renderNotes();
  document.getElementById(`note-edit-${seq}`)?.focus();
}

async function saveNote(event, seq) {
  event.preventDefault();
  const result = await post(`${base}notes/${seq}/edit/`, { body: event.target.elements.body.value });
  if (!result.ok) return toast(result.data.error, "error");
  editing = null;
  receive([result.data.entry]);
  await reloadEntry(seq);
}

async function deleteNote(seq) {
  if (!window.confirm(gettext("Delete this note? Its text is removed for good."))) return;
  const result = await post(`${base}notes/${seq}/delete/`, {});
  if (!result.ok) return toast(result.data.error, "error");
  receive([result.data.entry]);
  notes = notes.filter((n) => n.seq !== seq);
  renderNotes();
}

function wireNoteForm() {
  const form = document.querySelector("[data-note-form]");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = await post(form.action, new FormData(form));
    if (!result.ok) return toast(result.data.error, "error");
    form.reset();
    receive([result.data.entry], true);
  });
}

// --- sidebar tabs and toggle ----------------------------------------------------------------------

function wireSidebar() {
  const tabs = [...document.querySelectorAll("[data-details-tab]")];
  const select = (tab, focus) => {
    for (const other of tabs) {
      const selected = other === tab;
      other.setAttribute("aria-selected", String(selected));
      other.tabIndex = selected ? 0 : -1;
      document.getElementById(other.getAttribute("aria-controls")).hidden = !selected;
    }
    if (focus) tab.focus();
    localStorage.setItem("mc:details-tab", tab.id);
  };
  tabs.forEach((tab, index) => {
    tab.addEventListener("click", () => select(tab, false));
    tab.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (step) select(tabs[(index + step + tabs.length) % tabs.length], true);
    });
  });
  const remembered = document.getElementById(localStorage.getItem("mc:details-tab") || "");
  if (remembered && tabs.includes(remembered)) select(remembered, false);
  document.querySelector("[data-toggle-sidebar]").addEventListener("click", toggleSidebar);
  if (localStorage.getItem("mc:details") === "closed") toggleSidebar();
}

function toggleSidebar() {
  const workspace = document.querySelector(".workspace");
  const narrow = window.matchMedia("(max-width: 64rem)").matches;
  const open = workspace.dataset.sidebar.startsWith("open") && (!narrow || workspace.dataset.sidebar === "open-narrow");
  workspace.dataset.sidebar = open ? "closed" : narrow ? "open-narrow" : "open";
  document.querySelector("[data-toggle-sidebar]").setAttribute("aria-expanded", String(!open));
  if (!narrow) localStorage.setItem("mc:details", open ? "closed" : "open");
}

// --- scrolling, older history, typing --------------------------------------------------------------

function nearBottom() {
  return timelineRoot.scrollHeight - timelineRoot.scrollTop - timelineRoot.clientHeight < 160;
}

function scrollToBottom() {
  timelineRoot.scrollTop = timelineRoot.scrollHeight;
}

async function loadOlder() {
  if (!timeline.more || loadOlder.busy) return;
  loadOlder.busy = true;
  const before = timelineRoot.scrollHeight;
  try {
    const data = await getJson(`${base}timeline/?before=${timeline.first}`);
    timeline.more = data.more;
    timeline.add(data.entries);
    timelineRoot.scrollTop += timelineRoot.scrollHeight - before;
  } finally {
    loadOlder.busy = false;
    document.querySelector("[data-load-older]").hidden = !timeline.more;
  }
}

// Keep the newest entry in view while the page around the timeline changes size (banners
// appear, the composer grows), unless the operator scrolled up to read.
function wirePinning() {
  let pinned = true;
  timelineRoot.addEventListener("scroll", () => (pinned = nearBottom()), { passive: true });
  new ResizeObserver(() => pinned && scrollToBottom()).observe(timelineRoot);
}

function wireHistory() {
  const start = document.querySelector("[data-timeline-start]");
  new IntersectionObserver((seen) => seen[0].isIntersecting && loadOlder(), { root: timelineRoot }).observe(start);
  document.querySelector("[data-load-older]").addEventListener("click", loadOlder);
}

let typingTimer = null;
function showTyping() {
  const node = document.querySelector("[data-typing]");
  node.textContent = format(gettext("%(name)s is typing…"), { name: document.getElementById("conv-title").textContent });
  node.hidden = false;
  clearTimeout(typingTimer);
  typingTimer = setTimeout(() => (node.hidden = true), 4000);
}

// --- keyboard (R-NAV-2) -----------------------------------------------------------------------------

function wireKeys() {
  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || document.querySelector("dialog[open]")) return;
    if (typingIn(event) && !event.altKey) return;
    if (listShortcuts(list, event) || event.altKey) return;
    const actions = {
      r: () => composer.focus(),
      n: () => composer.toggleMode(),
      a: () => document.getElementById("assign-me-form").requestSubmit(),
      e: () => document.querySelector("[data-end]").click(),
      d: () => toggleSidebar(),
    };
    if (!actions[event.key]) return;
    event.preventDefault();
    actions[event.key]();
  });
}

wireActions();
wireNoteForm();
wireSidebar();
wireHistory();
wirePinning();
wireKeys();
renderNotes();
applyState({});
scrollToBottom();
requestAnimationFrame(scrollToBottom);
document.fonts?.ready.then(scrollToBottom);
document.body.addEventListener("htmx:afterSwap", (event) => {
  if (event.target.matches("[data-contact-form]") || event.detail.elt?.matches?.("[data-contact-form]")) refreshDetails();
});
