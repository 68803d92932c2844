// Files attached in the composer (R-FILE-1): picked with the paperclip, dropped on the
// composer or pasted into it. Each is uploaded at once in chunks (the server's resumable
// protocol: web/views/uploads.py): POST announces it, PATCH sends each chunk at its offset,
// and after a dropped connection HEAD says where to go on. A chip shows the progress, a
// cancel button stops and removes it, and a refusal shows the server's reason. The message
// names the finished uploads when the operator presses Send.

import { html, render } from "../../vendor/lit-html/lit-html.js";
import { icon } from "./inbox-list.js";
import { format, formatSize, gettext, post } from "./util.js";

const CHUNK = 8 * 1024 * 1024;
const RETRIES = 5;

export class Attachments {
  constructor(list, { uploadsUrl, onChange }) {
    this.list = list;
    this.uploadsUrl = uploadsUrl;
    this.onChange = onChange || (() => {});
    this.items = [];
  }

  add(files) {
    for (const file of files) this.start(file);
  }

  get ready() {
    return this.items.filter((item) => item.state === "done").map((item) => item.id);
  }

  get busy() {
    return this.items.some((item) => item.state === "uploading");
  }

  get count() {
    return this.items.length;
  }

  // After Send: the files belong to the message now (the server took the uploads).
  clearSent() {
    this.items = this.items.filter((item) => item.state !== "done");
    this.render();
  }

  async start(file) {
    const item = { file, state: "uploading", sent: 0, offset: 0, id: "", url: "", error: "", xhr: null };
    this.items.push(item);
    this.render();
    const created = await post(this.uploadsUrl, { name: file.name, size: String(file.size) });
    if (item.state !== "uploading") return;
    if (!created.ok) return this.fail(item, created.data.error);
    item.id = created.data.id;
    item.url = created.data.url;
    await this.pump(item);
  }

  async pump(item) {
    let retries = 0;
    while (item.state === "uploading") {
      try {
        const answer = await this.patch(item, item.file.slice(item.offset, item.offset + CHUNK));
        retries = 0;
        if (answer.status === 204) item.offset = Number(answer.offset);
        else if (answer.status === 200) return this.done(item, answer.body.file);
        else if (answer.status === 409 && answer.offset) item.offset = Number(answer.offset);
        else return this.fail(item, answer.body?.error);
      } catch (dropped) {
        if (item.state !== "uploading") return;
        if (++retries > RETRIES) return this.fail(item, gettext("The connection was lost. Please try again."));
        await new Promise((resolve) => setTimeout(resolve, 500 * retries));
        item.offset = await this.serverOffset(item).catch(() => item.offset);
      }
      item.sent = item.offset;
      this.render();
    }
  }

  patch(item, chunk) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      item.xhr = xhr;
      xhr.open("PATCH", item.url);
      xhr.setRequestHeader("Upload-Offset", String(item.offset));
      xhr.setRequestHeader("Content-Type", "application/offset+octet-stream");
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-CSRFToken", csrfToken());
      xhr.upload.addEventListener("progress", (event) => {
        item.sent = item.offset + event.loaded;
        this.render();
      });
      xhr.addEventListener("load", () => {
        let body = null;
        try { body = JSON.parse(xhr.responseText || "null"); } catch { body = null; }
        resolve({ status: xhr.status, offset: xhr.getResponseHeader("Upload-Offset"), body });
      });
      xhr.addEventListener("error", () => reject(new Error("network")));
      xhr.addEventListener("abort", () => reject(new Error("abort")));
      xhr.send(chunk);
    });
  }

  async serverOffset(item) {
    const response = await fetch(item.url, { method: "HEAD", credentials: "same-origin" });
    if (!response.ok) throw new Error(String(response.status));
    return Number(response.headers.get("Upload-Offset"));
  }

  done(item, file) {
    item.state = "done";
    item.sent = item.file.size;
    item.info = file;
    this.render();
  }

  fail(item, reason) {
    item.state = "error";
    item.error = reason || gettext("The upload failed.");
    this.render();
  }

  cancel(item) {
    const running = item.state === "uploading";
    item.state = "cancelled";
    if (running) item.xhr?.abort();
    if (item.url) {
      fetch(item.url, { method: "DELETE", credentials: "same-origin", headers: { "X-CSRFToken": csrfToken() } });
    }
    this.items = this.items.filter((other) => other !== item);
    this.render();
  }

  render() {
    this.list.hidden = !this.items.length;
    render(html`${this.items.map((item) => this.chip(item))}`, this.list);
    this.onChange();
  }

  chip(item) {
    const percent = item.file.size ? Math.floor((100 * item.sent) / item.file.size) : 100;
    const label = item.state === "uploading" ? gettext("Cancel upload") : gettext("Remove file");
    return html`<li class="attachment attachment--${item.state}" data-attachment data-state=${item.state}>
      ${icon(item.info?.image ? "eye" : "file-text")}
      <span class="attachment__name">${item.file.name}</span>
      <span class="attachment__size muted">${formatSize(item.file.size)}</span>
      ${item.state === "uploading"
        ? html`<progress class="attachment__progress" max="100" value=${percent} aria-label=${format(gettext("%(name)s: %(percent)s%% uploaded"), { name: item.file.name, percent })}></progress>`
        : ""}
      ${item.state === "error" ? html`<span class="attachment__error" role="alert">${item.error}</span>` : ""}
      <button type="button" class="tool attachment__cancel" aria-label=${label} title=${label} data-cancel-upload @click=${() => this.cancel(item)}>${icon("x")}</button>
    </li>`;
  }
}

// Files from a drop or a paste: only real files (a dragged text or link is no attachment).
export function filesOf(transfer) {
  return transfer ? [...(transfer.files || [])] : [];
}

function csrfToken() {
  const field = document.querySelector("input[name=csrfmiddlewaretoken]");
  return field ? field.value : "";
}
