// Boot, layout and routing of the web app. Every page is a path the server
// answers with the same shell; this module picks the screen.

import { api, token } from "./api.js";
import { h, replace, announce } from "./dom.js";
import { finishSignIn, signOut } from "./auth.js";
import { connect, disconnect, onEvent } from "./live.js";
import * as views from "./views.js";
import * as lists from "./lists.js";
import * as filters from "./filters.js";
import * as requests from "./requests.js";
import * as hashtags from "./tags.js";
import { scheduledView } from "./scheduled.js";

const features = new Set((document.querySelector("meta[name=roost-features]")?.content || "").split(" ").filter(Boolean));

const ctx = {
  features,
  me: null,
  instance: null,
  unread: 0,
  go,
  redraw: () => drawChrome(),
  reply: (status) => go(`/statuses/${status.id}`),
  refreshMe,
  markNotificationsRead,
};

const ROUTES = [
  [/^\/$/, () => views.homeView(ctx)],
  [/^\/signin$/, () => views.signInView(ctx)],
  [/^\/signup$/, () => views.signUpView(ctx)],
  [/^\/callback$/, () => views.callbackView(ctx, finishSignIn)],
  [/^\/public$/, () => views.publicView(ctx, { local: false })],
  [/^\/local$/, () => views.publicView(ctx, { local: true })],
  [/^\/nearby$/, () => views.nearbyView(ctx)],
  [/^\/search$/, () => views.searchView(ctx)],
  [/^\/notifications$/, () => views.notificationsView(ctx)],
  [/^\/bookmarks$/, () => views.bookmarksView(ctx)],
  [/^\/settings$/, () => views.settingsView(ctx)],
  [/^\/scheduled$/, () => scheduledView(ctx)],
  [/^\/tags\/([^/]+)$/, (m) => hashtags.tagView(ctx, { name: decodeURIComponent(m[1]) })],
  [/^\/followed_tags$/, () => hashtags.followedTagsView(ctx)],
  [/^\/lists$/, () => lists.listsView(ctx)],
  [/^\/lists\/(\d+)$/, (m) => lists.listView(ctx, { id: m[1] })],
  [/^\/filters$/, () => filters.filtersView(ctx)],
  [/^\/filters\/new$/, () => filters.filterEditView(ctx, { id: null })],
  [/^\/filters\/(\d+)$/, (m) => filters.filterEditView(ctx, { id: m[1] })],
  [/^\/follow_requests$/, () => requests.followRequestsView(ctx)],
  [/^\/statuses\/(\d+)$/, (m) => views.threadView(ctx, { id: m[1] })],
  [/^\/@([^/]+)(?:\/([^/]+))?$/, (m) => views.profileView(ctx, { username: decodeURIComponent(m[1]), rest: m[2] })],
];

const main = h("main", { id: "main", tabindex: "-1" });
const nav = h("nav", { "aria-label": "Main" });
const aside = h("aside", { "aria-label": "Trending hashtags" });
const badge = h("span", { class: "badge", hidden: true });
let cleanup = null;
let rendered = false;

function link(path, label, extra) {
  const current = location.pathname === path ? "page" : null;
  return h("li", {}, h("a", { href: path, "data-nav": true, "aria-current": current }, label, extra || null));
}

function drawChrome() {
  const signedIn = Boolean(ctx.me);
  replace(nav, h("ul", {},
    link("/", "Home"),
    signedIn && features.has("notifications") ? link("/notifications", "Notifications", badge) : null,
    link("/search", "Search"),
    link("/local", "Local"),
    link("/public", "Public"),
    features.has("nearby") ? link("/nearby", "Nearby") : null,
    signedIn ? link("/bookmarks", "Bookmarks") : null,
    signedIn ? link("/lists", "Lists") : null,
    signedIn ? link("/followed_tags", "Hashtags") : null,
    signedIn ? link("/filters", "Filters") : null,
    signedIn && (ctx.me.locked || ctx.me.source?.follow_requests_count)
      ? link("/follow_requests", "Follow requests", ctx.me.source?.follow_requests_count ? h("span", { class: "badge", "aria-label": `${ctx.me.source.follow_requests_count} waiting` }, String(ctx.me.source.follow_requests_count)) : null)
      : null,
    signedIn ? link("/scheduled", "Scheduled") : null,
    signedIn ? link(`/@${ctx.me.acct}`, "Profile") : null,
    signedIn ? link("/settings", "Settings") : null,
    signedIn
      ? h("li", {}, h("button", { type: "button", class: "link", onclick: doSignOut }, "Sign out"))
      : [link("/signin", "Sign in"), link("/signup", "Sign up")],
  ));
  setBadge(ctx.unread);
}

function setBadge(count) {
  ctx.unread = count;
  badge.hidden = !count;
  badge.textContent = count > 99 ? "99+" : String(count);
  badge.setAttribute("aria-label", `${count} unread`);
  document.title = document.title.replace(/^\(\d+\+?\) /, "");
  if (count) document.title = `(${badge.textContent}) ${document.title}`;
}

async function markNotificationsRead() {
  setBadge(0);
  try {
    const [latest] = await api("GET", "/api/v1/notifications", { query: { limit: 1 } });
    if (latest) await api("POST", "/api/v1/markers", { json: { notifications: { last_read_id: latest.id } } });
  } catch { /* the badge comes back on the next load; nothing to lose */ }
}

async function loadUnread() {
  if (!features.has("notifications")) return;
  try {
    const { count } = await api("GET", "/api/v1/notifications/unread_count");
    if (location.pathname !== "/notifications") setBadge(count);
  } catch { /* notifications not served here */ }
}

async function loadTrends() {
  if (!features.has("trends")) return;
  try {
    const tags = await api("GET", "/api/v1/trends/tags", { auth: true, query: { limit: 10 } });
    if (!tags.length) { replace(aside); return; }
    replace(aside, h("h2", {}, "Trending"), h("ol", { class: "trends" }, tags.map((t) => {
      const uses = (t.history || []).slice(0, 2).reduce((n, d) => n + Number(d.uses || 0), 0);
      return h("li", {}, h("a", { href: `/tags/${encodeURIComponent(t.name)}`, "data-nav": true }, `#${t.name}`), h("span", { class: "uses" }, ` ${uses} posts`));
    })));
  } catch { replace(aside); }
}

async function doSignOut() {
  disconnect();
  await signOut();
  ctx.me = null;
  ctx.unread = 0;
  drawChrome();
  go("/");
  announce("Signed out.");
}

async function refreshMe() {
  ctx.me = await api("GET", "/api/v1/accounts/verify_credentials");
  drawChrome();
  if (features.has("streaming")) connect(ctx.instance);
  loadUnread();
}

function go(path, { replace: swap = false } = {}) {
  if (swap) history.replaceState(null, "", path); else history.pushState(null, "", path);
  render();
}

function render() {
  if (cleanup) { cleanup(); cleanup = null; }
  document.title = ctx.instance?.title || "Roost";
  const path = location.pathname;
  let screen = null;
  for (const [pattern, make] of ROUTES) {
    const match = pattern.exec(path);
    if (match) { screen = make(match); break; }
  }
  screen = screen || views.notFoundView();
  if (screen.node) { cleanup = screen.cleanup || null; screen = screen.node; }
  replace(main, screen);
  drawChrome();
  // After an in-app navigation, focus goes to the new page's heading (as a
  // page load would put a screen reader at the top); not on the first load.
  const title = main.querySelector("h1");
  if (title && rendered) title.focus({ preventScroll: true });
  rendered = true;
  window.scrollTo(0, 0);
}

document.addEventListener("click", (event) => {
  const a = event.target.closest("a[href]");
  if (!a || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || a.target === "_blank") return;
  if (!("nav" in a.dataset)) return;
  const url = new URL(a.href);
  if (url.origin !== location.origin) return;
  event.preventDefault();
  go(url.pathname + url.search);
});
window.addEventListener("popstate", render);

// j and k move between posts (as in other Mastodon web clients), outside text fields.
document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || event.target.closest("input, textarea, select, [contenteditable]")) return;
  if (event.key !== "j" && event.key !== "k") return;
  const posts = [...main.querySelectorAll("article.status")];
  if (!posts.length) return;
  const at = posts.indexOf(document.activeElement.closest("article.status"));
  const next = event.key === "j" ? Math.min(at + 1, posts.length - 1) : Math.max(at - 1, 0);
  posts[next].focus();
  posts[next].scrollIntoView({ block: "nearest" });
  event.preventDefault();
});

onEvent((event) => {
  if (event === "notification" && location.pathname !== "/notifications") setBadge(ctx.unread + 1);
});

async function boot() {
  const root = document.getElementById("app");
  replace(root,
    h("a", { href: "#main", class: "skip" }, "Skip to content"),
    h("header", { class: "top" }, h("a", { href: "/", "data-nav": true, class: "brand" }, "Roost")),
    h("div", { class: "layout" }, nav, main, aside),
    h("div", { id: "announcer", class: "visually-hidden", "aria-live": "polite" }));
  // The instance and the signed-in account are fetched side by side.
  const instance = api("GET", "/api/v2/instance", { auth: false }).catch(() => null);
  const me = token.get() && location.pathname !== "/callback"
    ? api("GET", "/api/v1/accounts/verify_credentials").catch((e) => {
      if (e.status === 401 || e.status === 403) token.clear();
      return null;
    })
    : null;
  // The home timeline's first page too, when that is the page being opened.
  if (me && location.pathname === "/") {
    ctx.prefetched = { "/api/v1/timelines/home": api("GET", "/api/v1/timelines/home").catch(() => null) };
  }
  ctx.instance = await instance;
  ctx.me = await me;
  root.querySelector(".brand").textContent = ctx.instance?.title || "Roost";
  if (ctx.me) {
    if (features.has("streaming")) connect(ctx.instance);
    loadUnread();
  }
  render();
  loadTrends();
}

boot();
