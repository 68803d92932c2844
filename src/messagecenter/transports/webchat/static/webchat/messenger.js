/*
 * Message Center: the website messenger. One dependency-free ES module.
 *
 * Embed:  <script type="module" src="https://HOST/messenger.js" data-widget="KEY" async></script>
 * Options on the script tag: data-identity='{"customer_id":..,"expires":..,"signature":..}'
 * (or window.MessageCenterIdentity), data-language="de|en", data-mode="page" (full page),
 * data-mode="preview" (the widget editor's preview: no socket, MessageCenter.preview(...)).
 * Theme from the host page: message-center-messenger { --mc-accent: #0a7c5a; }
 *
 * Everything renders inside a shadow root, so host-page CSS cannot reach it. The socket speaks
 * the protocol of docs/realtime.md: hello -> welcome, resume by sequence number, acks by
 * client id. History is cached in localStorage per widget and resumed from the last seq seen.
 */

const SELF = new URL(import.meta.url);
const WS_BASE = (SELF.protocol === "https:" ? "wss://" : "ws://") + SELF.host + "/ws/messenger/";
const PING_MS = 25000;
const TYPING_SEND_MS = 3000;
const TYPING_SHOW_MS = 6000;
const MAX_BACKOFF_MS = 30000;
const MAX_ENTRIES = 300;
const MAX_CONVS = 20;
const PAGE = 500; // the server's resume page size
const MAX_FRAME = 60000; // bytes; the server refuses frames over 64 KiB
const READ_MS = 1000; // read receipts wait this long, then report the newest seq at once
const DONE_MS = 4000; // a success screen returns to the chat after this long
const CODE_TTL_MS = 900000; // a verification code lives 15 minutes on the server

const STRINGS = {
  en: {
    open: "Open chat",
    close: "Close chat",
    unread: (n) => (n === 1 ? "1 unread message" : n + " unread messages"),
    chat: "Chat",
    team: "We're here to help",
    with: (n) => "You're chatting with " + n,
    typing: (n) => (n ? n + " is typing…" : "Typing…"),
    placeholder: "Write a message…",
    attach: "Attach files",
    mic: "Record a voice message",
    removeFile: "Remove file",
    cancelUpload: "Cancel upload",
    uploaded: (n, p) => n + ": " + p + "% uploaded",
    uploadFailed: "The upload failed.",
    waitFiles: "Wait until the files are uploaded.",
    quarantined: "In quarantine (virus scan)",
    message: "Message",
    send: "Send",
    greeting: "Hi there! How can we help you today?",
    deleted: "This message was deleted",
    queued: "No operator is available right now. We will reply as soon as possible.",
    rate: "You are sending messages too quickly. Please wait a moment.",
    unavailable: "The chat is not available right now.",
    blocked: "Chat is not available.",
    error: "Your message could not be sent.",
    long: "This message is too long.",
    sending: "Sending…",
    failed: "Not sent",
    retry: "Retry",
    translated: "Machine-translated",
    original: "Show original",
    connecting: "Connecting…",
    offline: "Reconnecting…",
    today: "Today",
    yesterday: "Yesterday",
    newConv: "New conversation",
    you: "You",
    from: (n) => "Message from " + n,
    powered: "Powered by Message Center",
    dismiss: "Dismiss",
    again: "That did not work. Please try again.",
    noConn: "No connection. Please try again in a moment.",
    callMissed: "Missed call",
    callDeclined: "Declined call",
    callEnded: (d) => "Call · " + d,
    verifyTitle: "Check your e-mail",
    verifySent: (e) => ["We sent a 6-digit code to ", e, "."],
    code: "Verification code",
    verify: "Verify",
    digits: "Please enter the 6-digit code.",
    verifyHelp: "The code is valid for 15 minutes. No e-mail, or expired? We cannot resend it from here: ask us in the chat for a new code.",
    back: "Back to chat",
    enterCode: "Enter your verification code",
    wrongCode: (n) => "That code is not right. " + (n === 1 ? "1 attempt" : n + " attempts") + " left.",
    expired: "This code has expired. Please ask us in the chat for a new code.",
    invalidated: "Too many wrong attempts. Please ask us in the chat for a new code.",
    noCode: "This code is no longer valid. Please ask us in the chat for a new code.",
    thanks: "Thank you!",
    verified: "Your e-mail address is verified.",
    rateTitle: "How did we do?",
    rateText: "Please rate your conversation with us.",
    stars: (n) => (n === 1 ? "1 star" : n + " stars"),
    words: ["Poor", "Fair", "Good", "Very good", "Excellent"],
    comment: "Anything you would like to add? (optional)",
    sendRating: "Send rating",
    later: "Not now",
    pick: "Please choose 1 to 5 stars.",
    rated: "Thank you for your feedback!",
    launcher: "Chat with us",
    prechat: "Before we start, please tell us a little about yourself.",
    offline: "Nobody is available right now. Leave your e-mail address and we will reply by e-mail.",
    f_name: "Name",
    f_email: "E-mail",
    f_phone: "Phone",
    f_group: "Topic",
    start: "Start chat",
    needed: "Please fill in this field.",
    badEmail: "Please enter a valid e-mail address.",
  },
  de: {
    open: "Chat öffnen",
    close: "Chat schließen",
    unread: (n) => (n === 1 ? "1 ungelesene Nachricht" : n + " ungelesene Nachrichten"),
    chat: "Chat",
    team: "Wir helfen Ihnen gern",
    with: (n) => "Sie chatten mit " + n,
    typing: (n) => (n ? n + " schreibt…" : "Schreibt…"),
    placeholder: "Nachricht schreiben…",
    attach: "Dateien anhängen",
    mic: "Sprachnachricht aufnehmen",
    removeFile: "Datei entfernen",
    cancelUpload: "Hochladen abbrechen",
    uploaded: (n, p) => n + ": " + p + " % hochgeladen",
    uploadFailed: "Das Hochladen ist fehlgeschlagen.",
    waitFiles: "Bitte warten, bis die Dateien hochgeladen sind.",
    quarantined: "In Quarantäne (Virenprüfung)",
    message: "Nachricht",
    send: "Senden",
    greeting: "Hallo! Wie können wir Ihnen heute helfen?",
    deleted: "Diese Nachricht wurde gelöscht",
    queued:
      "Gerade ist niemand aus unserem Team verfügbar. Wir antworten Ihnen so schnell wie möglich.",
    rate: "Sie senden Nachrichten zu schnell. Bitte warten Sie einen Moment.",
    unavailable: "Der Chat ist gerade nicht verfügbar.",
    blocked: "Der Chat ist nicht verfügbar.",
    error: "Ihre Nachricht konnte nicht gesendet werden.",
    long: "Diese Nachricht ist zu lang.",
    sending: "Wird gesendet…",
    failed: "Nicht gesendet",
    retry: "Erneut senden",
    translated: "Maschinell übersetzt",
    original: "Original anzeigen",
    connecting: "Verbinde…",
    offline: "Verbindung wird wiederhergestellt…",
    today: "Heute",
    yesterday: "Gestern",
    newConv: "Neue Unterhaltung",
    you: "Sie",
    from: (n) => "Nachricht von " + n,
    powered: "Bereitgestellt von Message Center",
    dismiss: "Ausblenden",
    again: "Das hat nicht geklappt. Bitte versuchen Sie es noch einmal.",
    noConn: "Keine Verbindung. Bitte versuchen Sie es gleich noch einmal.",
    callMissed: "Verpasster Anruf",
    callDeclined: "Abgelehnter Anruf",
    callEnded: (d) => "Anruf · " + d,
    verifyTitle: "Prüfen Sie Ihre E-Mails",
    verifySent: (e) => ["Wir haben einen 6-stelligen Code an ", e, " gesendet."],
    code: "Bestätigungscode",
    verify: "Bestätigen",
    digits: "Bitte geben Sie den 6-stelligen Code ein.",
    verifyHelp: "Der Code gilt 15 Minuten. Keine E-Mail erhalten oder abgelaufen? Von hier aus können wir ihn nicht erneut senden: Bitten Sie uns im Chat um einen neuen Code.",
    back: "Zurück zum Chat",
    enterCode: "Bestätigungscode eingeben",
    wrongCode: (n) => "Der Code stimmt nicht. Noch " + (n === 1 ? "1 Versuch." : n + " Versuche."),
    expired: "Der Code ist abgelaufen. Bitten Sie uns im Chat um einen neuen Code.",
    invalidated: "Zu viele falsche Versuche. Bitten Sie uns im Chat um einen neuen Code.",
    noCode: "Dieser Code gilt nicht mehr. Bitten Sie uns im Chat um einen neuen Code.",
    thanks: "Vielen Dank!",
    verified: "Ihre E-Mail-Adresse ist bestätigt.",
    rateTitle: "Wie zufrieden waren Sie?",
    rateText: "Bitte bewerten Sie das Gespräch mit uns.",
    stars: (n) => (n === 1 ? "1 Stern" : n + " Sterne"),
    words: ["Schlecht", "Mäßig", "Gut", "Sehr gut", "Ausgezeichnet"],
    comment: "Möchten Sie noch etwas ergänzen? (optional)",
    sendRating: "Bewertung senden",
    later: "Jetzt nicht",
    pick: "Bitte wählen Sie 1 bis 5 Sterne.",
    rated: "Vielen Dank für Ihr Feedback!",
    launcher: "Chatten Sie mit uns",
    prechat: "Bevor es losgeht: Erzählen Sie uns kurz, wer Sie sind.",
    offline: "Gerade ist niemand erreichbar. Hinterlassen Sie Ihre E-Mail-Adresse, dann antworten wir per E-Mail.",
    f_name: "Name",
    f_email: "E-Mail",
    f_phone: "Telefon",
    f_group: "Thema",
    start: "Chat starten",
    needed: "Bitte füllen Sie dieses Feld aus.",
    badEmail: "Bitte geben Sie eine gültige E-Mail-Adresse ein.",
  },
};

const ICON = {
  phone: '<svg viewBox="0 0 24 24" aria-hidden="true"><path fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" d="M22 16.9v3a2 2 0 0 1-2.2 2 19.8 19.8 0 0 1-8.6-3.1 19.5 19.5 0 0 1-6-6A19.8 19.8 0 0 1 2.1 4.2 2 2 0 0 1 4.1 2h3a2 2 0 0 1 2 1.7c.1.9.4 1.9.7 2.8a2 2 0 0 1-.5 2.1L8.1 9.9a16 16 0 0 0 6 6l1.3-1.3a2 2 0 0 1 2.1-.4c.9.3 1.9.6 2.8.7a2 2 0 0 1 1.7 2z"/></svg>',
  mic: '<svg viewBox="0 0 24 24" aria-hidden="true"><g fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M12 19v3"/><path d="M19 10v2a7 7 0 0 1-14 0v-2"/><rect x="9" y="2" width="6" height="13" rx="3"/></g></svg>',
  clip: '<svg viewBox="0 0 24 24" aria-hidden="true"><path fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" d="m21 11-8.6 8.6a5.5 5.5 0 0 1-7.8-7.8l8.6-8.6a3.7 3.7 0 0 1 5.2 5.2l-8.6 8.6a1.8 1.8 0 0 1-2.6-2.6l7.9-7.9"/></svg>',
  chat: '<svg viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" d="M4 6.5A3.5 3.5 0 0 1 7.5 3h9A3.5 3.5 0 0 1 20 6.5v7a3.5 3.5 0 0 1-3.5 3.5h-4.3l-4.1 3.3c-.8.6-1.6.2-1.6-.7V17A3.5 3.5 0 0 1 4 13.5z"/></svg>',
  down: '<svg viewBox="0 0 24 24" aria-hidden="true"><path fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round" d="m6 9 6 6 6-6"/></svg>',
  x: '<svg viewBox="0 0 24 24" aria-hidden="true"><path fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" d="M6 6l12 12M18 6 6 18"/></svg>',
  send: '<svg viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" d="M3.4 20.4 21 12 3.4 3.6 3.4 10l12.6 2-12.6 2z"/></svg>',
  ban: '<svg viewBox="0 0 24 24" aria-hidden="true"><circle cx="12" cy="12" r="8" fill="none" stroke="currentColor" stroke-width="2"/><path stroke="currentColor" stroke-width="2" d="m6.5 6.5 11 11"/></svg>',
  clock: '<svg viewBox="0 0 24 24" aria-hidden="true"><circle cx="12" cy="12" r="9" fill="none" stroke="currentColor" stroke-width="2"/><path fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" d="M12 7v5l3 2"/></svg>',
  mail: '<svg viewBox="0 0 24 24" aria-hidden="true"><rect x="3" y="5" width="18" height="14" rx="3" fill="none" stroke="currentColor" stroke-width="2"/><path fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" d="m4 7.5 8 5.5 8-5.5"/></svg>',
  check: '<svg viewBox="0 0 24 24" aria-hidden="true"><path fill="none" stroke="currentColor" stroke-width="2.4" stroke-linecap="round" stroke-linejoin="round" d="m5 12.5 4.5 4.5L19 7.5"/></svg>',
  star: '<svg viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" stroke="currentColor" stroke-width="1.6" stroke-linejoin="round" d="m12 3 2.7 5.6 6.1.8-4.5 4.3 1.1 6.1L12 16.9l-5.4 2.9 1.1-6.1-4.5-4.3 6.1-.8z"/></svg>',
};

const CSS = `
:host{all:initial!important;display:block!important}
*{box-sizing:border-box}
[hidden]{display:none!important}
.root{all:initial;--a:var(--mc-accent,#3a56d4);--a2:color-mix(in srgb,var(--a) 78%,#000);--ink:#111827;--muted:#5b6473;--line:#e3e7ee;--bg:#f5f7fb;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue","Noto Sans","Liberation Sans",Arial,sans-serif;color:var(--ink);-webkit-font-smoothing:antialiased}
button{font:inherit;color:inherit;cursor:pointer;border:0;background:none;padding:0}
:focus-visible{outline:2px solid var(--a);outline-offset:2px}
.head :focus-visible{outline-color:#fff}
.launcher:focus-visible{outline:3px solid var(--a);outline-offset:3px}
svg{width:22px;height:22px;display:block}
.launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;width:60px;height:60px;border-radius:50%;background:linear-gradient(135deg,var(--a),var(--a2));color:#fff;display:grid;place-items:center;box-shadow:0 8px 24px rgba(17,24,39,.24),0 2px 6px rgba(17,24,39,.12);transition:transform .18s ease,box-shadow .18s ease;animation:mc-in .3s ease both}
.launcher:hover{transform:scale(1.06);box-shadow:0 10px 28px rgba(17,24,39,.28)}
.launcher svg{width:28px;height:28px}
.badge{position:absolute;top:-3px;right:-3px;min-width:22px;height:22px;padding:0 6px;border-radius:11px;background:#e5383b;color:#fff;font-size:12px;font-weight:700;line-height:22px;text-align:center;border:2px solid #fff}
.preview{position:fixed;right:20px;bottom:92px;z-index:2147483000;width:300px;max-width:calc(100vw - 40px);background:#fff;border-radius:14px;padding:12px 34px 12px 14px;box-shadow:0 10px 32px rgba(17,24,39,.18);text-align:left;animation:mc-pop .22s ease both}
.preview .go{all:unset;cursor:pointer;display:block;border-radius:6px}
.preview .go:focus-visible{outline:2px solid var(--a);outline-offset:4px}
.preview b{display:block;font-size:13px;color:var(--muted);font-weight:600;margin-bottom:2px}
.preview span{display:-webkit-box;-webkit-line-clamp:3;-webkit-box-orient:vertical;overflow:hidden}
.preview .x{position:absolute;top:8px;right:8px;width:22px;height:22px;border-radius:50%;display:grid;place-items:center;color:var(--muted)}
.preview .x svg{width:14px;height:14px}
.panel{position:fixed;right:20px;bottom:92px;z-index:2147483000;width:380px;height:min(640px,calc(100vh - 112px));display:flex;flex-direction:column;background:#fff;border-radius:18px;overflow:hidden;box-shadow:0 16px 48px rgba(17,24,39,.22),0 2px 8px rgba(17,24,39,.08);animation:mc-pop .22s cubic-bezier(.2,.8,.3,1) both;transform-origin:bottom right}
.panel.page{position:fixed;inset:0;width:auto;height:auto;border-radius:0;box-shadow:none;animation:none}
@media (min-width:720px){.panel.page{inset:24px calc(50% - 300px);border-radius:18px;box-shadow:0 16px 48px rgba(17,24,39,.16)}}
@media (max-width:480px){.panel:not(.page){inset:0;width:auto;height:auto;border-radius:0}.launcher.on{display:none}}
.head{display:flex;align-items:center;gap:12px;padding:16px 14px 16px 18px;background:linear-gradient(135deg,var(--a),var(--a2));color:#fff;flex:none}
.head .av{width:42px;height:42px;font-size:15px;background:rgba(255,255,255,.2);color:#fff;box-shadow:inset 0 0 0 2px rgba(255,255,255,.35)}
.titles{flex:1;min-width:0}
h2{margin:0;font-size:17px;font-weight:650;line-height:1.25;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.sub{margin:2px 0 0;font-size:13px;opacity:.88;display:flex;align-items:center;gap:6px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.dot{width:8px;height:8px;border-radius:50%;background:#4ade80;flex:none;box-shadow:0 0 0 2px rgba(255,255,255,.25)}
.dot.off{background:#fbbf24}
.icon{width:36px;height:36px;border-radius:10px;display:grid;place-items:center;color:#fff;flex:none}
.icon:hover{background:rgba(255,255,255,.16)}
.log{flex:1;overflow-y:auto;padding:16px 14px 8px;background:var(--bg);display:flex;flex-direction:column;gap:2px;overscroll-behavior:contain}
.row{display:flex;align-items:flex-end;gap:8px;max-width:100%;margin-top:3px}
.row.first{margin-top:10px}
.row.me{justify-content:flex-end}
.col{display:flex;flex-direction:column;max-width:78%;min-width:0}
.me .col{align-items:flex-end}
.name{font-size:12px;color:var(--muted);margin:0 0 3px 4px;font-weight:600}
.row .av{margin-bottom:20px}
.notime .av,.typing .av{margin-bottom:0}
.av{width:28px;height:28px;border-radius:50%;background:color-mix(in srgb,var(--a) 14%,#fff);color:var(--a2);display:grid;place-items:center;font-size:11px;font-weight:700;flex:none;letter-spacing:.02em}
.av svg{width:55%;height:55%}
.spacer{width:28px;flex:none}
.bubble{padding:9px 13px;border-radius:18px;background:#fff;border:1px solid var(--line);overflow-wrap:anywhere;word-break:break-word;box-shadow:0 1px 1px rgba(17,24,39,.04)}
.op .bubble{border-bottom-left-radius:6px}
.me .bubble{background:var(--a);border-color:transparent;color:#fff;border-bottom-right-radius:6px}
.me.pending .bubble{opacity:.7}
.me.failed .bubble{background:#fff;color:var(--ink);border:1px solid #f3b4b4}
.bubble p{margin:0}
.bubble p+p,.bubble ul,.bubble ol,.bubble pre,.bubble blockquote{margin:.5em 0 0}
.bubble ul,.bubble ol{padding-left:1.3em}
.bubble a{color:inherit;text-decoration:underline;text-underline-offset:2px}
.op .bubble a{color:var(--a2)}
.bubble code{font:13px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:rgba(17,24,39,.07);padding:1px 4px;border-radius:4px}
.me .bubble code{background:rgba(255,255,255,.2)}
.bubble pre{white-space:pre-wrap;background:rgba(17,24,39,.06);padding:8px;border-radius:8px}
.bubble blockquote{border-left:3px solid var(--line);padding-left:8px;color:var(--muted)}
.bubble.text{white-space:pre-wrap}
.bubble.deleted{background:transparent;border:1px dashed #c5ccd8;color:var(--muted);font-style:italic;display:flex;align-items:center;gap:6px;box-shadow:none}
.bubble.deleted svg{width:15px;height:15px}
.meta{font-size:11.5px;color:var(--muted);margin:3px 6px 0;display:flex;gap:6px;align-items:center}
.meta .bad{color:#b42318;font-weight:600}
.meta button{color:var(--a2);font-weight:600;text-decoration:underline;font-size:11.5px}
.meta:has(.original){flex-wrap:wrap}.meta .original{flex-basis:100%}.meta .original summary{cursor:pointer;color:var(--a2);font-weight:600;text-decoration:underline}.meta .original .bubble{margin-top:4px;opacity:.85}
.sep{align-self:center;margin:14px 0 4px;font-size:12px;color:var(--muted);background:#e9edf3;padding:3px 10px;border-radius:10px}
.divider{display:flex;align-items:center;gap:10px;margin:16px 0 4px;font-size:12px;color:var(--muted)}
.divider:before,.divider:after{content:"";flex:1;height:1px;background:var(--line)}
.notice{display:flex;gap:8px;align-items:flex-start;margin:12px 6px 4px;padding:10px 12px;border-radius:12px;background:#fff8e6;color:#7a4b00;font-size:13.5px;border:1px solid #f7dc9c}
.notice svg{width:18px;height:18px;flex:none;margin-top:1px}
.callnote{display:flex;gap:6px;align-items:center;justify-content:center;margin:10px 0;color:var(--mut,#667085);font-size:12.5px}
.callnote svg{width:14px;height:14px}
.typing .bubble{display:flex;gap:4px;padding:13px 14px}
.typing i{width:7px;height:7px;border-radius:50%;background:#9aa3b2;animation:mc-blink 1.2s infinite}
.typing i:nth-child(2){animation-delay:.2s}.typing i:nth-child(3){animation-delay:.4s}
.banner{margin:0;padding:9px 16px;font-size:13.5px;background:#fef3f2;color:#912018;border-top:1px solid #fecdca;flex:none}
.closed{padding:22px 18px;text-align:center;color:var(--muted);border-top:1px solid var(--line);background:#fff;flex:none}
.composer{display:flex;align-items:flex-end;gap:8px;padding:12px 12px 10px;border-top:1px solid var(--line);background:#fff;flex:none}
textarea{flex:1;resize:none;border:1px solid var(--line);border-radius:14px;outline:0;font:inherit;color:inherit;background:#f7f8fb;max-height:132px;min-height:42px;padding:9px 14px;line-height:1.45;transition:border-color .15s,box-shadow .15s}
textarea::placeholder{color:#7d8696}
.clip,.mic{flex:none;align-self:center}
mc-voice-recorder{margin:8px 12px 0;flex:none}
.att mc-voice-player{margin-top:6px;--mc-voice-surface:transparent}
.files{list-style:none;margin:0;padding:6px 12px 0;display:flex;flex-wrap:wrap;gap:6px;background:#fff;flex:none}
.files li{display:flex;align-items:center;gap:6px;max-width:100%;padding:2px 4px 2px 10px;border:1px solid var(--line);border-radius:999px;font-size:12px}
.files li.error{border-color:#b42318;color:#b42318}
.files .fn{overflow:hidden;text-overflow:ellipsis;white-space:nowrap;max-width:14em}
.files progress{width:5em}
.files button{border:0;background:none;cursor:pointer;width:22px;height:22px;padding:2px;color:inherit}
.att{display:flex;flex-direction:column;gap:4px;margin-top:4px}
.att a{color:inherit;font-size:13px;word-break:break-all}
.att img{display:block;max-width:220px;max-height:160px;border-radius:10px}
.drop{outline:2px dashed var(--a);outline-offset:-6px}
textarea:focus,textarea:focus-visible{outline:0;border-color:var(--a);background:#fff;box-shadow:0 0 0 3px color-mix(in srgb,var(--a) 18%,transparent)}
.send{width:42px;height:42px;border-radius:12px;background:var(--a);color:#fff;display:grid;place-items:center;flex:none;transition:background .15s,opacity .15s}
.send:hover{background:var(--a2)}
.send:disabled{opacity:.4;cursor:default;background:var(--a)}
.send svg{width:20px;height:20px}
.foot{font-size:11px;color:#8a93a3;text-align:center;padding:0 0 8px;background:#fff;flex:none}
.screen{flex:1;overflow-y:auto;background:#fff;display:flex;flex-direction:column;padding:24px 26px;text-align:center;overscroll-behavior:contain}
.screen>*{margin:auto;width:100%;max-width:320px;display:flex;flex-direction:column;align-items:center}
.ic{width:60px;height:60px;border-radius:50%;display:grid;place-items:center;background:color-mix(in srgb,var(--a) 12%,#fff);color:var(--a);margin-bottom:16px;flex:none}
.ic svg{width:30px;height:30px}
.ic.ok{background:#e6f6ec;color:#16803c}
.ic.rt{background:#fff4dc;color:#e59a0b}
h3{margin:0 0 6px;font-size:19px;font-weight:650;line-height:1.3}
.screen p{margin:0 0 18px;color:var(--muted)}
.screen p b{color:var(--ink);font-weight:600}
.lbl{align-self:stretch;text-align:left;font-size:13px;font-weight:600;margin:0 0 6px 2px}
.screen .code,.screen textarea{width:100%;border:1px solid var(--line);border-radius:12px;background:#f7f8fb;color:var(--ink);outline:0;transition:border-color .15s,box-shadow .15s}
.code{font:600 26px/1 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;letter-spacing:.45em;text-indent:.45em;text-align:center;padding:12px 8px}
.code::placeholder{color:#c3c9d4}
.screen textarea{flex:none;min-height:80px;font-size:14px}
.screen .code:focus,.screen textarea:focus{border-color:var(--a);background:#fff;box-shadow:0 0 0 3px color-mix(in srgb,var(--a) 18%,transparent)}
.screen .code[aria-invalid=true]{border-color:#d92d20;box-shadow:0 0 0 3px rgba(217,45,32,.14)}
.screen .err{color:#b42318;font-size:13.5px;font-weight:500;margin:8px 0 0}
.screen .err:empty{margin:0}
.btn{width:100%;height:46px;border-radius:12px;background:var(--a);color:#fff;font-weight:600;margin-top:14px;transition:background .15s,opacity .15s}
.btn:hover{background:var(--a2)}
.btn[aria-disabled=true]{opacity:.55;cursor:progress}
.screen .hint{font-size:12.5px;margin:16px 0 0;line-height:1.5}
.link{color:var(--a2);font-weight:600;font-size:14px;padding:6px 10px;margin-top:8px;border-radius:8px}
.link:hover{text-decoration:underline}
.stars{display:flex;gap:4px;justify-content:center}
.star{position:relative;color:#d3d8e1;transition:color .12s,transform .12s}
.star.on{color:#f5a524}
.star:hover{transform:scale(1.1)}
.star svg{width:40px;height:40px}
.star input{position:absolute;inset:0;margin:0;opacity:0;cursor:pointer}
.star input:focus-visible+svg{outline:2px solid var(--a);outline-offset:1px;border-radius:8px}
.screen .word{font-size:13.5px;font-weight:600;color:var(--ink);min-height:1.45em;margin:6px 0 14px}
.resume{flex:none;display:flex;align-items:center;justify-content:center;gap:8px;padding:10px 16px;background:color-mix(in srgb,var(--a) 8%,#fff);color:var(--a2);font-weight:600;font-size:14px;border-top:1px solid var(--line)}
.resume svg{width:18px;height:18px}
.left .launcher,.left .preview,.left .panel:not(.page){right:auto;left:20px}.left .panel{transform-origin:bottom left}
.launcher.lb{width:auto;border-radius:30px;padding:0 22px 0 18px;gap:8px;display:flex;align-items:center;font-weight:650;font-size:15px}
.launcher.lb svg{width:24px;height:24px}
.pre{text-align:left}.pre .lbl{margin-top:12px}.pre .lbl:first-of-type{margin-top:0}
.pre input,.pre select{width:100%;height:44px;border:1px solid var(--line);border-radius:12px;background:#f7f8fb;color:var(--ink);font:inherit;padding:0 12px;outline:0}
.pre input:focus,.pre select:focus{border-color:var(--a);background:#fff;box-shadow:0 0 0 3px color-mix(in srgb,var(--a) 18%,transparent)}
.pre [aria-invalid=true]{border-color:#d92d20}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@keyframes mc-pop{from{opacity:0;transform:translateY(12px) scale(.97)}to{opacity:1;transform:none}}
@keyframes mc-in{from{opacity:0;transform:scale(.6)}to{opacity:1;transform:none}}
@keyframes mc-blink{0%,80%,100%{opacity:.3}40%{opacity:1}}
@media (prefers-reduced-motion:reduce){*{animation:none!important;transition:none!important}}
`;

// --- small helpers --------------------------------------------------------------------------

function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "html") el.innerHTML = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  el.append(...kids.flat().filter((x) => x != null && x !== false));
  return el;
}

const esc = (s) =>
  String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

const plainHtml = (text) => "<p>" + esc(text).replace(/\n/g, "<br>") + "</p>";

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 15) | 64;
  b[8] = (b[8] & 63) | 128;
  const x = [...b].map((n) => n.toString(16).padStart(2, "0")).join("");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

const initials = (name) =>
  (name || "")
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0].toUpperCase())
    .join("");

// The page's address without a continue link's token (never reported as a page view).
function here() {
  const u = new URL(location.href);
  u.searchParams.delete("continue");
  return u.href;
}

const pickLang = (value) => (/^de\b/i.test(value || "") ? "de" : /^en\b/i.test(value || "") ? "en" : null);

function parseIdentity(raw) {
  if (!raw) return null;
  if (typeof raw === "object") return raw;
  try {
    return JSON.parse(raw);
  } catch {
    console.warn("Message Center: data-identity is not valid JSON");
    return null;
  }
}

// --- one messenger ------------------------------------------------------------------------------

function mount({ key, identity, language, mode }) {
  const STORE = "mc-messenger:" + key;
  const pageMode = mode === "page";
  // The widget editor's preview: the same messenger fed by the unsaved form, never a socket.
  const previewMode = mode === "preview";
  let lang = pickLang(language) || pickLang(navigator.language) || "en";
  const t = (k, ...a) => {
    const v = STRINGS[lang][k];
    return typeof v === "function" ? v(...a) : v;
  };

  let uploads = []; // files being attached (see "files" below)

  // ----- state ------------------------------------------------------------------------------
  const fresh = () => ({ token: null, contact: null, convs: {}, pending: [] });
  const read = () => {
    try {
      return JSON.parse(localStorage.getItem(STORE)) || fresh();
    } catch {
      return fresh();
    }
  };
  let state = previewMode ? fresh() : Object.assign(fresh(), read());
  let widget = null; // from welcome
  // The widget's own texts (widget editor), else the messenger's in the contact's language.
  const tx = (k) => widget?.texts?.[lang]?.[k] || t(k) || "";
  const avatars = () => widget?.avatars !== false;
  let blocked = false;
  let current = null; // the conversation the contact writes in (by the server's choice)
  let open = pageMode || previewMode || sessionStorage.getItem(STORE + ":open") === "1";
  let typing = null; // {conv, name, until}
  let banner = "";
  let bannerTimer = 0;
  let preview = null;
  // The screens that replace the log for a moment, kept across reloads of this tab:
  // vfy = {e: masked address, u: valid until, ok, min: back in the chat, busy, err};
  // rate = {c: conversation, ok, n: stars, busy, err}.
  const UI = STORE + ":ui";
  let vfy = null;
  let rate = null;
  try {
    ({ v: vfy = null, r: rate = null } = JSON.parse(sessionStorage.getItem(UI)) || {});
  } catch {
    /* nothing kept */
  }
  if (!(vfy?.u > Date.now())) vfy = null;
  const keepUi = () =>
    sessionStorage.setItem(UI, JSON.stringify({ v: vfy && !vfy.ok ? { e: vfy.e, u: vfy.u, min: vfy.min } : null, r: rate && !rate.ok ? { c: rate.c } : null }));

  function conv(id) {
    return (state.convs[id] ||= { id, last: 0, seen: 0, r: 0, entries: [], op: "", status: "", q: false });
  }

  function mergeConv(into, from) {
    into.last = Math.max(into.last, from.last || 0);
    into.seen = Math.max(into.seen || 0, from.seen || 0);
    into.r = Math.max(into.r || 0, from.r || 0);
    into.op ||= from.op;
    const bySeq = new Map(into.entries.map((e) => [e.s, e]));
    for (const e of from.entries || []) {
      const mine = bySeq.get(e.s);
      if (!mine || (e.d && !mine.d) || (mine.p && !e.p)) bySeq.set(e.s, e);
    }
    into.entries = [...bySeq.values()].sort((a, b) => a.s - b.s).slice(-MAX_ENTRIES);
  }

  function save() {
    if (previewMode) return; // the preview keeps nothing: it is nobody's conversation    // Another tab of the same visitor may have written meanwhile: merge, never overwrite.
    const disk = read();
    if (disk.contact && disk.contact === state.contact) {
      for (const [id, c] of Object.entries(disk.convs || {}))
        if (state.convs[id] || c.entries?.length) mergeConv(conv(id), c);
      const mine = new Set(state.pending.map((p) => p.c));
      const done = new Set(Object.values(state.convs).flatMap((c) => c.entries.map((e) => e.c)));
      for (const p of disk.pending || []) if (!mine.has(p.c) && !done.has(p.c)) state.pending.push(p);
    }
    const ids = Object.keys(state.convs).sort((a, b) => lastAt(state.convs[b]) - lastAt(state.convs[a]));
    for (const id of ids.slice(MAX_CONVS)) delete state.convs[id];
    try {
      localStorage.setItem(STORE, JSON.stringify(state));
    } catch {
      /* storage full or blocked: the session still works, only history is not kept */
    }
  }

  const lastAt = (c) => (c.entries.length ? Date.parse(c.entries[c.entries.length - 1].t) : 0);

  function addEntry(id, e, provisional) {
    const c = conv(id);
    if (!provisional) c.last = Math.max(c.last, e.seq);
    if (e.kind === "message_deleted") {
      const target = c.entries.find((x) => x.s === e.message_seq);
      if (target) Object.assign(target, { d: 1, h: "" });
      return;
    }
    if (e.kind === "call") return addCall(c, e);
    if (e.kind !== "message" || !e.message) return;
    const m = e.message;
    const entry = { s: e.seq, t: e.at, a: m.author_kind, n: m.author_name || "", h: m.deleted ? "" : m.html, d: m.deleted ? 1 : 0, c: m.client_msg_id || null };
    // A machine-translated reply: its original, shown on demand (translation app).
    if (m.machine_translated && !m.deleted) entry.o = m.original_html || "";
    // Files: name, size, lasting link, preview, quarantined (R-FILE-1).
    if (m.files && m.files.length && !m.deleted) entry.f = m.files.map((x) => ({ n: x.name, z: x.size, u: x.url, th: x.image ? x.thumb : "", q: x.scan === "infected" || x.scan === "pending" ? 1 : 0, ...(x.voice ? { v: x.play, ms: x.duration_ms } : {}) }));
    if (provisional) entry.p = 1;
    const i = c.entries.findIndex((x) => x.s === e.seq);
    if (i >= 0) {
      if (provisional) return;
      c.entries[i] = entry;
    } else {
      c.entries.push(entry);
      c.entries.sort((a, b) => a.s - b.s);
      if (c.entries.length > MAX_ENTRIES) c.entries.splice(0, c.entries.length - MAX_ENTRIES);
    }
    if (entry.c) state.pending = state.pending.filter((p) => p.c !== entry.c);
    if (m.author_kind !== "contact") {
      c.q = false;
      if (m.author_kind === "operator" && entry.n) c.op = entry.n;
      if (typing && typing.conv === id) typing = null;
      return entry;
    }
  }

  // A call's outcome (R-FILE-3) is one line in the log; the call itself is messenger-call.js.
  function addCall(c, e) {
    const k = e.call?.event;
    if (!["missed", "cancelled", "declined", "ended"].includes(k) || c.entries.some((x) => x.s === e.seq)) return;
    c.entries.push({ s: e.seq, t: e.at, a: "call", k, u: e.call.duration || 0, h: "" });
    c.entries.sort((a, b) => a.s - b.s);
  }
  const callText = (e) =>
    e.k === "ended" ? t("callEnded", Math.floor(e.u / 60) + ":" + String(e.u % 60).padStart(2, "0")) : t(e.k === "declined" ? "callDeclined" : "callMissed");

  // ----- DOM --------------------------------------------------------------------------------
  const host = document.createElement("message-center-messenger");
  host.style.setProperty("display", "block", "important");
  const shadow = host.attachShadow({ mode: "open" });
  const root = h("div", { class: "root" });
  // A constructed stylesheet, not a <style>: a strict Content-Security-Policy (ours on the
  // hosted chat page, or the customer's site's) forbids inline <style> text but not this.
  if ("adoptedStyleSheets" in shadow && "replaceSync" in CSSStyleSheet.prototype) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    shadow.adoptedStyleSheets = [sheet];
    shadow.append(root);
  } else {
    shadow.append(h("style", {}, CSS), root);
  }

  const badge = h("span", { class: "badge", "aria-hidden": "true", hidden: true });
  const launcher = h("button", { class: "launcher", type: "button", "aria-controls": "mc-panel", hidden: true, onclick: () => toggle() }, badge);
  const previewBox = h("div", { class: "preview", hidden: true });
  const title = h("h2", { id: "mc-title" });
  const sub = h("p", { class: "sub", "aria-live": "polite" });
  const headAv = h("div", { class: "av", "aria-hidden": "true" });
  const closeBtn = h("button", { class: "icon", type: "button", onclick: () => setOpen(false, true), html: ICON.down });
  const log = h("div", { class: "log", role: "log", "aria-live": "polite", tabindex: "0" });
  const bannerEl = h("p", { class: "banner", role: "alert", hidden: true });
  const closedEl = h("div", { class: "closed", hidden: true });
  const screenEl = h("div", { class: "screen", hidden: true });
  const liveEl = h("p", { class: "sr", role: "status" });
  const resumeBtn = h("button", { class: "resume", type: "button", hidden: true, onclick: () => ((vfy.min = 0), keepUi(), render(), focusScreen()) });
  const ta = h("textarea", { rows: "1", maxlength: "20000" });
  const sendBtn = h("button", { class: "send", type: "submit", disabled: true, html: ICON.send });
  const fileInput = h("input", { type: "file", multiple: true, hidden: true, onchange: () => (addFiles([...fileInput.files]), (fileInput.value = "")) });
  const clip = h("button", { class: "icon clip", type: "button", hidden: true, onclick: () => fileInput.click(), html: ICON.clip });
  const filesEl = h("ul", { class: "files", hidden: true, "aria-live": "polite" });
  const mic = h("button", { class: "icon mic", type: "button", hidden: true, onclick: () => recordVoice(), html: ICON.mic });
  const composer = h("form", { class: "composer", onsubmit: (e) => (e.preventDefault(), submit()) }, clip, mic, fileInput, ta, sendBtn);
  const foot = h("div", { class: "foot" });
  const panel = h(
    "section",
    { class: "panel" + (pageMode ? " page" : ""), id: "mc-panel", role: pageMode ? "main" : "dialog", "aria-labelledby": "mc-title", hidden: true },
    h("header", { class: "head" }, headAv, h("div", { class: "titles" }, title, sub), pageMode ? null : closeBtn),
    log,
    screenEl,
    bannerEl,
    closedEl,
    resumeBtn,
    filesEl,
    composer,
    foot,
    liveEl,
  );
  root.append(panel, previewBox, launcher);

  panel.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && !pageMode) {
      e.stopPropagation();
      setOpen(false, true);
    }
  });
  ta.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      submit();
    }
  });
  // Files by drop on the panel or paste into the text (R-FILE-1), where the widget takes them.
  panel.addEventListener("dragover", (e) => {
    if (!filesAllowed() || ![...(e.dataTransfer?.types || [])].includes("Files")) return;
    e.preventDefault();
    panel.classList.add("drop");
  });
  panel.addEventListener("dragleave", (e) => { if (!panel.contains(e.relatedTarget)) panel.classList.remove("drop"); });
  panel.addEventListener("drop", (e) => {
    panel.classList.remove("drop");
    const files = [...(e.dataTransfer?.files || [])];
    if (files.length && filesAllowed()) (e.preventDefault(), addFiles(files));
  });
  ta.addEventListener("paste", (e) => {
    const files = [...(e.clipboardData?.files || [])];
    if (files.length && filesAllowed()) (e.preventDefault(), addFiles(files));
  });
  let typingSent = 0;
  ta.addEventListener("input", () => {
    autosize();
    sendBtn.disabled = !ta.value.trim() && !uploads.some((u) => u.state === "done");
    const now = Date.now();
    if (current && ta.value.trim() && now - typingSent > TYPING_SEND_MS && send({ type: "typing", conversation: current })) typingSent = now;
  });
  const autosize = () => {
    ta.style.height = "auto";
    ta.style.height = Math.min(ta.scrollHeight, 132) + "px";
  };

  function setOpen(value, focusLauncher) {
    open = value;
    if (!pageMode) sessionStorage.setItem(STORE + ":open", open ? "1" : "0");
    preview = null;
    render();
    if (open) {
      log.scrollTop = log.scrollHeight;
      if (!focusScreen()) (blocked ? log : ta).focus({ preventScroll: true });
    } else if (focusLauncher) launcher.focus();
  }
  const toggle = () => setOpen(!open, open);

  function showBanner(text, ms) {
    banner = text;
    clearTimeout(bannerTimer);
    if (ms) bannerTimer = setTimeout(() => ((banner = ""), render()), ms);
    render();
  }

  // ----- screens: the verification code, the rating ------------------------------------------
  let built = ""; // the screen (and language) screenEl shows
  let focusEl = null; // where focus goes when the screen appears
  let errEl = null;
  let busyBtn = null;
  let doneTimer = 0;
  let liveTimer = 0;

  const screen = () => (blocked ? "" : vfy && !vfy.min ? "v" + (vfy.ok ? 1 : 0) : rate ? "r" + (rate.ok ? 1 : 0) : greeted && formNeeded() ? "p" + JSON.stringify([formFields(), form().groups, tx("prechat"), tx("offline")]) : "");

  function focusScreen(auto) {
    // Automatic moves only take focus from the messenger itself, never from the host page.
    const a = document.activeElement;
    if (!open || !screen() || !focusEl || (auto && a && a !== host && a !== document.body)) return false;
    focusEl.focus({ preventScroll: true });
    return true;
  }

  function buildScreen(s) {
    if (s[0] === "p") return buildForm();
    const back = (label, go) => h("button", { class: "link", type: "button", onclick: go }, label);
    if (s[1] === "1") {
      focusEl = h("button", { class: "btn", type: "button", onclick: () => closeScreen() }, t("back"));
      return h("div", {}, h("div", { class: "ic ok", html: ICON.check }), h("h3", {}, s[0] === "v" ? t("thanks") : t("rated")), s[0] === "v" ? h("p", {}, t("verified")) : null, focusEl);
    }
    errEl = h("p", { class: "err", id: "mc-err", role: "alert" });
    if (s === "v0") {
      const input = h("input", {
        class: "code",
        id: "mc-code",
        inputmode: "numeric",
        autocomplete: "one-time-code",
        enterkeyhint: "done",
        spellcheck: "false",
        "aria-describedby": "mc-sent mc-err",
        oninput: () => (input.value = input.value.replace(/\D/g, "").slice(0, 6)),
      });
      focusEl = input;
      busyBtn = h("button", { class: "btn", type: "submit" }, t("verify"));
      return h(
        "form",
        { novalidate: true, onsubmit: (e) => (e.preventDefault(), submitCode(input.value)) },
        h("div", { class: "ic", html: ICON.mail }),
        h("h3", {}, t("verifyTitle")),
        h("p", { id: "mc-sent" }, t("verifySent", h("b", {}, vfy.e))),
        h("label", { class: "lbl", for: "mc-code" }, t("code")),
        input,
        errEl,
        busyBtn,
        h("p", { class: "hint" }, t("verifyHelp")),
        back(t("back"), () => ((vfy.min = 1), keepUi(), render(), ta.focus())),
      );
    }
    const words = t("words");
    const word = h("p", { class: "word", "aria-hidden": "true" });
    const paint = (n) => {
      stars.forEach((l, i) => l.classList.toggle("on", i < n));
      word.textContent = words[n - 1] || "";
    };
    const stars = [1, 2, 3, 4, 5].map((n) => {
      const l = h(
        "label",
        { class: "star", title: words[n - 1], onmouseenter: () => paint(n) },
        h("input", { type: "radio", name: "mc-stars", value: n, checked: rate.n === n, "aria-label": t("stars", n), onchange: () => ((rate.n = n), (rate.err = ""), paint(n), render()) }),
      );
      l.insertAdjacentHTML("beforeend", ICON.star);
      return l;
    });
    paint(rate.n);
    focusEl = stars[(rate.n || 1) - 1].firstChild;
    const fb = h("textarea", { id: "mc-fb", rows: "3", maxlength: "2000" });
    busyBtn = h("button", { class: "btn", type: "submit" }, t("sendRating"));
    return h(
      "form",
      { novalidate: true, onsubmit: (e) => (e.preventDefault(), submitRating(fb.value)) },
      h("div", { class: "ic rt", html: ICON.star }),
      h("h3", { id: "mc-rt" }, t("rateTitle")),
      h("p", {}, t("rateText")),
      h("div", { class: "stars", role: "radiogroup", "aria-labelledby": "mc-rt", onmouseleave: () => paint(rate.n) }, stars),
      word,
      h("label", { class: "lbl", for: "mc-fb" }, t("comment")),
      fb,
      errEl,
      busyBtn,
      back(t("later"), () => closeScreen()),
    );
  }

  function renderScreen() {
    const s = screen();
    if (built !== s + lang) {
      built = s + lang;
      busyBtn = errEl = focusEl = null;
      screenEl.replaceChildren(...(s ? [buildScreen(s)] : []));
    }
    const cur = s[0] === "v" ? vfy : s[0] === "p" ? pre : rate;
    if (errEl && errEl.textContent !== (cur.err || "")) errEl.textContent = cur.err || "";
    if (s === "v0") focusEl.setAttribute("aria-invalid", String(!!cur.err));
    busyBtn?.setAttribute("aria-disabled", String(!!cur.busy)); // not disabled: it keeps focus
    screenEl.hidden = !s;
    log.hidden = !!s;
    resumeBtn.hidden = !vfy?.min || !!s || blocked;
    if (resumeBtn.dataset.l !== lang) {
      resumeBtn.dataset.l = lang;
      resumeBtn.innerHTML = ICON.mail;
      resumeBtn.append(t("enterCode"));
    }
    return s;
  }

  function closeScreen() {
    const s = screen();
    if (s[0] === "v") vfy = null;
    if (s[0] === "r") rate = null;
    keepUi();
    const had = screenEl.contains(shadow.activeElement);
    render();
    if (had && !focusScreen()) ta.focus({ preventScroll: true });
  }

  function fail(it, message) {
    it.busy = 0;
    it.err = message;
    render();
    if (screen() && focusEl.select) focusEl.select();
  }

  function submitCode(code) {
    if (vfy.busy) return;
    if (code.length !== 6) return fail(vfy, t("digits"));
    if (!send({ type: "verification.submit", code, client_id: "v:" + Date.now() })) return fail(vfy, t("noConn"));
    vfy.busy = 1;
    vfy.err = "";
    render();
  }

  function submitRating(feedback) {
    if (rate.busy) return;
    if (!rate.n) return fail(rate, t("pick"));
    if (!send({ type: "rating.submit", conversation: rate.c, rating: rate.n, feedback: feedback.trim(), client_id: "r:" + rate.c })) return fail(rate, t("noConn"));
    rate.busy = 1;
    rate.err = "";
    render();
  }

  function announce(text) {
    liveEl.textContent = text;
    clearTimeout(liveTimer);
    liveTimer = setTimeout(() => (liveEl.textContent = ""), DONE_MS);
  }

  function done(it) {
    // A success: a short confirmation on the screen, then back to the chat.
    if (!it || it.ok) return;
    const was = screen();
    Object.assign(it, { ok: 1, busy: 0, err: "" });
    keepUi();
    announce(it === vfy ? t("verified") : t("rated"));
    if (it.min) return it === vfy && ((vfy = null), render());
    render();
    if (was) focusScreen(true);
    clearTimeout(doneTimer);
    doneTimer = setTimeout(() => (it === vfy || it === rate) && screen()[1] === "1" && closeScreen(), DONE_MS);
  }

  function ask(text) {
    // A request while the messenger is closed: the preview bubble points to it.
    built = "";
    keepUi();
    if (!open) preview = { s: text, x: 1, h: plainHtml(text) };
    render();
    focusScreen(true);
  }

  function go(url) {
    // A push macro: the operator sends the host page to another (http/https) address.
    try {
      const u = new URL(url, location.href);
      if (/^https?:$/.test(u.protocol)) location.assign(u.href);
    } catch {
      /* not a URL */
    }
  }

  // ----- the widget's settings and its pre-chat / offline form -----------------------------
  function applyWidget(w) {
    widget = w;
    // The host page's --mc-accent still wins over the editor's colour (a site's own theme).
    if (/^#[0-9a-f]{6}$/i.test(w.accent || "")) root.style.setProperty("--a", "var(--mc-accent," + w.accent + ")");
    else root.style.removeProperty("--a");
    root.classList.toggle("left", w.position === "left");
  }

  let pre = { err: "" };
  const form = () => widget?.form || {};
  function formFields() {
    // Nobody can chat live and the offline form is on: an e-mail address is needed to reply.
    const f = Object.assign({}, form().fields);
    if (form().offline && widget?.away) (f.name ||= "optional"), (f.email = "required");
    return f;
  }
  // Before the contact's first conversation only, and once: the answers go with the first message.
  const formNeeded = () => !state.pre && !current && !state.pending.length && !Object.keys(state.convs).length && (Object.keys(formFields()).length > 0 || (form().groups || []).length > 1);

  function buildForm() {
    const fields = formFields();
    const groups = form().groups || [];
    const inputs = {};
    const rows = [];
    for (const name of ["name", "email", "phone"]) {
      if (!fields[name]) continue;
      const type = { email: "email", phone: "tel" }[name] || "text";
      inputs[name] = h("input", { id: "mc-f-" + name, type, autocomplete: name === "phone" ? "tel" : name, maxlength: "200", "aria-required": String(fields[name] === "required"), "aria-describedby": "mc-err" });
      rows.push(h("label", { class: "lbl", for: "mc-f-" + name }, t("f_" + name) + (fields[name] === "required" ? " *" : "")), inputs[name]);
    }
    if (groups.length > 1) {
      inputs.group = h("select", { id: "mc-f-group" }, groups.map((g) => h("option", { value: g.id }, g.name)));
      rows.push(h("label", { class: "lbl", for: "mc-f-group" }, t("f_group")), inputs.group);
    }
    focusEl = rows[1];
    errEl = h("p", { class: "err", id: "mc-err", role: "alert" });
    busyBtn = h("button", { class: "btn", type: "submit" }, t("start"));
    const intro = form().offline && widget?.away ? tx("offline") : tx("prechat");
    return h("form", { class: "pre", novalidate: true, onsubmit: (e) => (e.preventDefault(), submitForm(inputs, fields)) }, h("p", {}, intro), rows, errEl, busyBtn);
  }

  function submitForm(inputs, fields) {
    const v = {};
    for (const [name, el] of Object.entries(inputs)) v[name] = el.value.trim();
    for (const [name, el] of Object.entries(inputs)) {
      const bad = fields[name] === "required" && !v[name] ? t("needed") : name === "email" && v[name] && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v[name]) ? t("badEmail") : "";
      el.setAttribute("aria-invalid", String(!!bad));
      if (bad) return (pre.err = bad), render(), el.focus();
    }
    state.pre = { v: Object.fromEntries(Object.entries(v).filter(([, x]) => x)) };
    pre.err = "";
    save();
    render();
    ta.focus({ preventScroll: true });
  }

  // ----- rendering --------------------------------------------------------------------------
  const nodes = new Map();
  const visible = () => open && document.visibilityState === "visible";
  const dayFmt = () => new Intl.DateTimeFormat(lang, { day: "numeric", month: "long", year: "numeric" });
  const timeFmt = () => new Intl.DateTimeFormat(lang, { hour: "numeric", minute: "2-digit" });

  function dayLabel(d) {
    const today = new Date();
    const y = new Date(today);
    y.setDate(today.getDate() - 1);
    if (d.toDateString() === today.toDateString()) return t("today");
    if (d.toDateString() === y.toDateString()) return t("yesterday");
    return dayFmt().format(d);
  }

  function items() {
    const out = [{ k: "intro", kind: "msg", a: "bot", h: plainHtml(tx("greeting")), first: true, intro: true }];
    const convs = Object.values(state.convs)
      .filter((c) => c.entries.length)
      .sort((a, b) => Date.parse(a.entries[0].t) - Date.parse(b.entries[0].t));
    let day = "";
    let prev = "intro";
    convs.forEach((c, n) => {
      if (n) {
        out.push({ k: "c:" + c.id, kind: "divider" });
        prev = "";
      }
      for (const e of c.entries) {
        const d = new Date(e.t);
        if (d.toDateString() !== day) {
          day = d.toDateString();
          out.push({ k: "d:" + c.id + e.s, kind: "sep", text: dayLabel(d) });
          prev = "";
        }
        if (e.a === "call") {
          out.push({ k: "m:" + c.id + ":" + e.s, kind: "call", text: callText(e), time: d });
          prev = "";
          continue;
        }
        const who = e.a + ":" + e.n;
        out.push({ k: "m:" + c.id + ":" + e.s, kind: "msg", a: e.a, n: e.n, h: e.h, d: e.d, o: e.o, f: e.f, time: d, first: who !== prev });
        prev = who;
      }
      if (c.q) out.push({ k: "q:" + c.id, kind: "notice", text: tx("away") || t("queued") });
    });
    for (const p of state.pending) {
      out.push({ k: "p:" + p.c, kind: "msg", a: "contact", text: p.b, time: new Date(p.t), state: p.f ? "failed" : "pending", id: p.c, first: prev !== "contact:" });
      prev = "contact:";
    }
    if (typing) out.push({ k: "typing", kind: "typing", n: typing.name });
    // A run of messages by one author within 5 minutes: name on the first, avatar and time
    // on the last.
    out.forEach((it, i) => {
      const next = out[i + 1];
      it.last = !(it.kind === "msg" && next?.kind === "msg" && !next.first && !it.state && next.time - it.time < 300000);
    });
    return out;
  }

  function node(it) {
    if (it.kind === "sep") return h("div", { class: "sep" }, it.text);
    if (it.kind === "divider") return h("div", { class: "divider" }, t("newConv"));
    if (it.kind === "call") return h("div", { class: "callnote", html: ICON.phone }, h("span", {}, it.text + " · " + timeFmt().format(it.time)));
    if (it.kind === "notice") return h("div", { class: "notice", role: "status", html: ICON.clock }, h("span", {}, it.text));
    if (it.kind === "typing")
      return h("div", { class: "row op typing first" }, h("div", { class: "av", "aria-hidden": "true" }, initials(it.n)), h("div", { class: "col" }, h("div", { class: "bubble", "aria-label": t("typing", it.n) }, h("i"), h("i"), h("i"))));
    const me = it.a === "contact";
    let bubble;
    if (it.d) bubble = h("div", { class: "bubble deleted", html: ICON.ban }, h("span", {}, t("deleted")));
    else if (it.text != null) bubble = h("div", { class: "bubble text" }, it.text);
    else {
      bubble = h("div", { class: "bubble", html: it.h || "" });
      for (const a of bubble.querySelectorAll("a")) {
        a.target = "_blank";
        a.rel = "noopener noreferrer nofollow";
      }
    }
    if (it.f && it.f.length) bubble.append(filesOf(it.f));
    const meta = h("div", { class: "meta" });
    if (it.time && it.last) meta.append(h("time", { datetime: it.time.toISOString() }, timeFmt().format(it.time)));
    if (it.state === "pending") meta.append(h("span", {}, "· " + t("sending")));
    if (it.state === "failed")
      meta.append(h("span", { class: "bad" }, "· " + t("failed")), h("button", { type: "button", onclick: () => retry(it.id) }, t("retry")));
    if (it.o != null && !it.d)
      meta.append(h("span", { class: "mt" }, "· " + t("translated")), h("details", { class: "original" }, h("summary", {}, t("original")), h("div", { class: "bubble", html: it.o })));
    if (!meta.childNodes.length) meta.hidden = true;
    const label = me ? t("you") : it.n || widget?.name || t("chat");
    return h(
      "div",
      { class: `row ${me ? "me" : "op"}${it.first ? " first" : ""}${it.state ? " " + it.state : ""}${meta.hidden ? " notime" : ""}` },
      me ? null : it.last ? h("div", { class: "av", "aria-hidden": "true", html: it.n && avatars() ? null : ICON.chat }, it.n && avatars() ? initials(it.n) : null) : h("div", { class: "spacer" }),
      h("div", { class: "col" }, !me && it.first && it.n ? h("div", { class: "name" }, it.n) : null, h("span", { class: "sr" }, label + ": "), bubble, meta),
    );
  }

  function renderLog() {
    const stick = log.scrollHeight - log.scrollTop - log.clientHeight < 80;
    const keep = new Set();
    let prev = null;
    for (const it of items()) {
      const sig = JSON.stringify(it) + lang;
      let el = nodes.get(it.k);
      if (!el || el._sig !== sig) {
        const fresh = node(it);
        fresh._sig = sig;
        if (el) el.replaceWith(fresh);
        el = fresh;
        nodes.set(it.k, el);
      }
      keep.add(it.k);
      const want = prev ? prev.nextSibling : log.firstChild;
      if (want !== el) log.insertBefore(el, want);
      prev = el;
    }
    for (const [k, el] of nodes) if (!keep.has(k)) (el.remove(), nodes.delete(k));
    if (stick) log.scrollTop = log.scrollHeight;
  }

  function unread() {
    let n = 0;
    let last = null;
    for (const c of Object.values(state.convs))
      for (const e of c.entries) if (e.a !== "contact" && e.s > (c.seen || 0) && !e.d && !(e.a === "call" && (e.k === "ended" || e.k === "declined"))) (n++, e.a !== "call" && (last = e));
    return [n, last];
  }

  function render() {
    root.lang = lang;
    const name = tx("title") || widget?.name || t("chat");
    const c = current && state.convs[current];
    const op = c?.op || "";
    title.textContent = name;
    const online = !!greeted;
    const status = !online ? (everGreeted ? t("offline") : t("connecting")) : typing ? t("typing", typing.name) : op ? t("with", op) : tx("team");
    if (sub.dataset.s !== status + online) {
      sub.dataset.s = status + online;
      sub.replaceChildren(h("span", { class: "dot" + (online ? "" : " off"), "aria-hidden": "true" }), h("span", {}, status));
    }
    headAv.replaceChildren();
    if (op && avatars()) headAv.textContent = initials(op);
    else headAv.innerHTML = ICON.chat;
    closeBtn.setAttribute("aria-label", t("close"));
    ta.placeholder = tx("placeholder");
    ta.setAttribute("aria-label", t("message"));
    sendBtn.setAttribute("aria-label", t("send"));
    sendBtn.title = t("send");
    foot.textContent = t("powered");
    bannerEl.textContent = banner;
    bannerEl.hidden = !banner;
    closedEl.textContent = t("blocked");
    closedEl.hidden = !blocked;
    const hid = log.hidden;
    const scr = renderScreen();
    composer.hidden = blocked || !!scr;
    clip.hidden = !filesAllowed();
    clip.setAttribute("aria-label", t("attach"));
    clip.title = t("attach");
    mic.hidden = !voiceAllowed();
    mic.setAttribute("aria-label", t("mic"));
    mic.title = t("mic");
    panel.hidden = !open;

    if (visible()) {
      let changed = false;
      for (const cv of Object.values(state.convs)) if ((cv.seen || 0) < cv.last) (cv.seen = cv.last), (changed = true);
      if (changed) save();
      if (!scr) readSoon();
    }
    const [n, last] = unread();
    // Closed with "hide the launcher": no new chats, but a conversation going on stays reachable.
    launcher.hidden = pageMode || !everGreeted || (!!widget?.launcher_hidden && !open && !current);
    launcher.innerHTML = open ? ICON.down : ICON.chat;
    const labelled = widget?.launcher === "label" && !open;
    launcher.classList.toggle("lb", labelled);
    if (labelled) launcher.append(h("span", {}, tx("launcher")));
    launcher.append(badge);
    launcher.classList.toggle("on", open);
    launcher.setAttribute("aria-expanded", String(open));
    launcher.setAttribute("aria-label", (open ? t("close") : t("open")) + (n ? ", " + t("unread", n) : ""));
    badge.textContent = n > 9 ? "9+" : String(n);
    badge.hidden = !n || open;
    if (preview && (open || (!preview.x && (!last || last.s !== preview.s)))) preview = null;
    previewBox.hidden = !preview || pageMode;
    if (preview && previewBox.dataset.s !== preview.s + lang) {
      previewBox.dataset.s = preview.s + lang;
      const txt = new DOMParser().parseFromString(preview.h, "text/html").body.textContent;
      previewBox.replaceChildren(
        h("button", { class: "go", type: "button", "aria-label": t("from", preview.n || name) + ": " + txt, onclick: () => setOpen(true) }, h("b", {}, preview.n || name), h("span", {}, txt)),
        h("button", { class: "x", type: "button", "aria-label": t("dismiss"), html: ICON.x, onclick: () => ((preview = null), render()) }),
      );
    }
    if (open && !scr) {
      renderLog();
      if (hid) log.scrollTop = log.scrollHeight; // back from a screen: at the newest entry
    }
    // What had focus was hidden (a screen closed, the contact was blocked): keep it in the panel.
    if (open && shadow.activeElement?.closest("[hidden]")) focusScreen() || log.focus({ preventScroll: true });
  }

  // Read receipts: the newest seq shown, once it passes what was reported (R-CONTACT-5: the
  // server e-mails replies the contact has not seen).
  let readTimer = 0;
  function readSoon() {
    readTimer ||= setTimeout(() => {
      readTimer = 0;
      if (!visible() || screen() || !greeted) return;
      let changed = false;
      for (const c of Object.values(state.convs))
        if (c.entries.some((e) => e.a !== "contact" && e.s > (c.r || 0)) && send({ type: "read", conversation: c.id, seq: c.last })) (c.r = c.last), (changed = true);
      if (changed) save();
    }, READ_MS);
  }

  // ----- sending ----------------------------------------------------------------------------
  function submit() {
    const body = ta.value.trim();
    const ready = uploads.filter((u) => u.state === "done");
    if ((!body && !ready.length) || blocked) return;
    if (uploads.some((u) => u.state === "uploading")) return showBanner(t("waitFiles"), 4000);
    uploads = uploads.filter((u) => u.state !== "done");
    renderFiles();
    const c = uuid();
    if (new TextEncoder().encode(JSON.stringify({ type: "message.send", body, client_id: c })).length > MAX_FRAME) {
      showBanner(t("long"), 6000);
      return;
    }
    ta.value = "";
    autosize();
    sendBtn.disabled = true;
    typingSent = 0;
    queueMessage(body, ready.map((u) => u.id), c);
  }

  // A message (text, uploaded files) kept until the server has it, sent when connected.
  function queueMessage(body, uploadIds, c = uuid()) {
    const p = { c, b: body, t: new Date().toISOString() };
    if (state.pre?.v && !Object.keys(state.convs).length) p.d = state.pre.v; // the form's answers start the chat
    if (uploadIds.length) p.u = uploadIds;
    state.pending.push(p);
    save();
    render();
    log.scrollTop = log.scrollHeight;
    if (greeted) transmit(p);
  }

  const transmit = (p) => send(Object.assign({ type: "message.send", body: p.b, client_id: p.c }, p.u ? { uploads: p.u } : {}, p.d ? { details: p.d } : {}));

  // ----- files (R-FILE-1) ----------------------------------------------------------------------
  // Uploaded at once in 8 MB chunks with the server's resumable protocol (POST announces,
  // PATCH at Upload-Offset, HEAD after a dropped connection); the message names the finished
  // uploads. The contact's token proves who uploads (no cookies: the page is another site).
  const CHUNK = 8 * 1024 * 1024;
  const UPLOADS = SELF.origin + "/messenger/" + key + "/uploads/";
  function filesAllowed() {
    return !!(widget && widget.media && widget.media.enabled !== false && (widget.media.types || []).length);
  }

  function addFiles(files) {
    if (!filesAllowed() || blocked || !state.token) return;
    for (const file of files) startUpload(file);
  }

  function xhr(method, url, body, headers, onProgress) {
    return new Promise((resolve, reject) => {
      const r = new XMLHttpRequest();
      r.open(method, url);
      r.setRequestHeader("X-MC-Token", state.token || "");
      for (const [k, v] of Object.entries(headers || {})) r.setRequestHeader(k, v);
      if (onProgress) r.upload.onprogress = onProgress;
      r.onload = () => {
        let json = null;
        try { json = JSON.parse(r.responseText || "null"); } catch { json = null; }
        resolve({ status: r.status, offset: r.getResponseHeader("Upload-Offset"), json });
      };
      r.onerror = r.onabort = () => reject(new Error("network"));
      r.send(body);
      return r;
    });
  }

  async function startUpload(file) {
    const u = { file, state: "uploading", sent: 0, offset: 0, id: "", url: "", error: "" };
    uploads.push(u);
    renderFiles();
    const form = new FormData();
    form.append("name", file.name);
    form.append("size", String(file.size));
    let created;
    try { created = await xhr("POST", UPLOADS, form); } catch { return failUpload(u, t("uploadFailed")); }
    if (created.status !== 201) return failUpload(u, created.json && created.json.error);
    u.id = created.json.id;
    u.url = SELF.origin + created.json.url;
    let retries = 0;
    while (u.state === "uploading") {
      try {
        const at = u.offset;
        const answer = await xhr("PATCH", u.url, file.slice(at, at + CHUNK), { "Upload-Offset": String(at), "Content-Type": "application/offset+octet-stream" }, (e) => ((u.sent = at + e.loaded), renderFiles()));
        retries = 0;
        if (answer.status === 204 || (answer.status === 409 && answer.offset)) u.offset = Number(answer.offset);
        else if (answer.status === 200) (u.state = "done"), (u.sent = file.size);
        else return failUpload(u, answer.json && answer.json.error);
      } catch {
        if (u.state !== "uploading") return;
        if (++retries > 5) return failUpload(u, t("uploadFailed"));
        await new Promise((r) => setTimeout(r, 500 * retries));
        try { u.offset = Number((await xhr("HEAD", u.url)).offset) || u.offset; } catch { /* next try */ }
      }
      renderFiles();
    }
    renderFiles();
  }

  function failUpload(u, why) {
    u.state = "error";
    u.error = why || t("uploadFailed");
    renderFiles();
  }

  function cancelUpload(u) {
    const running = u.state === "uploading";
    u.state = "cancelled";
    if (u.url) xhr("DELETE", u.url).catch(() => {});
    uploads = uploads.filter((x) => x !== u);
    renderFiles();
    if (running) ta.focus();
  }

  function renderFiles() {
    filesEl.hidden = !uploads.length;
    filesEl.replaceChildren(...uploads.map((u) => {
      const pct = u.file.size ? Math.floor((100 * u.sent) / u.file.size) : 100;
      const label = u.state === "uploading" ? t("cancelUpload") : t("removeFile");
      return h("li", { class: u.state, "data-state": u.state },
        h("span", { class: "fn" }, u.file.name),
        u.state === "uploading" ? h("progress", { max: "100", value: String(pct), "aria-label": t("uploaded", u.file.name, pct) }) : null,
        u.state === "error" ? h("span", { role: "alert" }, u.error) : null,
        h("button", { type: "button", "aria-label": label, title: label, html: ICON.x, onclick: () => cancelUpload(u) }));
    }));
    sendBtn.disabled = blocked || (!ta.value.trim() && !uploads.some((u) => u.state === "done"));
  }

  function filesOf(list) {
    return h("div", { class: "att" }, list.map((f) => {
      if (f.q) return h("span", {}, f.n + " · " + t("quarantined"));
      if (f.v) return voicePlayer(f);
      const href = SELF.origin + f.u;
      const label = f.n + " (" + sizeFmt(f.z) + ")";
      return h("a", { href, target: "_blank", rel: "noopener noreferrer", download: f.n }, f.th ? h("img", { src: SELF.origin + f.th, alt: f.n }) : label);
    }));
  }

  function sizeFmt(n) {
    return n < 1024 ? n + " B" : n < 1048576 ? Math.round(n / 1024) + " KB" : (n / 1048576).toFixed(1) + " MB";
  }

  // ----- voice messages (R-FILE-2): recorded, uploaded and played by messenger-voice.js ---------
  // (loaded when first needed), where the widget takes audio. A player is kept per file, so
  // one that plays goes on while the log re-renders around it.
  let voiceModule = null;
  const players = new Map();
  const loadVoice = () => (voiceModule ||= import(SELF.origin + "/messenger-voice.js"));
  function voiceAllowed() {
    return filesAllowed() && (widget.media.types || []).includes("audio") && typeof MediaRecorder !== "undefined";
  }

  function voicePlayer(f) {
    let player = players.get(f.v);
    if (!player) {
      player = h("mc-voice-player", { src: SELF.origin + f.v, duration: String(f.ms || 0), "data-voice-file": "" });
      players.set(f.v, player);
      loadVoice();
    }
    player.setAttribute("lang", lang);
    return player;
  }

  async function recordVoice() {
    if (!voiceAllowed() || blocked || !state.token || panel.querySelector("mc-voice-recorder")) return;
    const voice = await loadVoice();
    const recorder = h("mc-voice-recorder", { lang, "max-seconds": String(widget.voice_max_seconds ?? 300) });
    recorder.addEventListener("voice-send", async (e) => {
      try {
        const name = "voice-message." + (e.detail.type.includes("ogg") ? "ogg" : "webm");
        const { id } = await voice.uploadRecording({ url: UPLOADS, headers: { "X-MC-Token": state.token || "" }, credentials: "omit", recording: e.detail, name });
        recorder.sent();
        queueMessage("", [id]);
      } catch (error) {
        recorder.sent(error.message || "");
      }
    });
    recorder.addEventListener("voice-done", () => (recorder.remove(), mic.focus()));
    composer.before(recorder);
    recorder.start();
  }

  function retry(id) {
    const p = state.pending.find((x) => x.c === id);
    if (!p) return;
    p.f = 0;
    save();
    render();
    if (greeted) transmit(p);
  }

  // ----- the socket -------------------------------------------------------------------------
  let ws = null;
  let greeted = false;
  let everGreeted = false;
  let attempt = 0;
  let retryTimer = 0;
  let pingTimer = 0;
  let awaitingPong = false;
  let reportedUrl = "";
  let identityRefused = false;
  let historyUnsupported = false;
  let reconnectSoon = 0;
  let asked = new Set(); // conversation ids sent in this socket's hello
  // A continue link (the unread-reply e-mail, $webtransfer): handed to the server once, in
  // the next hello; it brings the conversation's history and verifies the e-mail address.
  let continueToken = new URLSearchParams(location.search).get("continue");

  function send(frame) {
    if (!ws || ws.readyState !== 1) return false;
    ws.send(JSON.stringify(frame));
    return true;
  }

  function connect() {
    if (previewMode) return;    clearTimeout(retryTimer);
    if (ws) return;
    let sock;
    try {
      sock = new WebSocket(WS_BASE + encodeURIComponent(key));
    } catch {
      return schedule();
    }
    ws = sock;
    sock.onopen = () => sock === ws && hello();
    sock.onmessage = (ev) => {
      if (sock !== ws) return;
      awaitingPong = false;
      let frame;
      try {
        frame = JSON.parse(ev.data);
      } catch {
        return;
      }
      receive(frame);
    };
    sock.onclose = () => sock === ws && drop();
  }

  // Calls (R-FILE-3): the call window is a module of its own, loaded with the first call frame.
  let callUi = null;
  function callFrame(f) {
    callUi ||= import(new URL("messenger/modules/call.js", SELF).href).then((m) => m.mountCall({ shadow, send, lang: () => lang }));
    callUi.then((ui) => ui.receive(f), () => (callUi = null));
  }

  function drop(now) {
    callUi?.then((ui) => ui.dropped());
    const sock = ws;
    ws = null;
    greeted = false;
    clearInterval(pingTimer);
    if (vfy) vfy.busy = 0;
    if (rate) rate.busy = 0;
    if (sock) {
      sock.onclose = sock.onmessage = sock.onopen = null;
      try {
        sock.close();
      } catch {
        /* already closed */
      }
    }
    render();
    if (now) connect();
    else schedule();
  }

  function schedule() {
    clearTimeout(retryTimer);
    const ceiling = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** attempt++);
    retryTimer = setTimeout(connect, ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  function hello() {
    const frame = { type: "hello", conversations: {} };
    // A fresh tab joins the visitor that another tab of this browser may have just created.
    const token = state.token || read().token;
    if (token) frame.token = token;
    asked = new Set();
    for (const c of Object.values(state.convs)) {
      frame.conversations[c.id] = c.last;
      asked.add(c.id);
    }
    const id = identityRefused ? null : identity || parseIdentity(window.MessageCenterIdentity);
    if (id) frame.identity = id;
    if (continueToken) frame.continue = continueToken;
    try {
      frame.time_zone = Intl.DateTimeFormat().resolvedOptions().timeZone; // for e-mailed times
    } catch {
      /* no Intl: the account's time zone is used */
    }
    if (here() !== reportedUrl) {
      frame.page = { url: here(), title: document.title };
      reportedUrl = here();
    }
    send(frame);
  }

  function askHistory(id, after) {
    if (historyUnsupported) return fallbackResume(id, after);
    send({ type: "history", conversation: id, after, client_id: "h:" + id + ":" + after });
  }

  function fallbackResume(id, after) {
    // A server without "history": a new hello lists the conversation, which resumes it.
    const c = conv(id);
    c.last = Math.min(c.last, after);
    clearTimeout(reconnectSoon);
    reconnectSoon = setTimeout(() => drop(true), 0);
  }

  function receive(f) {
    switch (f.type) {
      case "welcome":
        return welcome(f);
      case "messenger.batch": {
        for (const e of f.entries || []) addEntry(f.conversation, e);
        if ((f.entries || []).length >= PAGE) askHistory(f.conversation, conv(f.conversation).last);
        break;
      }
      case "messenger.entry": {
        const e = addEntry(f.conversation, f.entry);
        if (e && !visible()) preview = e;
        break;
      }
      case "messenger.queued":
        conv(f.conversation).q = true;
        break;
      case "messenger.assigned": {
        // Assigned, forwarded or handed back: the header names who the contact chats with.
        const c = conv(f.conversation);
        c.op = f.operator || "";
        if (f.operator) c.q = false;
        break;
      }
      case "ack":
        return ack(f);
      case "typing":
        if (f.who === "operator") {
          typing = { conv: f.conversation, name: f.name || "", until: Date.now() + TYPING_SHOW_MS };
          setTimeout(() => {
            if (typing && typing.until <= Date.now()) (typing = null), render();
          }, TYPING_SHOW_MS + 50);
        }
        return render();
      case "error":
        return error(f);
      case "messenger.verification":
        if (f.state === "code_sent") {
          vfy = { e: f.email || "", u: Date.now() + CODE_TTL_MS };
          return ask(t("enterCode"));
        }
        return f.state === "verified" && done(vfy);
      case "verification.result":
        return f.state === "verified" && done(vfy);
      case "messenger.rating_request":
        rate = { c: f.conversation };
        return ask(t("rateTitle") + " " + t("rateText"));
      case "rating.result":
        return rate?.c === f.conversation && done(rate);
      case "messenger.contact":
        // The visitor's first message (in this tab or another) made them a contact.
        if (!state.contact) state.contact = f.contact;
        break;
      case "messenger.push":
        return go(f.url);
      case "messenger.blocked":
        if (blocked && !f.blocked) {
          // The server's socket still holds the blocked contact: a new hello reads it afresh.
          blocked = false;
          return drop(true);
        }
        blocked = !!f.blocked;
        return render();
      default:
        if (String(f.type).startsWith("call.")) callFrame(f);
        return; // pong and anything newer
    }
    save();
    render();
  }

  function welcome(f) {
    greeted = everGreeted = true;
    if (continueToken) {
      // Used: a reload or a copied address must not replay it.
      continueToken = null;
      history.replaceState(history.state, "", here());
    }
    attempt = 0;
    if (state.contact && state.contact !== f.contact) {
      // Another person (a signed identity, or a reset): never show the previous one's history.
      state = Object.assign(fresh(), { pending: state.pending });
      vfy = rate = null;
      keepUi();
      asked = new Set();
      nodes.forEach((el) => el.remove());
      nodes.clear();
    }
    state.token = f.token;
    state.contact = f.contact;
    applyWidget(f.widget || {});
    blocked = !!f.blocked;
    lang = pickLang(language) || pickLang(widget.language) || lang;
    const listed = new Set();
    current = null;
    for (const v of f.conversations || []) {
      listed.add(v.id);
      // Fetched for the first time (another device): what is there was read there.
      if (!state.convs[v.id]) conv(v.id).seen = v.last_seq;
      const c = conv(v.id);
      c.status = v.status;
      c.op = v.operator || ""; // the server knows best: reassigned while away
      if (!current && v.active) current = v.id;
      if (!asked.has(v.id) && v.last_seq > 0) askHistory(v.id, 0);
    }
    for (const [id, c] of Object.entries(state.convs)) if (!listed.has(id) && !c.entries.length) delete state.convs[id];
    save();
    clearInterval(pingTimer);
    pingTimer = setInterval(() => {
      if (awaitingPong) return drop();
      awaitingPong = send({ type: "ping" });
    }, PING_MS);
    for (const p of state.pending) if (blocked) p.f = 1;
    else if (!p.f) transmit(p);
    render();
  }

  function ack(f) {
    const p = state.pending.find((x) => x.c === f.client_id);
    const c = conv(f.conversation);
    c.status = f.status;
    current = f.conversation;
    if (p) {
      state.pending = state.pending.filter((x) => x !== p);
      addEntry(f.conversation, { seq: f.seq, kind: "message", at: p.t, message: { author_kind: "contact", html: plainHtml(p.b), client_msg_id: p.c } }, true);
    }
    save();
    render();
  }

  function error(f) {
    const ref = typeof f.client_id === "string" ? f.client_id : "";
    const it = ref.startsWith("v:") ? vfy : ref.startsWith("r:") ? rate : null;
    if (it) {
      const n = /\d+/.exec(f.message || "");
      const msg = { wrong_code: n && t("wrongCode", +n[0]), code_expired: t("expired"), code_invalidated: t("invalidated"), rate_limited: t("rate") }[f.code];
      return fail(it, msg || (ref[0] === "v" && f.code === "invalid_transition" ? t("noCode") : f.message || t("again")));
    }
    if (ref.startsWith("h:")) {
      if (f.code === "unknown_type") {
        historyUnsupported = true;
        const [, id, after] = ref.split(":");
        fallbackResume(id, +after || 0);
      }
      return;
    }
    if (!greeted && /^identity_/.test(f.code)) {
      console.warn("Message Center: the signed identity was refused (" + f.code + "); continuing anonymously");
      identityRefused = true;
      return hello();
    }
    const p = state.pending.find((x) => x.c === ref);
    if (p) p.f = 1;
    if (f.code === "rate_limited") showBanner(t("rate"), 8000);
    else if (f.code === "unavailable") blocked = true;
    else if (p) showBanner(t("error"), 8000);
    else if (!greeted) return drop();
    save();
    render();
  }

  // ----- the host page ----------------------------------------------------------------------
  function pageView() {
    setTimeout(() => {
      if (here() === reportedUrl || !greeted || widget?.privacy_mode) return;
      if (send({ type: "page.view", url: here(), title: document.title })) reportedUrl = here();
    }, 60);
  }
  navHooks.push(pageView);

  addEventListener("online", () => ws || ((attempt = 0), connect()));
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") {
      if (!ws) (attempt = 0), connect();
      render();
    }
  });
  addEventListener("storage", (e) => {
    if (e.key !== STORE) return;
    if (e.newValue == null) return forget(true); // another tab's reset(): follow it shortly
    const disk = read();
    if (disk.contact !== state.contact) return;
    for (const [id, c] of Object.entries(disk.convs || {})) mergeConv(conv(id), c);
    render();
  });

  function forget(otherTab) {
    state = fresh();
    current = null;
    typing = preview = vfy = rate = null;
    keepUi();
    nodes.forEach((el) => el.remove());
    nodes.clear();
    reportedUrl = "";
    drop(!otherTab);
  }

  document.body.append(host);
  if (previewMode) greeted = everGreeted = true;
  render();
  connect();

  return {
    open: () => setOpen(true),
    close: () => setOpen(false),
    toggle,
    preview(opts) {
      // The editor's preview (preview.js): the unsaved settings and a sample conversation in
      // the wire format of messenger.entry; nothing is stored or sent.
      if (!previewMode) return;
      applyWidget(opts.widget || {});
      lang = pickLang(opts.lang) || lang;
      state = fresh();
      current = null;
      for (const e of opts.entries || []) addEntry("preview", e), (current = "preview");
      if (current && opts.queued) conv("preview").q = true;
      built = "";
      render();
    },
    reset() {
      // For a host site's logout: forget this visitor (in every tab) and start anonymously.
      localStorage.removeItem(STORE);
      forget();
    },
  };
}

// --- boot -------------------------------------------------------------------------------------

const navHooks = [];
const runNavHooks = () => navHooks.forEach((f) => f());
const pushState = history.pushState;
history.pushState = function (...args) {
  const result = pushState.apply(this, args);
  runNavHooks();
  return result;
};
addEventListener("popstate", runNavHooks);

function boot() {
  const self = SELF.origin + SELF.pathname;
  const started = new Set();
  let api = null;
  for (const script of document.querySelectorAll("script[data-widget]")) {
    let src;
    try {
      const u = new URL(script.getAttribute("src") || "", location.href);
      src = u.origin + u.pathname;
    } catch {
      continue;
    }
    const key = script.dataset.widget;
    if (src !== self || !key || started.has(key)) continue;
    started.add(key);
    api = mount({
      key,
      identity: parseIdentity(script.dataset.identity),
      language: script.dataset.language,
      mode: script.dataset.mode,
    });
  }
  if (api) window.MessageCenter = api;
}

if (document.body) boot();
else document.addEventListener("DOMContentLoaded", boot, { once: true });
