// The service worker: shows Web Push notifications and opens the app on a click.
self.addEventListener("push", (event) => {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch { data = { title: event.data?.text() }; }
  event.waitUntil(self.registration.showNotification(data.title || "New notification", {
    body: data.body || "",
    icon: data.icon,
    tag: data.notification_id ? `n-${data.notification_id}` : undefined,
    data: { url: "/notifications" },
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: "window" });
    for (const client of windows) {
      if (new URL(client.url).origin === self.location.origin) {
        await client.focus();
        client.navigate(event.notification.data.url);
        return;
      }
    }
    await self.clients.openWindow(event.notification.data.url);
  })());
});
