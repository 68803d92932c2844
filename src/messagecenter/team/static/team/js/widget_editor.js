/*
 * The widget editor's live preview. The iframe beside the form runs the real messenger in
 * preview mode (webchat/preview.js); this module posts it the unsaved form as the messenger's
 * widget settings on every keystroke, so the admin sees colours, texts and forms before
 * saving. Only to this server's own origin: the preview is never a contact and sends nothing.
 */

const form = document.querySelector("[data-widget-editor]");
const frame = document.querySelector("[data-preview-frame]");
const languageSelect = document.querySelector("[data-preview-language]");
const viewSelect = document.querySelector("[data-preview-view]");
const TEXT_KEYS = ["title", "team", "greeting", "launcher", "placeholder", "away", "prechat", "offline"];
const COLOUR = /^#[0-9a-f]{6}$/i;

const value = (name) => (form.elements.namedItem(name)?.value ?? "").trim();
const isOn = (name) => !!form.elements.namedItem(name)?.checked;
const checked = (name) => [...form.querySelectorAll(`input[name="${name}"]:checked`)];

function texts() {
  const out = {};
  for (const option of languageSelect.options) {
    const code = option.value;
    out[code] = {};
    for (const key of TEXT_KEYS) {
      const text = value(`text_${key}_${code}`);
      if (text) out[code][key] = text;
    }
  }
  return out;
}

function formFields() {
  const fields = {};
  for (const name of ["name", "email", "phone"]) {
    const use = value("prechat_" + name);
    if (use && use !== "off") fields[name] = use;
  }
  return fields;
}

// The same shape as the welcome frame's "widget" (widgets/presenters.py).
function settings() {
  const accent = value("accent_color");
  return {
    name: value("name"),
    language: value("language"),
    accent: COLOUR.test(accent) ? accent : "",
    position: value("position") || "right",
    launcher: value("launcher_style") || "icon",
    avatars: isOn("show_avatars"),
    texts: texts(),
    rating: isOn("rating_enabled"),
    privacy_mode: isOn("privacy_mode"),
    media: { enabled: isOn("media_enabled"), types: checked("media_types").map((el) => el.value) },
    form: {
      fields: formFields(),
      groups: checked("prechat_groups").map((el) => ({ id: el.value, name: el.closest("label").textContent.trim() })),
      offline: isOn("offline_form"),
    },
  };
}

let queued = 0;
function update() {
  // One post per frame, however fast the admin types.
  if (queued) return;
  queued = requestAnimationFrame(() => {
    queued = 0;
    const message = { type: "mc-preview", widget: settings(), lang: languageSelect.value, view: viewSelect.value };
    frame.contentWindow?.postMessage(message, location.origin);
  });
}

// The colour picker and the text field show the same colour; the text field is submitted.
for (const picker of form.querySelectorAll("[data-colour-for]")) {
  const field = document.getElementById(picker.dataset.colourFor);
  picker.addEventListener("input", () => {
    field.value = picker.value;
    update();
  });
  field.addEventListener("input", () => {
    if (COLOUR.test(field.value.trim())) picker.value = field.value.trim().toLowerCase();
  });
}

// The widget's language is the messenger's: the preview follows it (and may still be switched).
form.elements.namedItem("language")?.addEventListener("change", (event) => {
  languageSelect.value = event.target.value;
});
form.addEventListener("input", update);
form.addEventListener("change", update);
languageSelect.addEventListener("change", update);
viewSelect.addEventListener("change", update);
addEventListener("message", (event) => {
  if (event.origin === location.origin && event.source === frame.contentWindow && event.data?.type === "mc-preview-ready") update();
});
