"""How the PostgreSQL engine picks its plan: the estimated share of
statuses holding every term, from the words' frequencies in pg_stats."""

from __future__ import annotations

import pytest

from roost.search.engine import TextQuery
from roost.search.postgres_fts import COMMON, joint_share

FREQ = {"the": 0.55, "cycling": 0.03, "science": 0.03, "quick": 0.1, "note": 0.1}


def query(*words: str, phrases: tuple[tuple[str, ...], ...] = ()) -> TextQuery:
    return TextQuery(words=words, phrases=phrases, excluded=(), language=None)


def test_a_common_word_is_walked_and_an_unknown_one_is_not() -> None:
    assert joint_share(query("the"), FREQ) == 0.55 >= COMMON
    assert joint_share(query("cycling"), FREQ) >= COMMON
    assert joint_share(query("zanzibar"), FREQ) == 0.0
    assert joint_share(query("the", "zanzibar"), FREQ) == 0.0
    assert joint_share(query(), FREQ) == 0.0


def test_common_words_rare_together_go_to_the_index() -> None:
    # 3% each, about 0.09% together: a 5,000-entry walk would find ~4.
    together = joint_share(query("cycling", "science"), FREQ)
    assert together == pytest.approx(0.0009)
    assert together < COMMON
    # A common word does not make a rarer one common.
    with_the = joint_share(query("the", "cycling"), FREQ)
    assert with_the == pytest.approx(0.0165)
    assert with_the >= COMMON


def test_a_phrase_counts_as_its_rarest_word() -> None:
    phrase = (("quick", "note"),)
    assert joint_share(query(phrases=phrase), FREQ) == pytest.approx(0.1)
    assert joint_share(query("cycling", phrases=phrase), FREQ) == pytest.approx(0.003)
