// The composer's translation tool (R-TRANS-1): the conversation's toggle and the contact's
// language; with it on, a reply is previewed in that language first and then sent as the
// translation (the original is kept). When the provider fails, the toggle shows why and the
// operator sends the original.

import { format, gettext, post, readJson, toast } from "../../web/js/util.js";

const tool = document.querySelector("[data-translation-tool]");
const form = tool?.closest("[data-composer]");
const data = readJson("translation-data");
let bypass = false;

if (tool && form && data) {
  const button = tool.querySelector("[data-translation-button]");
  const badge = tool.querySelector("[data-translation-badge]");
  const input = form.querySelector("[data-input]");
  const panel = buildPanel();
  const preview = buildPreview();
  tool.append(panel);
  input.before(preview);
  show();

  button.addEventListener("click", () => {
    panel.hidden = !panel.hidden;
    button.setAttribute("aria-expanded", String(!panel.hidden));
  });
  panel.addEventListener("change", () => save());
  form.addEventListener("mc:send", (event) => {
    if (bypass) {
      bypass = false;
      return;
    }
    if (!data.enabled) return;
    event.preventDefault();
    translate(event.detail.body);
  });

  function buildPanel() {
    const node = document.createElement("div");
    node.className = "translation-panel";
    node.hidden = true;
    node.setAttribute("role", "dialog");
    node.setAttribute("aria-label", gettext("Live translation"));
    const options = data.languages
      .map(([code, name]) => `<option value="${code}">${name}</option>`)
      .join("");
    node.innerHTML = `
      <label class="translation-panel__row"><input type="checkbox" data-translation-enabled> <span></span></label>
      <label class="translation-panel__row"><span></span> <select data-translation-language>${options}</select></label>
      <p class="translation-panel__state" data-translation-state role="status"></p>
      <a class="translation-panel__link" href="${data.urls.reading}"></a>`;
    const [enabledLabel, languageLabel] = node.querySelectorAll(".translation-panel__row > span");
    enabledLabel.textContent = gettext("Translate this conversation");
    languageLabel.textContent = gettext("Contact’s language");
    node.querySelector("a").textContent = gettext("Languages I read");
    return node;
  }

  function buildPreview() {
    const node = document.createElement("div");
    node.className = "translation-preview";
    node.hidden = true;
    node.setAttribute("data-translation-preview", "");
    node.innerHTML = `
      <p class="translation-preview__title" data-preview-title></p>
      <textarea class="translation-preview__text" rows="2" data-preview-text></textarea>
      <div class="translation-preview__actions">
        <button type="button" class="button button--primary button--small" data-send-translation></button>
        <button type="button" class="button button--secondary button--small" data-send-original></button>
        <button type="button" class="button button--ghost button--small" data-preview-cancel></button>
      </div>`;
    node.querySelector("[data-send-translation]").textContent = gettext("Send translation");
    node.querySelector("[data-send-original]").textContent = gettext("Send original");
    node.querySelector("[data-preview-cancel]").textContent = gettext("Cancel");
    node.querySelector("[data-send-translation]").addEventListener("click", () => sendTranslation());
    node.querySelector("[data-send-original]").addEventListener("click", () => sendOriginal());
    node.querySelector("[data-preview-cancel]").addEventListener("click", () => (node.hidden = true));
    return node;
  }

  function show() {
    panel.querySelector("[data-translation-enabled]").checked = data.enabled;
    panel.querySelector("[data-translation-enabled]").disabled = !data.available && !data.enabled;
    panel.querySelector("[data-translation-language]").value = data.language || "";
    panel.querySelector("[data-translation-state]").textContent = data.state_label || "";
    button.setAttribute("aria-pressed", String(data.enabled));
    button.classList.toggle("tool--active", data.enabled);
    button.classList.toggle("tool--warning", data.enabled && data.state !== "ok");
    button.title = data.enabled
      ? format(gettext("Live translation: %(language)s · %(state)s"), { language: (data.language || "").toUpperCase(), state: data.state_label })
      : gettext("Live translation");
    badge.hidden = !data.enabled;
    badge.textContent = (data.language || "").toUpperCase();
    tool.dataset.state = data.state;
  }

  // Changes are saved one after another, each with the panel as it is then; only the answer
  // to the latest is shown, so an earlier answer never undoes a box ticked meanwhile.
  let saving = Promise.resolve();
  let latest = 0;
  function save() {
    const mine = ++latest;
    saving = saving.catch(() => {}).then(() => send(mine)); // a failed save does not stop the next
    return saving;
  }

  async function send(mine) {
    const body = new FormData();
    if (panel.querySelector("[data-translation-enabled]").checked) body.append("enabled", "on");
    body.append("language", panel.querySelector("[data-translation-language]").value);
    const result = await post(data.urls.toggle, body);
    if (!result.ok) return toast(result.data.error, "error");
    if (mine !== latest) return;
    Object.assign(data, result.data);
    show();
  }

  async function translate(body) {
    preview.hidden = false;
    preview.dataset.original = body;
    const title = preview.querySelector("[data-preview-title]");
    const text = preview.querySelector("[data-preview-text]");
    const sendTranslated = preview.querySelector("[data-send-translation]");
    title.textContent = gettext("Translating…");
    text.value = "";
    sendTranslated.disabled = true;
    const result = await post(data.urls.preview, { body });
    if (!result.ok) {
      if (result.data.state) Object.assign(data, { state: result.data.state, state_label: result.data.error });
      show();
      title.textContent = format(gettext("Not translated: %(reason)s. You can send the original."), { reason: result.data.error });
      preview.dataset.state = "failed";
      text.hidden = true;
      preview.querySelector("[data-send-original]").focus();
      return;
    }
    Object.assign(data, { state: "ok", state_label: gettext("Translation works") });
    show();
    preview.dataset.state = "ready";
    preview.dataset.source = result.data.source || "";
    title.textContent = format(gettext("Preview in %(language)s: check it, edit it if needed, then send."), { language: result.data.target.toUpperCase() });
    text.hidden = false;
    text.value = result.data.text;
    sendTranslated.disabled = false;
    sendTranslated.focus();
  }

  async function sendTranslation() {
    const body = new FormData();
    body.append("original", preview.dataset.original);
    body.append("translated", preview.querySelector("[data-preview-text]").value);
    body.append("source", preview.dataset.source || "");
    body.append("client_id", crypto.randomUUID ? crypto.randomUUID() : String(Date.now()));
    const result = await post(data.urls.send, body);
    if (!result.ok) return toast(result.data.error, "error");
    preview.hidden = true;
    clearComposer();
  }

  function sendOriginal() {
    preview.hidden = true;
    bypass = true;
    form.requestSubmit();
  }

  function clearComposer() {
    input.value = "";
    input.dispatchEvent(new Event("input"));
    input.focus();
  }
}
