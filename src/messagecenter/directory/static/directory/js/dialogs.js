// Dialogs of the contacts pages: [data-open-dialog=ID] opens <dialog id=ID> as a modal,
// [data-close-dialog] closes its dialog. A dialog rendered with errors by the server carries
// `open data-show-on-load`: it is reopened as a modal so focus and Escape work.

export function wireDialogs(root = document) {
  root.addEventListener("click", (event) => {
    const opener = event.target.closest("[data-open-dialog]");
    if (opener) {
      const dialog = document.getElementById(opener.dataset.openDialog);
      if (dialog && !dialog.open) {
        dialog.showModal();
        dialog.querySelector("[autofocus], input:not([type=hidden]):not([disabled]), textarea")?.focus();
      }
      return;
    }
    const closer = event.target.closest("[data-close-dialog]");
    if (closer) closer.closest("dialog")?.close();
  });
  for (const dialog of document.querySelectorAll("dialog[data-show-on-load]")) {
    dialog.close();
    dialog.showModal();
    dialog.querySelector("[aria-invalid=true]")?.focus();
  }
}

// "{n}" in a translated text read from data attributes (one/many forms).
export function counted(node, n) {
  const text = n === 1 ? node.dataset.one : node.dataset.many;
  return (text || "").replace("{n}", String(n));
}
