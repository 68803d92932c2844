// The contact list: filters apply as they change, "Show more" appends the next keyset page,
// and the selection drives the erase confirmation, which names the count.

import { counted, wireDialogs } from "./dialogs.js";

wireDialogs();

// Filters apply as soon as they change, so the Apply button is only for pages without scripts.
const filters = document.querySelector("[data-filters]");
filters?.addEventListener("change", (event) => {
  if (event.target.name !== "q") filters.requestSubmit();
});
const apply = filters?.querySelector("[data-apply]");
if (apply) apply.hidden = true;

// --- selection -----------------------------------------------------------------------------

const bulk = document.querySelector("[data-bulk]");
const count = document.querySelector("[data-bulk-count]");
const selectAll = document.querySelector("[data-select-all]");
const boxes = () => [...document.querySelectorAll("[data-select]")];

function refresh() {
  const all = boxes();
  const n = all.filter((box) => box.checked).length;
  if (count) count.textContent = n ? counted(count, n) : count.dataset.none;
  if (bulk) bulk.dataset.selected = String(n > 0);
  if (selectAll) {
    selectAll.checked = n > 0 && n === all.length;
    selectAll.indeterminate = n > 0 && n < all.length;
  }
  const openButton = document.querySelector("[data-erase-open]");
  if (openButton) openButton.disabled = n === 0;
  return n;
}

selectAll?.addEventListener("change", () => {
  for (const box of boxes()) box.checked = selectAll.checked;
  refresh();
});
document.addEventListener("change", (event) => {
  if (event.target.matches("[data-select]")) refresh();
});

// The erase button opens the confirmation instead of submitting straight away.
const eraseDialog = document.getElementById("erase-many-dialog");
document.querySelector("[data-erase-open]")?.addEventListener("click", (event) => {
  const n = refresh();
  if (!eraseDialog || n === 0) return;
  event.preventDefault();
  eraseDialog.querySelector("[data-erase-title]").textContent = counted(eraseDialog.querySelector("[data-erase-title]"), n);
  const confirm = eraseDialog.querySelector("[data-erase-confirm]");
  confirm.textContent = counted(confirm, n);
  eraseDialog.showModal();
});

// --- more rows -----------------------------------------------------------------------------

document.addEventListener("click", async (event) => {
  const link = event.target.closest("[data-more-link]");
  if (!link) return;
  event.preventDefault();
  link.setAttribute("aria-disabled", "true");
  const response = await fetch(link.href, { headers: { "HX-Request": "true" }, credentials: "same-origin" });
  if (!response.ok) {
    link.removeAttribute("aria-disabled");
    return;
  }
  const doc = new DOMParser().parseFromString(await response.text(), "text/html");
  const rows = doc.querySelector("[data-rows]");
  const table = document.querySelector("[data-contact-table]");
  if (rows && table) table.append(rows);
  document.querySelector("[data-more]").replaceWith(doc.querySelector("[data-more]"));
  refresh();
});

refresh();
