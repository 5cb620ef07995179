// The Web Push switch: a service worker, a browser push subscription with the
// server's VAPID key, and POST /api/v1/push/subscription.

import { api } from "./api.js";
import { h, replace } from "./dom.js";

function keyBytes(base64url) {
  const bare = base64url.replace(/=+$/, "");
  const padded = (bare + "===".slice((bare.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

const b64 = (buffer) => btoa(String.fromCharCode(...new Uint8Array(buffer))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

const ALERTS = { mention: true, status: true, reblog: true, follow: true, follow_request: true, favourite: true, poll: true, update: true };

export function pushSwitch(ctx) {
  const box = h("div", { class: "push" });
  const vapid = ctx.instance?.configuration?.vapid?.public_key;
  if (!vapid) return replace(box, h("p", {}, "This server does not send Web Push notifications."));
  if (!("serviceWorker" in navigator) || !("PushManager" in window)) return replace(box, h("p", {}, "This browser cannot receive Web Push notifications."));
  const toggle = h("input", { type: "checkbox", id: "push-toggle", role: "switch" });
  const note = h("p", { role: "status" });
  replace(box, h("label", { for: "push-toggle", class: "check" }, toggle, " Send notifications to this browser"), note);
  (async () => {
    const reg = await navigator.serviceWorker.getRegistration("/");
    const sub = reg && (await reg.pushManager.getSubscription());
    toggle.checked = Boolean(sub);
  })().catch(() => {});
  toggle.addEventListener("change", async () => {
    toggle.disabled = true;
    try {
      if (toggle.checked) {
        if ((await Notification.requestPermission()) !== "granted") throw new Error("The browser did not allow notifications.");
        const reg = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
        await navigator.serviceWorker.ready;
        const sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(vapid) });
        await api("POST", "/api/v1/push/subscription", { json: {
          subscription: { endpoint: sub.endpoint, keys: { p256dh: b64(sub.getKey("p256dh")), auth: b64(sub.getKey("auth")) } },
          data: { alerts: ALERTS, policy: "all" },
        } });
        note.textContent = "Notifications will reach this browser.";
      } else {
        const reg = await navigator.serviceWorker.getRegistration("/");
        const sub = reg && (await reg.pushManager.getSubscription());
        if (sub) await sub.unsubscribe();
        await api("DELETE", "/api/v1/push/subscription").catch(() => {});
        note.textContent = "Notifications to this browser are off.";
      }
    } catch (e) {
      toggle.checked = !toggle.checked;
      note.textContent = e.message;
    }
    toggle.disabled = false;
  });
  return box;
}
