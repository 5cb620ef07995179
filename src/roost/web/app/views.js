// The screens. Each takes the context (me, instance, go, reply) and the
// route's parameters and returns what goes into <main>.

import { api, ApiError, token } from "./api.js";
import { h, replace, sanitize, announce } from "./dom.js";
import { feed } from "./timeline.js";
import { renderStatus, avatar, displayName, accountLink, pinnedPosts } from "./status.js";
import { composer } from "./compose.js";
import { startSignIn, signUp } from "./auth.js";
import { onEvent } from "./live.js";
import { pushSwitch } from "./push.js";
import { answerButtons, privacySettings } from "./requests.js";
import { renderFiltered } from "./filters.js";
import { deleteAccountForm } from "./deletion.js";

const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
const heading = (text) => h("h1", { tabindex: "-1" }, text);

export function homeView(ctx) {
  if (!ctx.me) return welcomeView(ctx);
  const timeline = feed(ctx, { path: "/api/v1/timelines/home", label: "Home timeline", empty: "Your home timeline is empty: follow people to see their posts." });
  const stop = onEvent((event, payload, stream) => {
    if (event === "update" && (!stream || stream.includes("user"))) timeline.push(payload);
    if (event === "delete") timeline.drop(String(payload));
    if (event === "status.update") timeline.update(payload);
  });
  return { node: h("div", {}, heading("Home"), composer(ctx, { onPosted: (s) => timeline.addTop(s) }), timeline), cleanup: stop };
}

function welcomeView(ctx) {
  const title = ctx.instance?.title || "Roost";
  return h("div", { class: "welcome" },
    heading(`Welcome to ${title}`),
    h("p", {}, ctx.instance?.description || "A small social network."),
    h("p", { class: "buttons" },
      h("a", { href: "/signin", class: "button primary", "data-nav": true }, "Sign in"),
      ctx.instance?.registrations?.enabled === false ? null : h("a", { href: "/signup", class: "button", "data-nav": true }, "Create an account")),
    h("h2", {}, "Recent posts here"),
    feed(ctx, { path: "/api/v1/timelines/public", query: { local: true }, label: "Local timeline" }));
}

export function publicView(ctx, { local }) {
  return h("div", {}, heading(local ? "Local timeline" : "Public timeline"),
    feed(ctx, { path: "/api/v1/timelines/public", query: local ? { local: true } : {}, label: local ? "Local timeline" : "Public timeline" }));
}

export function bookmarksView(ctx) {
  if (!ctx.me) return signInFirst();
  return h("div", {}, heading("Bookmarks"), feed(ctx, { path: "/api/v1/bookmarks", label: "Bookmarks", empty: "No bookmarks yet." }));
}

export function nearbyView(ctx) {
  const body = h("div", {}, h("p", { role: "status" }, "Asking the browser for your position…"));
  const radius = 25;
  if (!("geolocation" in navigator)) replace(body, h("p", {}, "This browser gives no position."));
  else navigator.geolocation.getCurrentPosition(
    (p) => replace(body, h("p", {}, `Public posts within ${radius} km.`),
      feed(ctx, { path: "/api/v1/timelines/nearby", query: { latitude: p.coords.latitude.toFixed(3), longitude: p.coords.longitude.toFixed(3), radius_km: radius }, label: "Nearby posts", empty: "No posts nearby yet." })),
    () => replace(body, h("p", { class: "error", role: "alert" }, "The browser did not give a position, so nearby posts cannot be shown.")),
  );
  return h("div", {}, heading("Nearby"), body);
}

function signInFirst() {
  return h("div", {}, heading("Sign in first"), h("p", {}, h("a", { href: "/signin", "data-nav": true }, "Sign in"), " to see this page."));
}

export function signInView() {
  const error = h("p", { class: "error", role: "alert" });
  startSignIn(new URLSearchParams(location.search).get("next") || "/").catch((e) => { error.textContent = e.message; });
  return h("div", {}, heading("Signing in…"), error);
}

export function signUpView(ctx) {
  const field = (name, label, attrs) => [h("label", { for: `signup-${name}` }, label), h("input", { id: `signup-${name}`, name, required: true, ...attrs })];
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const approval = ctx.instance?.registrations?.approval_required;
  const form = h("form", { class: "card", "aria-label": "Create an account" },
    field("username", "Username", { type: "text", autocomplete: "username", autocapitalize: "none", pattern: "[A-Za-z0-9_]{1,30}" }),
    field("email", "E-mail", { type: "email", autocomplete: "email" }),
    field("password", "Password (8 characters or more)", { type: "password", autocomplete: "new-password", minlength: 8 }),
    approval ? field("reason", "Why do you want to join?", { type: "text" }) : null,
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "agreement", required: true }), " I agree to the server rules"),
    error,
    h("button", { type: "submit", class: "primary" }, "Create account"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const data = Object.fromEntries(new FormData(form));
    error.hidden = true;
    try {
      await signUp({ ...data, agreement: Boolean(data.agreement) });
      try {
        await ctx.refreshMe();
        ctx.go("/");
      } catch (err) {
        token.clear();
        replace(form, h("p", { role: "status" }, "Your account is created. Confirm your e-mail address (or wait for approval), then sign in."));
      }
    } catch (err) {
      error.textContent = err.message;
      error.hidden = false;
    }
  });
  return h("div", {}, heading("Create an account"), form);
}

export function threadView(ctx, { id }) {
  const body = h("div", { role: "status" }, "Loading…");
  (async () => {
    try {
      const [status, context] = await Promise.all([api("GET", `/api/v1/statuses/${id}`), api("GET", `/api/v1/statuses/${id}/context`)]);
      const focused = renderStatus(status, ctx, { focused: true });
      replace(body,
        context.ancestors.map((s) => renderFiltered(s, ctx)),
        focused,
        ctx.me ? composer(ctx, { replyTo: status, onPosted: (s) => body.append(renderStatus(s, ctx)) }) : null,
        context.descendants.map((s) => renderFiltered(s, ctx)));
      body.removeAttribute("role");
      focused.scrollIntoView({ block: "center" });
    } catch (e) {
      replace(body, h("p", { class: "error", role: "alert" }, e.status === 404 ? "This post does not exist or is not visible to you." : e.message));
    }
  })();
  return h("div", {}, heading("Thread"), body);
}

function accountRow(ctx, account) {
  return h("div", { class: "account-row" }, accountLink(account, avatar(account, 40)),
    h("div", {}, accountLink(account, h("strong", {}, displayName(account))), h("div", { class: "acct" }, `@${account.acct}`)));
}

function relationButtons(ctx, account) {
  const box = h("div", { class: "relation", role: "group", "aria-label": "Relationship" });
  if (!ctx.me || ctx.me.id === account.id) return box;
  const draw = (rel) => {
    const act = (path, label) => h("button", { type: "button", class: path === "follow" ? "primary" : "", onclick: async (e) => {
      e.target.disabled = true;
      try { draw(await api("POST", `/api/v1/accounts/${account.id}/${path}`)); announce(`${label}: done.`); } catch (err) { announce(err.message); e.target.disabled = false; }
    } }, label);
    replace(box,
      rel.following || rel.requested ? act("unfollow", rel.requested ? "Cancel request" : "Unfollow") : act("follow", "Follow"),
      rel.muting ? act("unmute", "Unmute") : act("mute", "Mute"),
      rel.blocking ? act("unblock", "Unblock") : act("block", "Block"),
      rel.requested ? h("span", { class: "tag requested" }, "Requested") : null,
      rel.followed_by ? h("span", { class: "tag" }, "Follows you") : null);
  };
  api("GET", "/api/v1/accounts/relationships", { query: { "id[]": account.id } }).then((r) => r[0] && draw(r[0])).catch(() => {});
  return box;
}

export function profileView(ctx, { username, rest }) {
  const body = h("div", { role: "status" }, "Loading…");
  if (rest && /^\d+$/.test(rest)) return threadView(ctx, { id: rest });
  (async () => {
    try {
      const account = await api("GET", "/api/v1/accounts/lookup", { query: { acct: username } });
      const tab = rest === "followers" || rest === "following" ? rest : "posts";
      const tabs = h("nav", { class: "tabs", "aria-label": "Profile sections" },
        [["posts", "", plural(account.statuses_count, "post")], ["following", "/following", `${account.following_count} following`], ["followers", "/followers", plural(account.followers_count, "follower")]]
          .map(([key, suffix, label]) => h("a", { href: `/@${account.acct}${suffix}`, "data-nav": true, "aria-current": key === tab ? "page" : null }, label)));
      const list = tab === "posts"
        ? [pinnedPosts(ctx, account), feed(ctx, { path: `/api/v1/accounts/${account.id}/statuses`, label: `Posts by ${displayName(account)}` })]
        : feed(ctx, { path: `/api/v1/accounts/${account.id}/${tab}`, render: (a) => accountRow(ctx, a), label: tab, empty: "Nobody yet." });
      replace(body,
        h("div", { class: "profile" },
          h("img", { class: "header-image", src: account.header_static || account.header, alt: "" }),
          h("div", { class: "profile-head" }, avatar(account, 80),
            h("div", {}, h("h2", {}, displayName(account)), h("p", { class: "acct" }, `@${account.acct}`)),
            relationButtons(ctx, account)),
          h("div", { class: "bio" }, sanitize(account.note))),
        tabs, list);
      body.removeAttribute("role");
      document.title = `${displayName(account)} (@${account.acct})`;
    } catch (e) {
      replace(body, h("p", { class: "error", role: "alert" }, e.status === 404 ? "No such account." : e.message));
    }
  })();
  return h("div", {}, heading(`@${username}`), body);
}

export function searchView(ctx) {
  const params = new URLSearchParams(location.search);
  const input = h("input", { type: "search", id: "search-q", name: "q", value: params.get("q") || "", autocomplete: "off", placeholder: "People, #hashtags, posts" });
  const results = h("div", { class: "results", "aria-live": "polite" });
  let timer = null;
  let latest = 0;
  const run = async () => {
    const q = input.value.trim();
    history.replaceState(null, "", q ? `/search?q=${encodeURIComponent(q)}` : "/search");
    if (!q) { replace(results); return; }
    const ticket = ++latest;
    try {
      // Without the search capability, people only (by name, as Mastodon's account search).
      const found = ctx.features.has("search")
        ? await api("GET", "/api/v2/search", { query: { q, limit: 10, resolve: false } })
        : { accounts: await api("GET", "/api/v1/accounts/search", { query: { q, limit: 10 } }), hashtags: [], statuses: [] };
      if (ticket !== latest) return;
      replace(results,
        h("h2", {}, "People"), found.accounts.length ? found.accounts.map((a) => accountRow(ctx, a)) : h("p", {}, "No people found."),
        h("h2", {}, "Hashtags"), found.hashtags.length ? h("ul", { class: "tags" }, found.hashtags.map((t) => h("li", {}, h("a", { href: `/tags/${encodeURIComponent(t.name)}`, "data-nav": true }, `#${t.name}`)))) : h("p", {}, "No hashtags found."),
        h("h2", {}, "Posts"), found.statuses.length ? found.statuses.map((s) => renderStatus(s, ctx)) : h("p", {}, ctx.me ? "No posts found." : "Sign in to search posts."));
    } catch (e) {
      if (ticket === latest) replace(results, h("p", { class: "error", role: "alert" }, e.message));
    }
  };
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(run, 250); });
  const form = h("form", { role: "search", onsubmit: (e) => { e.preventDefault(); run(); } }, h("label", { for: "search-q" }, "Search"), input);
  if (input.value) run();
  return h("div", {}, heading("Search"), form, results);
}

const NOTIFICATION_TEXT = {
  mention: "mentioned you", status: "posted", reblog: "boosted your post", follow: "followed you",
  follow_request: "asked to follow you", favourite: "liked your post", poll: "poll ended", update: "edited a post",
};

export function renderNotification(ctx, n) {
  const line = h("p", { class: "notice" }, accountLink(n.account, displayName(n.account)), ` ${NOTIFICATION_TEXT[n.type] || n.type}`);
  return h("div", { class: `notification n-${n.type}`, dataset: { id: n.id } }, line, n.status ? renderFiltered(n.status, ctx) : accountRow(ctx, n.account),
    n.type === "follow_request" ? answerButtons(ctx, n.account) : null);
}

export function notificationsView(ctx) {
  if (!ctx.me) return signInFirst();
  const list = feed(ctx, { path: "/api/v1/notifications", render: (n) => renderNotification(ctx, n), label: "Notifications", empty: "No notifications yet." });
  const stop = onEvent((event, payload) => { if (event === "notification") list.addTop(payload); });
  ctx.markNotificationsRead();
  return { node: h("div", {}, heading("Notifications"), list), cleanup: stop };
}

export function settingsView(ctx) {
  if (!ctx.me) return signInFirst();
  const me = ctx.me;
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const done = h("p", { role: "status" });
  const form = h("form", { class: "card", "aria-label": "Profile" },
    h("label", { for: "profile-name" }, "Display name"),
    h("input", { id: "profile-name", name: "display_name", type: "text", value: me.display_name || "", maxlength: 30 }),
    h("label", { for: "profile-note" }, "Bio"),
    h("textarea", { id: "profile-note", name: "note", rows: 4, value: me.source?.note ?? "", maxlength: 500 }),
    ctx.features.has("media") ? [
      h("label", { for: "profile-avatar" }, "Avatar (picture)"),
      h("input", { id: "profile-avatar", name: "avatar", type: "file", accept: "image/png,image/jpeg,image/gif,image/webp" }),
      h("label", { for: "profile-header" }, "Header (picture)"),
      h("input", { id: "profile-header", name: "header", type: "file", accept: "image/png,image/jpeg,image/gif,image/webp" }),
    ] : null,
    error, done,
    h("button", { type: "submit", class: "primary" }, "Save profile"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const data = new FormData(form);
    for (const name of ["avatar", "header"]) if (data.has(name) && !data.get(name).size) data.delete(name);
    error.hidden = true;
    done.textContent = "Saving…";
    try {
      ctx.me = await api("PATCH", "/api/v1/accounts/update_credentials", { form: data });
      done.textContent = "Profile saved.";
      ctx.redraw();
    } catch (err) {
      done.textContent = "";
      error.textContent = `Not saved: ${err.message}`;
      error.hidden = false;
    }
  });
  return h("div", {}, heading("Settings"), h("h2", {}, "Profile"), form, h("h2", {}, "Notifications in this browser"), pushSwitch(ctx),
    h("h2", {}, "Followers"), privacySettings(ctx), h("h2", {}, "Delete your account"), deleteAccountForm(ctx));
}

export function callbackView(ctx, finish) {
  const error = h("p", { class: "error", role: "alert" });
  finish().then((to) => ctx.refreshMe().then(() => ctx.go(to))).catch((e) => { error.textContent = e instanceof ApiError ? e.message : String(e.message || e); });
  return h("div", {}, heading("Signing in…"), error);
}

export function notFoundView() {
  return h("div", {}, heading("Not found"), h("p", {}, "This page does not exist. ", h("a", { href: "/", "data-nav": true }, "Go home")));
}
