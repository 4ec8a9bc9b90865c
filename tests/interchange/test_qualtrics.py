"""Qualtrics Advanced Format TXT export: the file, its notes, and scoring its CSV export.

A Qualtrics CSV export of a survey built from the file has one column per question, named
by its question ID, holding the answer's recode value (or its text, with "Use choice
text"). Such exports are made here from the exported file itself and scored with
``relscales.score`` through the project's Qualtrics reader.
"""

from __future__ import annotations

import csv
import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tests.interchange.interchange_helpers import (
    FORMAT_TOUR,
    KERNEL_WARNING,
    answer_columns,
    instruments,
)

import relscales
from relscales.instruments.instrument import Instrument
from relscales.instruments.loader import load_instrument, load_instrument_data
from relscales.interchange.qualtrics import QUESTION_TYPE, export_qualtrics_txt

INSTRUMENTS = instruments()
IDS = [i.id for i in INSTRUMENTS]

METADATA = [
    "StartDate",
    "EndDate",
    "Status",
    "IPAddress",
    "Progress",
    "Duration (in seconds)",
    "Finished",
    "RecordedDate",
    "ResponseId",
]


def _questions(text: str) -> list[dict[str, Any]]:
    """Read the questions of an Advanced Format file: type, ID, text, choices."""
    questions: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    choice: float | None = None
    for line in text.splitlines():
        if line.startswith("[[Question:"):
            current = {"type": line, "id": None, "text": [], "choices": {}}
            questions.append(current)
            choice = None
        elif current is None or not line:
            continue
        elif match := re.fullmatch(r"\[\[ID:(.+)\]\]", line):
            current["id"] = match.group(1)
        elif line == "[[AdvancedChoices]]":
            current["choices"] = {}
        elif match := re.fullmatch(r"\[\[Choice:(-?[0-9.]+)\]\]", line):
            choice = float(match.group(1))
        elif choice is not None:
            current["choices"][choice] = line
            choice = None
        else:
            assert not line.startswith("[["), line
            current["text"].append(line)
    return questions


@pytest.mark.parametrize("instrument", INSTRUMENTS, ids=IDS)
def test_one_single_answer_question_per_item_coded_as_relscales(instrument: Instrument) -> None:
    out = export_qualtrics_txt(instrument)
    assert list(out.files) == [f"{instrument.id}-qualtrics.txt"]
    text = out.files[f"{instrument.id}-qualtrics.txt"]
    assert text.splitlines()[0] == "[[AdvancedFormat]]"
    assert text.splitlines()[2].startswith("[[Block:")
    questions = _questions(text)
    ids = [q["id"] for q in questions]
    assert len(set(ids)) == len(ids)
    items = [q for q in questions if q["type"] == QUESTION_TYPE]
    spec = instrument.spec
    assert [q["id"] for q in items] == [i.column or i.id for i in spec.items]
    for question, item in zip(items, spec.items, strict=True):
        scale = spec.response_scales[item.scale]
        codes = [float(v) for v in [*scale.values, *scale.not_applicable]]
        assert list(question["choices"]) == codes
        for value, label in question["choices"].items():
            declared = {float(k): v for k, v in scale.labels.items()}
            assert label == declared.get(value, f"{value:g}")
        assert len(question["text"]) == 1
        if spec.license.item_text == "included":
            assert question["text"][0] == " ".join(item.text[spec.languages[0]].split())
        else:
            assert question["text"][0] == item.label
    others = [q for q in questions if q["type"] != QUESTION_TYPE]
    assert all(q["type"] == "[[Question:DB]]" and not q["choices"] for q in others)
    assert any("computes no relscales scores" in note for note in out.notes)


def test_notes_say_what_to_check_after_importing() -> None:
    rses = export_qualtrics_txt(load_instrument("rses"))
    joined = " ".join(rses.notes)
    assert "wording is not included" in joined
    assert "(0)" in joined  # a code Qualtrics may not take as a recode value as it is
    risi = " ".join(export_qualtrics_txt(load_instrument("risi")).notes)
    assert "3 composite(s), 1 profile(s), 8 flag(s)" in risi
    assert "-99" in risi
    assert "display logic" in risi
    tour = " ".join(export_qualtrics_txt(load_instrument(FORMAT_TOUR)).notes)
    assert "Attention-check items (ac1)" in tour


def test_awkward_text_ids_and_languages() -> None:
    document = {
        "relscales": 1,
        "id": "awkward",
        "version": "1.0.0",
        "name": "Awkward",
        "domain": "other",
        "license": {"name": "CC0", "item_text": "included"},
        "validation": {"status": "experimental"},
        "languages": ["en", "de"],
        "instructions": {"en": "Read [[this]]\nwith care.", "de": "Lesen."},
        "response_scales": {
            "half": {"values": [0.5, 1.5], "stem": {"en": "How much?", "de": "Wie viel?"}}
        },
        "items": [
            {
                "id": "instructions",
                "label": "an item named like the instructions",
                "text": {"en": "A [[Block]] in   the text", "de": "A"},
                "scale": "half",
            },
            {
                "id": "b",
                "label": "other",
                "text": {"en": "B", "de": "B"},
                "scale": "half",
                "column": "Q 2-b",
            },
        ],
        "subscales": [{"id": "s", "name": "S", "items": ["instructions", "b"]}],
    }
    out = export_qualtrics_txt(load_instrument_data(document))
    questions = _questions(out.files["awkward-qualtrics.txt"])
    assert [q["id"] for q in questions] == ["instructions_2", "stem_half", "instructions", "Q 2-b"]
    assert questions[0]["text"] == ["Read [ [this] ] with care."]
    assert questions[2]["text"] == ["A [ [Block] ] in the text"]
    assert questions[2]["choices"] == {0.5: "0.5", 1.5: "1.5"}
    joined = " ".join(out.notes)
    assert "Only the en wording" in joined
    assert "(Q 2-b)" in joined
    assert "(0.5, 1.5)" in joined


def _qualtrics_csv(
    instrument: Instrument, answers: np.ndarray, path: Path, *, choice_text: bool
) -> None:
    """Write the CSV export Qualtrics makes of a survey imported from the TXT file."""
    out = export_qualtrics_txt(instrument)
    questions = [
        q for q in _questions(next(iter(out.files.values()))) if q["type"] == QUESTION_TYPE
    ]
    header = METADATA + [q["id"] for q in questions]
    texts = METADATA + [" ".join(q["text"]) for q in questions]
    imports = [json.dumps({"ImportId": m}) for m in METADATA]
    imports += [json.dumps({"ImportId": f"QID{n}"}) for n in range(1, len(questions) + 1)]
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerows([header, texts, imports])
        for r, row in enumerate(answers.tolist()):
            meta = ["2025-01-01 10:00:00", "2025-01-01 10:05:00", "0", "", "100", "300", "1"]
            meta += ["2025-01-01 10:05:01", f"R_{r:08d}"]
            cells = []
            for q, value in zip(questions, row, strict=True):
                if math.isnan(value):
                    cells.append("-99" if r % 2 else "")  # seen but unanswered, or not seen
                elif choice_text:
                    cells.append(q["choices"][value])
                else:
                    cells.append(f"{value:g}")
            writer.writerow(meta + cells)


@pytest.mark.filterwarnings(KERNEL_WARNING)  # random answers to format-tour
@pytest.mark.parametrize("choice_text", [False, True], ids=["numeric", "choice-text"])
@pytest.mark.parametrize("instrument", INSTRUMENTS, ids=IDS)
def test_a_qualtrics_export_of_the_survey_scores_directly(
    instrument: Instrument, choice_text: bool, tmp_path: Path
) -> None:
    spec = instrument.spec
    rng = np.random.default_rng(3)
    answers = np.empty((60, len(spec.items)))
    for j, item in enumerate(spec.items):
        scale = spec.response_scales[item.scale]
        answers[:, j] = rng.choice(np.array([*scale.values, *scale.not_applicable], float), 60)
    answers[rng.random(answers.shape) < 0.05] = np.nan
    answers[:, 0][:2] = spec.response_scales[spec.items[0].scale].values[0]  # no blank rows
    path = tmp_path / "export.csv"
    _qualtrics_csv(instrument, answers, path, choice_text=choice_text)
    result = relscales.score(instrument, path)
    assert result.metadata["input"]["format"] == "qualtrics"
    assert result.id_column == "ResponseId"
    assert result.problem_count == 0
    plain = relscales.score(instrument, answer_columns(instrument, answers))
    for sub in spec.subscales:
        np.testing.assert_array_equal(result.scores[sub.id], plain.scores[sub.id])
    assert any(not np.isnan(result.scores[s.id]).all() for s in spec.subscales)
