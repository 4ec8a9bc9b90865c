"""Qualtrics: an Advanced Format TXT survey file (export only).

Qualtrics imports a survey from a text file in its *Advanced Format* (Survey > Tools >
Import/Export > Import Survey). The file starts with ``[[AdvancedFormat]]``; ``[[Block:...]]``
opens a block; each question starts with its type tag, here
``[[Question:MC:SingleAnswer:Vertical]]`` (one multiple-choice, single-answer question per
item) or ``[[Question:DB]]`` (descriptive text: the instructions and the stems of the
response scales); ``[[ID:...]]`` gives the question its ID; ``[[AdvancedChoices]]`` lists the
answers, each as ``[[Choice:N]]`` followed by its text, ``N`` being the number Qualtrics
records for it.

Each item's question ID is the data column relscales reads for it (``column``, else the
item id), and each answer's number is its relscales code, so a Qualtrics CSV export
("Use numeric values") scores with ``relscales score`` as it is. Scores cannot be
computed in a TXT import (the format has no scoring), and the question text is the item's
label unless the instrument carries its wording. See ``docs/interchange-qualtrics.md``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from relscales.interchange import Exported
from relscales.interchange.notes import find_uncarried

if TYPE_CHECKING:
    from relscales.instruments.instrument import Instrument
    from relscales.spec import InstrumentSpec

__all__ = ["export_qualtrics_txt"]

QUESTION_TYPE = "[[Question:MC:SingleAnswer:Vertical]]"
"""The question type of every item: multiple choice, one answer, choices in a column."""

_PLAIN_TAG = re.compile(r"[A-Za-z0-9_]+")


def _code(value: float) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)


def _line(text: str) -> str:
    """Return text as one line that Qualtrics cannot read as a tag."""
    return " ".join(text.split()).replace("[[", "[ [").replace("]]", "] ]")


def _notes(spec: InstrumentSpec, columns: list[str]) -> list[str]:
    notes = [
        "Qualtrics computes no relscales scores from a TXT import: export the responses "
        "(CSV, 'Use numeric values') and score them with `relscales score`.",
        "The recode value of each answer is its relscales code and each question ID is the "
        "item's data column; after importing, check in Qualtrics that the export tags and "
        "recode values read so (Recode Values), since Qualtrics may number them itself.",
    ]
    codes = {
        float(v)
        for scale in spec.response_scales.values()
        for v in [*scale.values, *scale.not_applicable]
    }
    odd = sorted(v for v in codes if v < 1 or not v.is_integer())
    if odd:
        notes.append(
            "Answer codes that are not whole numbers from 1 ("
            + ", ".join(_code(v) for v in odd)
            + ") are set with [[Choice:N]] too: check them under Recode Values after the import."
        )
    strange = [c for c in columns if not _PLAIN_TAG.fullmatch(c)]
    if strange:
        notes.append(
            "Question IDs with characters other than letters, digits and _ ("
            + ", ".join(strange)
            + ") may be changed by Qualtrics: score with a column map if they are."
        )
    lost = find_uncarried(spec)
    if not lost.wording_included:
        notes.append(
            "The item wording is not included (licence): each question shows the item's "
            "short label; replace it with the wording you are licensed to use."
        )
    if lost.other_languages:
        notes.append(
            f"Only the {spec.languages[0]} wording is written; add the other languages with "
            "Qualtrics' Translate Survey."
        )
    if lost.missing_codes:
        notes.append(
            "Missing-data codes are not answers in Qualtrics; ask the data export to recode "
            "seen but unanswered questions as -99, which relscales reads as missing."
        )
    if lost.attention_checks:
        checks = ", ".join(item.id for item in lost.attention_checks)
        notes.append(
            f"Attention-check items ({checks}) are ordinary questions in Qualtrics; "
            "relscales checks their answers when it scores the export."
        )
    rules = [
        f"{len(spec.composites)} composite(s)" if spec.composites else "",
        f"{len(lost.profiles)} profile(s)" if lost.profiles else "",
        f"{len(lost.flags)} flag(s)" if lost.flags else "",
    ]
    if any(rules):
        notes.append("Also computed by relscales only: " + ", ".join(r for r in rules if r) + ".")
    if lost.gated:
        notes.append(
            "Context questions are asked of everyone; Qualtrics display logic is not written "
            "(the TXT format has none)."
        )
    return notes


def export_qualtrics_txt(instrument: Instrument) -> Exported:
    """Write an instrument as a Qualtrics Advanced Format TXT survey file.

    Parameters
    ----------
    instrument
        A loaded instrument.

    Returns
    -------
    Exported
        One file, ``<id>-qualtrics.txt``, and the notes (scores are not computed in
        Qualtrics; what to check after importing).

    Examples
    --------
    >>> from relscales.instruments.loader import load_instrument
    >>> out = export_qualtrics_txt(load_instrument("rses"))
    >>> text = out.files["rses-qualtrics.txt"]
    >>> text.splitlines()[:3]
    ['[[AdvancedFormat]]', '', '[[Block:RSES]]']
    >>> text.count(QUESTION_TYPE), "[[ID:rses01]]" in text, "[[Choice:0]]" in text
    (10, True, True)
    """
    spec = instrument.spec
    language = spec.languages[0]
    columns = [item.column or item.id for item in spec.items]
    taken = set(columns)
    lines = ["[[AdvancedFormat]]", "", f"[[Block:{_line(spec.abbreviation or spec.name)}]]", ""]

    def descriptive(stem: str, text: str) -> None:
        name, n = stem, 1
        while name in taken:
            n += 1
            name = f"{stem}_{n}"
        taken.add(name)
        lines.extend(["[[Question:DB]]", f"[[ID:{name}]]", _line(text), ""])

    if spec.instructions and language in spec.instructions:
        descriptive("instructions", spec.instructions[language])
    previous_stem: str | None = None
    for item, column in zip(spec.items, columns, strict=True):
        scale = spec.response_scales[item.scale]
        stem = scale.stem.get(language) if scale.stem else None
        text = (
            item.text[language]
            if spec.license.item_text == "included" and item.text and language in item.text
            else item.label
        )
        if stem and stem != previous_stem and _line(stem) != _line(text):
            descriptive(f"stem_{item.scale}", stem)
        previous_stem = stem
        lines.extend([QUESTION_TYPE, f"[[ID:{column}]]", _line(text), "[[AdvancedChoices]]"])
        for value in [*scale.values, *scale.not_applicable]:
            label = scale.labels.get(value, _code(value))
            lines.extend([f"[[Choice:{_code(value)}]]", _line(label)])
        lines.append("")
    return Exported(
        files={f"{spec.id}-qualtrics.txt": "\n".join(lines)},
        notes=tuple(_notes(spec, columns)),
    )
