// Voice messages in the operator's timeline (R-FILE-2): the shared player element
// (webchat/voice.js: play/pause, seek bar, elapsed and total time, keyboard operable) with the
// app's translated texts. The player loads the OGG/Opus copy once the remux job made it.

import { html } from "../../vendor/lit-html/lit-html.js";
import "../../webchat/voice.js";
import { format, gettext } from "./util.js";

// The texts of the player and the recorder in the operator's language (the JS catalogue).
export function voiceStrings() {
  return {
    record: gettext("Record a voice message"),
    recording: gettext("Recording voice message"),
    stop: gettext("Stop recording"),
    send: gettext("Send voice message"),
    discard: gettext("Discard voice message"),
    level: gettext("Microphone level"),
    limit: (max) => format(gettext("Voice messages can be at most %(max)s long: the recording stopped."), { max }),
    denied: gettext("The microphone is not available. Allow it in your browser's site settings to record."),
    unsupported: gettext("This browser cannot record voice messages."),
    sending: gettext("Sending…"),
    failed: gettext("The voice message could not be sent."),
    close: gettext("Close"),
    play: gettext("Play voice message"),
    pause: gettext("Pause"),
    seek: gettext("Position"),
    of: (elapsed, total) => format(gettext("%(elapsed)s of %(total)s"), { elapsed, total }),
    voice: gettext("Voice message"),
    broken: gettext("This voice message cannot be played."),
  };
}

const strings = voiceStrings();

export function voiceFile(file) {
  return html`<li class="msg__voice"><mc-voice-player data-file=${file.id} data-voice-file src=${file.play} duration=${String(file.duration_ms || 0)} label=${gettext("Voice message")} .strings=${strings}></mc-voice-player></li>`;
}
