// Signing in as any Mastodon client does: the app registers itself
// (POST /api/v1/apps), then the authorization-code flow with PKCE through
// the server's own /oauth/authorize page. Sign-up uses an app token
// (client credentials) and POST /api/v1/accounts.

import { api, token } from "./api.js";

const APP = "roost.app";
const PENDING = "roost.pending";
const SCOPES = "read write follow push";
const redirectUri = () => `${location.origin}/callback`;

function b64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomString(size = 32) {
  return b64url(crypto.getRandomValues(new Uint8Array(size)));
}

async function registeredApp() {
  const saved = JSON.parse(localStorage.getItem(APP) || "null");
  if (saved && saved.redirect === redirectUri()) return saved;
  const created = await api("POST", "/api/v1/apps", {
    auth: false,
    json: { client_name: "Roost web", redirect_uris: redirectUri(), scopes: SCOPES, website: location.origin },
  });
  const app = { id: created.client_id, secret: created.client_secret, redirect: redirectUri() };
  localStorage.setItem(APP, JSON.stringify(app));
  return app;
}

export async function startSignIn(returnTo = "/") {
  const app = await registeredApp();
  const verifier = randomString(48);
  const challenge = b64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  const state = randomString(16);
  // The verifier stays in this tab; only its hash goes through the browser's address bar.
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, returnTo }));
  const url = new URL("/oauth/authorize", location.origin);
  url.search = new URLSearchParams({
    response_type: "code", client_id: app.id, redirect_uri: app.redirect, scope: SCOPES,
    state, code_challenge: challenge, code_challenge_method: "S256",
  });
  location.assign(url);
}

// On /callback: trade the code for a token, then drop the code from the address bar.
export async function finishSignIn() {
  const params = new URLSearchParams(location.search);
  history.replaceState(null, "", "/callback");
  const pending = JSON.parse(sessionStorage.getItem(PENDING) || "null");
  sessionStorage.removeItem(PENDING);
  if (params.get("error")) throw new Error(params.get("error_description") || "Sign-in was refused.");
  if (!pending || params.get("state") !== pending.state) throw new Error("This sign-in link is stale. Please sign in again.");
  const app = await registeredApp();
  const grant = await api("POST", "/oauth/token", {
    auth: false,
    json: {
      grant_type: "authorization_code", code: params.get("code"), client_id: app.id,
      client_secret: app.secret, redirect_uri: app.redirect, code_verifier: pending.verifier,
    },
  });
  token.set(grant.access_token);
  return pending.returnTo || "/";
}

export async function signUp({ username, email, password, agreement, reason }) {
  const app = await registeredApp();
  const appToken = await api("POST", "/oauth/token", {
    auth: false,
    json: { grant_type: "client_credentials", client_id: app.id, client_secret: app.secret, scope: SCOPES },
  });
  const grant = await api("POST", "/api/v1/accounts", {
    bearer: appToken.access_token,
    json: { username, email, password, agreement, locale: navigator.language.slice(0, 2) || "en", reason },
  });
  token.set(grant.access_token);
}

export async function signOut() {
  const app = JSON.parse(localStorage.getItem(APP) || "null");
  const secret = token.get();
  token.clear();
  if (app && secret) {
    try {
      await api("POST", "/oauth/revoke", { auth: false, json: { client_id: app.id, client_secret: app.secret, token: secret } });
    } catch { /* the token is gone from this browser either way */ }
  }
}
