// Live events over the streaming API's WebSocket. The token goes in the
// Sec-WebSocket-Protocol header, as Mastodon accepts it, not in the URL.

import { token } from "./api.js";

const listeners = new Set();
let socket = null;
let retry = 1000;
let wanted = false;

export function onEvent(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function streamingBase(instance) {
  const configured = instance?.configuration?.urls?.streaming;
  if (configured) return configured.replace(/\/$/, "");
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}`;
}

export function connect(instance) {
  const secret = token.get();
  if (!secret || socket || !("WebSocket" in window)) return;
  wanted = true;
  const ws = new WebSocket(`${streamingBase(instance)}/api/v1/streaming`, [secret]);
  socket = ws;
  ws.onopen = () => {
    retry = 1000;
    ws.send(JSON.stringify({ type: "subscribe", stream: "user" }));
  };
  ws.onmessage = (message) => {
    let data;
    try { data = JSON.parse(message.data); } catch { return; }
    if (!data.event) return;
    let payload = data.payload;
    try { payload = typeof payload === "string" && payload.startsWith("{") ? JSON.parse(payload) : payload; } catch { /* a bare id */ }
    for (const listener of listeners) listener(data.event, payload, data.stream);
  };
  ws.onclose = () => {
    socket = null;
    if (wanted && token.get()) {
      setTimeout(() => connect(instance), retry);
      retry = Math.min(retry * 2, 60000);
    }
  };
}

export function disconnect() {
  wanted = false;
  if (socket) socket.close();
  socket = null;
}
