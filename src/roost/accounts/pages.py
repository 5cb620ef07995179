"""The HTML page a confirmation link opens (``GET /auth/confirmation``)."""

from __future__ import annotations

import html

from starlette.responses import HTMLResponse

from roost.accounts.confirmation import ConfirmationResult, Outcome

# The URL carries a live token: never cached, never leaked through Referer.
_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
}

_STYLE = (
    "body{font-family:system-ui,sans-serif;background:#f4f4f7;color:#222;margin:0}"
    "main{max-width:26rem;margin:3rem auto;background:#fff;padding:2rem;"
    "border-radius:.75rem;box-shadow:0 1px 4px rgba(0,0,0,.12)}"
    "h1{font-size:1.3rem;margin-top:0}"
)

# Outcome -> (HTTP status, heading, explanation).
_TEXT: dict[Outcome, tuple[int, str, str]] = {
    Outcome.CONFIRMED: (200, "E-mail address confirmed", "Your account is ready to use."),
    Outcome.ALREADY_CONFIRMED: (
        200,
        "Already confirmed",
        "This e-mail address was confirmed before; nothing more to do.",
    ),
    Outcome.EXPIRED: (
        410,
        "This link has expired",
        "Ask your app for a new confirmation e-mail and use the link in it.",
    ),
    Outcome.INVALID: (
        404,
        "This link is not valid",
        "The link is wrong, was already used, or belongs to an address that "
        "has changed since. Ask your app for a new confirmation e-mail.",
    ),
}

_PENDING = "A moderator still has to approve your sign-up before you can use your account."


def confirmation_page(result: ConfirmationResult, *, instance_title: str) -> HTMLResponse:
    status, heading, text = _TEXT[result.outcome]
    if result.pending_approval and result.outcome is not Outcome.EXPIRED:
        text = _PENDING
    greeting = f"<p>@{html.escape(result.username)}</p>" if result.username else ""
    document = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(heading)} - {html.escape(instance_title)}</title>"
        f"<style>{_STYLE}</style></head><body><main>"
        f'<h1 id="outcome" data-outcome="{result.outcome.value}">{html.escape(heading)}</h1>'
        f"{greeting}<p>{html.escape(text)}</p></main></body></html>"
    )
    return HTMLResponse(document, status_code=status, headers=_HEADERS)
