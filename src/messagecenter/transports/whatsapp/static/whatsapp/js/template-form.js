// A WhatsApp template's form: one field per variable ({{1}}, {{first_name}}…), pre-filled from
// the contact, each with a "fill from" list of the contact's fields; a live preview of what the
// contact will read (a port of whatsapp/templates.py render); the cost notice by category.
// Used by the composer's `!` picker (composer.js) and the contact profile (profile.js).

import { format, gettext } from "../../web/js/util.js";

const PARAMETER = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;
const FIELD_LABELS = {
  name: "Name",
  first_name: "First name",
  last_name: "Last name",
  email: "E-mail",
  phone: "Phone",
  company: "Company",
  customer_id: "Customer ID",
};

function part(template, type) {
  return (template.components || []).find((c) => String(c.type || "").toUpperCase() === type) || {};
}

// The text the contact reads, with the values typed so far (empty ones stay as {{n}}).
export function renderTemplate(template, values) {
  const fill = (where, text) => String(text || "").replace(PARAMETER, (all, name) => values[`${where}.${name}`] || all);
  const parts = [];
  const header = part(template, "HEADER");
  if (header.text && String(header.format || "TEXT").toUpperCase() === "TEXT") parts.push({ kind: "header", text: fill("header", header.text) });
  parts.push({ kind: "body", text: fill("body", part(template, "BODY").text) });
  const footer = part(template, "FOOTER").text;
  if (footer) parts.push({ kind: "footer", text: footer });
  const buttons = (part(template, "BUTTONS").buttons || []).map((button, index) => ({
    text: button.text || "",
    url: String(button.type || "").toUpperCase() === "URL" ? String(button.url || "").replace(PARAMETER, (all, name) => values[`button.${index}.${name}`] || all) : "",
  }));
  return { parts, buttons };
}

export class TemplateForm {
  // `fieldsNode` gets the inputs (named var.<key>), `previewNode` the preview, `costsNode` the notice.
  constructor({ fieldsNode, previewNode, costsNode }) {
    this.fieldsNode = fieldsNode;
    this.previewNode = previewNode;
    this.costsNode = costsNode;
    this.template = null;
  }

  show(template) {
    this.template = template;
    const nodes = template.variables.map((variable, index) => this.field(variable, index, template));
    if (!nodes.length) {
      const none = document.createElement("p");
      none.className = "muted";
      none.textContent = gettext("This template has no variables.");
      nodes.push(none);
    }
    this.fieldsNode.replaceChildren(...nodes);
    if (this.costsNode) this.costsNode.textContent = template.costs;
    this.preview();
  }

  field(variable, index, template) {
    const id = `wa-var-${index}`;
    const wrap = document.createElement("div");
    wrap.className = "field wa-variable";
    const label = document.createElement("label");
    label.className = "field__label";
    label.htmlFor = id;
    label.textContent = variable.label;
    const row = document.createElement("div");
    row.className = "wa-variable__row";
    const input = document.createElement("input");
    input.id = id;
    input.name = `var.${variable.key}`;
    input.maxLength = variable.max_length;
    input.required = true;
    input.value = (template.values || {})[variable.key] || "";
    input.placeholder = variable.example ? format(gettext("e.g. %(example)s"), { example: variable.example }) : "";
    input.dataset.variable = variable.key;
    input.addEventListener("input", () => this.preview());
    row.append(input);
    const fields = Object.entries(template.fields || {});
    if (fields.length) {
      const from = document.createElement("select");
      from.className = "wa-variable__from";
      from.setAttribute("aria-label", format(gettext("Fill %(label)s from a contact field"), { label: variable.label }));
      const first = new Option(gettext("Fill from…"), "");
      from.append(first, ...fields.map(([key, value]) => new Option(`${gettext(FIELD_LABELS[key] || key)}: ${value}`, value)));
      from.addEventListener("change", () => {
        if (!from.value) return;
        input.value = from.value.slice(0, variable.max_length);
        from.value = "";
        this.preview();
        input.focus();
      });
      row.append(from);
    }
    wrap.append(label, row);
    return wrap;
  }

  values() {
    const values = {};
    for (const input of this.fieldsNode.querySelectorAll("[data-variable]")) values[input.dataset.variable] = input.value.trim();
    return values;
  }

  missing() {
    return [...this.fieldsNode.querySelectorAll("[data-variable]")].find((input) => !input.value.trim()) || null;
  }

  preview() {
    if (!this.template || !this.previewNode) return;
    const { parts, buttons } = renderTemplate(this.template, this.values());
    const nodes = parts.map(({ kind, text }) => {
      const node = document.createElement("p");
      node.className = `wa-preview__${kind}`;
      node.textContent = text;
      return node;
    });
    if (buttons.length) {
      const list = document.createElement("ul");
      list.className = "wa-preview__buttons";
      for (const button of buttons) {
        const item = document.createElement("li");
        item.textContent = button.url ? `${button.text} · ${button.url}` : button.text;
        list.append(item);
      }
      nodes.push(list);
    }
    this.previewNode.replaceChildren(...nodes);
  }
}
