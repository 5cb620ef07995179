// Filters (v2): keywords that, in the chosen places, put matching posts
// behind a warning or hide them. /filters lists them, /filters/new and
// /filters/<id> edit one; renderFiltered() is how timelines show a post the
// server marked with `filtered`.

import { api } from "./api.js";
import { h, replace, announce } from "./dom.js";
import { renderStatus } from "./status.js";
import { heading, signInFirst, errorBox, actButton } from "./pages.js";

const CONTEXTS = [
  ["home", "Home and lists"],
  ["notifications", "Notifications"],
  ["public", "Public timelines"],
  ["thread", "Conversations"],
  ["account", "Profiles"],
];
const EXPIRIES = [["0", "Never"], ["1800", "30 minutes"], ["3600", "1 hour"], ["21600", "6 hours"], ["86400", "1 day"], ["604800", "1 week"]];

// A status the viewer's filters matched: "hide" leaves it out (the server
// already does; this covers the stream too), "warn" shows its filters'
// titles with a button that reveals it.
export function renderFiltered(item, ctx) {
  const results = (item.reblog || item).filtered || item.filtered || [];
  if (!results.length) return renderStatus(item, ctx);
  if (results.some((r) => r.filter?.filter_action === "hide")) return h("div", { class: "filtered-out", hidden: true, dataset: { id: item.id } });
  const titles = [...new Set(results.map((r) => r.filter?.title).filter(Boolean))].join(", ");
  const box = h("article", { class: "status filtered", tabindex: "0", "aria-label": `Filtered: ${titles}`, dataset: { id: item.id } });
  replace(box,
    h("p", {}, `Filtered: ${titles}`),
    h("button", { type: "button", onclick: () => {
      const shown = renderStatus(item, ctx);
      box.replaceWith(shown);
      shown.focus();
    } }, "Show anyway"));
  return box;
}

function whenExpires(filter) {
  if (!filter.expires_at) return "Never expires";
  const at = new Date(filter.expires_at);
  return at < new Date() ? "Expired" : `Expires ${at.toLocaleString()}`;
}

function filterCard(ctx, filter, onGone) {
  const places = CONTEXTS.filter(([key]) => filter.context.includes(key)).map(([, label]) => label).join(", ");
  const removal = h("div", { class: "buttons" });
  const ask = () => replace(removal,
    actButton(`Yes, delete “${filter.title}”`, async () => {
      await api("DELETE", `/api/v2/filters/${filter.id}`);
      announce(`Filter ${filter.title} deleted.`);
      onGone();
    }, { class: "primary" }),
    h("button", { type: "button", onclick: () => replace(removal, initial()) }, "Keep it"));
  const initial = () => [
    h("a", { href: `/filters/${filter.id}`, "data-nav": true, class: "button", "aria-label": `Edit ${filter.title}` }, "Edit"),
    h("button", { type: "button", "aria-label": `Delete ${filter.title}`, onclick: ask }, "Delete"),
  ];
  replace(removal, initial());
  return h("section", { class: "card filter", "aria-label": filter.title, dataset: { id: filter.id } },
    h("h2", {}, filter.title),
    h("p", {}, "Keywords: ", filter.keywords.length ? filter.keywords.map((k) => `${k.keyword}${k.whole_word ? "" : " (any part of a word)"}`).join(", ") : "none"),
    h("p", {}, `In: ${places || "nowhere"}`),
    h("p", {}, filter.filter_action === "hide" ? "Hidden completely" : "Shown behind a warning"),
    h("p", { class: "tag" }, whenExpires(filter)),
    removal);
}

export function filtersView(ctx) {
  if (!ctx.me) return signInFirst();
  const list = h("div", { class: "filters" });
  const status = h("p", { role: "status" }, "Loading…");
  const showEmpty = () => { status.textContent = list.children.length ? "" : "No filters yet."; };
  api("GET", "/api/v2/filters").then((filters) => {
    replace(list, filters.map((f) => {
      const card = filterCard(ctx, f, () => { card.remove(); showEmpty(); });
      return card;
    }));
    showEmpty();
  }).catch((err) => { status.textContent = `Could not load: ${err.message}`; });
  return h("div", {}, heading("Filters"),
    h("p", {}, "Posts with these words are put behind a warning or hidden, where you choose."),
    h("p", {}, h("a", { href: "/filters/new", "data-nav": true, class: "button primary" }, "New filter")),
    list, status);
}

function keywordRow(keyword, index, onRemove) {
  const id = `kw-${index}`;
  const row = h("li", { class: "keyword", dataset: { id: keyword.id || "" } },
    h("input", { type: "text", id, name: "keyword", value: keyword.keyword || "", "aria-label": `Keyword ${index + 1}`, required: true }),
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "whole_word", checked: keyword.whole_word !== false }), " Whole word"),
    h("button", { type: "button", "aria-label": `Remove keyword ${index + 1}`, onclick: () => onRemove(row) }, "Remove"));
  return row;
}

export function filterEditView(ctx, { id }) {
  if (!ctx.me) return signInFirst();
  const title = heading(id ? "Edit filter" : "New filter");
  const body = h("div", { role: "status" }, "Loading…");
  (async () => {
    let filter = { title: "", keywords: [], context: ["home", "public"], filter_action: "warn", expires_at: null };
    if (id) {
      try {
        filter = await api("GET", `/api/v2/filters/${id}`);
      } catch (err) {
        replace(body, h("p", { class: "error", role: "alert" }, err.status === 404 ? "No such filter." : err.message));
        return;
      }
    }
    const removed = [];
    let count = 0;
    const keywords = h("ul", { class: "keywords" });
    const removeRow = (row) => { if (row.dataset.id) removed.push(row.dataset.id); row.remove(); };
    const addRow = (k) => { keywords.append(keywordRow(k, count++, removeRow)); };
    (filter.keywords.length ? filter.keywords : [{ keyword: "", whole_word: true }]).forEach(addRow);
    const error = errorBox();
    const expiry = h("select", { id: "filter-expiry", name: "expires_in" },
      id ? h("option", { value: "" }, `Keep as it is (${whenExpires(filter).toLowerCase()})`) : null,
      EXPIRIES.map(([value, label]) => h("option", { value }, label)));
    const form = h("form", { class: "card filter-form", "aria-label": id ? "Edit filter" : "New filter" },
      h("label", { for: "filter-title" }, "Title"),
      h("input", { id: "filter-title", name: "title", type: "text", required: true, maxlength: 100, value: filter.title }),
      h("fieldset", {}, h("legend", {}, "Keywords"), keywords,
        h("button", { type: "button", onclick: () => { addRow({ keyword: "", whole_word: true }); keywords.lastElementChild.querySelector("input").focus(); } }, "Add keyword")),
      h("fieldset", {}, h("legend", {}, "Filter in"),
        CONTEXTS.map(([key, label]) => h("label", { class: "check" }, h("input", { type: "checkbox", name: "context", value: key, checked: filter.context.includes(key) }), ` ${label}`))),
      h("fieldset", {}, h("legend", {}, "Action"),
        h("label", { class: "check" }, h("input", { type: "radio", name: "filter_action", value: "warn", checked: filter.filter_action !== "hide" }), " Warn: show the filter's title, and the post on request"),
        h("label", { class: "check" }, h("input", { type: "radio", name: "filter_action", value: "hide", checked: filter.filter_action === "hide" }), " Hide: leave the post out")),
      h("label", { for: "filter-expiry" }, "Expires after"), expiry,
      error,
      h("button", { type: "submit", class: "primary" }, "Save filter"));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      error.textContent = "";
      const context = [...form.querySelectorAll("input[name=context]:checked")].map((i) => i.value);
      if (!context.length) { error.textContent = "Choose at least one place to filter in."; return; }
      const body = {
        title: form.elements.title.value.trim(),
        context,
        filter_action: form.querySelector("input[name=filter_action]:checked").value,
        keywords_attributes: [
          ...[...keywords.children].map((row) => ({
            ...(row.dataset.id ? { id: row.dataset.id } : {}),
            keyword: row.querySelector("input[name=keyword]").value.trim(),
            whole_word: row.querySelector("input[name=whole_word]").checked,
          })),
          ...removed.map((keywordId) => ({ id: keywordId, _destroy: true })),
        ],
      };
      if (expiry.value !== "") body.expires_in = Number(expiry.value);
      try {
        const saved = await api(id ? "PUT" : "POST", id ? `/api/v2/filters/${id}` : "/api/v2/filters", { json: body });
        announce(`Filter ${saved.title} saved.`);
        ctx.go("/filters");
      } catch (err) {
        error.textContent = `Not saved: ${err.message}`;
      }
    });
    replace(body, form);
    body.removeAttribute("role");
  })();
  return h("div", {}, h("p", { class: "crumbs" }, h("a", { href: "/filters", "data-nav": true }, "All filters")), title, body);
}
