// One status: author, time (and "edited", which opens the edit history),
// content warning, content (the server's HTML, sanitised again here), poll,
// media, and the actions with counts that change at once; on one's own
// posts also edit (in place), delete (after a confirmation) and pin.

import { api } from "./api.js";
import { h, replace, sanitize, timeEl, announce, confirmDialog } from "./dom.js";
import { composer } from "./compose.js";
import { renderPoll } from "./poll.js";

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

// The versions of an edited status, newest first, in a modal dialog.
async function showHistory(status) {
  const title = h("h2", { id: `history-${status.id}` }, "Edit history");
  const list = h("ul", { class: "versions" }, h("li", { role: "status" }, "Loading…"));
  const dialog = h("dialog", { class: "history", "aria-labelledby": title.id }, title, list,
    h("form", { method: "dialog" }, h("button", { type: "submit" }, "Close")));
  dialog.addEventListener("close", () => dialog.remove());
  dialog.addEventListener("click", (e) => { if (e.target === dialog) dialog.close(); });
  document.body.append(dialog);
  dialog.showModal();
  try {
    const versions = await api("GET", `/api/v1/statuses/${status.id}/history`);
    replace(list, versions.map((v, index) => h("li", { class: "version" },
      h("p", { class: "version-head" }, h("strong", {}, index === 0 ? "Original" : `Edit ${index}`), " · ",
        h("time", { datetime: v.created_at }, new Date(v.created_at).toLocaleString())),
      v.spoiler_text ? h("p", { class: "cw-text" }, "Content warning: ", v.spoiler_text) : null,
      h("div", { class: "content" }, sanitize(v.content)))).reverse());
  } catch (e) {
    replace(list, h("li", { class: "error", role: "alert" }, e.message));
  }
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
  const article = h("article", { class: focused ? "status focused" : "status", tabindex: "0", dataset: { id: status.id } });
  let editing = false;
  const stopEditing = (saved) => {
    if (saved) Object.assign(status, saved);
    editing = false;
    draw();
    article.focus();
  };
  const remove = async () => {
    if (!(await confirmDialog("Delete this post?", "Delete"))) return;
    try {
      await api("DELETE", `/api/v1/statuses/${status.id}`);
      // Everywhere on the page (a pinned copy, boosts of it), at once.
      for (const node of document.querySelectorAll(`article.status[data-id="${CSS.escape(status.id)}"]`)) (node.closest(".feed > *") || node).remove();
      document.querySelector("main h1")?.focus();
      announce("Post deleted.");
    } catch (e) {
      announce(`Not deleted: ${e.message}`);
    }
  };
  const pin = async () => {
    try {
      const fresh = await api("POST", `/api/v1/statuses/${status.id}/${status.pinned ? "unpin" : "pin"}`);
      status.pinned = fresh.pinned;
      draw();
      announce(status.pinned ? "Pinned to your profile." : "Unpinned.");
    } catch (e) {
      announce(e.message);
    }
  };
  const draw = () => {
    const signedIn = Boolean(ctx.me);
    const own = signedIn && ctx.me.id === status.account.id;
    article.setAttribute("aria-label", `${displayName(status.account)}: ${status.spoiler_text || status.content.replace(/<[^>]+>/g, " ").trim().slice(0, 80)}`);
    const header = h("header", {},
      accountLink(status.account, avatar(status.account)),
      h("div", { class: "who" }, accountLink(status.account, h("strong", {}, displayName(status.account))), " ", h("span", { class: "acct" }, `@${status.account.acct}`)),
      status.edited_at ? h("button", { type: "button", class: "link edited", "aria-haspopup": "dialog", "aria-label": "Edited: show the edit history", title: `Edited ${new Date(status.edited_at).toLocaleString()}`, onclick: () => showHistory(status) }, "edited") : null,
      h("a", { href: `/statuses/${status.id}`, "data-nav": true, class: "when" }, timeEl(status.created_at)),
    );
    if (editing) {
      replace(article, header, composer(ctx, { edit: status, onPosted: stopEditing, onCancel: () => stopEditing() }));
      return;
    }
    const body = h("div", { class: "content", lang: status.language || null }, sanitize(status.content));
    const inner = [body, status.poll ? renderPoll(status, ctx) : null];
    const content = status.spoiler_text
      ? h("details", { class: "cw" }, h("summary", {}, status.spoiler_text, " ", h("span", { class: "more" }, "(show)")), inner)
      : inner;
    const actions = h("div", { class: "actions", role: "group", "aria-label": "Actions" },
      actionButton({ label: `Reply (${status.replies_count})`, icon: "↩", count: status.replies_count, disabled: !signedIn, onClick: () => ctx.reply(status) }),
      actionButton({ label: `Boost (${status.reblogs_count})`, icon: "⟳", count: status.reblogs_count, pressed: Boolean(status.reblogged), disabled: !signedIn || !["public", "unlisted"].includes(status.visibility), onClick: () => toggle(status, "reblog", draw) }),
      actionButton({ label: `Like (${status.favourites_count})`, icon: "★", count: status.favourites_count, pressed: Boolean(status.favourited), disabled: !signedIn, onClick: () => toggle(status, "favourite", draw) }),
      actionButton({ label: "Bookmark", icon: "⚑", pressed: Boolean(status.bookmarked), disabled: !signedIn, onClick: () => toggle(status, "bookmark", draw) }),
      own ? h("span", { class: "own-actions" },
        h("button", { type: "button", class: "action", onclick: () => { editing = true; draw(); } }, "Edit"),
        ["public", "unlisted"].includes(status.visibility) ? h("button", { type: "button", class: "action", onclick: pin }, status.pinned ? "Unpin" : "Pin") : null,
        h("button", { type: "button", class: "action", onclick: remove }, "Delete")) : null,
    );
    replace(article,
      item.reblog ? h("p", { class: "boosted" }, "⟳ ", accountLink(item.account, displayName(item.account)), " boosted") : null,
      header,
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

// The posts an account pinned, above its profile's posts (nothing when none).
export function pinnedPosts(ctx, account) {
  const box = h("section", { class: "pinned", "aria-label": "Pinned posts", hidden: true });
  api("GET", `/api/v1/accounts/${account.id}/statuses`, { query: { pinned: true } }).then((found) => {
    if (!found.length) return;
    replace(box, h("h2", {}, "Pinned"), found.map((s) => renderStatus(s, ctx)));
    box.hidden = false;
  }).catch(() => {});
  return box;
}
