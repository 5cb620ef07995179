// One status: author, time, content warning, content (the server's HTML,
// sanitised again here), media, and the actions with counts that change at once.

import { api } from "./api.js";
import { h, replace, sanitize, timeEl, announce } from "./dom.js";

export function avatar(account, size = 46) {
  return h("img", { class: "avatar", src: account.avatar_static || account.avatar, alt: "", width: size, height: size, loading: "lazy" });
}

export function displayName(account) {
  return account.display_name || account.username;
}

export function accountLink(account, ...children) {
  return h("a", { href: `/@${account.acct}`, "data-nav": true }, children);
}

// A photo opens large in a modal dialog (Escape or a click closes it).
function showLarge(m) {
  const dialog = h("dialog", { class: "lightbox", "aria-label": m.description || "Image" },
    h("img", { src: m.url, alt: m.description || "" }),
    h("form", { method: "dialog" }, h("button", { type: "submit" }, "Close")));
  dialog.addEventListener("close", () => dialog.remove());
  dialog.addEventListener("click", (e) => { if (e.target === dialog) dialog.close(); });
  document.body.append(dialog);
  dialog.showModal();
}

function media(attachments, sensitive) {
  if (!attachments || !attachments.length) return null;
  const items = attachments.map((m) => {
    const alt = m.description || "";
    if (m.type === "video" || m.type === "gifv") {
      return h("video", { src: m.url, poster: m.preview_url, controls: true, preload: "none", "aria-label": alt || "Video", loop: m.type === "gifv", muted: m.type === "gifv", playsInline: true });
    }
    if (m.type === "image") {
      return h("a", { href: m.url, target: "_blank", rel: "noopener", class: "media-link", onclick: (e) => { e.preventDefault(); showLarge(m); } },
        h("img", { src: m.preview_url || m.url, alt: alt || "Image without a description", loading: "lazy" }));
    }
    return h("a", { href: m.url, target: "_blank", rel: "noopener" }, alt || "Attachment");
  });
  const grid = h("div", { class: `media media-${Math.min(items.length, 4)}` }, items);
  if (!sensitive) return grid;
  return h("details", { class: "sensitive" }, h("summary", {}, "Sensitive media: show"), grid);
}

function actionButton({ label, count, pressed, icon, onClick, disabled }) {
  return h("button", { type: "button", class: "action", "aria-label": label, "aria-pressed": pressed === undefined ? null : String(pressed), disabled, onclick: onClick },
    h("span", { "aria-hidden": "true" }, icon), count !== undefined ? h("span", { class: "count" }, String(count)) : null);
}

// Toggle a mark (favourite, reblog, bookmark): the button changes at once and
// goes back if the server refuses.
async function toggle(status, kind, rerender) {
  const fields = {
    favourite: ["favourited", "favourites_count"],
    reblog: ["reblogged", "reblogs_count"],
    bookmark: ["bookmarked", null],
  }[kind];
  const [flag, counter] = fields;
  const on = !status[flag];
  status[flag] = on;
  if (counter) status[counter] = Math.max(0, status[counter] + (on ? 1 : -1));
  rerender();
  try {
    const answer = await api("POST", `/api/v1/statuses/${status.id}/${on ? "" : "un"}${kind}`);
    const fresh = kind === "reblog" && answer.reblog ? answer.reblog : answer;
    if (fresh && fresh.id === status.id) {
      status[flag] = fresh[flag];
      if (counter) status[counter] = fresh[counter];
      rerender();
    }
  } catch (error) {
    status[flag] = !on;
    if (counter) status[counter] = Math.max(0, status[counter] + (on ? -1 : 1));
    rerender();
    announce(error.message);
  }
}

export function renderStatus(item, ctx, { focused = false } = {}) {
  const status = item.reblog || item;
  const article = h("article", { class: focused ? "status focused" : "status", tabindex: "0", "aria-label": `${displayName(status.account)}: ${status.spoiler_text || status.content.replace(/<[^>]+>/g, " ").trim().slice(0, 80)}`, dataset: { id: status.id } });
  const draw = () => {
    const signedIn = Boolean(ctx.me);
    const body = h("div", { class: "content", lang: status.language || null }, sanitize(status.content));
    const content = status.spoiler_text
      ? h("details", { class: "cw" }, h("summary", {}, status.spoiler_text, " ", h("span", { class: "more" }, "(show)")), body)
      : body;
    const actions = h("div", { class: "actions", role: "group", "aria-label": "Actions" },
      actionButton({ label: `Reply (${status.replies_count})`, icon: "↩", count: status.replies_count, disabled: !signedIn, onClick: () => ctx.reply(status) }),
      actionButton({ label: `Boost (${status.reblogs_count})`, icon: "⟳", count: status.reblogs_count, pressed: Boolean(status.reblogged), disabled: !signedIn || !["public", "unlisted"].includes(status.visibility), onClick: () => toggle(status, "reblog", draw) }),
      actionButton({ label: `Like (${status.favourites_count})`, icon: "★", count: status.favourites_count, pressed: Boolean(status.favourited), disabled: !signedIn, onClick: () => toggle(status, "favourite", draw) }),
      actionButton({ label: "Bookmark", icon: "⚑", pressed: Boolean(status.bookmarked), disabled: !signedIn, onClick: () => toggle(status, "bookmark", draw) }),
    );
    replace(article,
      item.reblog ? h("p", { class: "boosted" }, "⟳ ", accountLink(item.account, displayName(item.account)), " boosted") : null,
      h("header", {},
        accountLink(status.account, avatar(status.account)),
        h("div", { class: "who" }, accountLink(status.account, h("strong", {}, displayName(status.account))), " ", h("span", { class: "acct" }, `@${status.account.acct}`)),
        h("a", { href: `/statuses/${status.id}`, "data-nav": true, class: "when" }, timeEl(status.created_at)),
      ),
      content,
      media(status.media_attachments, status.sensitive),
      status.location ? h("p", { class: "location" }, "Location: ", status.location.name || `${status.location.latitude}, ${status.location.longitude}`) : null,
      status.visibility !== "public" ? h("p", { class: "visibility" }, status.visibility) : null,
      actions,
    );
  };
  draw();
  article.addEventListener("keydown", (e) => {
    if (e.target === article && e.key === "Enter") ctx.go(`/statuses/${status.id}`);
  });
  return article;
}
