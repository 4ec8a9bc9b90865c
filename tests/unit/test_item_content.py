"""Checks that keep the project's own item pool honest (RISI and RRSS).

* Reading level: Flesch-Kincaid grade of all items at most 6.0, each item at most 8.0
  (``tests/readability.py``; figures in ``docs/instruments/*-rationale.md``).
* Every reverse-keyed item is listed, with a one-line justification that it does not
  presuppose the experience, in the rationale's "Reverse-keyed items" table.
* Reversed items are "how true" statements, never frequencies (a reversed frequency item,
  "Never", presupposes the events it counts).
* No two items share a label; every item has wording; one idea per item.
* Every scale says its time frame (a stem); "Does not apply" is never offered on the safety
  screen or on context questions.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.readability import fk_grade, report, syllables, words

ROOT = Path(__file__).resolve().parents[2]
OWN = ("risi", "rrss")
MAX_GRADE = 6.0
MAX_ITEM_GRADE = 8.0
ONE_IDEA_PHRASES = (
    "again and again",
    "one thing and then did another",
    "warm one day and cold the next",
    "ups and downs",
    "in person or online",
)
"""Phrases with "and"/"or" that are one idea (docs/instruments/risi-rationale.md)."""
NO_REVERSED_ITEM = {
    ("risi", "impact"),
    ("risi", "safety"),
    ("rrss", "escalation"),
    ("rrss", "total"),
}
"""Facets without a reversed item, each justified in its rationale."""


def load(instrument: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(
        (ROOT / "instruments" / f"{instrument}.yaml").read_text(encoding="utf-8")
    )
    return data


def reverse_table(instrument: str) -> dict[str, str]:
    """Item id -> justification, from the rationale's "Reverse-keyed items" table."""
    text = (ROOT / "docs" / "instruments" / f"{instrument}-rationale.md").read_text(
        encoding="utf-8"
    )
    section = text.split("## Reverse-keyed items", 1)[1].split("\n## ", 1)[0]
    out: dict[str, str] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`"):
            out[cells[0].strip("`")] = cells[2]
    return out


def test_readability_counts_syllables_from_the_dictionary() -> None:
    assert [syllables(w) for w in ("partner", "relationship", "reassurance", "I")] == [2, 4, 4, 1]
    assert syllables("partner's") == 2
    assert syllables("zzglorp") >= 1  # not in the dictionary: the vowel-group rule
    # "The cat sat on the mat.": 6 words, 6 syllables, 1 sentence
    assert fk_grade(["The cat sat on the mat."]) == pytest.approx(0.39 * 6 + 11.8 * 1 - 15.59)
    assert words("My partner's reply") == ["My", "partner's", "reply"]


@pytest.mark.parametrize("instrument", OWN)
def test_reading_level(instrument: str) -> None:
    texts = [item["text"]["en"] for item in load(instrument)["items"]]
    level = report(texts)
    assert level.grade <= MAX_GRADE, f"{instrument}: grade {level.grade:.1f}"
    hard = [(t, round(fk_grade([t]), 1)) for t in texts if fk_grade([t]) > MAX_ITEM_GRADE]
    assert not hard, f"{instrument}: items above grade {MAX_ITEM_GRADE}: {hard}"


@pytest.mark.parametrize("instrument", OWN)
def test_instructions_read_easily(instrument: str) -> None:
    text = load(instrument)["instructions"]["en"]
    sentences = [s for s in re.split(r"(?<=[.?!])\s+", text) if s.strip()]
    assert fk_grade(sentences) <= 7.0


@pytest.mark.parametrize("instrument", OWN)
def test_every_reversed_item_is_justified(instrument: str) -> None:
    reversed_items = {i["id"] for i in load(instrument)["items"] if i.get("reverse")}
    table = reverse_table(instrument)
    assert set(table) == reversed_items, (
        f"missing from the table: {sorted(reversed_items - set(table))}; "
        f"listed but not reversed: {sorted(set(table) - reversed_items)}"
    )
    for item, why in table.items():
        assert len(why) >= 30, f"{item}: the justification is too short to say why"


@pytest.mark.parametrize("instrument", OWN)
def test_reversed_items_are_statements_not_frequencies(instrument: str) -> None:
    data = load(instrument)
    for item in data["items"]:
        if item.get("reverse"):
            labels = data["response_scales"][item["scale"]]["labels"]
            assert labels[1] != "Never", f"{item['id']} is a reversed frequency item"


@pytest.mark.parametrize("instrument", OWN)
def test_each_facet_has_a_reversed_item_where_sound(instrument: str) -> None:
    data = load(instrument)
    rev = {i["id"] for i in data["items"] if i.get("reverse")}
    for sub in data["subscales"]:
        if (instrument, sub["id"]) in NO_REVERSED_ITEM:
            continue
        assert rev & set(sub["items"]), f"{instrument}.{sub['id']} has no reversed item"
        assert len(rev & set(sub["items"])) == 1, f"{instrument}.{sub['id']}"


@pytest.mark.parametrize("instrument", OWN)
def test_labels_unique_and_items_worded(instrument: str) -> None:
    items = load(instrument)["items"]
    labels = [" ".join(i["label"].lower().split()) for i in items]
    assert len(set(labels)) == len(labels)
    assert all(i["text"]["en"].strip() for i in items)


@pytest.mark.parametrize("instrument", OWN)
def test_one_idea_per_item(instrument: str) -> None:
    for item in load(instrument)["items"]:
        text = item["text"]["en"].lower()
        for phrase in ONE_IDEA_PHRASES:
            text = text.replace(phrase, "")
        assert not re.search(r"\b(and|or|and/or)\b", text), item["id"]


@pytest.mark.parametrize("instrument", OWN)
def test_time_frames_and_not_applicable(instrument: str) -> None:
    data = load(instrument)
    scales = data["response_scales"]
    used = {i["scale"] for i in data["items"]}
    for name in used:
        assert scales[name].get("stem", {}).get("en"), f"scale {name} has no stem"
    for item in data["items"]:
        na = scales[item["scale"]].get("not_applicable")
        if item.get("context") or item["id"].startswith("sf_"):
            assert not na, f"{item['id']} offers 'Does not apply'"
    stems = " ".join(scales[n]["stem"]["en"] for n in used)
    if instrument == "risi":
        for frame in ("past four weeks", "past relationships", "this relationship as a whole"):
            assert frame in stems
    else:
        assert "past four weeks" in stems
