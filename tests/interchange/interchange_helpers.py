"""Shared by the interchange tests: the instruments they run on, random answers, relscales' scores.

Imported as ``tests.interchange.interchange_helpers``, like the suite's other shared helpers
(``tests.reference_intervals``): run the tests with ``python -m pytest`` from the root.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

import relscales
from relscales.instruments.catalog import list_instruments
from relscales.instruments.instrument import Instrument
from relscales.instruments.loader import load_instrument, load_instrument_data

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = [s.id for s in list_instruments() if s.domain != "battery"]
"""Ids of the bundled instruments, batteries aside."""
FORMAT_TOUR = ROOT / "examples" / "instruments" / "format-tour.yaml"
"""The example instrument that shows every key of the format."""
IRT_DEMO = ROOT / "examples" / "instruments" / "irt-demo.yaml"
"""The example instrument with a graded response model."""

KERNEL_WARNING = "ignore:invalid value encountered in multiply:RuntimeWarning"
"""For ``pytest.mark.filterwarnings``: relscales.scoring.kernel.item_sampling_se multiplies
inf by 0 for a `sum` subscale without a reliability when a respondent answered none of its
items (the score is still NaN, as it should be): a warning of the scoring engine, not of the
exporters, that random answers meet."""


def instruments(synthetic: dict[str, Any] | None = None) -> list[Instrument]:
    """Return the bundled instruments, the format tour, then a test file's own instrument."""
    found = [load_instrument(i) for i in BUNDLED]
    found.append(load_instrument(FORMAT_TOUR))
    if synthetic is not None:
        found.append(load_instrument_data(synthetic, source="synthetic"))
    return found


def random_answers(
    instrument: Instrument,
    n: int,
    seed: int,
    *,
    blank: float = 0.05,
    missing: float = 0.065,
    draw_missing: bool = True,
) -> np.ndarray:
    """Answers ``(n, items)``: 90% valid codes, 10% blank or not valid in some way.

    Each answer draws a number ``u`` in [0, 1): below ``blank`` it is blank (NaN); below
    ``missing``, a missing-data code of the item's scale (one drawn per item with
    ``draw_missing``, else the scale's first); below 0.08, its first "does not apply" code;
    below 0.09, a number above every code of the scale; below 0.1, a number between its two
    lowest values. A scale without such codes keeps its valid answer.
    """
    spec = instrument.spec
    rng = np.random.default_rng(seed)
    out = np.empty((n, len(spec.items)))
    for j, item in enumerate(spec.items):
        scale = spec.response_scales[item.scale]
        values = np.array(scale.values, dtype=float)
        column = rng.choice(values, n)
        u = rng.random(n)
        column[u < blank] = np.nan
        if scale.missing_codes:
            code = rng.choice(scale.missing_codes) if draw_missing else scale.missing_codes[0]
            column[(u >= blank) & (u < missing)] = code
        if scale.not_applicable:
            column[(u >= missing) & (u < 0.08)] = scale.not_applicable[0]
        outside = values[-1] + 1
        while outside in scale.not_applicable or outside in scale.missing_codes:
            outside += 1
        column[(u >= 0.08) & (u < 0.09)] = outside
        column[(u >= 0.09) & (u < 0.1)] = values[0] + 0.25  # between two codes
        out[:, j] = column
    return out


def answer_columns(instrument: Instrument, answers: np.ndarray) -> dict[str, np.ndarray]:
    """Return the data of an answer matrix ``(n, items)``: each item's column (else id)."""
    return {item.column or item.id: answers[:, j] for j, item in enumerate(instrument.spec.items)}


def relscales_scores(instrument: Instrument, answers: np.ndarray) -> dict[str, np.ndarray]:
    """Return relscales' score of every subscale and composite for an answer matrix."""
    result = relscales.score(instrument, answer_columns(instrument, answers))
    return {name: np.asarray(values) for name, values in result.scores.items()}
