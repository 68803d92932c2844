// The inbox list (R-INBOX-1): Mine or Unassigned in attention order, live from
// conversation.changed events and rendered with lit-html (no page reload).

import { html, render } from "../../vendor/lit-html/lit-html.js";
import { repeat } from "../../vendor/lit-html/directives/repeat.js";
import { classMap } from "../../vendor/lit-html/directives/class-map.js";
import { socket } from "./socket.js";
import { shellState } from "./shell.js";
import { config, debounce, formatDateTime, getJson, gettext, onTick, since } from "./util.js";

const CHANNEL_ICONS = {
  webchat: "message-square",
  email: "mail",
  whatsapp: "message-circle",
  telegram: "send",
  sms: "smartphone",
  custom: "plug",
};
// Marks texts for makemessages; they are translated where shown.
const gettext_noop = (text) => text;
const STATUS_LABELS = { new: gettext_noop("New"), open: gettext_noop("Open"), waiting: gettext_noop("Waiting"), ended: gettext_noop("Ended") };

export const icon = (name, css = "") =>
  html`<svg class="icon ${css}" aria-hidden="true" focusable="false"><use href="#i-${name}"></use></svg>`;
export const channelIcon = (kind) => icon(CHANNEL_ICONS[kind] || "message-square");
export const statusBadge = (status, live) => html`<span class="status status--${status}">${gettext(STATUS_LABELS[status] || status)}</span>${live ? html`<span class="live-label">LIVE</span>` : ""}`;

// A list shows one line of a message: no Markdown marks, no line breaks.
const plain = (text) => text.replace(/[*_`~]{1,3}/g, "").replace(/\s+/g, " ").trim();

// LIVE first, then NEW/OPEN by how long the contact has waited, then WAITING; newest next.
function rank(row) {
  if (row.live) return 0;
  return row.status === "new" || row.status === "open" ? 1 : 2;
}

function compare(a, b) {
  return (
    rank(a) - rank(b) ||
    (a.waiting_since || "\uffff").localeCompare(b.waiting_since || "\uffff") ||
    (b.last_activity_at || "").localeCompare(a.last_activity_at || "") ||
    a.id.localeCompare(b.id)
  );
}

export class InboxList {
  constructor(root, rows) {
    this.root = root;
    this.list = root.querySelector("#inbox-rows");
    this.tab = root.dataset.tab;
    this.current = root.dataset.current || "";
    this.rows = new Map(rows.map((row) => [row.id, row]));
    this.fresh = new Set();
    this.refetch = debounce(() => this.reload(), 250);
    this.list.replaceChildren();
    this.render();
    socket.on("conversation.changed", (event) => this.apply(event));
    socket.onResume(() => this.reload());
    // A contact's name shows in its rows: re-read them when it changed.
    socket.on("contact.changed", (event) => this.shows(event.contact) && this.refetch());
    // The rows' waiting times are this template's own nodes: a tick re-renders them.
    onTick(() => this.render());
  }

  shows(contactId) {
    return [...this.rows.values()].some((row) => row.contact_id === contactId);
  }

  belongs(summary) {
    if (summary.status === "ended") return false;
    if (this.tab === "mine") return summary.assigned_operator === shellState.me;
    return (
      summary.assigned_operator === null &&
      (summary.assigned_group === null || shellState.groups.includes(summary.assigned_group))
    );
  }

  apply(event) {
    const s = event.summary;
    const row = this.rows.get(s.id);
    if (!this.belongs(s)) {
      if (row) this.rows.delete(s.id);
    } else if (row) {
      Object.assign(row, {
        status: s.status,
        live: s.is_live,
        assigned_operator: s.assigned_operator,
        assigned_group: s.assigned_group,
        waiting_since: s.waiting_since,
        last_activity_at: s.last_activity_at,
      });
      if (event.kind === "message" && event.preview) row.preview = plain(event.preview);
    } else {
      this.fresh.add(s.id);
      this.refetch(); // a newcomer: the event has no contact name, the server has
    }
    this.render();
  }

  async reload() {
    try {
      const data = await getJson(`${config.urls.inboxRows}?tab=${this.tab}`);
      this.rows = new Map(data.rows.map((row) => [row.id, row]));
      this.render();
    } catch {
      /* keep what we have; the next event tries again */
    }
  }

  sorted() {
    return [...this.rows.values()].sort(compare);
  }

  render() {
    const rows = this.sorted();
    const empty =
      this.tab === "mine" ? gettext("No conversations assigned to you.") : gettext("Nobody is waiting in Unassigned.");
    render(
      rows.length
        ? repeat(rows, (row) => row.id, (row) => this.rowTemplate(row))
        : html`<li class="rows__empty">${empty}</li>`,
      this.list,
    );
    setTimeout(() => this.fresh.clear(), 700);
    this.root.dispatchEvent(new CustomEvent("mc:rows", { bubbles: true }));
  }

  rowTemplate(row) {
    const current = row.id === this.current;
    const classes = {
      row: true,
      [`row--${row.status}`]: true,
      "row--live": row.live,
      "row--current": current,
      "row--enter": this.fresh.has(row.id),
    };
    const waited = row.waiting_since || row.last_activity_at;
    return html`<li class=${classMap(classes)} data-id=${row.id}>
      <a class="row__link" href=${`/inbox/${row.id}/?tab=${this.tab}`} aria-current=${current ? "page" : "false"}>
        <span class="row__top">
          <span class="row__name">${row.contact}</span>
          <time class="row__time" datetime=${waited} title=${formatDateTime(waited)}>${since(waited)}</time>
        </span>
        <span class="row__preview">${channelIcon(row.channel)}<span class="row__text">${row.preview || row.subject}</span></span>
        <span class="row__meta">${statusBadge(row.status, row.live)}${row.subject ? html`<span class="row__subject">${row.subject}</span>` : ""}</span>
      </a>
    </li>`;
  }

  // j/k: the next or previous conversation of the list (from the open one, or the first).
  move(delta) {
    const rows = this.sorted();
    if (!rows.length) return;
    const index = rows.findIndex((row) => row.id === this.current);
    const next = index === -1 ? (delta > 0 ? 0 : rows.length - 1) : index + delta;
    const target = rows[Math.max(0, Math.min(rows.length - 1, next))];
    if (target && target.id !== this.current) location.href = `/inbox/${target.id}/?tab=${this.tab}`;
  }

  switchTab(tab) {
    if (tab !== this.tab) location.href = `${config.urls.inbox}?tab=${tab}`;
  }
}

// Shortcuts every page with the list shares: j/k and Alt+↓/↑ move, 1/2 switch tabs.
export function listShortcuts(list, event) {
  const down = event.key === "j" || (event.altKey && event.key === "ArrowDown");
  const up = event.key === "k" || (event.altKey && event.key === "ArrowUp");
  if (down || up) list.move(down ? 1 : -1);
  else if (event.key === "1") list.switchTab("mine");
  else if (event.key === "2") list.switchTab("unassigned");
  else return false;
  event.preventDefault();
  return true;
}
