// Live events from the streaming API's user stream (home timeline and
// notifications), read as server-sent events through fetch: the token goes
// in the Authorization header like every other call. (EventSource cannot
// send that header, and a WebSocket would carry the token in its URL or in
// Sec-WebSocket-Protocol, which debug-level server logs may print.)

import { token } from "./api.js";

const listeners = new Set();
let controller = null;
let retry = 1000;

export function onEvent(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function streamingBase(instance) {
  const configured = instance?.configuration?.urls?.streaming;
  if (!configured) return location.origin;
  return configured.replace(/^ws(s?):/, "http$1:").replace(/\/$/, "");
}

function dispatch(block) {
  let event = null;
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) event = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
  }
  if (!event) return;
  let payload = data.join("\n");
  try { if (payload.startsWith("{")) payload = JSON.parse(payload); } catch { /* a bare id */ }
  for (const listener of listeners) listener(event, payload, ["user"]);
}

async function listen(instance, signal) {
  const response = await fetch(`${streamingBase(instance)}/api/v1/streaming/user`, {
    headers: { Authorization: `Bearer ${token.get()}`, Accept: "text/event-stream" },
    credentials: "omit",
    cache: "no-store",
    signal,
  });
  if (!response.ok || !response.body) throw new Error(`stream answered ${response.status}`);
  retry = 1000;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      dispatch(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
    }
  }
}

export function connect(instance) {
  if (!token.get() || controller) return;
  const own = new AbortController();
  controller = own;
  listen(instance, own.signal)
    .catch(() => {})
    .finally(() => {
      if (controller !== own || own.signal.aborted) return;
      controller = null;
      if (token.get()) {
        setTimeout(() => connect(instance), retry);
        retry = Math.min(retry * 2, 60000);
      }
    });
}

export function disconnect() {
  if (controller) controller.abort();
  controller = null;
}
