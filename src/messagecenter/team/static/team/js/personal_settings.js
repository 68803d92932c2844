/*
 * My settings page: live values next to the volume sliders, Play buttons for the sounds (via
 * the personal runtime, window.mcPersonal) and the browser's notification permission.
 */

const form = document.querySelector("[data-alerts-form]");

if (form) {
  for (const output of form.querySelectorAll("[data-range-output]")) {
    const input = document.getElementById(output.htmlFor.value);
    input?.addEventListener("input", () => {
      output.textContent = input.value;
    });
  }
  form.addEventListener("click", (event) => {
    const button = event.target.closest("[data-preview]");
    if (button) preview(button.dataset.preview);
  });
  showPermission();
  window.addEventListener("mc:permission", showPermission);
}

function preview(kind) {
  const value = (name) => form.elements[name]?.value;
  if (kind === "inactivity") {
    window.mcPersonal?.preview(value("inactivity_sound"), value("inactivity_volume"));
  } else {
    window.mcPersonal?.preview("chime", value("volume"));
  }
}

function showPermission() {
  const box = form.querySelector("[data-permission]");
  const text = box.querySelector("[data-permission-text]");
  const ask = box.querySelector("[data-permission-request]");
  const permission = "Notification" in window ? Notification.permission : "unsupported";
  box.dataset.state = permission;
  text.textContent = text.dataset[permission] || "";
  ask.hidden = permission !== "default";
  ask.onclick = () => window.mcPersonal?.requestPermission();
  box.hidden = false;
}
