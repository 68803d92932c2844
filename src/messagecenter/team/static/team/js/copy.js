/*
 * Copy buttons: <button data-copy="element-id" data-copied="Copied"> copies that element's
 * text to the clipboard and says so for two seconds.
 */

document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copy);
  if (!source) return;
  try {
    await navigator.clipboard.writeText(source.textContent.trim());
  } catch {
    selectText(source); // no clipboard permission: leave it selected for Ctrl+C
    return;
  }
  const label = button.querySelector("[data-copy-label]");
  const original = label.textContent;
  label.textContent = button.dataset.copied;
  button.dataset.state = "copied";
  setTimeout(() => {
    label.textContent = original;
    delete button.dataset.state;
  }, 2000);
});

function selectText(element) {
  const range = document.createRange();
  range.selectNodeContents(element);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}
