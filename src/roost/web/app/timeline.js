// A list of statuses (or other items) that loads more as it is scrolled to
// the end (and by a button, for keyboards), and holds live arrivals behind
// an "N new posts" bar instead of moving the page.

import { api } from "./api.js";
import { h, replace } from "./dom.js";
import { renderFiltered } from "./filters.js";

export function feed(ctx, { path, query = {}, render = (item) => renderFiltered(item, ctx), empty = "Nothing here yet.", label }) {
  const list = h("div", { class: "feed", role: "feed", "aria-label": label, "aria-busy": "true" });
  const more = h("button", { type: "button", class: "more", hidden: true }, "Load more");
  const status = h("p", { class: "feed-status", role: "status" });
  const pending = [];
  const bar = h("button", { type: "button", class: "new-posts", hidden: true });
  const seen = new Set();
  const shown = new Map(); // item id -> {item, node}, for edits arriving live
  let next = undefined;
  let loading = false;

  const add = (items, atTop = false) => {
    const nodes = [];
    for (const item of items) {
      if (seen.has(item.id)) continue;
      seen.add(item.id);
      const node = render(item);
      shown.set(item.id, { item, node });
      nodes.push(node);
    }
    if (atTop) list.prepend(...nodes); else list.append(...nodes);
  };

  const load = async () => {
    if (loading || next === null) return;
    loading = true;
    list.setAttribute("aria-busy", "true");
    status.textContent = "Loading…";
    try {
      const early = next === undefined && ctx.prefetched?.[path];
      if (early) delete ctx.prefetched[path];
      const items = (early && (await early)) || (await api("GET", path, { query: { ...query, max_id: next } }));
      add(items);
      // A short page is the last one (the Link header offers one more, empty, page).
      next = items.length >= 20 ? items.next : null;
      status.textContent = seen.size ? "" : empty;
    } catch (e) {
      status.textContent = `Could not load: ${e.message}`;
    }
    more.hidden = next === null;
    list.setAttribute("aria-busy", "false");
    loading = false;
  };

  bar.addEventListener("click", () => {
    add(pending.splice(0).reverse(), true);
    bar.hidden = true;
    status.textContent = "";
    list.firstElementChild?.focus();
  });
  more.addEventListener("click", load);
  const sentinel = h("div", { class: "sentinel", "aria-hidden": "true" });
  new IntersectionObserver((entries) => { if (entries.some((e) => e.isIntersecting)) load(); }, { rootMargin: "600px" }).observe(sentinel);

  const el = h("section", { class: "timeline", "aria-label": label }, bar, list, status, more, sentinel);
  el.push = (item) => {
    if (seen.has(item.id) || pending.some((p) => p.id === item.id)) return;
    pending.push(item);
    bar.textContent = pending.length === 1 ? "1 new post" : `${pending.length} new posts`;
    bar.hidden = false;
  };
  // A deleted post leaves the page (and the waiting ones) at once.
  el.drop = (id) => {
    const at = pending.findIndex((p) => p.id === id || p.reblog?.id === id);
    if (at >= 0) pending.splice(at, 1);
    for (const node of list.querySelectorAll(`[data-id="${CSS.escape(id)}"]`)) (node.closest(".feed > *") || node).remove();
    bar.textContent = pending.length === 1 ? "1 new post" : `${pending.length} new posts`;
    bar.hidden = !pending.length;
  };
  // One's own new post: shown at once, and no longer waiting behind the bar
  // if the stream brought it before the answer to the post did.
  el.addTop = (item) => {
    const at = pending.findIndex((p) => p.id === item.id);
    if (at >= 0) pending.splice(at, 1);
    bar.textContent = pending.length === 1 ? "1 new post" : `${pending.length} new posts`;
    bar.hidden = !pending.length;
    add([item], true);
    status.textContent = "";
  };
  // An edited status (a status.update event): drawn again where it shows,
  // boosts of it included, unless the reader is inside it (editing it, say).
  // The stream renders it for nobody in particular: the reader's own marks
  // and poll votes are kept from the version shown.
  el.update = (update) => {
    for (const entry of shown.values()) {
      const inner = entry.item.reblog || entry.item;
      if (inner.id !== update.id || !entry.node.isConnected || entry.node.contains(document.activeElement)) continue;
      const status = { ...update };
      for (const mark of ["favourited", "reblogged", "bookmarked", "muted", "pinned"]) if (status[mark] === undefined && mark in inner) status[mark] = inner[mark];
      if (status.poll && inner.poll?.id === status.poll.id && status.poll.voted === undefined) {
        status.poll = { ...status.poll, voted: inner.poll.voted, own_votes: inner.poll.own_votes };
      }
      if (entry.item.reblog) entry.item.reblog = status; else entry.item = status;
      const node = render(entry.item);
      entry.node.replaceWith(node);
      entry.node = node;
    }
    pending.forEach((p, i) => { if (p.id === update.id) pending[i] = update; else if (p.reblog?.id === update.id) p.reblog = update; });
  };
  el.reload = () => { shown.clear(); seen.clear(); pending.length = 0; next = undefined; replace(list); load(); };
  load();
  return el;
}

