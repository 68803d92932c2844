// The composer (R-CONV-2, 3): one input for messages and notes, a Markdown toolbar, emoji,
// Enter to send (Shift+Enter for a new line), and a draft kept per conversation. `$` opens the
// command picker and `!` the macro picker (picker.js); a command runs instead of being sent.

import { Attachments, filesOf } from "./attachments.js";
import { Picker } from "./picker.js";
import { countSegments } from "./sms-segments.js";
import { socket } from "./socket.js";
import { config, debounce, format, gettext, post, toast } from "./util.js";

const TYPING_EVERY_MS = 3000;

export class Composer {
  constructor(form, { conversation, onSent, onCommand }) {
    this.form = form;
    this.input = form.querySelector("[data-input]");
    this.conversation = conversation;
    this.onSent = onSent;
    this.onCommand = onCommand || (() => {});
    this.picker = new Picker(this, { toolsUrl: form.dataset.toolsUrl });
    this.draftKey = `mc:draft:${conversation}`;
    this.lastTyping = 0;
    this.mine = form.querySelector("[data-mode][value=message]").checked;
    // SMS: what the reply costs, below the text box (sms-segments.js).
    this.segments = form.dataset.channel === "sms" ? form.querySelector("[data-segments]") : null;
    // Files, where the channel (and the messenger's widget) carries them (attachments.js).
    const attach = form.querySelector("[data-attach]");
    this.attachments = attach
      ? new Attachments(form.querySelector("[data-attachments]"), {
          uploadsUrl: form.dataset.uploadsUrl,
          onChange: () => { this.input.required = !this.attachments.count; },
        })
      : null;
    this.restoreDraft();
    this.wire();
    if (attach) this.wireFiles(attach);
    this.setMode(this.mode);
  }

  showSegments() {
    if (!this.segments) return;
    const text = this.input.value.trim();
    this.segments.hidden = this.mode !== "message" || !text;
    const counted = countSegments(text);
    this.segments.textContent = format(gettext("%(count)s SMS · %(encoding)s · %(units)s/%(capacity)s"), counted);
  }

  get mode() {
    return this.form.querySelector("[data-mode]:checked")?.value || "message";
  }

  wire() {
    const saveDraft = debounce(() => this.saveDraft(), 300);
    this.input.addEventListener("input", () => {
      saveDraft();
      this.autosize();
      this.showSegments();
      if (!this.picker.kind) this.picker.dismissed = false;
      this.picker.update();
      this.typing();
    });
    this.input.addEventListener("blur", () => setTimeout(() => {
      if (!this.form.contains(document.activeElement)) this.picker.close();
    }, 150));
    this.form.querySelector("[data-command-picker]").addEventListener("click", () => this.picker.start("$"));
    this.form.querySelector("[data-macro-picker]").addEventListener("click", () => this.picker.start("!"));
    this.input.addEventListener("keydown", (event) => this.keydown(event));
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.send();
    });
    for (const radio of this.form.querySelectorAll("[data-mode]")) {
      radio.addEventListener("change", () => this.setMode(radio.value));
    }
    for (const button of this.form.querySelectorAll("[data-format]")) {
      button.addEventListener("click", () => this.format(button.dataset.format));
    }
    for (const button of this.form.querySelectorAll(".tool[aria-disabled=true]")) {
      button.addEventListener("click", () => toast(button.getAttribute("aria-label")));
    }
    this.form.querySelector("[data-emoji]").addEventListener("click", (event) => this.toggleEmoji(event.currentTarget));
  }

  // The paperclip, a drop on the composer and a paste into it all attach files (messages only:
  // a note carries none).
  wireFiles(button) {
    const picker = this.form.querySelector("[data-file-input]");
    const take = (files) => {
      if (!files.length) return false;
      if (this.mode === "note") {
        toast(gettext("Files can only be sent with a message, not with a note."), "error");
        return true;
      }
      this.attachments.add(files);
      return true;
    };
    button.addEventListener("click", () => picker.click());
    picker.addEventListener("change", () => {
      take([...picker.files]);
      picker.value = "";
    });
    this.form.addEventListener("dragover", (event) => {
      if (![...(event.dataTransfer?.types || [])].includes("Files")) return;
      event.preventDefault();
      this.form.classList.add("composer--drop");
    });
    this.form.addEventListener("dragleave", (event) => {
      if (!this.form.contains(event.relatedTarget)) this.form.classList.remove("composer--drop");
    });
    this.form.addEventListener("drop", (event) => {
      this.form.classList.remove("composer--drop");
      if (take(filesOf(event.dataTransfer))) event.preventDefault();
    });
    this.input.addEventListener("paste", (event) => {
      if (take(filesOf(event.clipboardData))) event.preventDefault();
    });
  }

  keydown(event) {
    if (this.picker.keydown(event)) {
      event.preventDefault();
      return;
    }
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && !event.altKey) {
      event.preventDefault();
      this.send();
    } else if (event.key === "Escape") {
      this.input.blur();
      document.getElementById("timeline")?.focus();
    } else if (event.altKey && event.key.toLowerCase() === "n") {
      event.preventDefault();
      this.toggleMode();
    } else if ((event.ctrlKey || event.metaKey) && ["b", "i", "k"].includes(event.key.toLowerCase())) {
      event.preventDefault();
      this.format({ b: "bold", i: "italic", k: "link" }[event.key.toLowerCase()]);
    }
  }

  // Only the assigned operator may reply (R-INBOX-2); notes are always allowed.
  setAssigned(mine, assigneeName) {
    const taken = mine && !this.mine;
    this.mine = mine;
    const locked = this.form.querySelector("[data-locked]");
    const text = assigneeName
      ? format(gettext("%(name)s is assigned. Only the assigned operator can reply; you can write notes."), { name: assigneeName })
      : gettext("Nobody is assigned. Only the assigned operator can reply; you can write notes.");
    locked.querySelector("[data-locked-text]").textContent = text;
    // A teammate's conversation is theirs to hand on; only a lead may take it.
    locked.querySelector("[data-assign-me]").hidden = Boolean(assigneeName) && !config.me.reassignsAnyones;
    this.setMode(taken && !this.input.value.trim() ? "message" : this.mode);
  }

  setMode(mode) {
    const note = mode === "note";
    this.form.querySelector(`[data-mode][value=${mode}]`).checked = true;
    this.form.classList.toggle("composer--note", note);
    this.form.action = note ? this.form.dataset.noteUrl : this.form.dataset.replyUrl;
    this.form.querySelector("[data-send-label]").textContent = note ? gettext("Add note") : gettext("Send");
    const blocked = !note && !this.mine;
    this.form.querySelector("[data-locked]").hidden = this.mine;
    this.input.disabled = blocked;
    this.form.querySelector("[data-send]").disabled = blocked;
    this.input.placeholder = note ? gettext("Write an internal note… @name mentions a colleague") : gettext("Reply to the contact…");
    this.saveDraft();
    this.showSegments();
  }

  toggleMode() {
    this.setMode(this.mode === "note" ? "message" : "note");
    this.focus();
  }

  focus() {
    if (this.input.disabled) this.form.querySelector("[data-assign-me]")?.focus();
    else this.input.focus();
  }

  isCommand(body) {
    return body.startsWith("$") || /^!\[[^\]\n]+\]$/.test(body);
  }

  // A chat command: the engine answers with a short message, or refuses with its reason.
  async runCommand(text) {
    if (this.sending) return;
    this.sending = true;
    const result = await post(this.form.dataset.commandUrl, { text });
    this.sending = false;
    if (!result.ok) return toast(result.data.error, "error");
    this.picker.close();
    this.input.value = "";
    this.autosize();
    localStorage.removeItem(this.draftKey);
    toast(result.data.message);
    this.onCommand(result.data);
  }

  async send() {
    const body = this.input.value.trim();
    const withFiles = this.mode === "message" && this.attachments;
    const files = withFiles ? this.attachments.ready : [];
    if ((!body && !files.length) || this.sending) return;
    if (withFiles && this.attachments.busy) return toast(gettext("Wait until the files are uploaded."), "error");
    if (this.isCommand(body)) return this.runCommand(body);
    // Live translation (translation/js/composer.js) may take a reply over: preview, then send.
    const handover = new CustomEvent("mc:send", { cancelable: true, detail: { body } });
    if (this.mode === "message" && !this.form.dispatchEvent(handover)) return;
    this.sending = true;
    const form = new FormData();
    form.append("body", body);
    form.append("client_id", crypto.randomUUID ? crypto.randomUUID() : String(Date.now()));
    for (const id of files) form.append("upload", id);
    const result = await post(this.form.action, form);
    this.sending = false;
    if (!result.ok) return toast(result.data.error, "error");
    if (files.length) this.attachments.clearSent();
    this.input.value = "";
    this.autosize();
    localStorage.removeItem(this.draftKey);
    this.showSegments();
    this.onSent(result.data.entry);
  }

  // "Typing…" is for a reply the contact will read: never for a note, a `$` command or a
  // `!` macro (also not with spaces before the sign, which still runs as a command), and not
  // before the first visible character tells which of them the draft is.
  typing() {
    const now = Date.now();
    if (this.mode !== "message" || !/^\s*[^\s$!]/.test(this.input.value)) return;
    if (now - this.lastTyping < TYPING_EVERY_MS) return;
    this.lastTyping = now;
    socket.send({ type: "typing", conversation: this.conversation });
  }

  saveDraft() {
    const body = this.input.value;
    if (body.trim()) localStorage.setItem(this.draftKey, JSON.stringify({ body, mode: this.mode }));
    else localStorage.removeItem(this.draftKey);
  }

  restoreDraft() {
    try {
      const draft = JSON.parse(localStorage.getItem(this.draftKey) || "null");
      if (!draft) return;
      this.input.value = draft.body;
      this.form.querySelector(`[data-mode][value=${draft.mode === "note" ? "note" : "message"}]`).checked = true;
      this.autosize();
    } catch {
      localStorage.removeItem(this.draftKey);
    }
  }

  autosize() {
    this.input.style.height = "auto";
    this.input.style.height = `${Math.min(this.input.scrollHeight + 2, window.innerHeight * 0.4)}px`;
  }

  // --- Markdown formatting --------------------------------------------------------------------

  format(kind) {
    const { selectionStart: start, selectionEnd: end, value } = this.input;
    const selected = value.slice(start, end);
    const actions = {
      bold: () => wrap("**", "**", selected || gettext("bold text")),
      italic: () => wrap("*", "*", selected || gettext("italic text")),
      code: () => (selected.includes("\n") ? wrap("```\n", "\n```", selected) : wrap("`", "`", selected || "code")),
      link: () => wrap(`[${selected || gettext("link text")}](`, ")", "https://"),
      list: () => lines(selected, () => "- "),
      ordered: () => lines(selected, (i) => `${i + 1}. `),
    };
    const { text, from, to } = actions[kind]();
    this.input.setRangeText(text, start, end, "end");
    this.input.setSelectionRange(start + from, start + to);
    this.input.focus();
    this.input.dispatchEvent(new Event("input"));
  }

  // --- emoji ------------------------------------------------------------------------------------

  async toggleEmoji(button) {
    const popover = this.form.querySelector("[data-emoji-popover]");
    if (!popover.hidden) return this.closeEmoji();
    if (!popover.firstChild) await this.createPicker(popover);
    popover.hidden = false;
    button.setAttribute("aria-expanded", "true");
    popover.querySelector("emoji-picker")?.shadowRoot?.querySelector("input")?.focus();
    this.outside = (event) => {
      if (!event.target.closest("[data-emoji-popover], [data-emoji]")) this.closeEmoji();
    };
    document.addEventListener("click", this.outside);
  }

  closeEmoji() {
    this.form.querySelector("[data-emoji-popover]").hidden = true;
    this.form.querySelector("[data-emoji]").setAttribute("aria-expanded", "false");
    document.removeEventListener("click", this.outside);
  }

  async createPicker(popover) {
    const language = config.language === "de" ? "de" : "en";
    const [{ Picker }, i18n] = await Promise.all([
      import("../../vendor/emoji-picker-element/index.js"),
      import(`../../vendor/emoji-picker-element/i18n/${language}.js`),
    ]);
    const picker = new Picker({
      locale: language,
      dataSource: new URL(`../../vendor/emoji-picker-element-data/${language}/data.json`, import.meta.url).href,
      i18n: i18n.default,
    });
    picker.addEventListener("emoji-click", (event) => {
      this.input.setRangeText(event.detail.unicode, this.input.selectionStart, this.input.selectionEnd, "end");
      this.input.dispatchEvent(new Event("input"));
      this.closeEmoji();
      this.input.focus();
    });
    picker.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        this.closeEmoji();
        this.form.querySelector("[data-emoji]").focus();
      }
    });
    popover.append(picker);
  }
}

function wrap(before, after, inner) {
  return { text: before + inner + after, from: before.length, to: before.length + inner.length };
}

function lines(selected, prefix) {
  const text = (selected || gettext("list item")).split("\n").map((line, i) => prefix(i) + line).join("\n");
  return { text, from: text.length, to: text.length };
}
