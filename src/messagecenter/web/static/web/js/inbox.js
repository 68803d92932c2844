// The inbox page: the live list, and its keyboard shortcuts.

import { InboxList, listShortcuts } from "./inbox-list.js";
import { readJson, typingIn } from "./util.js";

const list = new InboxList(document.querySelector("[data-inbox]"), readJson("inbox-data") || []);

document.addEventListener("keydown", (event) => {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || document.querySelector("dialog[open]")) return;
  if (typingIn(event) && !event.altKey) return;
  if (event.altKey && !["ArrowDown", "ArrowUp"].includes(event.key)) return;
  listShortcuts(list, event);
});
