// The composer's pickers (R-CMD, R-MACRO-2, R-RULES Mentions): `$` lists chat commands with
// argument completion, `!` lists the account's macros, and `@` in a note lists the colleagues
// it can mention. Arrow keys move, Tab/Enter pick, Esc closes. A full command runs through the
// command engine; its answer (or refusal) is shown as a toast.

import { format, getJson, gettext } from "./util.js";

export class Picker {
  constructor(composer, { toolsUrl }) {
    this.composer = composer;
    this.input = composer.input;
    this.toolsUrl = toolsUrl;
    // WhatsApp: the number's approved templates join the macros (R-MACRO-4).
    this.templatesUrl = composer.form.dataset.templatesUrl || "";
    this.node = composer.form.querySelector("[data-picker]");
    this.items = [];
    this.active = 0;
    this.open = false;
    this.dismissed = false;
    this.tools = null;
  }

  // --- what the input asks for ------------------------------------------------------------------

  get kind() {
    const value = this.input.value;
    if (value.startsWith("$")) return "command";
    if (value.startsWith("!")) return "macro";
    if (this.composer.mode === "note" && this.mentionAt()) return "mention";
    return "";
  }

  // The `@token` being typed at the caret, as the mention parser (conversations/notes.py)
  // reads it: after a space or the start, `@name` or `@[Full Name`. Null when there is none.
  mentionAt() {
    const caret = this.input.selectionStart;
    if (caret !== this.input.selectionEnd) return null;
    const before = this.input.value.slice(0, caret);
    const match = before.match(/(?:^|[^\p{L}\p{N}_@])@(\[[^\]\n]*|[\p{L}\p{N}_.\-]*)$/u);
    if (!match) return null;
    return { start: caret - match[1].length - 1, end: caret, query: match[1].replace(/^\[/, "").toLowerCase() };
  }

  async update() {
    const kind = this.kind;
    if (!kind || this.dismissed) return this.close();
    if (!this.open) {
      this.open = true;
      this.node.hidden = false;
      this.tools = null;
      this.input.setAttribute("aria-expanded", "true");
      const templates = this.templatesUrl ? getJson(this.templatesUrl).catch(() => null) : Promise.resolve(null);
      this.loading = Promise.all([getJson(this.toolsUrl), templates]).then(([tools, found]) => {
        this.tools = { ...tools, templates: found?.templates || [], windowOpen: found ? found.window_open : true };
      });
    }
    if (!this.tools) {
      this.node.replaceChildren(row(gettext("Loading…")));
      try {
        await this.loading;
      } catch {
        return this.close();
      }
      if (!this.open) return;
    }
    const items = { command: () => this.commandItems(), macro: () => this.macroItems(), mention: () => this.mentionItems() };
    this.items = items[kind]();
    this.active = Math.min(this.active, Math.max(this.items.length - 1, 0));
    this.render(kind);
  }

  commandItems() {
    const value = this.input.value;
    const match = value.match(/^\$([a-z]*)(\s+([\s\S]*))?$/);
    if (!match) return [];
    const [, name, spaced, rest = ""] = match;
    if (!spaced) {
      return this.tools.commands
        .filter((command) => command.name.startsWith(name))
        .map((command) => ({
          label: command.usage,
          hint: command.help,
          text: `$${command.name}${/[<[]/.test(command.usage) ? " " : ""}`,
        }));
    }
    const command = this.tools.commands.find((c) => c.name === name);
    if (!command) return [];
    let kind = command.completes;
    let prefix = "";
    let argument = rest;
    if (name === "forward" && /^group(\s|$)/i.test(rest)) {
      kind = "groups";
      prefix = "group ";
      argument = rest.slice(6);
    }
    if (!kind) return [];
    const wanted = argument.trim().toLowerCase();
    const values = [...(this.tools.completions[kind] || [])];
    if (name === "forward" && !prefix) values.push("group");
    return values
      .filter((option) => option.toLowerCase().includes(wanted))
      .map((option) => ({
        label: option === "group" && !prefix ? "group <group>" : option,
        hint: option === "group" && !prefix ? gettext("Forward to a group") : "",
        text: option === "group" && !prefix ? `$${name} group ` : `$${name} ${prefix}${option}`,
      }));
  }

  macroItems() {
    const wanted = this.input.value.slice(1).replace(/^\[/, "").replace(/\]\s*$/, "").trim().toLowerCase();
    const templates = (this.tools.templates || [])
      .filter((t) => !wanted || t.name.toLowerCase().includes(wanted) || t.text.toLowerCase().includes(wanted))
      .map((t) => ({ label: `${t.name} · ${t.language}`, hint: t.text, group: gettext("WhatsApp templates"), template: t }));
    const macros = this.tools.macros
      .filter((macro) => !wanted || macro.name.toLowerCase().includes(wanted) || macro.text.toLowerCase().includes(wanted))
      .map((macro) => ({
        label: macro.name,
        hint: macro.text,
        group: macro.group,
        push: macro.kind === "push",
        text: `![${macro.name}]`,
        macro: macro.name,
      }));
    // Once the window has closed only a template can be sent: they come first then.
    return this.tools.windowOpen === false ? [...templates, ...macros] : [...macros, ...templates];
  }

  // A template is sent through its form (variables, preview, cost: whatsapp/js/composer.js).
  pickTemplate(item) {
    this.close();
    this.input.value = "";
    this.composer.form.dispatchEvent(new CustomEvent("mc:template", { detail: { template: item.template } }));
  }

  mentionItems() {
    const { query } = this.mentionAt() || { query: "" };
    return (this.tools.mentions || [])
      .filter((colleague) => [colleague.name, colleague.email, colleague.handle].some((text) => text.toLowerCase().includes(query)))
      .map((colleague) => ({ label: colleague.name, hint: colleague.email, mention: colleague.handle }));
  }

  // --- showing ------------------------------------------------------------------------------------

  render(kind) {
    const nodes = [];
    const heading = document.createElement("p");
    heading.className = "picker__title";
    const macroTitle = (this.tools.templates || []).length ? gettext("Macros and WhatsApp templates") : gettext("Macros");
    heading.textContent = { command: gettext("Chat commands"), macro: macroTitle, mention: gettext("Mention a colleague") }[kind];
    nodes.push(heading);
    let group = null;
    this.items.forEach((item, index) => {
      if (kind === "macro" && item.group !== group) {
        group = item.group;
        const title = document.createElement("p");
        title.className = "picker__group";
        title.textContent = group || gettext("Without group");
        nodes.push(title);
      }
      const option = document.createElement("div");
      option.className = "picker__item";
      option.id = `picker-item-${index}`;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", String(index === this.active));
      option.dataset.index = index;
      const label = document.createElement("span");
      label.className = "picker__label";
      label.textContent = item.label;
      const hint = document.createElement("span");
      hint.className = "picker__hint";
      hint.textContent = item.push ? format(gettext("Push: %(url)s"), { url: item.hint }) : item.hint;
      option.append(label, hint);
      option.addEventListener("mousedown", (event) => event.preventDefault());
      option.addEventListener("click", () => {
        this.active = index;
        if (item.template) this.pickTemplate(item);
        else if (item.macro) this.composer.runCommand(item.text);
        else if (item.mention) this.insertMention();
        else this.pick();
      });
      if (item.macro && !item.push) {
        const insert = document.createElement("button");
        insert.type = "button";
        insert.className = "button button--ghost button--small picker__insert";
        insert.textContent = gettext("Insert");
        insert.addEventListener("mousedown", (event) => event.preventDefault());
        insert.addEventListener("click", (event) => {
          event.stopPropagation();
          this.active = index;
          this.insert();
        });
        option.append(insert);
      }
      nodes.push(option);
    });
    if (!this.items.length) {
      nodes.push(row(kind === "macro" && !this.tools.macros.length && !(this.tools.templates || []).length ? gettext("No macros yet. An administrator adds them in Settings › Chat tools.") : gettext("Nothing matches.")));
    }
    const keys = document.createElement("p");
    keys.className = "picker__keys";
    keys.textContent = {
      command: gettext("↑↓ choose · Tab complete · Enter run · Esc close"),
      macro: gettext("↑↓ choose · Enter send · Tab insert for editing · Esc close"),
      mention: gettext("↑↓ choose · Enter or Tab insert · Esc close"),
    }[kind];
    nodes.push(keys);
    this.node.replaceChildren(...nodes);
    this.input.setAttribute("aria-activedescendant", this.items.length ? `picker-item-${this.active}` : "");
    this.node.querySelector("[aria-selected=true]")?.scrollIntoView({ block: "nearest" });
  }

  close() {
    this.open = false;
    this.items = [];
    this.active = 0;
    this.node.hidden = true;
    this.node.replaceChildren();
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
  }

  // --- keys ------------------------------------------------------------------------------------------

  // True when the picker handled the key (the composer then does nothing else).
  keydown(event) {
    if (!this.open) return false;
    const count = this.items.length;
    if (event.key === "Escape") {
      this.dismissed = true;
      this.close();
      return true;
    }
    if ((event.key === "ArrowDown" || event.key === "ArrowUp") && count) {
      this.active = (this.active + (event.key === "ArrowDown" ? 1 : count - 1)) % count;
      this.render(this.kind);
      return true;
    }
    if ((event.key === "Tab" || event.key === "Enter") && !event.shiftKey && count && this.kind === "mention") {
      this.insertMention();
      return true;
    }
    if ((event.key === "Tab" || event.key === "Enter") && !event.shiftKey && count && this.items[this.active]?.template) {
      this.pickTemplate(this.items[this.active]);
      return true;
    }
    if (event.key === "Tab" && !event.shiftKey && count) {
      if (this.kind === "macro") this.insert();
      else this.pick();
      return true;
    }
    if (event.key === "Enter" && !event.shiftKey && count && this.kind === "command") {
      const item = this.items[this.active];
      if (item.text !== this.input.value) {
        this.pick();
        return true;
      }
    }
    if (event.key === "Enter" && !event.shiftKey && count && this.kind === "macro") {
      this.composer.runCommand(this.items[this.active].text);
      return true;
    }
    return false;
  }

  pick() {
    const item = this.items[this.active];
    if (!item) return;
    this.input.value = item.text;
    this.input.setSelectionRange(item.text.length, item.text.length);
    this.active = 0;
    this.input.dispatchEvent(new Event("input"));
  }

  // Replaces the `@token` at the caret with the colleague's handle and a space.
  insertMention() {
    const item = this.items[this.active];
    const at = this.mentionAt();
    if (!item?.mention || !at) return;
    this.input.setRangeText(`@${item.mention} `, at.start, at.end, "end");
    this.close();
    this.input.focus();
    this.input.dispatchEvent(new Event("input"));
  }

  async insert() {
    const item = this.items[this.active];
    if (!item?.macro || item.push) return;
    const url = `${this.toolsUrl.replace(/tools\/$/, "macro-text/")}?name=${encodeURIComponent(item.macro)}`;
    const data = await getJson(url);
    this.close();
    this.input.value = data.text;
    this.input.focus();
    this.input.dispatchEvent(new Event("input"));
  }

  // The toolbar buttons: start the input with `$` or `!` and open the picker.
  start(sign) {
    this.dismissed = false;
    // Commands work for every operator: someone else's conversation switches to the note input.
    if (this.input.disabled) this.composer.setMode("note");
    if (!this.input.value.startsWith(sign)) this.input.value = sign;
    this.input.focus();
    this.input.setSelectionRange(this.input.value.length, this.input.value.length);
    this.input.dispatchEvent(new Event("input"));
  }
}

function row(text) {
  const node = document.createElement("p");
  node.className = "picker__empty";
  node.textContent = text;
  return node;
}
