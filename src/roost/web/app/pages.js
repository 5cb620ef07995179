// Shared pieces of the pages in lists.js, filters.js, requests.js and
// tags.js: the focusable page heading, the sign-in prompt, a row for an
// account, and a button that calls the API once per click.

import { h } from "./dom.js";
import { avatar, displayName, accountLink } from "./status.js";

export const heading = (text) => h("h1", { tabindex: "-1" }, text);

export function signInFirst() {
  return h("div", {}, heading("Sign in first"), h("p", {}, h("a", { href: "/signin", "data-nav": true }, "Sign in"), " to see this page."));
}

export function errorBox() {
  return h("p", { class: "error", role: "alert" });
}

// One account: picture, name and address, and whatever controls follow.
export function personRow(account, ...controls) {
  return h("div", { class: "account-row", dataset: { id: account.id } },
    accountLink(account, avatar(account, 40)),
    h("div", { class: "who" }, accountLink(account, h("strong", {}, displayName(account))), h("div", { class: "acct" }, `@${account.acct}`)),
    controls.length ? h("div", { class: "row-actions" }, controls) : null);
}

// A button that runs work() and stays disabled while it runs; a failure is
// shown next to it (and read out), and the button can be pressed again.
export function actButton(label, work, attrs = {}) {
  const button = h("button", { type: "button", ...attrs }, label);
  const error = h("span", { class: "error", role: "alert" });
  button.addEventListener("click", async () => {
    button.disabled = true;
    error.textContent = "";
    try {
      await work();
    } catch (err) {
      if (!error.isConnected) button.after(error);
      error.textContent = err.message;
    }
    button.disabled = false;
  });
  return button;
}
