/*
 * The widget editor's live preview: this page (an iframe beside the editor) runs the real
 * messenger with data-mode="preview", which opens no socket and stores nothing. The editor
 * posts its unsaved settings here (same origin only) as the admin types:
 *   {type: "mc-preview", widget: {...the welcome frame's widget...}, lang: "en"|"de",
 *    view: "chat"|"prechat"|"away"|"offline"}
 * and this entry turns them into MessageCenter.preview(...) with a sample conversation in the
 * messenger.entry wire format (docs/realtime.md).
 */

const SAMPLE = {
  en: ["Hello! Has my order 4711 been shipped yet?", "Hi, I am checking that for you right now."],
  de: ["Hallo! Ist meine Bestellung 4711 schon unterwegs?", "Hallo, ich sehe sofort für Sie nach."],
};
const OPERATOR = "Anna Example";

function entries(lang, withReply) {
  const [question, answer] = SAMPLE[lang] || SAMPLE.en;
  const at = (minutes) => new Date(Date.now() - minutes * 60000).toISOString();
  const message = (seq, author_kind, author_name, text, minutes) => ({ seq, kind: "message", at: at(minutes), message: { author_kind, author_name, html: "<p>" + text + "</p>", deleted: false } });
  const list = [message(1, "contact", "", question, 3)];
  if (withReply) list.push(message(2, "operator", OPERATOR, answer, 2));
  return list;
}

function show(data) {
  const view = data.view || "chat";
  const widget = Object.assign({}, data.widget, { away: view === "away" || view === "offline" });
  const empty = view === "prechat" || view === "offline";
  window.MessageCenter.preview({
    widget,
    lang: data.lang,
    entries: empty ? [] : entries(data.lang, view === "chat"),
    queued: view === "away",
  });
}

addEventListener("message", (event) => {
  if (event.origin !== location.origin || event.source !== parent) return;
  if (event.data && event.data.type === "mc-preview") show(event.data);
});
// Tell the editor we listen, so it sends the form's current state at once.
parent.postMessage({ type: "mc-preview-ready" }, location.origin);
