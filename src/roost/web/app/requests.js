// Follow requests: a locked account approves its followers by hand. The
// page lists who is waiting, with accept and reject; the switch that locks
// the account sits in the settings (privacySettings) and here.

import { api } from "./api.js";
import { h, replace, announce } from "./dom.js";
import { feed } from "./timeline.js";
import { displayName } from "./status.js";
import { heading, signInFirst, personRow, actButton } from "./pages.js";

// Accept and reject for one waiting account; the menu's count goes down.
export function answerButtons(ctx, account) {
  const box = h("span", { class: "answer", role: "group", "aria-label": `Request from ${displayName(account)}` });
  const answer = (path, said) => actButton(path === "authorize" ? "Accept" : "Reject", async () => {
    await api("POST", `/api/v1/follow_requests/${account.id}/${path}`);
    replace(box, h("span", { class: "tag" }, said));
    announce(`${displayName(account)}: ${said}`);
    const source = ctx.me?.source;
    if (source) source.follow_requests_count = Math.max(0, (source.follow_requests_count || 1) - 1);
    ctx.redraw();
  }, { class: path === "authorize" ? "primary" : "" });
  replace(box, answer("authorize", "Accepted"), answer("reject", "Rejected"));
  return box;
}

// The switch that locks the account (PATCH update_credentials locked=...).
export function privacySettings(ctx) {
  const note = h("p", { class: "hint", role: "status" });
  const input = h("input", { type: "checkbox", role: "switch", id: "locked-switch", checked: Boolean(ctx.me?.locked) });
  input.addEventListener("change", async () => {
    const want = input.checked;
    input.disabled = true;
    note.textContent = "Saving…";
    try {
      const form = new FormData();
      form.set("locked", want ? "true" : "false");
      ctx.me = await api("PATCH", "/api/v1/accounts/update_credentials", { form });
      note.textContent = want ? "New followers now wait for your approval." : "Anyone can follow you now; waiting requests are accepted.";
      ctx.redraw();
    } catch (err) {
      input.checked = !want;
      note.textContent = `Not saved: ${err.message}`;
    }
    input.disabled = false;
  });
  return h("div", { class: "card" },
    h("label", { class: "check", for: "locked-switch" }, input, " Approve new followers by hand (locked account)"),
    note);
}

export function followRequestsView(ctx) {
  if (!ctx.me) return signInFirst();
  const list = feed(ctx, {
    path: "/api/v1/follow_requests",
    render: (account) => personRow(account, answerButtons(ctx, account)),
    label: "Follow requests",
    empty: "Nobody is waiting for your approval.",
  });
  // The count in the menu, as the server has it now.
  api("GET", "/api/v1/accounts/verify_credentials").then((me) => { ctx.me = me; ctx.redraw(); }).catch(() => {});
  return h("div", {}, heading("Follow requests"), privacySettings(ctx), list);
}
