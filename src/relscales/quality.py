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

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from relscales.errors import Issue, Location, ScoringError

__all__ = [
    "EvenOddResult",
    "IndexName",
    "LongstringResult",
    "MahalanobisResult",
    "QualityResult",
    "QualityThresholds",
    "SynonymResult",
    "attention_checks",
    "even_odd",
    "irv",
    "longstring",
    "mahalanobis",
    "psychant",
    "psychsyn",
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

_INDEX_ORDER: tuple[IndexName, ...] = (
    "longstring",
    "mahalanobis",
    "even_odd",
    "psychsyn",
    "psychant",
    "attention",
    "speed",
)


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
    from scipy import stats

    arr = _as_matrix(x)
    n, k = arr.shape
    complete = ~np.isnan(arr).any(axis=1)
    xc = arr[complete]
    n_complete = int(xc.shape[0])
    distance = np.full(n, np.nan)
    if n_complete > k:
        diff = xc - xc.mean(axis=0)
        cov = diff.T @ diff / (n_complete - 1)
        rank = np.linalg.matrix_rank(cov)
    else:
        rank = 0
    if rank < k:
        raise _bad_option(
            f"the covariance matrix of the {n_complete} complete cases on {k} items is singular",
            hint="Mahalanobis distance needs more complete cases than items and no constant "
            "or linearly dependent items",
        )
    distance[complete] = np.einsum("ij,ji->i", diff, np.linalg.solve(cov, diff.T))
    p_value = np.where(complete, stats.chi2.sf(distance, k), np.nan)
    return MahalanobisResult(
        distance=distance, p_value=p_value.astype(np.float64), df=k, n_complete=n_complete
    )


def _check_columns(indices: Sequence[int], k: int, what: str) -> NDArray[np.intp]:
    cols = np.asarray(list(indices), dtype=np.intp)
    if cols.ndim != 1 or cols.size == 0:
        raise _bad_option(f"{what} must be a non-empty list of column indices")
    if (cols < 0).any() or (cols >= k).any():
        raise _bad_option(f"{what} refers to a column outside 0..{k - 1}")
    return cols


def even_odd(x: ArrayLike, scales: Sequence[Sequence[int]]) -> EvenOddResult:
    """Even-odd consistency, signed so that higher = more careless.

    Parameters
    ----------
    x
        Answers ``(n, k)``, reverse-keyed already; ``NaN`` = missing.
    scales
        At least two scales, each a list of column indices in administration order.
        Unlike careless's ``factors`` (scale lengths of contiguous blocks), scales may
        be interleaved.

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
    if len(scales) < 2:
        raise _bad_option(
            f"even-odd consistency needs at least two scales, got {len(scales)}",
            hint="the index correlates half-scale scores across scales",
        )
    odd = np.empty((n, len(scales)))
    even = np.empty((n, len(scales)))
    with np.errstate(invalid="ignore", divide="ignore"):
        for s, scale in enumerate(scales):
            cols = _check_columns(scale, k, f"scale {s}")
            for half, target in ((cols[0::2], odd), (cols[1::2], even)):
                block = arr[:, half]
                seen = ~np.isnan(block)
                target[:, s] = np.where(seen, block, 0.0).sum(axis=1) / seen.sum(axis=1)
    r, n_pairs = _rowwise_pearson(odd, even, min_pairs=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        corrected = 2.0 * r / (1.0 + r)
    score = -np.maximum(corrected, -1.0)  # NaN stays NaN
    return EvenOddResult(score=score, n_pairs=n_pairs)


def _pairwise_correlations(arr: FloatArray) -> FloatArray:
    """Item correlation matrix from pairwise-complete cases, like R ``cor(use = "pairwise")``.

    Each entry uses the means and SDs of the rows where both items are answered.
    """
    seen = (~np.isnan(arr)).astype(np.float64)
    x0 = np.where(seen > 0, arr, 0.0)
    n = seen.T @ seen
    sums = x0.T @ seen  # sums[i, j] = sum of item i over rows where j is answered too
    squares = (x0 * x0).T @ seen
    cross = x0.T @ x0
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = cross - sums * sums.T / n
        var = squares - sums * sums / n
        r = cov / np.sqrt(var * var.T)
    r = np.where((n < 2) | (var <= 0) | (var.T <= 0), np.nan, r)
    return np.clip(r, -1.0, 1.0)


def _synonyms(arr: FloatArray, critval: float, *, anto: bool) -> SynonymResult:
    k = arr.shape[1]
    r = _pairwise_correlations(arr)
    first, second = np.triu_indices(k, 1)
    pair_r = r[first, second]
    with np.errstate(invalid="ignore"):
        keep = pair_r < -abs(critval) if anto else pair_r > abs(critval)
    first, second, pair_r = first[keep], second[keep], pair_r[keep]
    score, n_pairs = _rowwise_pearson(arr[:, first], arr[:, second], min_pairs=3)
    return SynonymResult(
        score=score,
        n_pairs=n_pairs,
        pairs=tuple((int(i), int(j)) for i, j in zip(first, second, strict=True)),
        pair_correlations=tuple(float(v) for v in pair_r),
        critval=critval,
    )


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
    for column, expected in checks.items():
        (col,) = _check_columns([column], k, f"attention check {column!r}")
        values = np.atleast_1d(np.asarray(expected, dtype=np.float64)).ravel()
        if values.size == 0:
            raise _bad_option(f"attention check on column {column} lists no acceptable answer")
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
        Column indices of each scale, for ``even_odd`` (needs at least two); without
        it ``even_odd`` is not computed.
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
    n, k = arr.shape
    raw = arr if x_raw is None else _as_matrix(x_raw)
    if raw.shape != arr.shape:
        raise _bad_option(f"x_raw has shape {raw.shape}, x has {arr.shape}")
    t = QualityThresholds() if thresholds is None else thresholds
    unknown = set(skip) - set(_INDEX_ORDER)
    if unknown:
        raise _bad_option(f"unknown index in skip: {sorted(unknown)}")

    flags: dict[IndexName, BoolArray] = {}

    def rule(name: IndexName, values: NDArray[Any] | None, cut: float | None, op: str) -> None:
        if values is None or cut is None:
            return
        with np.errstate(invalid="ignore"):
            flagged = values < cut if op == "<" else values > cut if op == ">" else values >= cut
        flags[name] = np.asarray(flagged, dtype=np.bool_)

    ls = longstring(arr)
    if "longstring" not in skip and t.longstring_fraction is not None:
        rule("longstring", ls.longest, t.longstring_fraction * k, ">=")

    maha = None if "mahalanobis" in skip else mahalanobis(arr)
    rule("mahalanobis", None if maha is None else maha.p_value, t.mahalanobis_alpha, "<")

    eo = None if scales is None or "even_odd" in skip else even_odd(arr, scales).score
    rule("even_odd", eo, t.even_odd_max, ">")

    syn = None if "psychsyn" in skip else psychsyn(arr, psychsyn_critval).score
    rule("psychsyn", syn, t.psychsyn_min, "<")

    ant = None if "psychant" in skip else psychant(raw, psychant_critval).score
    rule("psychant", ant, t.psychant_max, ">")

    failed = None if checks is None or "attention" in skip else attention_checks(raw, checks)
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
    names = [name for name in _INDEX_ORDER if name in flags]
    matrix = np.column_stack([flags[name] for name in names]) if names else np.zeros((n, 0), bool)
    reasons = tuple(
        tuple(name for name, hit in zip(names, row, strict=True) if hit) for row in matrix
    )
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
        reasons=reasons,
        thresholds=t,
    )
