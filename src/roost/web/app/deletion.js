// Deleting one's own account, from the settings page. Mastodon has no
// client API method for it, only its web settings' form; Roost's is
// POST /settings/delete with the password, under the app's own token.
// The server revokes every token of the account at once, so this browser
// forgets its own and goes back to the welcome page.

import { api, token } from "./api.js";
import { h, announce } from "./dom.js";

export function deleteAccountForm(ctx) {
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const password = h("input", { id: "delete-password", name: "password", type: "password", autocomplete: "current-password", required: true });
  const form = h("form", { class: "card", "aria-label": "Delete account" },
    h("p", {}, "Deleting your account removes your posts, your follows and followers, your lists and everything else of yours. It cannot be undone, and your username stays reserved: nobody can take it again."),
    h("label", { for: "delete-password" }, "Your password, to confirm"),
    password,
    error,
    h("button", { type: "submit", class: "danger" }, "Delete my account"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.hidden = true;
    try {
      await api("POST", "/settings/delete", { json: { password: password.value } });
    } catch (err) {
      error.textContent = `Not deleted: ${err.message}`;
      error.hidden = false;
      return;
    }
    token.clear();
    ctx.me = null;
    ctx.unread = 0;
    ctx.redraw();
    ctx.go("/");
    announce("Your account was deleted.");
  });
  return form;
}
