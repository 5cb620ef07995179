// The signed-in person's scheduled posts: when each goes out, what it says
// (as plain text: nothing of it is read as HTML), and a cancel button.

import { api } from "./api.js";
import { h, announce, confirmDialog } from "./dom.js";
import { feed } from "./timeline.js";

const VISIBILITY = { public: "Public", unlisted: "Unlisted", private: "Followers only", direct: "Mentioned people only" };

function scheduledItem(ctx, scheduled, list) {
  const params = scheduled.params || {};
  const when = new Date(scheduled.scheduled_at).toLocaleString();
  const item = h("article", { class: "status scheduled", "aria-label": `Scheduled for ${when}`, dataset: { id: scheduled.id } },
    h("p", { class: "when" }, "Posts at ", h("time", { datetime: scheduled.scheduled_at }, when),
      params.visibility ? ` · ${VISIBILITY[params.visibility] || params.visibility}` : null),
    params.spoiler_text ? h("p", { class: "cw-text" }, "Content warning: ", params.spoiler_text) : null,
    h("p", { class: "content plain" }, params.text || ""),
    params.poll ? h("ul", { class: "poll-plan", "aria-label": "Poll options" }, params.poll.options.map((o) => h("li", {}, o))) : null,
    (scheduled.media_attachments || []).length ? h("p", { class: "acct" }, `${scheduled.media_attachments.length} attachment(s)`) : null,
    h("div", { class: "actions" }, h("button", { type: "button", class: "action", "aria-label": `Cancel the post scheduled for ${when}`, onclick: async (e) => {
      if (!(await confirmDialog("Cancel this scheduled post? It will not be posted.", "Cancel post", "Keep it"))) return;
      e.target.disabled = true;
      try {
        await api("DELETE", `/api/v1/scheduled_statuses/${scheduled.id}`);
        item.remove();
        announce("Scheduled post cancelled.");
        if (!list.querySelector("article")) list.reload();
        document.querySelector("main h1")?.focus();
      } catch (err) {
        e.target.disabled = false;
        announce(`Not cancelled: ${err.message}`);
      }
    } }, "Cancel")));
  return item;
}

export function scheduledView(ctx) {
  const heading = h("h1", { tabindex: "-1" }, "Scheduled posts");
  if (!ctx.me) return h("div", {}, heading, h("p", {}, h("a", { href: "/signin", "data-nav": true }, "Sign in"), " to see this page."));
  let list = null;
  list = feed(ctx, { path: "/api/v1/scheduled_statuses", label: "Scheduled posts", empty: "Nothing scheduled. Tick “Schedule” in the composer to post later.", render: (s) => scheduledItem(ctx, s, list) });
  return h("div", {}, heading, list);
}
