// How a translated message reads in the operator's timeline (R-TRANS-1): a contact's message
// in the operator's profile language with its original on demand, unless they read the
// contact's language; an operator's translated reply with what they wrote. Used by
// web/js/timeline.js; returns null when the message is shown as it is.

import { html, nothing } from "../../vendor/lit-html/lit-html.js";
import { unsafeHTML } from "../../vendor/lit-html/directives/unsafe-html.js";
import { format, gettext, readJson } from "../../web/js/util.js";

const me = (readJson("translation-data") || {}).me || { language: "en", reads: [] };

export function translatedBody(entry, bodyHtml) {
  const translation = entry.message?.translation;
  if (!translation || entry.message.deleted) return null;
  if (translation.direction === "out") return outbound(translation, bodyHtml);
  const item = translation.items?.[me.language];
  if (!item || me.reads.includes(translation.source)) return null;
  const body = html`<div class="msg__body" data-original-body>${unsafeHTML(bodyHtml)}</div>`;
  if (item.state === "pending") return html`${body}<p class="msg__translation" data-translation-state="pending">${gettext("Translating…")}</p>`;
  if (item.state === "failed") {
    return html`${body}<p class="msg__translation msg__translation--failed" data-translation-state="failed">${format(gettext("Not translated: %(reason)s"), { reason: item.note })}</p>`;
  }
  const from = (translation.source || "").toUpperCase();
  return html`<div class="msg__body" data-translated>${unsafeHTML(item.html)}</div>
    ${original(bodyHtml, from ? format(gettext("Translated from %(language)s"), { language: from }) : gettext("Translated"))}`;
}

function outbound(translation, bodyHtml) {
  const into = (translation.target || "").toUpperCase();
  return html`<div class="msg__body" data-translated>${unsafeHTML(bodyHtml)}</div>
    ${original(translation.original_html, format(gettext("Machine-translated into %(language)s"), { language: into }))}`;
}

function original(originalHtml, label) {
  return html`<details class="msg__original" data-original>
    <summary><span class="msg__translation">${label}</span> · ${gettext("Show original")}</summary>
    <div class="msg__body msg__body--original">${originalHtml ? unsafeHTML(originalHtml) : nothing}</div>
  </details>`;
}
