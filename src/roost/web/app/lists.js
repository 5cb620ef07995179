// Lists: named groups of people you follow, each with its own timeline.
// /lists makes and names them; /lists/<id> reads one and, behind "Edit list
// and members", renames it, sets which replies it shows and whether its
// members' posts stay out of Home, adds and removes members, or deletes it.

import { api } from "./api.js";
import { h, replace, announce } from "./dom.js";
import { feed } from "./timeline.js";
import { displayName } from "./status.js";
import { heading, signInFirst, errorBox, personRow, actButton } from "./pages.js";

const POLICIES = [
  ["list", "Replies to members of the list"],
  ["followed", "Replies to anyone I follow"],
  ["none", "No replies"],
];

// Title, replies policy and exclusive: the same fields to create and to edit.
function listFields(prefix, list = { title: "", replies_policy: "list", exclusive: false }) {
  return [
    h("label", { for: `${prefix}-title` }, "List name"),
    h("input", { id: `${prefix}-title`, name: "title", type: "text", required: true, maxlength: 100, value: list.title }),
    h("label", { for: `${prefix}-replies` }, "Replies shown"),
    h("select", { id: `${prefix}-replies`, name: "replies_policy" },
      POLICIES.map(([value, label]) => h("option", { value, selected: value === list.replies_policy }, label))),
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "exclusive", checked: list.exclusive }),
      " Exclusive: members' posts stay out of the home timeline"),
  ];
}

function fieldsOf(form) {
  return {
    title: form.elements.title.value.trim(),
    replies_policy: form.elements.replies_policy.value,
    exclusive: form.elements.exclusive.checked,
  };
}

function listRow(list) {
  const policy = POLICIES.find(([value]) => value === list.replies_policy)?.[1] || list.replies_policy;
  return h("li", { class: "list-row", dataset: { id: list.id } },
    h("a", { href: `/lists/${list.id}`, "data-nav": true }, list.title),
    h("span", { class: "tag" }, ` ${policy}${list.exclusive ? " · exclusive" : ""}`));
}

export function listsView(ctx) {
  if (!ctx.me) return signInFirst();
  const items = h("ul", { class: "lists", "aria-label": "Your lists" });
  const status = h("p", { role: "status" }, "Loading…");
  const error = errorBox();
  const form = h("form", { class: "card", "aria-label": "New list" }, h("h2", {}, "New list"), listFields("new-list"), error,
    h("button", { type: "submit", class: "primary" }, "Create list"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    try {
      const list = await api("POST", "/api/v1/lists", { json: fieldsOf(form) });
      items.append(listRow(list));
      status.textContent = "";
      form.reset();
      announce(`List ${list.title} created.`);
    } catch (err) {
      error.textContent = err.message;
    }
  });
  api("GET", "/api/v1/lists").then((lists) => {
    replace(items, lists.map(listRow));
    status.textContent = lists.length ? "" : "No lists yet.";
  }).catch((err) => { status.textContent = `Could not load: ${err.message}`; });
  return h("div", {}, heading("Lists"), items, status, form);
}

// Members, and the people you follow who are not members yet.
function membersEditor(ctx, list, onChange) {
  const members = h("div", { class: "members", "aria-label": "Members" });
  const candidates = h("div", { class: "candidates", "aria-label": "People you follow" });
  const search = h("input", { type: "search", id: "member-search", autocomplete: "off" });
  const known = new Map();
  const memberIds = new Set();
  const change = async (method, account) => {
    await api(method, `/api/v1/lists/${list.id}/accounts`, { json: { account_ids: [account.id] } });
    if (method === "POST") memberIds.add(account.id); else memberIds.delete(account.id);
    draw();
    announce(`${displayName(account)} ${method === "POST" ? "added to" : "removed from"} ${list.title}.`);
    onChange();
  };
  const draw = () => {
    const wanted = search.value.trim().toLowerCase();
    const all = [...known.values()];
    const inList = all.filter((a) => memberIds.has(a.id));
    const outside = all.filter((a) => !memberIds.has(a.id)
      && (!wanted || a.acct.toLowerCase().includes(wanted) || displayName(a).toLowerCase().includes(wanted)));
    replace(members, inList.length
      ? inList.map((a) => personRow(a, actButton("Remove", () => change("DELETE", a), { "aria-label": `Remove ${displayName(a)}` })))
      : h("p", {}, "Nobody in this list yet."));
    replace(candidates, outside.length
      ? outside.map((a) => personRow(a, actButton("Add", () => change("POST", a), { "aria-label": `Add ${displayName(a)}` })))
      : h("p", {}, known.size ? "Nobody else to add." : "Follow people to add them to lists."));
  };
  search.addEventListener("input", draw);
  Promise.all([
    api("GET", `/api/v1/lists/${list.id}/accounts`, { query: { limit: 0 } }),
    api("GET", `/api/v1/accounts/${ctx.me.id}/following`, { query: { limit: 80 } }),
  ]).then(([inList, following]) => {
    for (const a of [...inList, ...following]) known.set(a.id, a);
    for (const a of inList) memberIds.add(a.id);
    draw();
  }).catch((err) => replace(members, h("p", { class: "error", role: "alert" }, err.message)));
  return h("section", { "aria-label": "Members" },
    h("h2", {}, "Members"), members,
    h("h2", {}, "Add people you follow"),
    h("label", { for: "member-search" }, "Find among people you follow"), search, candidates);
}

export function listView(ctx, { id }) {
  if (!ctx.me) return signInFirst();
  const title = heading("List");
  const body = h("div", { role: "status" }, "Loading…");
  (async () => {
    let list;
    try {
      list = await api("GET", `/api/v1/lists/${id}`);
    } catch (err) {
      replace(body, h("p", { class: "error", role: "alert" }, err.status === 404 ? "No such list." : err.message));
      return;
    }
    title.textContent = list.title;
    document.title = `${list.title} (list)`;
    const posts = feed(ctx, { path: `/api/v1/timelines/list/${id}`, label: `List ${list.title}`, empty: "No posts from this list's members yet." });
    const error = errorBox();
    const done = h("p", { role: "status" });
    const form = h("form", { class: "card", "aria-label": "List settings" }, listFields("edit-list", list), error, done,
      h("button", { type: "submit", class: "primary" }, "Save list"));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      error.textContent = "";
      try {
        list = await api("PUT", `/api/v1/lists/${id}`, { json: fieldsOf(form) });
        title.textContent = list.title;
        done.textContent = "List saved.";
        posts.reload();
      } catch (err) {
        done.textContent = "";
        error.textContent = err.message;
      }
    });
    const removal = h("div", { class: "buttons" });
    const askDelete = () => replace(removal,
      h("span", {}, `Delete “${list.title}”? Its posts stay where they are.`),
      actButton("Yes, delete the list", async () => {
        await api("DELETE", `/api/v1/lists/${id}`);
        announce(`List ${list.title} deleted.`);
        ctx.go("/lists");
      }, { class: "primary" }),
      h("button", { type: "button", onclick: () => replace(removal, deleteButton()) }, "Keep it"));
    const deleteButton = () => h("button", { type: "button", onclick: askDelete }, "Delete list");
    replace(removal, deleteButton());
    replace(body,
      h("details", { class: "manage" }, h("summary", {}, "Edit list and members"), form, membersEditor(ctx, list, () => posts.reload()), removal),
      h("h2", {}, "Posts"),
      posts);
    body.removeAttribute("role");
  })();
  return h("div", {}, h("p", { class: "crumbs" }, h("a", { href: "/lists", "data-nav": true }, "All lists")), title, body);
}
