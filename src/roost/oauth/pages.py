"""The HTML of the authorize page, and the answers it leads to (a redirect
back to the client, or the code shown for out-of-band clients)."""

from __future__ import annotations

import html
from urllib.parse import urlencode

from starlette.responses import HTMLResponse, RedirectResponse, Response

from roost.oauth.authorize import AuthorizationError, AuthorizationRequest
from roost.oauth.redirects import OOB_REDIRECT

# The page holds a password field and, for out-of-band clients, a live code:
# never framed (clickjacking), never cached, never leaked through Referer.
_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
    ),
}

# A redirect carrying an authorization code is not cached either.
_NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}

_STYLE = """
body { font-family: system-ui, sans-serif; background: #f4f4f7; color: #222; margin: 0; }
main { max-width: 26rem; margin: 3rem auto; background: #fff; padding: 2rem;
       border-radius: 0.75rem; box-shadow: 0 1px 4px rgba(0,0,0,.12); }
h1 { font-size: 1.3rem; margin-top: 0; }
label { display: block; margin: 1rem 0 0.3rem; font-weight: 600; }
input[type=text], input[type=password] { width: 100%; box-sizing: border-box;
       padding: 0.55rem; font-size: 1rem; border: 1px solid #bbb; border-radius: 0.4rem; }
.buttons { display: flex; gap: 0.75rem; margin-top: 1.5rem; }
button { flex: 1; padding: 0.6rem; font-size: 1rem; border-radius: 0.4rem;
       border: 1px solid #555; background: #fff; cursor: pointer; }
button.primary { background: #3a5bd9; border-color: #3a5bd9; color: #fff; }
.error { background: #fde8e8; color: #9b1c1c; padding: 0.6rem; border-radius: 0.4rem; }
code.token { display: block; word-break: break-all; padding: 0.8rem; background: #eef;
       border-radius: 0.4rem; font-size: 1.05rem; user-select: all; }
ul.scopes { padding-left: 1.2rem; }
"""


def _page(
    title: str, body: str, *, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    document = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )
    return HTMLResponse(document, status_code=status, headers={**_HEADERS, **(headers or {})})


def _hidden(name: str, value: str | None) -> str:
    if value is None:
        return ""
    return f'<input type="hidden" name="{name}" value="{html.escape(value)}">'


def login_page(
    request: AuthorizationRequest,
    *,
    action: str,
    login: str = "",
    error: str | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """The form asking the user to log in and approve ``request``."""
    app = request.app
    app_name = html.escape(app.name)
    if app.website:
        app_name = f'<a href="{html.escape(app.website)}" rel="noopener">{app_name}</a>'
    scopes = "".join(f"<li><code>{html.escape(s)}</code></li>" for s in request.scopes)
    hidden = "".join(
        (
            _hidden("response_type", "code"),
            _hidden("client_id", app.client_id),
            _hidden("redirect_uri", request.redirect_uri),
            _hidden("scope", " ".join(request.scopes)),
            _hidden("state", request.state),
            _hidden("code_challenge", request.code_challenge),
            _hidden("code_challenge_method", request.code_challenge_method),
        )
    )
    notice = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    body = (
        f"<h1>Authorize {app_name}</h1>"
        f"<p>This application asks for access to your account:</p>"
        f'<ul class="scopes">{scopes}</ul>{notice}'
        f'<form method="post" action="{html.escape(action)}">{hidden}'
        '<label for="username">Username or email</label>'
        f'<input type="text" id="username" name="username" value="{html.escape(login)}" '
        'autocomplete="username" autocapitalize="none" required autofocus>'
        '<label for="password">Password</label>'
        '<input type="password" id="password" name="password" '
        'autocomplete="current-password" required>'
        '<div class="buttons">'
        '<button type="submit" name="decision" value="deny" formnovalidate>Deny</button>'
        '<button type="submit" name="decision" value="approve" class="primary">'
        "Authorize</button></div></form>"
    )
    return _page(f"Authorize {app.name}", body, status=status, headers=headers)


def _with_params(uri: str, params: dict[str, str]) -> str:
    return uri + ("&" if "?" in uri else "?") + urlencode(params)


def code_response(request: AuthorizationRequest, code: str) -> Response:
    """Send the code back: shown on the page for out-of-band clients, else a
    302 to the registered redirect URI with ``code`` and ``state``."""
    if request.redirect_uri == OOB_REDIRECT:
        body = (
            "<h1>Authorization code</h1>"
            f"<p>Copy this code and paste it into {html.escape(request.app.name)}:</p>"
            f'<code class="token" id="authorization-code">{html.escape(code)}</code>'
        )
        return _page("Authorization code", body)
    params = {"code": code}
    if request.state is not None:
        params["state"] = request.state
    return RedirectResponse(
        _with_params(request.redirect_uri, params), status_code=302, headers=_NO_STORE
    )


def error_response(exc: AuthorizationError) -> Response:
    """Report a refused request to the client when it can be trusted, else on the page."""
    if exc.redirect_uri and exc.redirect_uri != OOB_REDIRECT:
        params = {"error": exc.error, "error_description": exc.description}
        if exc.state is not None:
            params["state"] = exc.state
        return RedirectResponse(
            _with_params(exc.redirect_uri, params), status_code=302, headers=_NO_STORE
        )
    body = (
        "<h1>Authorization failed</h1>"
        f'<p class="error" role="alert">{html.escape(exc.description)}</p>'
        f"<p><small>{html.escape(exc.error)}</small></p>"
    )
    return _page("Authorization failed", body, status=400)
