"""Status and profile text for seeded data.

Two styles: ``demo`` writes readable little posts with some #hashtags and
@mentions (rendered by the statuses content renderer, like a real post);
``bench`` writes 256 random alphanumeric characters per post, like the
DeathStarBench social-network workload, generated as one numpy array.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

import numpy as np
import numpy.typing as npt

TextStyle = Literal["demo", "bench"]

BENCH_TEXT_LENGTH = 256
_ALPHANUMERIC = np.frombuffer(
    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", dtype=np.uint8
)


def bench_texts(rng: np.random.Generator, count: int) -> npt.NDArray[np.bytes_]:
    """``count`` strings of 256 random letters and digits (fixed-width bytes)."""
    picks = rng.integers(0, len(_ALPHANUMERIC), (count, BENCH_TEXT_LENGTH), dtype=np.uint8)
    return _ALPHANUMERIC[picks].view(f"S{BENCH_TEXT_LENGTH}").reshape(count)


def bench_contents(texts: npt.NDArray[np.bytes_]) -> npt.NDArray[np.bytes_]:
    """The HTML of bench texts: letters and digits need no escaping or links,
    so the renderer's output is the text in one paragraph."""
    width = texts.dtype.itemsize
    raw = texts.view(np.uint8).reshape(len(texts), width)
    out = np.empty((len(texts), width + 7), dtype=np.uint8)
    out[:, :3] = np.frombuffer(b"<p>", dtype=np.uint8)
    out[:, 3 : 3 + width] = raw
    out[:, 3 + width :] = np.frombuffer(b"</p>", dtype=np.uint8)
    return out.view(f"S{width + 7}").reshape(len(texts))


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_FIRST_NAMES = _words(
    "Ada Alan Alice Amara Ana Ari Beatriz Ben Bruno Carla Chen Chloe Dana Dev Diego Elena "
    "Emil Eva Farah Felix Grace Hana Hugo Ines Ivan Jade Jonas Kai Kenji Lara Leo Lina "
    "Luca Maya Mei Mila Nadia Noah Nora Omar Oscar Paula Priya Quinn Rafael Rosa Sami Sara "
    "Theo Uma Vera Wen Yara Yusuf Zoe"
)
_LAST_NAMES = _words(
    "Abe Almeida Berg Costa Dalton Duarte Eriksen Fischer Garcia Haddad Ito Jensen "
    "Kowalski Lambert Lopez Moreau Nakamura Novak Okafor Park Petrov Quint Rossi Sato "
    "Silva Tanaka Ueda Varga Weber Xu Yilmaz Zimmer"
)


def display_names(rng: np.random.Generator, count: int) -> list[str]:
    firsts = rng.integers(len(_FIRST_NAMES), size=count).tolist()
    lasts = rng.integers(len(_LAST_NAMES), size=count).tolist()
    return [f"{_FIRST_NAMES[a]} {_LAST_NAMES[b]}" for a, b in zip(firsts, lasts, strict=True)]


_NOTES = (
    "Reads too much, sleeps too little.",
    "Coffee first, questions later.",
    "Amateur astronomer and professional procrastinator.",
    "Posting about books, bikes and bread.",
    "Here for the conversations.",
    "",
)


def profile_notes(rng: np.random.Generator, count: int) -> list[str]:
    return [_NOTES[i] for i in rng.integers(len(_NOTES), size=count).tolist()]


DEMO_TAGS = _words(
    "coffee books photography cycling music gardening cooking python astronomy hiking "
    "movies running baking chess reed weekend science art travel rain"
)

_OPENERS = (
    "Just finished",
    "Finally tried",
    "Still thinking about",
    "Can't stop talking about",
    "Spent the afternoon on",
    "Anyone else into",
    "Quick note on",
    "Loving",
    "Not sure how I feel about",
    "Today I learned about",
)
_SUBJECTS = (
    "the new library wing",
    "a long walk by the river",
    "homemade sourdough",
    "the campus coffee cart",
    "an old film camera",
    "the night sky from the roof",
    "a very stubborn tomato plant",
    "a chess opening nobody plays",
    "the thesis draft",
    "a rainy Sunday playlist",
    "the bike repair workshop",
    "a second-hand poetry book",
)
_CLOSERS = (
    "Highly recommended.",
    "Would do it again.",
    "More on this later.",
    "Ten out of ten.",
    "Thoughts?",
    "It was better than expected.",
    "Worth every minute.",
    "Not my best idea.",
    "",
)


@dataclasses.dataclass(frozen=True, slots=True)
class DemoPost:
    text: str
    mentioned: list[int]  # user indexes mentioned with @username_<index>


def demo_post(rng: np.random.Generator, users: int) -> DemoPost:
    """A short readable post, sometimes with a mention and hashtags."""
    opener = _OPENERS[int(rng.integers(len(_OPENERS)))]
    subject = _SUBJECTS[int(rng.integers(len(_SUBJECTS)))]
    closer = _CLOSERS[int(rng.integers(len(_CLOSERS)))]
    words = [f"{opener} {subject}.", closer] if closer else [f"{opener} {subject}."]
    mentioned: list[int] = []
    if users > 1 and rng.random() < 0.25:
        other = int(rng.integers(users))
        mentioned.append(other)
        words.insert(0, f"@username_{other}")
    if rng.random() < 0.5:
        count = 1 + int(rng.random() < 0.3)
        picked = rng.choice(len(DEMO_TAGS), size=count, replace=False)
        words.extend(f"#{DEMO_TAGS[int(i)]}" for i in picked)
    return DemoPost(text=" ".join(words), mentioned=mentioned)
