// Hashtags: a tag's timeline with a follow switch (a followed tag's public
// posts reach the home timeline), and the page of followed hashtags.

import { api } from "./api.js";
import { h, replace, announce } from "./dom.js";
import { feed } from "./timeline.js";
import { heading, signInFirst, errorBox } from "./pages.js";

const tagPath = (name) => `/api/v1/tags/${encodeURIComponent(name)}`;

// "Follow #x" / "Unfollow #x", from the tag's `following` as the server says.
function followButton(name, following, onChange = () => {}) {
  const button = h("button", { type: "button" });
  const error = errorBox();
  const draw = (on) => {
    button.textContent = on ? `Unfollow #${name}` : `Follow #${name}`;
    button.className = on ? "" : "primary";
    button.dataset.following = String(on);
  };
  draw(following);
  button.addEventListener("click", async () => {
    const on = button.dataset.following === "true";
    button.disabled = true;
    error.textContent = "";
    try {
      const tag = await api("POST", `${tagPath(name)}/${on ? "unfollow" : "follow"}`);
      draw(Boolean(tag.following));
      announce(tag.following ? `Following #${tag.name}.` : `No longer following #${tag.name}.`);
      onChange(tag);
    } catch (err) {
      error.textContent = err.message;
    }
    button.disabled = false;
  });
  return h("span", { class: "tag-follow" }, button, error);
}

export function tagView(ctx, { name }) {
  const bar = h("div", { class: "tag-bar" });
  if (ctx.me) {
    api("GET", tagPath(name))
      .then((tag) => replace(bar, followButton(tag.name, Boolean(tag.following))))
      // Never used yet (404): it can still be followed.
      .catch((err) => replace(bar, err.status === 404 ? followButton(name.toLowerCase(), false) : null));
  }
  return h("div", {}, heading(`#${name}`), bar,
    feed(ctx, { path: `/api/v1/timelines/tag/${encodeURIComponent(name)}`, label: `Posts tagged ${name}` }));
}

export function followedTagsView(ctx) {
  if (!ctx.me) return signInFirst();
  const row = (tag) => h("div", { class: "account-row tag-row", dataset: { id: tag.id } },
    h("a", { href: `/tags/${encodeURIComponent(tag.name)}`, "data-nav": true, class: "who" }, `#${tag.name}`),
    followButton(tag.name, true));
  const list = feed(ctx, { path: "/api/v1/followed_tags", render: row, label: "Followed hashtags", empty: "You follow no hashtags yet." });
  const input = h("input", { type: "text", id: "follow-tag", name: "tag", autocomplete: "off", autocapitalize: "none", required: true });
  const error = errorBox();
  const form = h("form", { class: "card", "aria-label": "Follow a hashtag" },
    h("label", { for: "follow-tag" }, "Hashtag to follow"), input, error,
    h("button", { type: "submit", class: "primary" }, "Follow"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    try {
      const tag = await api("POST", `${tagPath(input.value.trim().replace(/^#/, ""))}/follow`);
      list.addTop(tag);
      input.value = "";
      announce(`Following #${tag.name}.`);
    } catch (err) {
      error.textContent = err.message;
    }
  });
  return h("div", {}, heading("Followed hashtags"),
    h("p", {}, "Public posts with these hashtags appear in your home timeline."), form, list);
}
