// The profile's WhatsApp dialog (R-CONTACT-5): the chosen template's form with its variables
// pre-filled from the contact, the live preview and the cost (template-form.js).

import { readJson } from "../../web/js/util.js";
import { TemplateForm } from "./template-form.js";

const choices = readJson("whatsapp-start-templates") || [];
const start = document.querySelector("[data-whatsapp-start-form]");

if (start && choices.length) {
  const form = new TemplateForm({
    fieldsNode: start.querySelector("[data-template-fields]"),
    previewNode: start.querySelector("[data-template-preview]"),
    costsNode: start.querySelector("[data-template-costs]"),
  });
  const select = start.querySelector("[data-template-choice]");
  const show = () => form.show(choices.find((c) => c.id === select.value) || choices[0]);
  select.addEventListener("change", show);
  show();
  start.addEventListener("submit", (event) => {
    const empty = form.missing();
    if (empty) {
      event.preventDefault();
      empty.setAttribute("aria-invalid", "true");
      empty.focus();
    }
  });
}
