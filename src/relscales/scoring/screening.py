"""The quality screens of one instrument's answers: careless responding and person fit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from relscales.errors import ScoringError
from relscales.scoring.compile import CompiledInstrument

__all__ = [
    "PersonFitScreen",
    "person_fit_answers",
    "person_fit_columns",
    "screen_answers",
]


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


PERSON_FIT_MIN_ITEMS = 4
"""A subscale without a model needs this many items for ``Gnormed.poly``."""
LZ_THRESHOLD = -1.645
"""``lz*p`` below this is unusual: the one-sided 5 % point of its N(0, 1) null."""
GNORMED_ALPHA = 0.05
"""False-alarm rate of the ``Gnormed.poly`` rule, shared by an instrument's subscales."""


def person_fit_columns(compiled: CompiledInstrument) -> list[tuple[int, str]]:
    """Return which subscale gets which person-fit column: ``(subscale, "lz" | "gnormed")``.

    A subscale with a declared graded response model gets ``lz`` (``lz*p``); one without
    gets ``gnormed`` (``Gnormed.poly``) when it has at least :data:`PERSON_FIT_MIN_ITEMS`
    items.
    """
    modelled = {m.subscale for m in compiled.irt}
    out: list[tuple[int, str]] = []
    for s in range(len(compiled.methods)):
        if s in modelled:
            out.append((s, "lz"))
        elif int(np.count_nonzero(compiled.weights[s])) >= PERSON_FIT_MIN_ITEMS:
            out.append((s, "gnormed"))
    return out


@dataclass(frozen=True)
class PersonFitScreen:
    """Person fit of every respondent on one instrument.

    Attributes
    ----------
    values
        Per subscale index: (``"lz"`` or ``"gnormed"``, ``(n,)`` statistic; ``NaN`` where
        it cannot be computed).
    unusual
        ``(n,)`` ``True`` where the instrument's rule finds the answers unusual for the
        respondent's own level: the ``lz*p`` of the modelled subscales combined
        (Stouffer: ``sum z / sqrt(count)``) below :data:`LZ_THRESHOLD`, or any unmodelled
        subscale's ``Gnormed.poly`` above its reference quantile at
        ``1 - GNORMED_ALPHA / S`` (``S`` such subscales).
    """

    values: dict[int, tuple[str, NDArray[np.float64]]]
    unusual: NDArray[np.bool_]


def person_fit_answers(
    compiled: CompiledInstrument, answers: NDArray[np.float64]
) -> PersonFitScreen:
    """Compute the person fit of every respondent from one instrument's raw answers.

    ``lz*p`` (Sinharay, 2016) uses the MAP estimate of theta under the declared prior;
    ``Gnormed.poly`` (Emons, 2008) the keyed category codes of the subscale's items and
    the nonparametric reference threshold (:mod:`relscales.personfit`).
    """
    from relscales.personfit import gnormed_poly, lz_poly
    from relscales.scoring.compile import CodeKey

    n = answers.shape[0]
    models = {m.subscale: m for m in compiled.irt}
    plan = person_fit_columns(compiled)
    n_gnormed = sum(kind == "gnormed" for _, kind in plan)
    values: dict[int, tuple[str, NDArray[np.float64]]] = {}
    z_sum = np.zeros(n)
    z_count = np.zeros(n)
    unusual = np.zeros(n, dtype=np.bool_)
    for s, kind in plan:
        if kind == "lz":
            m = models[s]
            codes = CodeKey.build(compiled, m.items)(answers)
            fit = lz_poly(
                m.model,
                codes,
                estimator="map",
                prior_mean=m.prior_mean,
                prior_sd=m.prior_sd,
                threshold=LZ_THRESHOLD,
            )
            stat = fit.statistic
            finite = np.isfinite(stat)
            z_sum += np.where(finite, stat, 0.0)
            z_count += finite
        else:
            items = np.flatnonzero(compiled.weights[s]).astype(np.int64)
            codes = CodeKey.build(compiled, items)(answers)
            n_cat = [len(compiled.scales[int(compiled.item_scale[i])].values) for i in items]
            if np.isnan(codes).any(axis=1).all():  # no complete vector: no reference
                stat = np.full(n, np.nan)
            else:
                fit = gnormed_poly(codes, n_cat, alpha=GNORMED_ALPHA / n_gnormed)
                stat = fit.statistic
                unusual |= fit.flagged
        values[s] = (kind, np.asarray(stat, dtype=np.float64))
    with np.errstate(invalid="ignore", divide="ignore"):
        combined = z_sum / np.sqrt(z_count)
    unusual |= (z_count > 0) & (combined < LZ_THRESHOLD)
    return PersonFitScreen(values, unusual)
