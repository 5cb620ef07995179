"""Plain text -> Mastodon HTML, tags, mentions and the length rule."""

from __future__ import annotations

from roost.statuses.content import (
    URL_LENGTH,
    MentionTarget,
    countable_length,
    mention_candidates,
    normalize_tag,
    render_text,
)

ACCOUNTS = {"bob": MentionTarget(7, "Bob")}


def render(text: str) -> str:
    return render_text(
        text, public_url="https://roost.test", local_domain="roost.test", accounts=ACCOUNTS
    ).html


def test_escapes_and_builds_paragraphs() -> None:
    assert render('a <b> & "c"') == "<p>a &lt;b&gt; &amp; &quot;c&quot;</p>"
    assert render("one\ntwo\n\n\nthree") == "<p>one<br />two</p><p>three</p>"
    assert render("crlf\r\nline") == "<p>crlf<br />line</p>"


def test_links_are_anchors_with_mastodon_spans() -> None:
    html = render("see https://example.com/a?x=1&y=2.")
    assert '<a href="https://example.com/a?x=1&amp;y=2" target="_blank"' in html
    assert 'rel="nofollow noopener"' in html
    assert '<span class="invisible">https://</span>' in html
    assert html.endswith("</a>.</p>")  # the full stop is not part of the link


def test_long_link_is_shortened_for_display_only() -> None:
    url = "https://www.example.com/" + "x" * 60
    html = render(url)
    assert f'href="{url}"' in html
    assert '<span class="invisible">https://www.</span>' in html
    assert '<span class="ellipsis">' in html


def test_closing_parenthesis_outside_link() -> None:
    html = render("(https://example.com/wiki/Thing_(x))")
    assert 'href="https://example.com/wiki/Thing_(x)"' in html
    assert html.endswith("</a>)</p>")


def test_hashtags_link_and_normalise() -> None:
    result = render_text(
        "#Roost and #roost, #Café! #123 #a1 x#no",
        public_url="https://roost.test",
        local_domain="roost.test",
        accounts={},
    )
    assert result.tags == ["roost", "café", "a1"]
    assert (
        '<a href="https://roost.test/tags/roost" class="mention hashtag" rel="tag">'
        "#<span>Roost</span></a>" in result.html
    )
    assert "https://roost.test/tags/caf%C3%A9" in result.html
    assert "#123" in result.html and "x#no" in result.html


def test_hashtag_inside_url_is_not_a_tag() -> None:
    result = render_text(
        "https://example.com/page#section",
        public_url="https://roost.test",
        local_domain="roost.test",
        accounts={},
    )
    assert result.tags == []


def test_mentions_of_local_accounts() -> None:
    result = render_text(
        "hi @bob and @BOB@roost.test, not @carol nor @bob@elsewhere.org or me@bob.org",
        public_url="https://roost.test",
        local_domain="roost.test",
        accounts=ACCOUNTS,
    )
    assert result.mention_ids == [7]
    link = (
        '<span class="h-card" translate="no"><a href="https://roost.test/@Bob" '
        'class="u-url mention">@<span>Bob</span></a></span>'
    )
    assert result.html.count(link) == 2
    assert "@carol" in result.html
    assert "@bob@elsewhere.org" in result.html
    assert "me@bob.org" in result.html


def test_mention_candidates_only_local() -> None:
    found = mention_candidates("@a @B@roost.test @c@other.net x@d", local_domain="roost.test")
    assert found == {"a", "b"}


def test_urls_count_as_23_characters() -> None:
    long_url = "https://example.com/" + "y" * 200
    assert countable_length(long_url, local_domain="x") == URL_LENGTH
    assert countable_length(f"ab {long_url} cd", local_domain="x") == 6 + URL_LENGTH
    # Remote mentions count without their domain, as on Mastodon.
    assert countable_length("@bob@far.example", local_domain="x") == 4


def test_normalize_tag() -> None:
    assert normalize_tag("RoOsT") == "roost"
    assert normalize_tag("ｆｕｌｌ") == "full"
