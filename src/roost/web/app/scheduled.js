// The signed-in person's scheduled posts: when each goes out, what it says
// (as plain text: nothing of it is read as HTML), another time to move it
// to, and a cancel button.

import { api } from "./api.js";
import { h, replace, announce, confirmDialog } from "./dom.js";
import { feed } from "./timeline.js";
import { localInput } from "./compose.js";

let seq = 0;

const VISIBILITY = { public: "Public", unlisted: "Unlisted", private: "Followers only", direct: "Mentioned people only" };

function scheduledItem(ctx, scheduled, list) {
  const params = scheduled.params || {};
  const when = new Date(scheduled.scheduled_at).toLocaleString();
  const time = h("time", { datetime: scheduled.scheduled_at }, when);
  const at = h("input", { type: "datetime-local", id: `scheduled-${++seq}`, value: localInput(new Date(scheduled.scheduled_at)) });
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const move = h("form", { class: "schedule", "aria-label": "Move to another time" },
    h("label", { for: at.id }, "New time "), at, h("button", { type: "submit" }, "Move"));
  move.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.hidden = true;
    try {
      const moved = await api("PUT", `/api/v1/scheduled_statuses/${scheduled.id}`, { json: { scheduled_at: new Date(at.value).toISOString() } });
      const label = new Date(moved.scheduled_at).toLocaleString();
      time.dateTime = moved.scheduled_at;
      replace(time, label);
      item.setAttribute("aria-label", `Scheduled for ${label}`);
      announce(`Moved to ${label}.`);
    } catch (err) {
      error.textContent = `Not moved: ${err.message}`;
      error.hidden = false;
    }
  });
  const item = h("article", { class: "status scheduled", "aria-label": `Scheduled for ${when}`, dataset: { id: scheduled.id } },
    h("p", { class: "when" }, "Posts at ", time,
      params.visibility ? ` · ${VISIBILITY[params.visibility] || params.visibility}` : null),
    params.spoiler_text ? h("p", { class: "cw-text" }, "Content warning: ", params.spoiler_text) : null,
    h("p", { class: "content plain" }, params.text || ""),
    params.poll ? h("ul", { class: "poll-plan", "aria-label": "Poll options" }, params.poll.options.map((o) => h("li", {}, o))) : null,
    (scheduled.media_attachments || []).length ? h("p", { class: "acct" }, `${scheduled.media_attachments.length} attachment(s)`) : null,
    move, error,
    h("div", { class: "actions" }, h("button", { type: "button", "aria-label": `Cancel the post scheduled for ${when}`, onclick: async (e) => {
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
