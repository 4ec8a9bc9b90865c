"""Per-respondent data-quality indices for careless (insufficient-effort) responding.

Every index is computed for all respondents at once on an ``(n, k)`` float array
(respondents x items, items in administration order, ``NaN`` = missing); no Python
loop runs over respondents (loops over items, scales or item pairs are fine). The
indices follow the R package ``careless`` (Yentes & Wilhelm) unless a difference is
stated in the function's Notes.

:func:`screen` computes all of them and flags a respondent as careless when any
index crosses its default threshold (:class:`QualityThresholds`):

==================  ==========================================  ===============================
index               flagged when                                source
==================  ==========================================  ===============================
``longstring``      longest run >= half the items               Curran (2016), p. 11
``mahalanobis``     chi-square p (df = k) < .001                Tabachnick & Fidell (2013);
                                                                Meade & Craig (2012)
``even_odd``        > -0.30 (consistency below .30)             Johnson (2005), p. 116
``psychsyn``        < 0 (synonym pairs answered inconsistently) Meade & Craig (2012);
                                                                Curran (2016)
``psychant``        > 0 (antonym pairs answered alike)          mirror of the ``psychsyn`` rule
``attention``       any failed attention check                  Meade & Craig (2012)
``speed``           under 2 seconds per item                    Huang et al. (2012), p. 106
==================  ==========================================  ===============================

``irv`` is reported but not flagged: low values suggest straight-lining (Dunn et al.,
2018) and high values random responding (Marjanovic et al., 2015), and no single
cut-off is established. An index that cannot be computed for a respondent (``NaN``)
never flags them.

Two passes, any size: only Mahalanobis distance (the complete cases' mean and
covariance) and the synonym and antonym indices (which item pairs correlate beyond the
critical value) depend on the whole sample, and both follow from the mergeable sums of
:class:`relscales.moments.PairwiseMoments`. Each has a fit from those statistics and a
per-respondent apply (:class:`MahalanobisModel`, :class:`SynonymPairs`, and
:class:`ScreenModel` for the whole screen); every other index is computed row by row.
The functions below fit on the array they are given and apply to it, so a sample read
in batches (statistics accumulated and merged in a first pass, the fitted screen applied
to each batch in a second) gets the same values as the whole array at once.

References
----------
Curran, P. G. (2016). Methods for the detection of carelessly invalid responses in
survey data. *Journal of Experimental Social Psychology, 66*, 4-19.
https://doi.org/10.1016/j.jesp.2015.07.006

Dunn, A. M., Heggestad, E. D., Shanock, L. R., & Theilgard, N. (2018). Intra-individual
response variability as an indicator of insufficient effort responding. *Journal of
Business and Psychology, 33*(1), 105-121. https://doi.org/10.1007/s10869-016-9479-0

Huang, J. L., Curran, P. G., Keeney, J., Poposki, E. M., & DeShon, R. P. (2012).
Detecting and deterring insufficient effort responding to surveys. *Journal of
Business and Psychology, 27*(1), 99-114. https://doi.org/10.1007/s10869-011-9231-8

Johnson, J. A. (2005). Ascertaining the validity of individual protocols from
web-based personality inventories. *Journal of Research in Personality, 39*(1),
103-129. https://doi.org/10.1016/j.jrp.2004.09.009

Marjanovic, Z., Holden, R., Struthers, W., Cribbie, R., & Greenglass, E. (2015). The
inter-item standard deviation (ISD). *Personality and Individual Differences, 84*,
79-83. https://doi.org/10.1016/j.paid.2014.08.021

Meade, A. W., & Craig, S. B. (2012). Identifying careless responses in survey data.
*Psychological Methods, 17*(3), 437-455. https://doi.org/10.1037/a0028085

Tabachnick, B. G., & Fidell, L. S. (2013). *Using multivariate statistics* (6th ed.,
section 4.1.4). Pearson.

Yentes, R. D., & Wilhelm, F. (2023). *careless: Procedures for computing indices of
careless responding* (R package 1.2.2). https://CRAN.R-project.org/package=careless
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from relscales.errors import Issue, Location, ScoringError
from relscales.moments import PairwiseMoments

__all__ = [
    "EVEN_ODD_MIN_SCALES",
    "EvenOddResult",
    "IndexName",
    "LongstringResult",
    "MahalanobisModel",
    "MahalanobisResult",
    "QualityResult",
    "QualityThresholds",
    "ScreenModel",
    "SynonymPairs",
    "SynonymResult",
    "attention_checks",
    "even_odd",
    "irv",
    "longstring",
    "mahalanobis",
    "psychant",
    "psychsyn",
    "reason_names",
    "screen",
    "speed",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

IndexName = Literal[
    "longstring", "mahalanobis", "even_odd", "psychsyn", "psychant", "attention", "speed"
]
"""Names of the flagging rules, in the order :func:`screen` reports reasons."""

EVEN_ODD_MIN_SCALES = 3
"""The screen's even-odd rule needs this many scales, and this many usable for a respondent.

Even-odd consistency correlates each scale's odd-item and even-item means across scales;
over two scales that correlation rests on two points and is always +1 or -1, so it would
flag attentive respondents by chance (about one in six in simulated attentive data).
"""

_INDEX_ORDER: tuple[IndexName, ...] = (
    "longstring",
    "mahalanobis",
    "even_odd",
    "psychsyn",
    "psychant",
    "attention",
    "speed",
)


def reason_names(bits: int) -> tuple[IndexName, ...]:
    """Return the rule names of a reason bitmask (:meth:`QualityResult.reason_bits`).

    Names come in rule order. Bit ``i`` stands for the ``i``-th rule of
    :data:`IndexName` (``longstring`` = 1, ``mahalanobis`` = 2, ``even_odd`` = 4,
    ``psychsyn`` = 8, ``psychant`` = 16, ``attention`` = 32, ``speed`` = 64).

    Examples
    --------
    >>> reason_names(1 | 64)
    ('longstring', 'speed')
    """
    return tuple(name for i, name in enumerate(_INDEX_ORDER) if int(bits) >> i & 1)


def _reason_bits(flags: Mapping[IndexName, BoolArray], n: int) -> NDArray[np.uint8]:
    bits = np.zeros(n, dtype=np.uint8)
    for i, name in enumerate(_INDEX_ORDER):
        if name in flags:
            bits |= flags[name].astype(np.uint8) << np.uint8(i)
    return bits


def _reasons_of(bits: NDArray[np.uint8]) -> tuple[tuple[IndexName, ...], ...]:
    """Per row, the rule names of its bitmask; one tuple per distinct mask, no loop over rows."""
    values, inverse = np.unique(bits, return_inverse=True)
    table = np.empty(values.size, dtype=object)
    for i, value in enumerate(values.tolist()):
        table[i] = reason_names(value)
    return tuple(table[inverse.reshape(-1)].tolist())


def _bad_option(message: str, hint: str | None = None) -> ScoringError:
    return ScoringError(Issue("invalid-option", message, Location(), hint=hint))


def _as_matrix(x: ArrayLike) -> FloatArray:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 2:
        raise _bad_option(f"responses must be a 2-D (respondents x items) array, got {arr.ndim}-D")
    return arr


def _row_max(a: FloatArray, valid: BoolArray) -> FloatArray:
    return np.asarray(np.where(valid, a, -np.inf).max(axis=1, initial=-np.inf), dtype=np.float64)


def _rowwise_pearson(a: FloatArray, b: FloatArray, min_pairs: int) -> tuple[FloatArray, IntArray]:
    """Pearson correlation of ``a[i]`` with ``b[i]`` for every row, pairwise complete.

    ``NaN`` where fewer than ``min_pairs`` complete pairs remain or either side is
    constant (R's ``cor`` gives ``NA`` there).
    """
    valid = ~(np.isnan(a) | np.isnan(b))
    n_valid = valid.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_a = np.where(valid, a, 0.0).sum(axis=1) / n_valid
        mean_b = np.where(valid, b, 0.0).sum(axis=1) / n_valid
        da = np.where(valid, a - mean_a[:, None], 0.0)
        db = np.where(valid, b - mean_b[:, None], 0.0)
        r = (da * db).sum(axis=1) / np.sqrt((da * da).sum(axis=1) * (db * db).sum(axis=1))
    # exact constancy test (a mean that is not exactly representable leaves tiny residues)
    const_a = _row_max(a, valid) == -_row_max(-a, valid)
    const_b = _row_max(b, valid) == -_row_max(-b, valid)
    bad = (n_valid < min_pairs) | const_a | const_b
    r = np.where(bad, np.nan, np.clip(r, -1.0, 1.0))
    return r, n_valid.astype(np.int64)


# ---------------------------------------------------------------------------------------------
# Result objects
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LongstringResult:
    """Longest and average run of identical consecutive answers per respondent.

    Attributes
    ----------
    longest
        ``(n,)`` length of the longest run; 0 for a respondent with no answers.
    average
        ``(n,)`` mean length of the runs of answered items; ``NaN`` with no answers.
    """

    longest: IntArray
    average: FloatArray


@dataclass(frozen=True)
class MahalanobisResult:
    """Squared Mahalanobis distances from the sample centroid.

    Attributes
    ----------
    distance
        ``(n,)`` squared distance; ``NaN`` for respondents with any missing answer.
    p_value
        ``(n,)`` upper-tail chi-square probability of ``distance`` with ``df`` degrees
        of freedom; ``NaN`` where ``distance`` is.
    df
        Degrees of freedom, the number of items ``k``.
    n_complete
        Number of complete cases the mean and covariance were estimated from.
    """

    distance: FloatArray
    p_value: FloatArray
    df: int
    n_complete: int


@dataclass(frozen=True)
class EvenOddResult:
    """Even-odd consistency per respondent (higher = more careless).

    Attributes
    ----------
    score
        ``(n,)`` minus the Spearman-Brown corrected within-person correlation of the
        odd and even half-scale means, in ``[-1, 1]``; ``NaN`` when undefined.
    n_pairs
        ``(n,)`` number of scales with both half means available (careless's
        ``diag = TRUE`` column).
    """

    score: FloatArray
    n_pairs: IntArray


@dataclass(frozen=True)
class SynonymResult:
    """Psychometric synonym or antonym score per respondent.

    Attributes
    ----------
    score
        ``(n,)`` within-person correlation across the selected item pairs; ``NaN``
        with fewer than three complete pairs or no variance on either side.
    n_pairs
        ``(n,)`` number of selected pairs the respondent answered both items of.
    pairs
        Selected ``(i, j)`` column pairs, ``i < j``, in row-major order.
    pair_correlations
        Sample correlation of each selected pair (pairwise complete).
    critval
        The critical correlation used.
    """

    score: FloatArray
    n_pairs: IntArray
    pairs: tuple[tuple[int, int], ...]
    pair_correlations: tuple[float, ...]
    critval: float


@dataclass(frozen=True)
class QualityThresholds:
    """Cut-offs used by :func:`screen`; ``None`` switches a rule off.

    Attributes
    ----------
    longstring_fraction
        Flag ``longstring >= longstring_fraction * k`` (Curran, 2016: half the items).
    mahalanobis_alpha
        Flag ``p < mahalanobis_alpha`` (Tabachnick & Fidell, 2013: .001).
    even_odd_max
        Flag ``even_odd > even_odd_max`` (Johnson, 2005: consistency below .30).
    psychsyn_min
        Flag ``psychsyn < psychsyn_min`` (negative synonym correlation).
    psychant_max
        Flag ``psychant > psychant_max`` (positive antonym correlation).
    attention_max_failed
        Flag more than this many failed attention checks (0: any failure).
    seconds_per_item_min
        Flag fewer seconds per item than this (Huang et al., 2012: 2 s).
    """

    longstring_fraction: float | None = 0.5
    mahalanobis_alpha: float | None = 0.001
    even_odd_max: float | None = -0.30
    psychsyn_min: float | None = 0.0
    psychant_max: float | None = 0.0
    attention_max_failed: int | None = 0
    seconds_per_item_min: float | None = 2.0


@dataclass(frozen=True)
class QualityResult:
    """All quality indices, the per-rule flags and the overall ``careless`` flag.

    Index fields are ``(n,)`` arrays, or ``None`` when the input that index needs
    (scales, attention checks, durations) was not given or it was skipped.

    Attributes
    ----------
    flags
        Rule name -> ``(n,)`` boolean array, for every rule that was evaluated.
    careless
        ``(n,)`` True where any rule flags the respondent.
    reasons
        Per respondent, the names of the rules that flagged them (empty tuple if none).
    """

    longstring: IntArray
    avgstring: FloatArray
    irv: FloatArray
    mahalanobis: FloatArray | None
    mahalanobis_p: FloatArray | None
    even_odd: FloatArray | None
    psychsyn: FloatArray | None
    psychant: FloatArray | None
    attention_failed: IntArray | None
    seconds_per_item: FloatArray | None
    flags: Mapping[IndexName, BoolArray]
    careless: BoolArray
    reasons: tuple[tuple[IndexName, ...], ...]
    thresholds: QualityThresholds = field(default_factory=QualityThresholds)

    def reason_bits(self) -> NDArray[np.uint8]:
        """``(n,)`` the flagging rules as a bitmask per respondent (see :func:`reason_names`).

        The compact form of :attr:`reasons`: ``reason_names(result.reason_bits()[i]) ==
        result.reasons[i]``.
        """
        return _reason_bits(self.flags, self.careless.shape[0])

    def to_records(self) -> list[dict[str, Any]]:
        """One dict per respondent: every computed index, ``careless`` and ``reasons``.

        Missing values are ``None``; numbers are plain Python floats and ints.
        """
        columns: dict[str, NDArray[Any]] = {
            "longstring": self.longstring,
            "avgstring": self.avgstring,
            "irv": self.irv,
        }
        optional = {
            "mahalanobis": self.mahalanobis,
            "mahalanobis_p": self.mahalanobis_p,
            "even_odd": self.even_odd,
            "psychsyn": self.psychsyn,
            "psychant": self.psychant,
            "attention_failed": self.attention_failed,
            "seconds_per_item": self.seconds_per_item,
        }
        columns.update({k: v for k, v in optional.items() if v is not None})
        records: list[dict[str, Any]] = []
        for i in range(self.careless.shape[0]):
            row: dict[str, Any] = {}
            for name, values in columns.items():
                value = values[i].item()
                row[name] = None if isinstance(value, float) and np.isnan(value) else value
            row["careless"] = bool(self.careless[i])
            row["reasons"] = list(self.reasons[i])
            records.append(row)
        return records


# ---------------------------------------------------------------------------------------------
# Indices
# ---------------------------------------------------------------------------------------------


def longstring(x: ArrayLike) -> LongstringResult:
    """Longest and average run of identical consecutive answers (straight-lining).

    Parameters
    ----------
    x
        Answers ``(n, k)`` in administration order; ``NaN`` = missing.

    Returns
    -------
    LongstringResult
        ``longest`` (int) and ``average`` run length per respondent.

    Notes
    -----
    A run is a maximal block of consecutive *answered* items with equal values; a
    missing answer ends the run and belongs to no run. ``average`` is the number of
    answered items divided by the number of runs. Matches ``careless::longstring(x,
    avg = TRUE)`` on complete data. With missing data careless (through ``rle``)
    counts each ``NA`` as a run of length 1, so its ``avgstr`` is lower and an
    all-missing row gets ``longstr = 1``; here it gets 0 and ``average = NaN``.

    References
    ----------
    Johnson, J. A. (2005). https://doi.org/10.1016/j.jrp.2004.09.009

    Examples
    --------
    >>> r = longstring(np.array([[3.0, 3.0, 3.0, 1.0], [1.0, np.nan, 1.0, 2.0]]))
    >>> r.longest.tolist(), r.average.tolist()
    ([3, 1], [2.0, 1.0])
    """
    arr = _as_matrix(x)
    n, k = arr.shape
    answered = ~np.isnan(arr)
    current = np.zeros(n, dtype=np.int64)
    longest = np.zeros(n, dtype=np.int64)
    n_runs = np.zeros(n, dtype=np.int64)
    previous = np.full(n, np.nan)
    for j in range(k):
        column = arr[:, j]
        continues = column == previous  # False whenever either side is missing
        current = np.where(answered[:, j], np.where(continues, current + 1, 1), 0)
        n_runs += answered[:, j] & ~continues
        np.maximum(longest, current, out=longest)
        previous = column
    with np.errstate(invalid="ignore", divide="ignore"):
        average = answered.sum(axis=1) / n_runs
    return LongstringResult(longest=longest, average=average.astype(np.float64))


def irv(x: ArrayLike) -> FloatArray:
    """Intra-individual response variability: each respondent's SD across items.

    Parameters
    ----------
    x
        Answers ``(n, k)``; ``NaN`` = missing (ignored).

    Returns
    -------
    numpy.ndarray
        ``(n,)`` sample standard deviation (divisor ``m - 1``) of the ``m`` answered
        items; ``NaN`` when fewer than two items were answered.

    Notes
    -----
    ``irv = sqrt(sum((x_j - mean)^2) / (m - 1))`` over answered items, which is R's
    ``sd(x, na.rm = TRUE)`` per row, as in ``careless::irv`` (>= 1.2.1, which handles
    ``NA``). The ``split`` option of careless is not provided: call :func:`irv` on a
    column block instead.

    References
    ----------
    Dunn, A. M., et al. (2018). https://doi.org/10.1007/s10869-016-9479-0

    Marjanovic, Z., et al. (2015). https://doi.org/10.1016/j.paid.2014.08.021

    Examples
    --------
    >>> irv(np.array([[1.0, 2.0, 3.0], [4.0, 4.0, np.nan], [5.0, np.nan, np.nan]])).tolist()
    [1.0, 0.0, nan]
    """
    arr = _as_matrix(x)
    answered = ~np.isnan(arr)
    m = answered.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(answered, arr, 0.0).sum(axis=1) / m
        dev = np.where(answered, arr - mean[:, None], 0.0)
        var = (dev * dev).sum(axis=1) / (m - 1)
    return np.where(m >= 2, np.sqrt(var), np.nan)


def mahalanobis(x: ArrayLike) -> MahalanobisResult:
    """Squared Mahalanobis distance of each respondent from the sample centroid.

    Parameters
    ----------
    x
        Answers ``(n, k)``; ``NaN`` = missing.

    Returns
    -------
    MahalanobisResult
        Distances, chi-square p values (df = k), df and the number of complete cases.

    Raises
    ------
    ScoringError
        ``invalid-option`` when the complete cases' covariance matrix is singular
        (for instance fewer than ``k + 1`` complete cases, or a constant item).

    Notes
    -----
    With ``C`` the complete cases, ``m`` their mean and ``S`` their sample
    covariance (divisor ``|C| - 1``), ``D2_i = (x_i - m)' S^-1 (x_i - m)`` for each
    complete case and ``NaN`` otherwise; ``p_i = P(chi2_k > D2_i)``. This equals R
    ``stats::mahalanobis(x, colMeans(x), cov(x))`` on the complete cases. It differs
    from ``careless::mahad``, which calls ``psych::outlier`` with pairwise-complete
    covariances and also scores incomplete rows.

    References
    ----------
    Meade, A. W., & Craig, S. B. (2012). https://doi.org/10.1037/a0028085

    Examples
    --------
    >>> r = mahalanobis(np.array([[1.0], [2.0], [3.0], [np.nan]]))
    >>> r.distance.tolist(), r.n_complete
    ([1.0, 0.0, 1.0, nan], 3)
    """
    arr = _as_matrix(x)
    return MahalanobisModel.fit(_moments(arr)).apply(arr)


_SPLIT_BITS = 40
"""Significant bits of each part of a :class:`MahalanobisModel`'s split precision matrix."""
_SPLIT_LIMIT = float(2 ** (52 - _SPLIT_BITS))
"""Whole-number rows with ``max |x - centre| * k`` below this multiply the parts exactly."""


def _moments(arr: FloatArray) -> PairwiseMoments:
    """Sum one array's rows into :class:`~relscales.moments.PairwiseMoments`."""
    if arr.shape[1] == 0:
        raise _bad_option("responses have no items: pass an (n, k) array with k >= 1")
    moments = PairwiseMoments(arr.shape[1])
    moments.update(arr)
    return moments


@dataclass(frozen=True, eq=False)
class MahalanobisModel:
    """Mahalanobis distance, fitted: the complete cases' centroid and inverse covariance.

    Fitted from sufficient statistics (:meth:`fit`), so that a sample read in batches is
    fitted once and every batch then applied (:meth:`apply`); :func:`mahalanobis` is
    ``MahalanobisModel.fit(moments of x).apply(x)``.

    Attributes
    ----------
    mean
        ``(k,)`` mean of the complete cases.
    precision
        ``(k, k)`` inverse of their sample covariance (divisor ``n_complete - 1``).
    n_complete
        Number of complete cases the mean and covariance were estimated from.

    Examples
    --------
    >>> from relscales.moments import PairwiseMoments
    >>> m = PairwiseMoments(1)
    >>> m.update(np.array([[1.0], [2.0]]))
    >>> m.update(np.array([[3.0], [np.nan]]))
    >>> model = MahalanobisModel.fit(m)
    >>> model.apply(np.array([[1.0], [2.0], [4.0]])).distance.tolist()
    [1.0, 0.0, 4.0]
    """

    mean: FloatArray
    precision: FloatArray
    n_complete: int
    _split: tuple[FloatArray, FloatArray, FloatArray, FloatArray] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # The precision matrix in two parts whose entries are multiples of one power of two
        # each (about 40 significant bits), so that small whole numbers times either part
        # sum exactly, in any order: a row's distance then does not depend on how a matrix
        # product groups the rows (batch sizes change the kernels BLAS picks).
        centre = np.where(np.isfinite(self.mean), np.rint(self.mean), 0.0)
        top = float(np.max(np.abs(self.precision), initial=0.0))
        exponent = math.frexp(top)[1] if top > 0 and math.isfinite(top) else 0
        unit = math.ldexp(1.0, exponent - _SPLIT_BITS)
        high = np.rint(self.precision / unit) * unit
        low_unit = math.ldexp(unit, -_SPLIT_BITS)
        low = np.rint((self.precision - high) / low_unit) * low_unit
        object.__setattr__(
            self, "_split", (centre, high, low, (self.mean - centre) @ self.precision)
        )

    @property
    def df(self) -> int:
        """Degrees of freedom of the chi-square p values: the number of items."""
        return int(self.mean.shape[0])

    @classmethod
    def fit(cls, moments: PairwiseMoments) -> MahalanobisModel:
        """Fit from the complete-case sums of ``moments`` (any number of merged batches).

        Raises
        ------
        ScoringError
            ``invalid-option`` when the complete cases' covariance matrix is singular
            (for instance fewer than ``k + 1`` complete cases, or a constant item).
        """
        k = moments.k
        n_complete = int(moments.n_complete)
        cov = moments.complete_covariance() if n_complete > k else np.full((k, k), np.nan)
        if n_complete <= k or int(np.linalg.matrix_rank(cov)) < k:
            raise _bad_option(
                f"the covariance matrix of the {n_complete} complete cases on {k} items is "
                "singular",
                hint="Mahalanobis distance needs more complete cases than items and no constant "
                "or linearly dependent items",
            )
        precision = np.linalg.inv(cov)
        precision = (precision + precision.T) / 2.0  # exactly symmetric
        return cls(moments.complete_mean(), np.asarray(precision, dtype=np.float64), n_complete)

    def apply(self, x: ArrayLike) -> MahalanobisResult:
        """Squared distances and chi-square p values of the rows of ``x`` (``(n, k)``).

        Each row's values depend on that row alone (``NaN`` for a row with a missing
        answer), so a sample gives the same values in any batches.
        """
        from scipy.special import chdtrc  # chi-square survival; lighter than scipy.stats

        arr = np.ascontiguousarray(_as_matrix(x))
        n, k = arr.shape
        if k != self.df:
            raise _bad_option(f"responses have {k} items, the fitted model {self.df}")
        complete = ~np.isnan(arr).any(axis=1)
        distance = np.full(n, np.nan)
        if complete.any():
            rows = arr[complete]
            centre, high, low, offset = self._split
            x0 = rows - centre
            small = float(np.max(np.abs(x0), initial=0.0)) * k < _SPLIT_LIMIT
            if small and bool(np.all(x0 == np.rint(x0))):  # exact products: any grouping
                product = (x0 @ high + x0 @ low) - offset
            else:
                product = (rows - self.mean) @ self.precision
            distance[complete] = (product * (rows - self.mean)).sum(axis=1)
        with np.errstate(invalid="ignore"):
            p_value = np.where(complete, chdtrc(k, distance), np.nan)
        return MahalanobisResult(
            distance=distance,
            p_value=np.asarray(p_value, dtype=np.float64),
            df=k,
            n_complete=self.n_complete,
        )


def _check_columns(indices: Sequence[int], k: int, what: str) -> NDArray[np.intp]:
    cols = np.asarray(list(indices), dtype=np.intp)
    if cols.ndim != 1 or cols.size == 0:
        raise _bad_option(f"{what} must be a non-empty list of column indices")
    if (cols < 0).any() or (cols >= k).any():
        raise _bad_option(f"{what} refers to a column outside 0..{k - 1}")
    return cols


def _check_scales(scales: Sequence[Sequence[int]], k: int) -> list[NDArray[np.intp]]:
    if len(scales) < 2:
        raise _bad_option(
            f"even-odd consistency needs at least two scales, got {len(scales)}",
            hint="the index correlates half-scale scores across scales",
        )
    return [_check_columns(scale, k, f"scale {s}") for s, scale in enumerate(scales)]


def even_odd(x: ArrayLike, scales: Sequence[Sequence[int]], *, min_pairs: int = 2) -> EvenOddResult:
    """Even-odd consistency, signed so that higher = more careless.

    Parameters
    ----------
    x
        Answers ``(n, k)``, reverse-keyed already; ``NaN`` = missing.
    scales
        At least two scales, each a list of column indices in administration order.
        Unlike careless's ``factors`` (scale lengths of contiguous blocks), scales may
        be interleaved.
    min_pairs
        Fewest scales with both halves answered for a score (``NaN`` below). The default,
        2, is careless's; :func:`screen` uses :data:`EVEN_ODD_MIN_SCALES`.

    Returns
    -------
    EvenOddResult
        Score and number of usable scales per respondent.

    Raises
    ------
    ScoringError
        ``invalid-option`` with fewer than two scales, an empty scale or a column
        index out of range.

    Notes
    -----
    For each scale, the odd half is the items at positions 1, 3, 5, ... and the even
    half those at positions 2, 4, ... (1-based, within the scale); each half score
    is the mean of its answered items. ``r`` is the Pearson correlation, across the
    scales where both halves have a score, of the odd with the even half scores; the
    result is ``-max(2r / (1 + r), -1)``. ``NaN`` with fewer than two usable scales
    or constant half scores. This is ``careless::evenodd`` (>= 1.2.1, which flipped
    the sign). Johnson (2005) treats consistency below .30 as suspect, i.e. a score
    above -0.30 here.

    References
    ----------
    Johnson, J. A. (2005). https://doi.org/10.1016/j.jrp.2004.09.009

    Examples
    --------
    >>> x = np.array([[1.0, 1.0, 3.0, 3.0, 5.0, 5.0], [1.0, 5.0, 3.0, 3.0, 5.0, 1.0]])
    >>> even_odd(x, [[0, 1], [2, 3], [4, 5]]).score.tolist()
    [-1.0, 1.0]
    """
    arr = _as_matrix(x)
    n, k = arr.shape
    checked = _check_scales(scales, k)
    odd = np.empty((n, len(checked)))
    even = np.empty((n, len(checked)))
    with np.errstate(invalid="ignore", divide="ignore"):
        for s, cols in enumerate(checked):
            for half, target in ((cols[0::2], odd), (cols[1::2], even)):
                block = arr[:, half]
                seen = ~np.isnan(block)
                target[:, s] = np.where(seen, block, 0.0).sum(axis=1) / seen.sum(axis=1)
    r, n_pairs = _rowwise_pearson(odd, even, min_pairs=min_pairs)
    with np.errstate(invalid="ignore", divide="ignore"):
        corrected = 2.0 * r / (1.0 + r)
    score = -np.maximum(corrected, -1.0)  # NaN stays NaN
    return EvenOddResult(score=score, n_pairs=n_pairs)


@dataclass(frozen=True)
class SynonymPairs:
    """Psychometric synonyms or antonyms, fitted: the item pairs that qualify.

    :meth:`select` chooses the pairs from the sample's item correlations (pairwise
    complete, R ``cor(use = "pairwise")``, which :class:`relscales.moments.PairwiseMoments`
    gives from sums mergeable batch by batch); :meth:`apply` computes each respondent's
    score across those pairs. :func:`psychsyn` and :func:`psychant` are select-then-apply
    on one array.

    Attributes
    ----------
    pairs
        Selected ``(i, j)`` column pairs, ``i < j``, in row-major order.
    pair_correlations
        Sample correlation of each selected pair.
    critval
        The critical correlation used.

    Examples
    --------
    >>> r = np.array([[1.0, 0.9, 0.1], [0.9, 1.0, -0.7], [0.1, -0.7, 1.0]])
    >>> SynonymPairs.select(r, 0.6).pairs, SynonymPairs.select(r, -0.6, anto=True).pairs
    (((0, 1),), ((1, 2),))
    """

    pairs: tuple[tuple[int, int], ...]
    pair_correlations: tuple[float, ...]
    critval: float

    @classmethod
    def select(cls, correlation: ArrayLike, critval: float, *, anto: bool = False) -> SynonymPairs:
        """Pairs correlating above ``|critval|`` (synonyms) or below ``-|critval|`` (``anto``).

        ``correlation`` is the ``(k, k)`` item correlation matrix (``NaN`` where
        undefined: such a pair never qualifies).
        """
        r = np.asarray(correlation, dtype=np.float64)
        first, second = np.triu_indices(r.shape[0], 1)
        pair_r = r[first, second]
        with np.errstate(invalid="ignore"):
            keep = pair_r < -abs(critval) if anto else pair_r > abs(critval)
        first, second, pair_r = first[keep], second[keep], pair_r[keep]
        return cls(
            pairs=tuple((int(i), int(j)) for i, j in zip(first, second, strict=True)),
            pair_correlations=tuple(float(v) for v in pair_r),
            critval=critval,
        )

    def apply(self, x: ArrayLike) -> SynonymResult:
        """Each row's within-person correlation across the pairs (its own values only)."""
        arr = np.ascontiguousarray(_as_matrix(x))
        index = np.asarray(self.pairs, dtype=np.intp).reshape(-1, 2)
        if index.size and index.max() >= arr.shape[1]:
            raise _bad_option(f"a pair refers to a column outside 0..{arr.shape[1] - 1}")
        score, n_pairs = _rowwise_pearson(arr[:, index[:, 0]], arr[:, index[:, 1]], min_pairs=3)
        return SynonymResult(
            score=score,
            n_pairs=n_pairs,
            pairs=self.pairs,
            pair_correlations=self.pair_correlations,
            critval=self.critval,
        )


def _synonyms(arr: FloatArray, critval: float, *, anto: bool) -> SynonymResult:
    return SynonymPairs.select(_moments(arr).correlation(), critval, anto=anto).apply(arr)


def psychsyn(x: ArrayLike, critval: float = 0.60) -> SynonymResult:
    """Psychometric synonym score: within-person correlation across synonym pairs.

    Parameters
    ----------
    x
        Answers ``(n, k)``; ``NaN`` = missing.
    critval
        Item pairs whose sample correlation exceeds ``|critval|`` are synonyms.

    Returns
    -------
    SynonymResult
        Score, usable pairs per respondent, and the selected pairs.

    Notes
    -----
    Pair correlations are Pearson correlations over pairwise-complete cases (R
    ``cor(x, use = "pairwise.complete.obs")``). For each respondent the score is the
    Pearson correlation of ``x[i]`` with ``x[j]`` across the selected pairs ``(i, j)``
    they answered both items of; ``NaN`` with fewer than three such pairs or no
    variance on either side. This is ``careless::psychsyn(x, critval, resample_na =
    FALSE)``: the resampling careless does for ``NA`` results is random and is not
    reproduced. careless stops when no pair qualifies; here the score is all ``NaN``
    and ``pairs`` is empty. Attentive respondents score high; a negative score is
    implausible (Meade & Craig, 2012).

    References
    ----------
    Meade, A. W., & Craig, S. B. (2012). https://doi.org/10.1037/a0028085

    Examples
    --------
    >>> x = np.array([[1.0, 1.0, 2.0, 2.0], [2.0, 2.0, 1.0, 1.0], [3.0, 3.0, 3.0, 3.0]])
    >>> psychsyn(x, 0.6).pairs
    ((0, 1), (2, 3))
    """
    return _synonyms(_as_matrix(x), critval, anto=False)


def psychant(x: ArrayLike, critval: float = -0.60) -> SynonymResult:
    """Psychometric antonym score: within-person correlation across antonym pairs.

    Parameters
    ----------
    x
        Answers ``(n, k)``, *not* reverse-keyed; ``NaN`` = missing.
    critval
        Item pairs whose sample correlation is below ``-|critval|`` are antonyms.

    Returns
    -------
    SynonymResult
        As for :func:`psychsyn`; attentive respondents score strongly negative.

    Notes
    -----
    As :func:`psychsyn` with the pair rule ``r < -|critval|``; equals
    ``careless::psychant(x, critval)`` (``psychsyn(x, critval, anto = TRUE)``).

    References
    ----------
    Meade, A. W., & Craig, S. B. (2012). https://doi.org/10.1037/a0028085

    Examples
    --------
    >>> x = np.array([[1.0, 5.0], [3.0, 3.0], [5.0, 1.0]])
    >>> psychant(x).pairs
    ((0, 1),)
    """
    return _synonyms(_as_matrix(x), critval, anto=True)


def _check_attention(
    checks: Mapping[int, float | Collection[float]], k: int
) -> list[tuple[int, FloatArray]]:
    out: list[tuple[int, FloatArray]] = []
    for column, expected in checks.items():
        (col,) = _check_columns([column], k, f"attention check {column!r}")
        values = np.atleast_1d(np.asarray(expected, dtype=np.float64)).ravel()
        if values.size == 0:
            raise _bad_option(f"attention check on column {column} lists no acceptable answer")
        out.append((int(col), values))
    return out


def attention_checks(
    x_raw: ArrayLike,
    checks: Mapping[int, float | Collection[float]],
    *,
    nan_policy: Literal["fail", "omit"] = "fail",
) -> IntArray:
    """Count failed attention checks (instructed-response or bogus items).

    Parameters
    ----------
    x_raw
        Raw answers ``(n, k)`` (not reverse-keyed); ``NaN`` = missing.
    checks
        Column index -> the expected answer, or a collection of acceptable answers.
    nan_policy
        ``fail`` counts a skipped check as failed; ``omit`` ignores it.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` number of failed checks.

    Raises
    ------
    ScoringError
        ``invalid-option`` for a column out of range or a check without answers.

    References
    ----------
    Meade, A. W., & Craig, S. B. (2012). https://doi.org/10.1037/a0028085

    Examples
    --------
    >>> x = np.array([[1.0, 5.0, 2.0], [1.0, 3.0, np.nan]])
    >>> attention_checks(x, {1: 5, 2: [1, 2]}).tolist()
    [0, 2]
    """
    arr = _as_matrix(x_raw)
    n, k = arr.shape
    failed = np.zeros(n, dtype=np.int64)
    for col, values in _check_attention(checks, k):
        answer = arr[:, col]
        missing = np.isnan(answer)
        wrong = ~np.isin(answer, values) & ~missing
        failed += wrong | (missing & (nan_policy == "fail"))
    return failed


def speed(duration_seconds: ArrayLike, n_items: int | ArrayLike) -> FloatArray:
    """Seconds per item.

    Parameters
    ----------
    duration_seconds
        ``(n,)`` time each respondent spent on the questionnaire; ``NaN`` = unknown.
    n_items
        Number of items, one for all or ``(n,)`` per respondent (e.g. items shown).

    Returns
    -------
    numpy.ndarray
        ``(n,)`` ``duration_seconds / n_items``.

    Raises
    ------
    ScoringError
        ``invalid-option`` when any ``n_items`` is not positive.

    Notes
    -----
    Huang et al. (2012) flag fewer than 2 seconds per item as insufficient effort.

    References
    ----------
    Huang, J. L., et al. (2012). https://doi.org/10.1007/s10869-011-9231-8

    Examples
    --------
    >>> speed([60.0, 12.0], 12).tolist()
    [5.0, 1.0]
    """
    duration = np.asarray(duration_seconds, dtype=np.float64)
    items = np.asarray(n_items, dtype=np.float64)
    if (~(items > 0)).any():
        raise _bad_option("n_items must be positive")
    return np.asarray(duration / items, dtype=np.float64)


# ---------------------------------------------------------------------------------------------
# Screening
# ---------------------------------------------------------------------------------------------


def screen(
    x: ArrayLike,
    *,
    scales: Sequence[Sequence[int]] | None = None,
    x_raw: ArrayLike | None = None,
    checks: Mapping[int, float | Collection[float]] | None = None,
    duration_seconds: ArrayLike | None = None,
    thresholds: QualityThresholds | None = None,
    skip: Collection[IndexName] = (),
    psychsyn_critval: float = 0.60,
    psychant_critval: float = -0.60,
) -> QualityResult:
    """Compute every quality index and flag careless respondents.

    Parameters
    ----------
    x
        Answers ``(n, k)`` in administration order, reverse-keyed (for ``even_odd``);
        ``NaN`` = missing.
    scales
        Column indices of each scale, for ``even_odd``; with fewer than
        :data:`EVEN_ODD_MIN_SCALES` scales (or without it) ``even_odd`` is not computed,
        and a respondent needs that many usable scales for a score.
    x_raw
        Raw answers for ``psychant`` and the attention checks; defaults to ``x``.
    checks
        Attention checks, as for :func:`attention_checks` (on ``x_raw``).
    duration_seconds
        ``(n,)`` completion times, for :func:`speed` with ``n_items = k``.
    thresholds
        Cut-offs; defaults to :class:`QualityThresholds` (see the module docstring).
    skip
        Rules not to compute (e.g. ``("mahalanobis",)`` with fewer complete cases than
        items, where :func:`mahalanobis` raises).
    psychsyn_critval, psychant_critval
        Critical correlations passed to :func:`psychsyn` and :func:`psychant`.

    Returns
    -------
    QualityResult
        Indices, per-rule flags, the ``careless`` flag and the reasons.

    Notes
    -----
    A respondent is careless when any evaluated rule flags them; an index that is
    ``NaN`` for a respondent does not flag them. ``irv`` is reported, never flagged.

    Examples
    --------
    >>> x = np.array([[3.0, 3.0, 3.0, 3.0], [1.0, 2.0, 4.0, 5.0], [2.0, 4.0, 1.0, 5.0]])
    >>> r = screen(x, skip=("mahalanobis",))
    >>> r.careless.tolist(), r.reasons[0]
    ([True, False, False], ('longstring',))
    """
    arr = _as_matrix(x)
    raw = None if x_raw is None else _as_matrix(x_raw)
    if raw is not None and raw.shape != arr.shape:
        raise _bad_option(f"x_raw has shape {raw.shape}, x has {arr.shape}")
    _check_skip(skip)
    raw_r = None
    if raw is not None and "psychant" not in skip:
        raw_r = _moments(raw).correlation()
    model = ScreenModel.fit(
        _moments(arr),
        raw_correlation=raw_r,
        scales=scales,
        checks=checks,
        thresholds=thresholds,
        skip=skip,
        psychsyn_critval=psychsyn_critval,
        psychant_critval=psychant_critval,
    )
    return model.apply(arr, x_raw=raw, duration_seconds=duration_seconds)


def _check_skip(skip: Collection[str]) -> None:
    unknown = set(skip) - set(_INDEX_ORDER)
    if unknown:
        raise _bad_option(f"unknown index in skip: {sorted(unknown)}")


@dataclass(frozen=True, eq=False)
class ScreenModel:
    """The careless-responding screen, fitted: what :func:`screen` needs of the whole sample.

    Build it with :meth:`fit` from the sample's :class:`~relscales.moments.PairwiseMoments`
    (accumulated over any batches and merged), then :meth:`apply` it to each batch of
    respondents: the values are those :func:`screen` gives on all rows at once, which is
    ``ScreenModel.fit(moments of x, ...).apply(x, ...)``.

    Attributes
    ----------
    k
        Number of items.
    mahalanobis
        The fitted distance, or ``None`` when skipped.
    synonyms, antonyms
        The pairs of :func:`psychsyn` (keyed answers) and :func:`psychant` (raw answers),
        or ``None`` when skipped.
    scales
        Column indices of each scale for :func:`even_odd`, or ``None``.
    checks
        Attention checks, as for :func:`attention_checks`, or ``None``.
    thresholds
        The cut-offs.
    skip
        The rules not computed.

    Examples
    --------
    >>> from relscales.moments import PairwiseMoments
    >>> x = np.array([[3.0, 3.0, 3.0, 3.0], [1.0, 2.0, 4.0, 5.0], [2.0, 4.0, 1.0, 5.0]])
    >>> moments = PairwiseMoments(4)
    >>> for batch in (x[:1], x[1:]):
    ...     moments.update(batch)
    >>> model = ScreenModel.fit(moments, skip=("mahalanobis",))
    >>> [model.apply(batch).careless.tolist() for batch in (x[:2], x[2:])]
    [[True, False], [False]]
    """

    k: int
    mahalanobis: MahalanobisModel | None
    synonyms: SynonymPairs | None
    antonyms: SynonymPairs | None
    scales: tuple[tuple[int, ...], ...] | None
    checks: Mapping[int, float | Collection[float]] | None
    thresholds: QualityThresholds
    skip: frozenset[IndexName]

    @classmethod
    def fit(
        cls,
        moments: PairwiseMoments,
        *,
        raw_correlation: ArrayLike | None = None,
        scales: Sequence[Sequence[int]] | None = None,
        checks: Mapping[int, float | Collection[float]] | None = None,
        thresholds: QualityThresholds | None = None,
        skip: Collection[IndexName] = (),
        psychsyn_critval: float = 0.60,
        psychant_critval: float = -0.60,
    ) -> ScreenModel:
        """Fit the screen from the sums of the (reverse-keyed) answers.

        Parameters
        ----------
        moments
            Sums of the keyed answers ``x`` over the whole sample.
        raw_correlation
            ``(k, k)`` pairwise item correlations of the raw answers, for
            :func:`psychant`; ``None`` uses those of ``moments`` (raw = keyed).
        scales, checks, thresholds, skip, psychsyn_critval, psychant_critval
            As for :func:`screen`; scales and checks are checked here, before any row
            is screened.

        Raises
        ------
        ScoringError
            ``invalid-option`` for a singular covariance (Mahalanobis distance not
            skipped), an unknown rule in ``skip``, or scales or checks that refer to
            columns that do not exist.
        """
        _check_skip(skip)
        k = moments.k
        maha = None if "mahalanobis" in skip else MahalanobisModel.fit(moments)
        scale_cols = None
        if scales is not None and "even_odd" not in skip:
            scale_cols = tuple(tuple(int(c) for c in cols) for cols in _check_scales(scales, k))
            if len(scale_cols) < EVEN_ODD_MIN_SCALES:
                scale_cols = None  # a correlation over two points is always +1 or -1
        if checks is not None and "attention" not in skip:
            _check_attention(checks, k)
        syn = ant = None
        keyed_r: FloatArray | None = None
        if "psychsyn" not in skip:
            keyed_r = moments.correlation()
            syn = SynonymPairs.select(keyed_r, psychsyn_critval)
        if "psychant" not in skip:
            if raw_correlation is None:
                raw_correlation = moments.correlation() if keyed_r is None else keyed_r
            ant = SynonymPairs.select(raw_correlation, psychant_critval, anto=True)
        return cls(
            k=k,
            mahalanobis=maha,
            synonyms=syn,
            antonyms=ant,
            scales=scale_cols,
            checks=None if checks is None or "attention" in skip else dict(checks),
            thresholds=QualityThresholds() if thresholds is None else thresholds,
            skip=frozenset(skip),
        )

    def apply(
        self,
        x: ArrayLike,
        *,
        x_raw: ArrayLike | None = None,
        duration_seconds: ArrayLike | None = None,
    ) -> QualityResult:
        """Screen the rows of ``x``: every index, the flags and the reasons.

        ``x``, ``x_raw`` and ``duration_seconds`` are as for :func:`screen`. Each
        respondent's values depend on their own row and the fitted model only.
        """
        arr = np.ascontiguousarray(_as_matrix(x))
        n, k = arr.shape
        if k != self.k:
            raise _bad_option(f"responses have {k} items, the fitted screen {self.k}")
        raw = arr if x_raw is None else np.ascontiguousarray(_as_matrix(x_raw))
        if raw.shape != arr.shape:
            raise _bad_option(f"x_raw has shape {raw.shape}, x has {arr.shape}")
        t = self.thresholds
        skip = self.skip
        flags: dict[IndexName, BoolArray] = {}

        def rule(name: IndexName, values: NDArray[Any] | None, cut: float | None, op: str) -> None:
            if values is None or cut is None:
                return
            with np.errstate(invalid="ignore"):
                flagged = (
                    values < cut if op == "<" else values > cut if op == ">" else values >= cut
                )
            flags[name] = np.asarray(flagged, dtype=np.bool_)

        ls = longstring(arr)
        if "longstring" not in skip and t.longstring_fraction is not None:
            rule("longstring", ls.longest, t.longstring_fraction * k, ">=")

        maha = None if self.mahalanobis is None else self.mahalanobis.apply(arr)
        rule("mahalanobis", None if maha is None else maha.p_value, t.mahalanobis_alpha, "<")

        eo = (
            None
            if self.scales is None
            else even_odd(arr, self.scales, min_pairs=EVEN_ODD_MIN_SCALES).score
        )
        rule("even_odd", eo, t.even_odd_max, ">")

        syn = None if self.synonyms is None else self.synonyms.apply(arr).score
        rule("psychsyn", syn, t.psychsyn_min, "<")

        ant = None if self.antonyms is None else self.antonyms.apply(raw).score
        rule("psychant", ant, t.psychant_max, ">")

        failed = None if self.checks is None else attention_checks(raw, self.checks)
        rule("attention", failed, t.attention_max_failed, ">")

        spi = None
        if duration_seconds is not None and "speed" not in skip:
            spi = speed(duration_seconds, k)
            if spi.shape != (n,):
                raise _bad_option(f"duration_seconds has shape {spi.shape}, expected ({n},)")
        rule("speed", spi, t.seconds_per_item_min, "<")

        careless = np.zeros(n, dtype=np.bool_)
        for values in flags.values():
            careless |= values
        return QualityResult(
            longstring=ls.longest,
            avgstring=ls.average,
            irv=irv(arr),
            mahalanobis=None if maha is None else maha.distance,
            mahalanobis_p=None if maha is None else maha.p_value,
            even_odd=eo,
            psychsyn=syn,
            psychant=ant,
            attention_failed=failed,
            seconds_per_item=spi,
            flags=flags,
            careless=careless,
            reasons=_reasons_of(_reason_bits(flags, n)),
            thresholds=t,
        )
