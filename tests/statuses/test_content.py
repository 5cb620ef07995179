"""Plain text -> Mastodon HTML, tags, mentions and the length rule."""

from __future__ import annotations

import random
import time

import pytest

from roost.kernel.errors import ValidationFailed
from roost.statuses import content
from roost.statuses.content import (
    MAX_DOMAIN_LENGTH,
    MAX_URL_LENGTH,
    URL_LENGTH,
    MentionTarget,
    countable_length,
    grapheme_length,
    mention_candidates,
    normalize_tag,
    render_text,
    trim_url,
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
    assert countable_length(long_url) == URL_LENGTH
    assert countable_length(f"ab {long_url} cd") == 6 + URL_LENGTH
    # Remote mentions count without their domain, as on Mastodon.
    assert countable_length("@bob@far.example") == 4
    # The content warning counts too, in full.
    assert countable_length(long_url, spoiler_text="cw https://x.example") == 20 + URL_LENGTH
    # A scheme alone is not a link: no concession.
    assert countable_length("https://.") == 9


def test_characters_are_grapheme_clusters() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # 7 code points
    flag = "\U0001f1eb\U0001f1f7"  # two regional indicators
    accented = "e\u0301"  # e + combining acute accent
    assert grapheme_length(family) == 1
    assert grapheme_length(flag * 3) == 3
    assert grapheme_length(accented + "\r\n") == 2
    assert grapheme_length("plain\r\nascii") == 11
    assert countable_length(f"{family} {flag} {accented}") == 5


def _trim_by_definition(url: str) -> str:
    """The trimming rule as first written (quadratic): drop trailing
    punctuation, and a ")" while the link has more ")" than "("."""
    while url and (url[-1] in ".,:;!?'\"*" or (url[-1] == ")" and url.count("(") < url.count(")"))):
        url = url[:-1]
    return url


def test_link_trimming_keeps_balanced_brackets() -> None:
    html = render("see (https://example.com/a_(b)_c))).. now")
    assert 'href="https://example.com/a_(b)_c"' in html
    assert html.endswith("</a>))).. now</p>")
    rng = random.Random(8)
    for _ in range(2000):
        url = "https://x/" + "".join(rng.choices("a().,!)", k=rng.randint(0, 12)))
        expected = _trim_by_definition(url)
        assert trim_url(url) == expected, url


@pytest.mark.parametrize(
    "tail",
    [")", ".", "),", "(", "()", "@", "#", ":", "_", "a", "é", "\U0001f1eb"],
)
def test_counter_is_linear_on_adversarial_input(tail: str) -> None:
    """A link followed by 20,000 copies of one character: the old trimming
    recounted brackets per character dropped (about 1 s here for ")")."""
    text = "https://example.com/" + tail * (20_000 // len(tail))
    started = time.perf_counter()
    try:
        length = countable_length(text)
    except ValidationFailed:
        length = -1  # the link itself is too long: refused, also fine
    render_text(text, public_url="https://roost.test", local_domain="roost.test", accounts={})
    elapsed = time.perf_counter() - started
    assert elapsed < 0.5, f"{elapsed:.3f} s for 20k characters"
    assert length != 0


@pytest.mark.parametrize(
    "unit",
    ["@", "#", ":", "_", "@a", "#a", "@a@b.", "\U0001f1eb", "\U0001f44b\U0001f3fd", "e\u0301"],
)
def test_text_functions_are_linear(unit: str) -> None:
    text = unit * (20_000 // len(unit))
    started = time.perf_counter()
    countable_length(text)
    mention_candidates(text, local_domain="roost.test")
    render_text(text, public_url="https://roost.test", local_domain="roost.test", accounts={})
    elapsed = time.perf_counter() - started
    assert elapsed < 0.5, f"{elapsed:.3f} s for 20k characters of {unit!r}"


def test_overlong_links_and_mention_domains_are_refused() -> None:
    ok_url = "https://example.com/" + "y" * (MAX_URL_LENGTH - 20)
    assert countable_length(ok_url) == URL_LENGTH
    with pytest.raises(ValidationFailed, match="Links are limited"):
        countable_length(ok_url + "y")
    ok_domain = "@bob@" + "d" * MAX_DOMAIN_LENGTH
    assert countable_length(ok_domain) == 4
    with pytest.raises(ValidationFailed, match="Mention domains are limited"):
        countable_length(ok_domain + "d")


def test_normalize_tag() -> None:
    assert normalize_tag("RoOsT") == "roost"
    assert normalize_tag("ｆｕｌｌ") == "full"


def test_the_plain_text_shortcut_never_skips_a_token() -> None:
    """Text without ``@``, ``#`` or ``://`` skips the token regex
    (``_may_hold_tokens``): on random text over an alphabet of every
    character that tokens are made of, the regex finds nothing wherever
    the shortcut says there can be nothing, and the rendered HTML, the
    countable text and the mention candidates are what escaping alone
    gives."""
    rng = random.Random(16)
    alphabet = "ab_1 .:/@#&<>\"'\n\r()éＡ" + "https"
    skipped = 0
    for _ in range(20_000):
        text = "".join(rng.choices(alphabet, k=rng.randint(0, 40)))
        if content._may_hold_tokens(text):
            continue
        skipped += 1
        assert content._TOKEN.search(text) is None, text
        assert content.countable_text(text) == text
        assert mention_candidates(text, local_domain="roost.test") == set()
        rendered = render_text(text, public_url="https://roost.test", local_domain="x", accounts={})
        assert rendered.tags == [] and rendered.mention_ids == []
        assert "<a " not in rendered.html and "<span" not in rendered.html
    assert skipped > 1000
    # Marks without a token go the long way and still render plainly.
    assert (
        render("mail me at home # not a tag, a://b") == "<p>mail me at home # not a tag, a://b</p>"
    )
    assert render("<b>&amp;</b>\nnext") == "<p>&lt;b&gt;&amp;amp;&lt;/b&gt;<br />next</p>"
