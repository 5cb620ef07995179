"""Request bodies of the filter endpoints. JSON bodies (Mastodon.py sends
them) are read as they are; form bodies may carry Rails-style
``keywords_attributes[0][keyword]=...`` keys, re-read here."""

from __future__ import annotations

import msgspec
from starlette.requests import Request

from roost.accounts.params import expand_brackets
from roost.api.params import convert, form_fields, query_fields
from roost.filters.service import FilterChange, KeywordChange
from roost.kernel.errors import NotFound
from roost.kernel.idtext import parse_id

_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class KeywordInput(msgspec.Struct, kw_only=True):
    keyword: str | None = None
    whole_word: bool | None = None
    id: str | None = None
    destroy: bool = msgspec.field(default=False, name="_destroy")


class FilterForm(msgspec.Struct, kw_only=True):
    title: str | None = None
    context: list[str] | None = None
    filter_action: str | None = None
    expires_in: int | None = None
    keywords_attributes: list[KeywordInput] | dict[str, KeywordInput] | None = None


async def read_filter_form(request: Request, form: FilterForm) -> FilterForm:
    """``form`` as parsed, re-read with bracket keys for form-encoded bodies."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in _FORM_TYPES:
        return form
    items = [*await form_fields(request), *query_fields(request)]
    expanded = expand_brackets(items)
    # ``context[]=a&context[]=b`` as a list, whatever expand_brackets kept.
    contexts = [v for k, v in items if k in ("context[]", "context")]
    if contexts:
        expanded["context"] = contexts
    if expanded.get("expires_in") == "":
        expanded["expires_in"] = None
    return convert(expanded, FilterForm)


def filter_change(form: FilterForm) -> FilterChange:
    given = form.keywords_attributes
    entries = list(given.values()) if isinstance(given, dict) else list(given or [])
    changes = []
    for entry in entries:
        keyword_id = None
        if entry.id not in (None, ""):
            keyword_id = parse_id(entry.id)
            if keyword_id is None:
                raise NotFound()
        changes.append(
            KeywordChange(
                keyword=entry.keyword,
                whole_word=entry.whole_word,
                id=keyword_id,
                destroy=entry.destroy,
            )
        )
    return FilterChange(
        title=form.title,
        context=form.context,
        action=form.filter_action,
        expires_in=form.expires_in,
        keywords=changes,
    )
