// WhatsApp templates in the composer (R-MACRO-4): the `!` picker lists the approved templates of
// the conversation's number (picker.js asks data-templates-url); picking one fires
// "mc:template" on the composer, which opens this dialog: the variables pre-filled from the
// contact, a live preview, what it costs. Sending posts to the template's send URL; the
// timeline gets the message as for any reply (marked as a template).

import { format, gettext, post, readJson, toast } from "../../web/js/util.js";
import { TemplateForm } from "./template-form.js";

const data = readJson("whatsapp-composer-data");
const composer = document.querySelector("[data-composer]");
const dialog = document.getElementById("wa-template-dialog");

if (data && composer && dialog) {
  const form = new TemplateForm({
    fieldsNode: dialog.querySelector("[data-template-fields]"),
    previewNode: dialog.querySelector("[data-template-preview]"),
    costsNode: dialog.querySelector("[data-template-costs]"),
  });
  const error = dialog.querySelector("[data-template-error]");
  const send = dialog.querySelector("[data-template-send]");
  let current = null;

  composer.addEventListener("mc:template", (event) => {
    current = event.detail.template;
    dialog.querySelector("[data-template-title]").textContent = format(gettext("Send the template “%(name)s”"), { name: current.name });
    dialog.querySelector("[data-template-meta]").textContent = `${current.category_label} · ${current.language}`;
    error.hidden = true;
    form.show(current);
    dialog.showModal();
    (dialog.querySelector("[data-variable]") || send).focus();
  });

  dialog.addEventListener("input", () => (error.hidden = true));
  for (const button of dialog.querySelectorAll("[data-close-dialog]")) button.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => composer.querySelector("[data-input]")?.focus());
  dialog.querySelector("form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const empty = form.missing();
    if (empty) {
      error.textContent = gettext("Fill in every variable.");
      error.hidden = false;
      return empty.focus();
    }
    const body = {};
    for (const [key, value] of Object.entries(form.values())) body[`var.${key}`] = value;
    send.disabled = true;
    const result = await post(data.send_url.replace("TEMPLATE", current.id), body);
    send.disabled = false;
    if (!result.ok) {
      error.textContent = result.data.error;
      error.hidden = false;
      return;
    }
    dialog.close();
    toast(gettext("The template is on its way."));
  });
}
