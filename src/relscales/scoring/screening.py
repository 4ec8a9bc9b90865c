"""The quality screens of one instrument's answers: careless responding and person fit.

Both screens have parts that depend on the whole sample (the complete cases' covariance
for Mahalanobis distance, the item correlations that choose the synonym and antonym
pairs, the popularity order of the item steps and the reference threshold of
``Gnormed.poly``) and parts that are computed row by row. :class:`InstrumentScreen`
keeps them apart: a first pass over the respondents accumulates mergeable statistics
(:meth:`InstrumentScreen.update`, :meth:`InstrumentScreen.merge`), :meth:`~InstrumentScreen.finish`
fits the sample-dependent parts, and a second pass screens each batch
(:meth:`InstrumentScreen.apply`). :func:`screen_answers` and :func:`person_fit_answers`
are the same two steps on one matrix, so a file read in batches gets exactly their values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from relscales.errors import ScoringError
from relscales.scoring.compile import CodeKey, CompiledInstrument

if TYPE_CHECKING:
    from relscales.moments import PairwiseMoments
    from relscales.personfit import GnormedCounts, GnormedReference
    from relscales.quality import QualityResult, ScreenModel

__all__ = [
    "PERSON_FIT_BIT",
    "InstrumentScreen",
    "PersonFitScreen",
    "ScreenedBatch",
    "person_fit_answers",
    "person_fit_columns",
    "quality_labels",
    "reason_names",
    "screen_answers",
]

PERSON_FIT_MIN_ITEMS = 4
"""A subscale without a model needs this many items for ``Gnormed.poly``."""
LZ_THRESHOLD = -1.645
"""``lz*p`` below this is unusual: the one-sided 5 % point of its N(0, 1) null."""
GNORMED_ALPHA = 0.05
"""False-alarm rate of the ``Gnormed.poly`` rule, shared by an instrument's subscales."""
PERSON_FIT_BIT = 1 << 7
"""Bit of :meth:`ScreenedBatch.reason_bits` for person fit (the rules take bits 0-6)."""


def screen_answers(
    compiled: CompiledInstrument,
    answers: NDArray[np.float64],
    durations: NDArray[np.float64] | None = None,
) -> QualityResult:
    """Run the careless-responding screen on one instrument's raw answer matrix.

    Items are reverse-keyed with their declared scales; each subscale of two or more
    items is a scale for even-odd consistency; attention-check items declared in the
    instrument are checked; Mahalanobis distance is skipped when there are too few
    respondents (or the covariance cannot be inverted). This is
    :class:`InstrumentScreen` fitted on ``answers`` and applied to them.
    """
    screen = InstrumentScreen(compiled, person_fit=False)
    screen.update(answers)
    screen.finish()
    return screen.careless(answers, durations)


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
    the nonparametric reference threshold (:mod:`relscales.personfit`). This is
    :class:`InstrumentScreen` fitted on ``answers`` and applied to them.
    """
    screen = InstrumentScreen(compiled, careless=False)
    screen.update(answers)
    screen.finish()
    return screen.person_fit(answers)


@dataclass(frozen=True)
class ScreenedBatch:
    """Both screens of one instrument for one batch of respondents.

    Attributes
    ----------
    quality
        The careless-responding screen: every index, the flags, ``careless``.
    person_fit
        The person-fit statistics and the ``unusual`` flag.
    """

    quality: QualityResult
    person_fit: PersonFitScreen

    def reason_bits(self) -> NDArray[np.uint8]:
        """``(n,)`` per respondent: the careless rules that fired, and person fit, as bits.

        Bits 0-6 are :meth:`relscales.quality.QualityResult.reason_bits`;
        :data:`PERSON_FIT_BIT` is set where person fit finds the answers unusual.
        :func:`reason_names` turns a value into names.
        """
        bits = self.quality.reason_bits()
        bits |= self.person_fit.unusual.astype(np.uint8) << np.uint8(7)
        return bits


def reason_names(bits: int) -> tuple[str, ...]:
    """Return the names of the reasons in a :meth:`ScreenedBatch.reason_bits` value.

    Examples
    --------
    >>> reason_names(1 | PERSON_FIT_BIT)
    ('longstring', 'person_fit')
    """
    from relscales.quality import reason_names as rules

    return (
        *rules(int(bits) & (PERSON_FIT_BIT - 1)),
        *(("person_fit",) * bool(bits & PERSON_FIT_BIT)),
    )


def quality_labels(ids: Sequence[str], screened: Sequence[ScreenedBatch]) -> NDArray[Any]:
    """Each respondent's ``quality`` label, from every instrument's screens of a batch.

    ``ok``; ``careless: <instrument>:<rule>, ...`` when any careless-responding rule of
    any instrument fires (person-fit reasons are listed too); or ``unusual:
    <instrument>:person_fit, ...`` when only person fit marks them. Reasons are sorted.
    Built once per distinct combination of reasons, then taken for every row (no loop
    over respondents).

    Parameters
    ----------
    ids
        The instruments' ids, in the order of ``screened``.
    screened
        Each instrument's screens of the same rows.
    """
    if not screened:
        return np.empty(0, dtype=object)
    bits = np.ascontiguousarray(np.column_stack([s.reason_bits() for s in screened]))
    n = bits.shape[0]
    if n == 0:
        return np.empty(0, dtype=object)
    keys = bits.view(np.dtype((np.void, bits.shape[1])))[:, 0]
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    table = np.empty(first.size, dtype=object)
    for u, row in enumerate(first.tolist()):
        values = bits[row].tolist()
        reasons = sorted(
            f"{inst}:{name}"
            for inst, b in zip(ids, values, strict=True)
            for name in reason_names(b)
        )
        if any(b & (PERSON_FIT_BIT - 1) for b in values):
            table[u] = f"careless: {', '.join(reasons)}"
        elif reasons:
            table[u] = f"unusual: {', '.join(reasons)}"
        else:
            table[u] = "ok"
    return np.asarray(table[inverse.reshape(-1)], dtype=object)


def _centre(compiled: CompiledInstrument) -> NDArray[np.float64]:
    """Return an integer centre per item (its scale's middle, rounded down): exact sums."""
    return np.asarray(np.floor(compiled.offset / 2.0), dtype=np.float64)


class InstrumentScreen:
    """Both quality screens of one instrument, in two passes over its respondents.

    Pass 1: :meth:`update` with every batch of raw answers (or per partition, then
    :meth:`merge`); :meth:`finish` fits what depends on the whole sample. Pass 2:
    :meth:`apply` (or :meth:`careless`, :meth:`person_fit`) screens any batch. Only
    sufficient statistics are kept (item sums and cross-products, and count tables for
    ``Gnormed.poly``): no respondent's answers. The choices are those of
    :func:`screen_answers` and :func:`person_fit_answers`, which are this class on one
    matrix.

    Parameters
    ----------
    compiled
        The instrument.
    careless
        Run the careless-responding screen (:func:`relscales.quality.screen`).
    person_fit
        Compute person fit (``lz*p``, ``Gnormed.poly``).
    """

    def __init__(
        self, compiled: CompiledInstrument, *, careless: bool = True, person_fit: bool = True
    ) -> None:
        from relscales.moments import PairwiseMoments
        from relscales.personfit import GnormedCounts

        self.compiled = compiled
        k = len(compiled.item_ids)
        scales = [np.flatnonzero(w > 0).tolist() for w in compiled.weights]
        scales = [s for s in scales if len(s) >= 2]
        self._scales = scales if len(scales) >= 2 else None
        self._checks = dict(compiled.attention_checks) or None
        self._moments: PairwiseMoments | None = (
            PairwiseMoments(k, _centre(compiled)) if careless else None
        )
        self._plan = person_fit_columns(compiled) if person_fit else []
        models = {m.subscale: m for m in compiled.irt}
        self._keys: dict[int, CodeKey] = {}
        self._counts: dict[int, GnormedCounts] = {}
        for s, kind in self._plan:
            if kind == "lz":
                self._keys[s] = CodeKey.build(compiled, models[s].items)
            else:
                items = np.flatnonzero(compiled.weights[s]).astype(np.int64)
                self._keys[s] = CodeKey.build(compiled, items)
                n_cat = [len(compiled.scales[int(compiled.item_scale[i])].values) for i in items]
                self._counts[s] = GnormedCounts.empty(n_cat)
        self._model: ScreenModel | None = None
        self._references: dict[int, GnormedReference | None] = {}
        self._finished = False
        self.n_rows = 0
        """Respondents seen in pass 1."""

    @property
    def model(self) -> ScreenModel | None:
        """The fitted careless-responding screen (after :meth:`finish`)."""
        return self._model

    def _keyed(self, answers: NDArray[np.float64]) -> NDArray[np.float64]:
        """Return the reverse-keyed answers, rows contiguous (the screen reads by row)."""
        comp = self.compiled
        keyed = np.array(answers, dtype=np.float64, order="C")
        reverse = np.flatnonzero(comp.reverse)
        if reverse.size:
            keyed[:, reverse] = comp.offset[reverse] - keyed[:, reverse]
        return keyed

    def update(self, answers: NDArray[np.float64]) -> None:
        """Pass 1: add a batch of raw answers (``(n_b, k)`` in item order, ``NaN`` = missing)."""
        if self._finished:
            raise RuntimeError("the screen was fitted already: update it before finish()")
        self.n_rows += answers.shape[0]
        if self._moments is not None:
            self._moments.update(self._keyed(answers))
        for s, counts in self._counts.items():
            counts.update(self._keys[s](answers))

    def merge(self, other: InstrumentScreen) -> InstrumentScreen:
        """Add the statistics of ``other`` (the same instrument, other rows); return ``self``."""
        if other.compiled is not self.compiled and other.compiled.id != self.compiled.id:
            raise ValueError("can only merge the screens of the same instrument")
        if (self._moments is None) != (other._moments is None) or set(self._keys) != set(
            other._keys
        ):
            raise ValueError("can only merge screens built with the same options")
        if self._finished or other._finished:
            raise RuntimeError("merge the screens before finish()")
        self.n_rows += other.n_rows
        if self._moments is not None and other._moments is not None:
            self._moments.merge(other._moments)
        for s, counts in self._counts.items():
            counts.merge(other._counts[s])
        return self

    def finish(self) -> None:
        """Fit the sample-dependent parts from the statistics of pass 1."""
        from relscales.personfit import GnormedReference
        from relscales.quality import ScreenModel

        if self._finished:
            return
        if self._moments is not None:
            moments = self._moments
            k = moments.k
            skip: list[Any] = [] if self._scales is not None else ["even_odd"]
            if self.n_rows <= k + 1:
                skip.append("mahalanobis")
            sign = np.where(self.compiled.reverse, -1.0, 1.0)
            keyed_r = moments.correlation()
            # raw = offset - keyed for reversed items: the same sums with signs flipped
            raw_r = keyed_r * np.outer(sign, sign)
            options: dict[str, Any] = {
                "raw_correlation": raw_r,
                "scales": self._scales,
                "checks": self._checks,
            }
            try:
                self._model = ScreenModel.fit(moments, skip=skip, **options)
            except ScoringError:  # a singular covariance: no Mahalanobis distance
                self._model = ScreenModel.fit(moments, skip=[*skip, "mahalanobis"], **options)
        n_gnormed = len(self._counts)
        for s, counts in self._counts.items():
            self._references[s] = (
                GnormedReference.fit(counts, alpha=GNORMED_ALPHA / n_gnormed)
                if counts.n_complete
                else None  # no complete response vector: no reference
            )
        self._finished = True

    def _check_finished(self) -> None:
        if not self._finished:
            raise RuntimeError("call finish() after the first pass, before applying the screen")

    def careless(
        self, answers: NDArray[np.float64], durations: NDArray[np.float64] | None = None
    ) -> QualityResult:
        """Pass 2: the careless-responding screen of a batch of raw answers."""
        self._check_finished()
        if self._model is None:
            raise RuntimeError("this screen was built with careless=False")
        return self._model.apply(self._keyed(answers), x_raw=answers, duration_seconds=durations)

    def person_fit(self, answers: NDArray[np.float64]) -> PersonFitScreen:
        """Pass 2: the person fit of a batch of raw answers."""
        from relscales.personfit import lz_poly

        self._check_finished()
        n = answers.shape[0]
        models = {m.subscale: m for m in self.compiled.irt}
        values: dict[int, tuple[str, NDArray[np.float64]]] = {}
        z_sum = np.zeros(n)
        z_count = np.zeros(n)
        unusual = np.zeros(n, dtype=np.bool_)
        for s, kind in self._plan:
            codes = self._keys[s](answers)
            if kind == "lz":
                m = models[s]
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
                reference = self._references[s]
                if reference is None:
                    stat = np.full(n, np.nan)
                else:
                    found = reference.apply(codes)
                    stat = found.statistic
                    unusual |= found.flagged
            values[s] = (kind, np.asarray(stat, dtype=np.float64))
        with np.errstate(invalid="ignore", divide="ignore"):
            combined = z_sum / np.sqrt(z_count)
        unusual |= (z_count > 0) & (combined < LZ_THRESHOLD)
        return PersonFitScreen(values, unusual)

    def apply(
        self, answers: NDArray[np.float64], durations: NDArray[np.float64] | None = None
    ) -> ScreenedBatch:
        """Pass 2: both screens of a batch of raw answers (``(n_b, k)``, ``NaN`` = missing).

        Every value of a respondent depends on their own answers (and duration) and the
        fitted statistics only, so the batches of a sample get the values the whole
        sample gets at once.
        """
        return ScreenedBatch(self.careless(answers, durations), self.person_fit(answers))
