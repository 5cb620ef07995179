"""The length rules of POST /api/v1/statuses: raw caps before any parsing,
grapheme counting, and requests that cannot stall the server."""

from __future__ import annotations

import time

from tests.helpers import ApiClient
from tests.statuses.support import post, status_row_count

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # 7 code points
FLAG = "\U0001f1eb\U0001f1f7"

# A link followed by 100,000 copies of one character (or an entity start):
# trimming the link used to be quadratic, 80,000 ")" held every request ~20 s.
ADVERSARIAL_TAILS = [")", ".", "),", "@", "#", ":", "_", "@a", "é", FLAG]


def test_adversarial_statuses_answer_fast(client: ApiClient) -> None:
    alice = client.make_user("alice")
    for tail in ADVERSARIAL_TAILS:
        text = "https://example.com/" + tail * (100_000 // len(tail))
        started = time.perf_counter()
        response = client.post("/api/v1/statuses", user=alice, json={"status": text})
        elapsed = time.perf_counter() - started
        assert response.status_code == 422, (tail, response.text)
        assert elapsed < 1.0, f"{elapsed:.2f} s for a link followed by {tail!r} x 100k"
    assert status_row_count(client) == 0


def test_raw_text_is_capped_whatever_it_counts(client: ApiClient) -> None:
    """Links count 23 and mention domains 0: without a raw cap a status of
    any size got in (990,000 characters were accepted)."""
    alice = client.make_user("alice")
    huge_link = "https://example.com/" + "z" * 990_000
    huge_mention = "@bob@" + "d" * 990_000
    for text in (huge_link, huge_mention, "a " + huge_link):
        response = client.post("/api/v1/statuses", user=alice, json={"status": text})
        assert response.status_code == 422
        assert response.json()["error"] == (
            "Validation failed: Text is too long (5000 characters at most, links in full)"
        )
    long_link = "https://example.com/" + "z" * 2100
    response = client.post("/api/v1/statuses", user=alice, json={"status": long_link})
    assert response.status_code == 422
    assert response.json()["error"] == "Validation failed: Links are limited to 2048 characters"
    long_domain = "hi @bob@" + "d" * 254
    response = client.post("/api/v1/statuses", user=alice, json={"status": long_domain})
    assert response.status_code == 422
    assert "Mention domains are limited to 253 characters" in response.json()["error"]
    spoiler = client.post(
        "/api/v1/statuses",
        user=alice,
        json={"status": "x", "spoiler_text": "e" + "\u0301" * 500},
    )
    assert spoiler.status_code == 422
    assert "Spoiler text is too long" in spoiler.json()["error"]
    assert status_row_count(client) == 0
    # Within the caps, links and remote mentions still get their concession.
    link = "https://example.com/" + "z" * 2000
    content = post(client, alice, f"{link} @bob@{'d' * 250}")["content"]
    assert f'<a href="{link}"' in content


def test_characters_are_counted_as_graphemes(client: ApiClient) -> None:
    alice = client.make_user("alice")
    assert post(client, alice, FAMILY * 500)["content"] == f"<p>{FAMILY * 500}</p>"
    post(client, alice, FLAG * 500)
    over = client.post("/api/v1/statuses", user=alice, json={"status": FAMILY * 501})
    assert over.status_code == 422
    assert over.json()["error"] == "Validation failed: Text character limit of 500 exceeded"
    # A content warning is counted the same way, together with the text.
    warned = post(client, alice, "x" * 440, spoiler_text=FLAG * 60)
    assert warned["spoiler_text"] == FLAG * 60
    over = client.post(
        "/api/v1/statuses", user=alice, json={"status": "x" * 441, "spoiler_text": FLAG * 60}
    )
    assert over.status_code == 422
    assert status_row_count(client) == 3


def test_polls_are_taken_in_both_shapes_not_dropped(client: ApiClient) -> None:
    alice = client.make_user("alice")
    poll = {"options": ["yes", "no"], "expires_in": 300}
    as_json = client.post("/api/v1/statuses", user=alice, json={"status": "vote", "poll": poll})
    as_form = client.post(
        "/api/v1/statuses",
        user=alice,
        data={"status": "vote", "poll[options][]": ["yes", "no"], "poll[expires_in]": "300"},
    )
    for response in (as_json, as_form):
        assert response.status_code == 200, response.text
        assert [o["title"] for o in response.json()["poll"]["options"]] == ["yes", "no"]
    assert status_row_count(client) == 2
    # An absent poll sent as null is no poll.
    assert post(client, alice, "no vote", poll=None)["poll"] is None
