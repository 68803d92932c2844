// The composer's microphone (R-FILE-2): records a voice message (the shared recorder,
// webchat/voice.js: Opus through MediaRecorder, time and level while recording, a cap),
// uploads it through the files' upload path as a voice file with its length, and sends it as
// a message of its own. The text being written stays in the composer. Loaded by the
// composer's voice tool (files/_voice_tool.html) only where the channel carries voice.

import { uploadRecording } from "../../webchat/voice.js";
import { readJson, gettext, post, toast } from "./util.js";
import { voiceStrings } from "./voice-player.js";

const button = document.querySelector("[data-voice-record]");
const form = button?.closest("[data-composer]");
const data = readJson("voice-data") || {};

if (button && form) {
  const panel = document.createElement("mc-voice-recorder");
  panel.className = "composer__voice";
  panel.hidden = true;
  panel.setAttribute("max-seconds", String(data.max_seconds ?? 300));
  panel.strings = voiceStrings();
  form.querySelector("[data-attachments]").before(panel);
  let uploaded = null; // {recording, id}: a retried send does not upload again

  button.addEventListener("click", () => {
    if (form.querySelector("[data-mode]:checked")?.value === "note") {
      return toast(gettext("Voice messages are sent to the contact: switch to Message to record one."), "error");
    }
    if (form.querySelector("[data-send]").disabled) return toast(form.querySelector("[data-locked-text]").textContent, "error");
    if (!panel.hidden) return;
    panel.hidden = false;
    button.setAttribute("aria-pressed", "true");
    panel.start();
  });

  panel.addEventListener("voice-send", async (event) => {
    const recording = event.detail;
    try {
      if (uploaded?.recording !== recording) {
        const name = `voice-message.${recording.type.includes("ogg") ? "ogg" : "webm"}`;
        const headers = { "X-CSRFToken": form.querySelector("input[name=csrfmiddlewaretoken]").value, Accept: "application/json" };
        const { id } = await uploadRecording({ url: form.dataset.uploadsUrl, headers, recording, name });
        uploaded = { recording, id };
      }
      const body = new FormData();
      body.append("body", "");
      body.append("client_id", crypto.randomUUID ? crypto.randomUUID() : String(Date.now()));
      body.append("upload", uploaded.id);
      const result = await post(form.dataset.replyUrl, body);
      if (!result.ok) return panel.sent(result.data.error || "");
      uploaded = null;
      panel.sent();
    } catch (error) {
      panel.sent(error.message || "");
    }
  });

  panel.addEventListener("voice-done", () => {
    panel.hidden = true;
    button.setAttribute("aria-pressed", "false");
    button.focus();
  });
}
