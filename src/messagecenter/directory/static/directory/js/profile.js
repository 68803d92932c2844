// The contact profile: dialogs (start a conversation, erase), the erase confirmation that
// waits for the contact's name or the erase word, and the messenger hint per widget.

import { wireDialogs } from "./dialogs.js";

wireDialogs();

const input = document.querySelector("[data-erase-input]");
const submit = document.querySelector("[data-erase-submit]");
const normal = (text) => text.trim().replace(/\s+/g, " ").toLocaleLowerCase();

function confirmed() {
  const typed = normal(input.value);
  if (!typed) return false;
  return typed === normal(input.dataset.word) || typed === "erase" || (input.dataset.name && typed === normal(input.dataset.name));
}

if (input && submit) {
  const update = () => {
    submit.disabled = !confirmed();
  };
  input.addEventListener("input", update);
  update();
}

const widgetSelect = document.querySelector("#start-dialog select[name=widget]");
widgetSelect?.addEventListener("change", () => {
  for (const hint of document.querySelectorAll("[data-hint-for]")) {
    hint.hidden = hint.dataset.hintFor !== widgetSelect.value;
  }
});

// Closing one note popover when another opens keeps the list calm.
document.addEventListener("toggle", (event) => {
  const opened = event.target;
  if (!(opened instanceof HTMLDetailsElement) || !opened.open || !opened.matches(".dir-popover")) return;
  for (const other of document.querySelectorAll("details.dir-popover[open]")) {
    if (other !== opened) other.open = false;
  }
  opened.querySelector("textarea, button[type=submit]")?.focus();
}, true);
