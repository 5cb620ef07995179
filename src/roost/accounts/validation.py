"""Input rules for accounts, with Mastodon's detailed 422 error shape.

Sign-up errors carry ``details`` (field -> [{"error": "ERR_...",
"description": ...}]) as Mastodon sends them, so clients such as Mastodon.py
can show every problem at once.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from roost.accounts.common_passwords import is_common_password
from roost.kernel.errors import ValidationFailed

USERNAME_RE = re.compile(r"^[A-Za-z0-9_]{1,30}$")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{1,63}$")
LOCALE_RE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?$")
MAX_EMAIL = 320
MIN_PASSWORD = 8
MAX_PASSWORD = 200
MAX_DISPLAY_NAME = 30
MAX_NOTE = 500
MAX_FIELDS = 4
MAX_FIELD_NAME = 255
MAX_FIELD_VALUE = 255
PRIVACY_DEFAULTS = ("public", "unlisted", "private")

# C0 control characters other than tab, LF and CR; PostgreSQL rejects NUL
# outright, and the others have no business in names or bios.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

_LABELS = {
    "username": "Username",
    "email": "Email",
    "password": "Password",
    "agreement": "Agreement",
    "date_of_birth": "Date of birth",
    "locale": "Locale",
    "display_name": "Display name",
    "note": "Note",
    "fields": "Fields",
    "source": "Source",
}


def strip_control_chars(text: str) -> str:
    return _CONTROL_RE.sub("", text)


class AccountValidationError(ValidationFailed):
    """Every invalid field of an account form, in Mastodon's ``details`` shape."""

    def __init__(self, problems: list[tuple[str, str, str]]) -> None:
        summary = ", ".join(f"{_LABELS.get(f, f.capitalize())} {d}" for f, _, d in problems)
        details: dict[str, list[dict[str, str]]] = {}
        for field, code, description in problems:
            details.setdefault(field, []).append({"error": code, "description": description})
        super().__init__(summary, details=details)
        self.problems = problems


class Problems:
    """Collects validation problems so that all of them are reported together."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str, str]] = []

    def add(self, field: str, code: str, description: str) -> None:
        self.items.append((field, code, description))

    def check(self) -> None:
        if self.items:
            raise AccountValidationError(self.items)


def parse_birth_date(raw: str | None) -> date | None:
    """``YYYY-MM-DD`` (what Mastodon.py sends) or nothing; 422 for anything else."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise AccountValidationError([("date_of_birth", "ERR_INVALID", "must be YYYY-MM-DD")])


def check_signup(
    problems: Problems,
    *,
    username: str,
    email: str,
    password: str,
    display_name: str,
    locale: str,
    date_of_birth: date | None,
) -> None:
    """Add every problem with the sign-up fields to ``problems``."""
    if not username:
        problems.add("username", "ERR_BLANK", "can't be blank")
    elif len(username) > 30:
        problems.add("username", "ERR_TOO_LONG", "is too long (maximum is 30 characters)")
    elif not USERNAME_RE.fullmatch(username):
        problems.add(
            "username", "ERR_INVALID", "must contain only letters, numbers and underscores"
        )
    if not email:
        problems.add("email", "ERR_BLANK", "can't be blank")
    elif len(email) > MAX_EMAIL or not EMAIL_RE.fullmatch(email) or _CONTROL_RE.search(email):
        problems.add("email", "ERR_INVALID", "is invalid")
    if not password:
        problems.add("password", "ERR_BLANK", "can't be blank")
    elif len(password) < MIN_PASSWORD:
        problems.add(
            "password", "ERR_TOO_SHORT", f"is too short (minimum is {MIN_PASSWORD} characters)"
        )
    elif len(password) > MAX_PASSWORD:
        problems.add(
            "password", "ERR_TOO_LONG", f"is too long (maximum is {MAX_PASSWORD} characters)"
        )
    else:
        check_password_strength(problems, password)
    if len(display_name) > MAX_DISPLAY_NAME:
        problems.add(
            "display_name",
            "ERR_TOO_LONG",
            f"is too long (maximum is {MAX_DISPLAY_NAME} characters)",
        )
    if not LOCALE_RE.fullmatch(locale):
        problems.add("locale", "ERR_INCLUSION", "is not included in the list")
    if date_of_birth is not None and date_of_birth > datetime.now(UTC).date():
        problems.add("date_of_birth", "ERR_INVALID", "is in the future")


def check_password_strength(problems: Problems, password: str) -> None:
    """Refuse a password found in the list of the most common ones (for
    sign-up and any future password change)."""
    if is_common_password(password):
        # ERR_INVALID: a code clients already know (Mastodon has no ERR_COMMON).
        problems.add("password", "ERR_INVALID", "is too common: choose one that is harder to guess")


def check_profile_text(
    problems: Problems,
    *,
    display_name: str | None,
    note: str | None,
    fields: list[tuple[str, str]] | None,
    privacy: str | None,
    language: str | None,
) -> None:
    """Add every problem with profile edits to ``problems``."""
    if display_name is not None and len(display_name) > MAX_DISPLAY_NAME:
        problems.add(
            "display_name",
            "ERR_TOO_LONG",
            f"is too long (maximum is {MAX_DISPLAY_NAME} characters)",
        )
    if note is not None and len(note) > MAX_NOTE:
        problems.add("note", "ERR_TOO_LONG", f"is too long (maximum is {MAX_NOTE} characters)")
    if fields is not None:
        if len(fields) > MAX_FIELDS:
            problems.add("fields", "ERR_TOO_LONG", f"has more than {MAX_FIELDS} entries")
        for name, value in fields:
            if len(name) > MAX_FIELD_NAME or len(value) > MAX_FIELD_VALUE:
                problems.add(
                    "fields",
                    "ERR_TOO_LONG",
                    f"names and values must be at most {MAX_FIELD_VALUE} characters",
                )
                break
    if privacy is not None and privacy not in PRIVACY_DEFAULTS:
        problems.add("source", "ERR_INCLUSION", "privacy must be public, unlisted or private")
    if language and not LOCALE_RE.fullmatch(language):
        problems.add("source", "ERR_INCLUSION", "language is not a language code")


def check_email(problems: Problems, email: str) -> None:
    """Add the problems of a changed e-mail address (the sign-up rules)."""
    if not email:
        problems.add("email", "ERR_BLANK", "can't be blank")
    elif len(email) > MAX_EMAIL or not EMAIL_RE.fullmatch(email) or _CONTROL_RE.search(email):
        problems.add("email", "ERR_INVALID", "is invalid")


MAX_REASON = 1000


def check_reason(problems: Problems, reason: str, *, required: bool) -> None:
    """The sign-up reason an admin reads when registrations need approval."""
    if required and not reason:
        problems.add("reason", "ERR_BLANK", "can't be blank")
    elif len(reason) > MAX_REASON:
        problems.add("reason", "ERR_TOO_LONG", f"is too long (maximum is {MAX_REASON} characters)")
