// Home: the stats partial is re-fetched (htmx, "mc:refresh") when the inbox or the team changes.

import { socket } from "./socket.js";
import { debounce } from "./util.js";

const refresh = debounce(() => document.body.dispatchEvent(new CustomEvent("mc:refresh")), 600);
socket.on("conversation.changed", refresh);
socket.on("operator.presence", refresh);
socket.onResume(refresh);
