/*
 * Notifications page: new notifications arrive live (notification.created on the app's one
 * socket): the row is fetched as HTML and put on top. "Mark all as read" and
 * "Show older" work without reloading; without JavaScript they are a form and a link.
 * After "Mark all as read" it tells the shell's badge: document "mc:unread" {unread: 0}.
 */

import { socket } from "../../web/js/socket.js";

const list = document.querySelector("[data-notification-list]");
const empty = document.querySelector("[data-notifications-empty]");
const summary = document.querySelector("[data-unread-summary]");
const readAll = document.querySelector("[data-read-all]");
const announcer = document.querySelector("[data-live-announcer]");
const paged = new URLSearchParams(location.search).has("before");

if (list) {
  socket.on("notification.created", arrived);
  readAll?.addEventListener("submit", markAllRead);
  document.addEventListener("click", loadOlder);
}

async function arrived(frame) {
  setUnread(frame.unread);
  if (paged || list.querySelector(`[data-notification="${CSS.escape(frame.notification)}"]`)) return;
  const url = list.dataset.rowUrl.replace("NOTIFICATION", encodeURIComponent(frame.notification));
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) return;
  const row = parse(await response.text()).querySelector("[data-notification]");
  if (!row) return;
  row.classList.add("notification--new");
  list.prepend(row);
  list.hidden = false;
  empty.hidden = true;
  if (announcer) announcer.textContent = row.querySelector(".notification__title")?.textContent || "";
}

async function markAllRead(event) {
  event.preventDefault();
  const response = await fetch(readAll.action, {
    method: "POST",
    body: new FormData(readAll),
    credentials: "same-origin",
    headers: { "HX-Request": "true" },
  });
  if (!response.ok) return;
  for (const row of list.querySelectorAll(".notification--unread")) {
    row.classList.remove("notification--unread");
    row.querySelector(".notification__dot")?.replaceChildren();
  }
  setUnread(0);
  document.dispatchEvent(new CustomEvent("mc:unread", { detail: { unread: 0 } }));
}

async function loadOlder(event) {
  const link = event.target.closest("[data-load-more]");
  if (!link) return;
  event.preventDefault();
  link.setAttribute("aria-busy", "true");
  const response = await fetch(link.href, {
    credentials: "same-origin",
    headers: { "HX-Request": "true" },
  });
  link.removeAttribute("aria-busy");
  if (!response.ok) return;
  const fragment = parse(await response.text());
  const cursor = fragment.querySelector("template[data-next-cursor]");
  const next = cursor?.dataset.nextCursor;
  cursor?.remove();
  list.append(...fragment.querySelectorAll("[data-notification]"));
  if (next) {
    link.href = `?before=${encodeURIComponent(next)}`;
  } else {
    link.closest("[data-load-more-box]")?.remove();
  }
}

function setUnread(count) {
  if (typeof count !== "number" || !summary) return;
  summary.dataset.unread = String(count);
  const template =
    count === 0 ? summary.dataset.textNone : count === 1 ? summary.dataset.textOne : summary.dataset.textMany;
  if (template) summary.textContent = template.replace("{n}", String(count));
  const button = readAll?.querySelector("button");
  if (button) button.disabled = count === 0;
}

function parse(html) {
  const template = document.createElement("template");
  template.innerHTML = html;
  return template.content;
}
