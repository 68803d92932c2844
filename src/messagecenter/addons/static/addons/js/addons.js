// Add-ons on the conversation page: "Run …" in the action bar's menu starts a run (the
// server answers 202 at once; the add-on is called from a job), the sidebar switches to the
// Add-ons tab, and the panel is re-read when the run ends (followed here, and announced on the
// socket to every open page of the conversation, also for runs started in bulk elsewhere).

import { socket } from "../../web/js/socket.js";
import { format, getJson, gettext, post, toast } from "../../web/js/util.js";

const POLL_MS = 1000;
const POLL_LIMIT = 60;
const conversation = document.querySelector("[data-conversation]")?.dataset.conversation;
const following = new Set();
const told = new Set();

function refreshPanel() {
  document.body.dispatchEvent(new CustomEvent("mc:addons"));
}

function showPanel() {
  const tab = document.getElementById("tab-addons");
  if (tab && tab.getAttribute("aria-selected") !== "true") tab.click();
}

function tell(run) {
  if (told.has(run.id)) return;
  told.add(run.id);
  if (run.state === "failed") {
    toast(format(gettext("%(name)s failed: %(error)s"), { name: run.addon.name, error: run.error }), "error");
  } else if (run.refused) {
    toast(format(gettext("%(name)s is done; some of its actions were refused."), { name: run.addon.name }), "error");
  } else {
    toast(format(gettext("%(name)s is done."), { name: run.addon.name }));
  }
}

// The socket may be reconnecting: follow our own run by asking, until it has ended.
async function follow(run) {
  for (let i = 0; i < POLL_LIMIT && !told.has(run.id); i += 1) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    let current;
    try {
      current = await getJson(run.url);
    } catch {
      continue;
    }
    if (current.finished) {
      if (!told.has(run.id)) refreshPanel();
      tell(current);
      return;
    }
  }
}

for (const form of document.querySelectorAll("form[data-addon-run]")) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    form.closest("details[data-dropdown]")?.removeAttribute("open");
    const result = await post(form.action, new FormData(form));
    if (!result.ok) {
      toast(result.data.error, "error");
      return;
    }
    following.add(result.data.run.id);
    showPanel();
    refreshPanel();
    follow(result.data.run);
  });
}

socket.on("addon.run", (frame) => {
  if (frame.conversation !== conversation) return;
  refreshPanel();
  if (frame.run.finished && following.has(frame.run.id)) tell(frame.run);
});

// The sidebar's tab strip scrolls sideways when its labels are wider than the sidebar: keep
// the chosen tab in view.
for (const tab of document.querySelectorAll("[data-details-tab]")) {
  const reveal = () => tab.scrollIntoView({ block: "nearest", inline: "nearest" });
  tab.addEventListener("click", reveal);
  tab.addEventListener("focus", reveal);
}
