"""The careless-responding screen on one instrument's answer matrix (arrays in, flags out)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from relscales.errors import ScoringError
from relscales.scoring.compile import CompiledInstrument

__all__ = ["screen_answers"]


def screen_answers(
    compiled: CompiledInstrument,
    answers: NDArray[np.float64],
    durations: NDArray[np.float64] | None = None,
) -> Any:
    """Run the careless-responding screen on one instrument's raw answer matrix.

    Items are reverse-keyed with their declared scales; each subscale of two or more
    items is a scale for even-odd consistency; attention-check items declared in the
    instrument are checked; Mahalanobis distance is skipped when there are too few
    respondents (or the covariance cannot be inverted).
    """
    from relscales.quality import screen

    keyed = np.where(compiled.reverse, compiled.offset - answers, answers)
    scales = [np.flatnonzero(w > 0).tolist() for w in compiled.weights]
    scales = [s for s in scales if len(s) >= 2]
    skip: list[Any] = [] if len(scales) >= 2 else ["even_odd"]
    if answers.shape[0] <= answers.shape[1] + 1:
        skip.append("mahalanobis")
    extra: dict[str, Any] = {
        "scales": scales if len(scales) >= 2 else None,
        "x_raw": answers,
        "checks": dict(compiled.attention_checks) or None,
        "duration_seconds": durations,
    }
    try:
        return screen(keyed, skip=skip, **extra)
    except ScoringError:
        return screen(keyed, skip=[*skip, "mahalanobis"], **extra)
