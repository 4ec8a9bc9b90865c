"""Mergeable sufficient statistics of item answers, accumulated batch by batch.

Everything ``relscales analyze`` reports about a sample (alpha and its variants, item
statistics, omega from the correlation matrix, frequencies, the Feldt interval, the
bootstrap interval) and the sample-dependent parts of the quality screen (Mahalanobis
distance, psychometric synonyms) are functions of a few sums over respondents. This
module holds those sums:

- :class:`PairwiseMoments`: counts, sums, sums of squares and cross-products of ``k``
  columns over pairwise-complete rows, the same over complete rows, the item-total
  sums behind ``raw_r``, and each column's frequencies;
- :class:`BootstrapAlpha`: per bootstrap resample, the weighted sums from which Cronbach's
  alpha of that resample follows; the resampling weights are Poisson(1) draws that depend
  only on the seed and each row's position (:func:`poisson_weights`), so no row is held.

Sums are of ``x - shift`` with an integer ``shift`` per column. On integer (or
half-integer) answers every product and every partial sum is then an exact integer in
double precision (below 2**53), so accumulating in any batches, in any order, on any
number of machines, and merging (:meth:`PairwiseMoments.merge`) gives bitwise the same
statistics as one pass over all rows. The finished statistics agree with the centred
two-pass formulas to rounding (about 1e-15 relative).
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "BootstrapAlpha",
    "PairwiseMoments",
    "poisson_weights",
]

FloatArray = NDArray[np.float64]

BOOT_CHUNK_CELLS = 1 << 22
"""Weights drawn at once (resamples x rows) in :meth:`BootstrapAlpha.update`."""


def _as_batch(x: ArrayLike, k: int) -> FloatArray:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != k:
        raise ValueError(f"expected a (rows, {k}) array of answers, got shape {arr.shape}")
    return arr


def _initial_shift(x: FloatArray) -> FloatArray:
    """Return the rounded column means of a first batch (0 for empty columns)."""
    answered = ~np.isnan(x)
    count = answered.sum(axis=0)
    total = np.where(answered, x, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / np.maximum(count, 1), 0.0)
    return np.asarray(np.rint(mean), dtype=np.float64)


class PairwiseMoments:
    """Counts, sums and cross-products of ``k`` answer columns, mergeable exactly.

    Parameters
    ----------
    k
        Number of columns.
    shift
        ``(k,)`` centre subtracted before summing; integers keep sums exact on integer
        answers. ``None``: the rounded column means of the first batch.
    totals
        Also keep the item-total sums behind :meth:`item_total_correlation` (``raw_r``).
    frequencies
        Also count each column's distinct answers (:meth:`frequencies`).

    Notes
    -----
    With ``m`` the answered mask and ``x0 = x - shift`` (0 where missing), the sums are
    ``n = m'm``, ``s = x0'm`` (``s_ij`` sums column ``i`` over the rows where ``i`` and
    ``j`` are answered), ``ss = (x0^2)'m`` and ``p = x0'x0``; over the rows with every
    column answered, ``cs = sum x0`` and ``cp = x0'x0``. Item-total sums are grouped by
    the number ``c`` of answered columns of a row, with ``r0`` the row's sum of answers
    less ``c`` times a scalar centre, so that the row mean ``t = (r0 + c a) / c`` enters
    only at the end.

    Examples
    --------
    >>> m = PairwiseMoments(2)
    >>> m.update(np.array([[1.0, 2.0], [2.0, np.nan]]))
    >>> m.update(np.array([[3.0, 6.0]]))
    >>> m.covariance()
    array([[1., 4.],
           [4., 8.]])
    """

    def __init__(
        self,
        k: int,
        shift: ArrayLike | None = None,
        *,
        totals: bool = False,
        frequencies: bool = False,
    ) -> None:
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        self.k = k
        self.shift: FloatArray | None = (
            None if shift is None else np.asarray(shift, dtype=np.float64).reshape(k).copy()
        )
        self.n_rows = 0
        self.n_complete = 0
        self.n = np.zeros((k, k))
        self.s = np.zeros((k, k))
        self.ss = np.zeros((k, k))
        self.p = np.zeros((k, k))
        self.cs = np.zeros(k)
        self.cp = np.zeros((k, k))
        self.totals = totals
        # [count, sum x0, sum x0^2, sum r0, sum r0^2, sum x0 r0] by answered count c = 0..k
        self.t = np.zeros((6, k + 1, k)) if totals else np.zeros((6, 0, k))
        self.with_frequencies = frequencies
        self._freq: list[dict[float, int]] = [{} for _ in range(k)] if frequencies else []

    # -- accumulation ------------------------------------------------------------------

    @property
    def row_shift(self) -> float:
        """The scalar centre ``a`` of row sums: the rounded mean of :attr:`shift`."""
        return 0.0 if self.shift is None else float(np.rint(self.shift.mean()))

    def update(self, x: ArrayLike) -> None:
        """Add a batch of rows (``(n_b, k)``, ``NaN`` = missing)."""
        arr = _as_batch(x, self.k)
        if self.shift is None:
            self.shift = _initial_shift(arr)
        if arr.shape[0] == 0:
            return
        answered = ~np.isnan(arr)
        k = self.k
        # one product [m | x0 | x0^2]' [m | x0] gives m'm, x0'm, (x0^2)'m and x0'x0
        stacked = np.empty((arr.shape[0], 3 * k))
        m, x0, x0sq = stacked[:, :k], stacked[:, k : 2 * k], stacked[:, 2 * k :]
        m[...] = answered
        np.subtract(arr, self.shift, out=x0)
        x0[~answered] = 0.0
        np.multiply(x0, x0, out=x0sq)
        products = stacked.T @ stacked[:, : 2 * k]
        self.n_rows += arr.shape[0]
        self.n += products[:k, :k]
        self.s += products[k : 2 * k, :k]
        self.ss += products[2 * k :, :k]
        self.p += products[k : 2 * k, k : 2 * k]
        complete = answered.all(axis=1)
        n_c = int(complete.sum())
        if n_c:
            xc = x0[complete] if n_c < arr.shape[0] else x0
            self.n_complete += n_c
            self.cs += xc.sum(axis=0)
            self.cp += xc.T @ xc
        if self.totals:
            self._add_totals(arr, answered, m, x0, x0sq)
        if self.with_frequencies:
            self._add_frequencies(arr, answered)

    def _add_totals(
        self,
        arr: FloatArray,
        answered: NDArray[np.bool_],
        m: FloatArray,
        x0: FloatArray,
        x0sq: FloatArray,
    ) -> None:
        """Add the item-total sums, grouped by each row's number of answered columns."""
        count = answered.sum(axis=1)
        r0 = np.where(answered, arr, 0.0).sum(axis=1) - count * self.row_shift
        mr = m * r0[:, None]
        features = np.stack([m, x0, x0sq, mr, mr * r0[:, None], x0 * r0[:, None]])
        # most rows answer every column: their group's sums are the total less the others'
        total = features.sum(axis=1)
        for c in np.unique(count).tolist():
            if c != self.k:
                group = features[:, count == c].sum(axis=1)
                self.t[:, c] += group
                total -= group
        self.t[:, self.k] += total

    def _add_frequencies(self, arr: FloatArray, answered: NDArray[np.bool_]) -> None:
        """Count each column's answers (one bincount when they are small whole numbers)."""
        values = arr[answered]
        if not values.size:
            return
        lo, hi = float(values.min()), float(values.max())
        width = int(hi - lo) + 1
        if width <= 4096 and np.array_equal(values, np.rint(values)):
            codes = np.where(answered, arr - lo, 0.0).astype(np.int64)
            codes += np.arange(self.k, dtype=np.int64) * width
            counts = np.bincount(codes[answered], minlength=self.k * width).reshape(self.k, width)
            for j, c in zip(*np.nonzero(counts), strict=True):
                freq = self._freq[int(j)]
                v = lo + float(c)
                freq[v] = freq.get(v, 0) + int(counts[j, c])
            return
        for j in range(self.k):
            col = arr[answered[:, j], j]
            if col.size:
                uniq, counts_j = np.unique(col, return_counts=True)
                freq = self._freq[j]
                for v, n in zip(uniq.tolist(), counts_j.tolist(), strict=True):
                    freq[v] = freq.get(v, 0) + n

    def update_all(self, batches: Iterable[ArrayLike]) -> PairwiseMoments:
        """Add every batch; return ``self``."""
        for batch in batches:
            self.update(batch)
        return self

    def _reshift(self, new: FloatArray) -> None:
        """Re-centre every sum on ``new`` (exact on integer data)."""
        if self.shift is None:
            self.shift = new.copy()
            return
        d = new - self.shift
        delta = float(np.rint(new.mean())) - self.row_shift
        if not d.any() and delta == 0.0:
            return
        n, s, ss, p = self.n, self.s, self.ss, self.p
        self.ss = ss - 2.0 * d[:, None] * s + (d * d)[:, None] * n
        self.p = p - d[None, :] * s - d[:, None] * s.T + np.outer(d, d) * n
        self.s = s - d[:, None] * n
        nc = float(self.n_complete)
        self.cp = self.cp - np.outer(self.cs, d) - np.outer(d, self.cs) + np.outer(d, d) * nc
        self.cs = self.cs - d * nc
        if self.totals:
            cnt, sx, sxx, sr, srr, sxr = self.t
            c = np.arange(self.k + 1, dtype=np.float64)[:, None] * delta
            self.t = np.stack(
                [
                    cnt,
                    sx - d * cnt,
                    sxx - 2.0 * d * sx + d * d * cnt,
                    sr - c * cnt,
                    srr - 2.0 * c * sr + c * c * cnt,
                    sxr - c * sx - d * sr + d * c * cnt,
                ]
            )
        self.shift = new.copy()

    def merge(self, other: PairwiseMoments) -> PairwiseMoments:
        """Add ``other``'s rows to these statistics, in place; return ``self``.

        Raises
        ------
        ValueError
            When the two hold different numbers of columns or different options.
        """
        if other.k != self.k or other.totals != self.totals:
            raise ValueError("can only merge moments of the same columns and options")
        if other.with_frequencies != self.with_frequencies:
            raise ValueError("can only merge moments that both count frequencies, or neither")
        if other.shift is None:
            return self
        if self.shift is None:
            self.shift = other.shift.copy()
        if not np.array_equal(other.shift, self.shift):
            other = other.copy()
            other._reshift(self.shift)
        self.n_rows += other.n_rows
        self.n_complete += other.n_complete
        self.n = self.n + other.n
        self.s = self.s + other.s
        self.ss = self.ss + other.ss
        self.p = self.p + other.p
        self.cs = self.cs + other.cs
        self.cp = self.cp + other.cp
        self.t = self.t + other.t
        for mine, theirs in zip(self._freq, other._freq, strict=True):
            for v, c in theirs.items():
                mine[v] = mine.get(v, 0) + c
        return self

    def copy(self) -> PairwiseMoments:
        """Return an independent copy."""
        out = PairwiseMoments.from_bytes(self.to_bytes())
        return out

    # -- serialisation -----------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """Serialise to ``.npz`` bytes (no pickle), for shipping between processes."""
        arrays: dict[str, Any] = {
            "k": np.array(self.k),
            "has_shift": np.array(self.shift is not None),
            "shift": self.shift if self.shift is not None else np.zeros(self.k),
            "counts": np.array([self.n_rows, self.n_complete], dtype=np.int64),
            "n": self.n,
            "s": self.s,
            "ss": self.ss,
            "p": self.p,
            "cs": self.cs,
            "cp": self.cp,
            "t": self.t,
            "options": np.array([self.totals, self.with_frequencies]),
        }
        if self.with_frequencies:
            sizes = [len(f) for f in self._freq]
            arrays["freq_sizes"] = np.array(sizes, dtype=np.int64)
            arrays["freq_values"] = np.array([v for f in self._freq for v in f], dtype=np.float64)
            arrays["freq_counts"] = np.array(
                [c for f in self._freq for c in f.values()], dtype=np.int64
            )
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> PairwiseMoments:
        """Rebuild statistics written by :meth:`to_bytes`."""
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            totals, freq = (bool(v) for v in z["options"])
            out = cls(
                int(z["k"]),
                z["shift"] if bool(z["has_shift"]) else None,
                totals=totals,
                frequencies=freq,
            )
            out.n_rows, out.n_complete = (int(v) for v in z["counts"])
            out.n, out.s, out.ss, out.p = z["n"], z["s"], z["ss"], z["p"]
            out.cs, out.cp, out.t = z["cs"], z["cp"], z["t"]
            if freq:
                values, counts = z["freq_values"].tolist(), z["freq_counts"].tolist()
                start = 0
                for j, size in enumerate(z["freq_sizes"].tolist()):
                    out._freq[j] = dict(
                        zip(values[start : start + size], counts[start : start + size], strict=True)
                    )
                    start += size
        return out

    # -- results -----------------------------------------------------------------------

    def covariance(self) -> FloatArray:
        """Pairwise-complete covariance (``n_ij - 1`` denominator; ``NaN`` below 2 rows).

        Equals R ``cov(x, use = "pairwise")`` to rounding.
        """
        n = self.n
        with np.errstate(invalid="ignore", divide="ignore"):
            cov = (self.p - self.s * self.s.T / n) / (n - 1.0)
        cov[n < 2] = np.nan
        return np.asarray(cov, dtype=np.float64)

    def correlation(self) -> FloatArray:
        """Pairwise correlation, each pair with its own means and SDs over its common rows.

        R ``cor(x, use = "pairwise")``. ``NaN`` where a pair has fewer than two rows or no
        variance on either side; off-diagonal values clipped to [-1, 1]; the diagonal is 1.
        """
        n, s, ss = self.n, self.s, self.ss
        with np.errstate(invalid="ignore", divide="ignore"):
            cxy = self.p - s * s.T / n
            vx = ss - s * s / n
            r = cxy / np.sqrt(vx * vx.T)
        r = np.where((n < 2) | (vx <= 0) | (vx.T <= 0), np.nan, np.clip(r, -1.0, 1.0))
        np.fill_diagonal(r, 1.0)
        return np.asarray(r, dtype=np.float64)

    def count(self) -> NDArray[np.int64]:
        """Answers per column."""
        return np.diag(self.n).astype(np.int64)

    def mean(self) -> FloatArray:
        """Mean of each column's answers (``NaN`` for an empty column)."""
        assert self.shift is not None or not self.n_rows
        shift = self.shift if self.shift is not None else np.zeros(self.k)
        n = np.diag(self.n)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(shift + np.diag(self.s) / n, dtype=np.float64)

    def sd(self) -> FloatArray:
        """Sample SD of each column's answers (``NaN`` below two answers)."""
        return np.asarray(np.sqrt(np.diag(self.covariance())), dtype=np.float64)

    def complete_mean(self) -> FloatArray:
        """Column means over the rows with every column answered."""
        shift = self.shift if self.shift is not None else np.zeros(self.k)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(shift + self.cs / self.n_complete, dtype=np.float64)

    def complete_covariance(self) -> FloatArray:
        """Covariance over the rows with every column answered (``n - 1`` denominator)."""
        nc = float(self.n_complete)
        with np.errstate(invalid="ignore", divide="ignore"):
            cov = (self.cp - np.outer(self.cs, self.cs) / nc) / (nc - 1.0)
        return np.asarray(cov, dtype=np.float64)

    def item_total_correlation(self) -> FloatArray:
        """Correlation of each column with the row mean of the answered columns.

        Over the rows where the column is answered (psych's ``raw.r`` with pairwise data).
        """
        if not self.totals:
            raise ValueError("these moments were accumulated without totals=True")
        cnt, sx, sxx, sr, srr, sxr = self.t
        a = self.row_shift
        c = np.arange(self.k + 1, dtype=np.float64)[:, None]
        inv = np.where(c > 0, 1.0 / np.maximum(c, 1.0), 0.0)
        n = cnt.sum(axis=0)
        x = sx.sum(axis=0)
        xx = sxx.sum(axis=0)
        # t - a = r0 / c: sums of (t - a), (t - a)^2 and x0 (t - a)
        tt = (sr * inv).sum(axis=0)
        ttt = (srr * inv * inv).sum(axis=0)
        xt = (sxr * inv).sum(axis=0)
        del a
        with np.errstate(invalid="ignore", divide="ignore"):
            cov = xt - x * tt / n
            vx = xx - x * x / n
            vt = ttt - tt * tt / n
            r = cov / np.sqrt(vx * vt)
        return np.asarray(np.where(n > 1, r, np.nan), dtype=np.float64)

    def frequencies(self) -> list[dict[float, float]]:
        """Each column's answers as proportions of its answered rows, by value."""
        if not self.with_frequencies:
            raise ValueError("these moments were accumulated without frequencies=True")
        out: list[dict[float, float]] = []
        for freq in self._freq:
            total = sum(freq.values())
            out.append({v: freq[v] / total for v in sorted(freq)})
        return out


# ---------------------------------------------------------------------------------------------
# Bootstrap
# ---------------------------------------------------------------------------------------------

_POISSON_CDF_BITS = 53


def _poisson_thresholds() -> NDArray[np.uint64]:
    """``ceil(F(j) 2**53)`` for the Poisson(1) CDF ``F``, while below ``2**53``."""
    out: list[int] = []
    term = cdf = math.exp(-1.0)
    j = 0
    scale = float(1 << _POISSON_CDF_BITS)
    while cdf * scale < scale - 1.0:
        out.append(math.ceil(cdf * scale))
        j += 1
        term /= j
        cdf += term
    return np.asarray(out, dtype=np.uint64)


_THRESHOLDS = _poisson_thresholds()
_COMMON = 6  # thresholds compared for every cell; the rare larger weights by search


def poisson_weights(seed: int, first_row: int, n_rows: int, n_boot: int) -> FloatArray:
    """Poisson(1) resampling weights of rows ``first_row ..`` in ``n_boot`` resamples.

    Parameters
    ----------
    seed
        Key of the counter-based generator (Philox 4x64).
    first_row, n_rows
        The rows, by their 0-based position in the whole sample.
    n_boot
        Resamples.

    Returns
    -------
    numpy.ndarray
        ``(n_boot, n_rows)`` integer-valued weights.

    Notes
    -----
    Cell ``(row r, resample b)`` takes the 64-bit output number ``r n_boot + b`` of
    Philox keyed by ``seed``; its top 53 bits ``u`` give the weight ``#{j : u >=
    ceil(F(j) 2^53)}``, the inverse CDF of Poisson(1). A weight depends only on the
    seed and the cell, so batches, partitions and their order do not change it.
    """
    start = first_row * n_boot
    size = n_rows * n_boot
    bits = np.random.Philox(key=seed)
    bits.advance(start // 4)  # one advance step is one block of four outputs
    skip = start % 4
    raw = bits.random_raw(size + skip)[skip:] >> np.uint64(64 - _POISSON_CDF_BITS)
    weights = np.zeros(size, dtype=np.uint8)
    for threshold in _THRESHOLDS[:_COMMON]:
        weights += raw >= threshold
    rare = np.flatnonzero(raw >= _THRESHOLDS[_COMMON - 1])
    if rare.size:
        weights[rare] = np.searchsorted(_THRESHOLDS, raw[rare], side="right")
    return np.asarray(weights.reshape(n_rows, n_boot).T, dtype=np.float64)


class BootstrapAlpha:
    """Cronbach's alpha of ``n_boot`` Poisson-bootstrap resamples, accumulated by batch.

    Parameters
    ----------
    k
        Items.
    n_boot
        Resamples.
    seed
        Key of the resampling weights (:func:`poisson_weights`).
    shift
        ``(k,)`` integer centre of the answers (exact sums on integer answers).

    Notes
    -----
    Within a resample, alpha is computed from the **complete** rows, each weighted by
    its Poisson(1) weight ``w``: with ``x0 = x - shift`` and ``t0`` the row's total of
    ``x0``, per resample the sums ``W = sum w``, ``sum w x0``, ``sum w x0^2``,
    ``sum w t0`` and ``sum w t0^2`` give the item and total sums of squares, and
    ``alpha = k/(k-1) (1 - sum_i SS_i / SS_t)``. Weights are integers, so on integer
    answers the sums are exact and merging partitions reproduces one pass bitwise.
    """

    def __init__(self, k: int, n_boot: int, seed: int, shift: ArrayLike) -> None:
        if n_boot < 1:
            raise ValueError(f"n_boot must be at least 1, got {n_boot}")
        self.k, self.n_boot, self.seed = k, n_boot, int(seed)
        self.shift = np.asarray(shift, dtype=np.float64).reshape(k).copy()
        self.sums = np.zeros((n_boot, 2 * k + 3))

    def features(self, x: ArrayLike) -> FloatArray:
        """Per-row features ``[x0, x0^2, t0, t0^2, 1]`` (zero for incomplete rows)."""
        arr = _as_batch(x, self.k)
        complete = np.asarray(~np.isnan(arr).any(axis=1), dtype=np.bool_)
        x0 = np.where(complete[:, None], arr - self.shift, 0.0)
        t0 = x0.sum(axis=1)
        out: FloatArray = np.column_stack([x0, x0 * x0, t0, t0 * t0, complete.astype(np.float64)])
        return out

    def add(self, weights: FloatArray, features: FloatArray) -> None:
        """Add ``weights`` ``(n_boot, n_b)`` times ``features`` (of :meth:`features`)."""
        self.sums += weights @ features

    def update(self, x: ArrayLike, first_row: int) -> None:
        """Add a batch of rows whose first row is ``first_row`` (0-based) in the sample."""
        update_bootstraps([self], [x], first_row)

    def merge(self, other: BootstrapAlpha) -> BootstrapAlpha:
        """Add ``other``'s resample sums (same seed, resamples and centre); return ``self``."""
        if (other.k, other.n_boot, other.seed) != (self.k, self.n_boot, self.seed) or not (
            np.array_equal(other.shift, self.shift)
        ):
            raise ValueError("can only merge bootstraps with the same items, resamples, seed")
        self.sums = self.sums + other.sums
        return self

    def alphas(self) -> FloatArray:
        """Alpha of each resample (``NaN`` with fewer than two complete rows)."""
        k, s = self.k, self.sums
        m = s[:, -1]
        with np.errstate(invalid="ignore", divide="ignore"):
            item_ss = (s[:, k : 2 * k] - s[:, :k] ** 2 / m[:, None]).sum(axis=1)
            total_ss = s[:, 2 * k + 1] - s[:, 2 * k] ** 2 / m
            alphas = k / (k - 1) * (1.0 - item_ss / total_ss)
        return np.asarray(np.where(m < 2, np.nan, alphas), dtype=np.float64)


def update_bootstraps(
    boots: Sequence[BootstrapAlpha], batches: Sequence[ArrayLike], first_row: int
) -> None:
    """Add one batch of rows to several bootstraps that share seed and resamples.

    The weights are drawn once for all of them, in chunks of at most
    :data:`BOOT_CHUNK_CELLS` cells.
    """
    if not boots:
        return
    n_boot, seed = boots[0].n_boot, boots[0].seed
    if any((b.n_boot, b.seed) != (n_boot, seed) for b in boots):
        raise ValueError("bootstraps updated together must share resamples and seed")
    feats = [b.features(x) for b, x in zip(boots, batches, strict=True)]
    widths = [f.shape[1] for f in feats]
    stacked = np.hstack(feats) if len(feats) > 1 else feats[0]
    n = stacked.shape[0]
    step = max(1, BOOT_CHUNK_CELLS // n_boot)
    ends = np.cumsum([0, *widths])
    for lo in range(0, n, step):
        hi = min(n, lo + step)
        w = poisson_weights(seed, first_row + lo, hi - lo, n_boot)
        sums = w @ stacked[lo:hi]
        for b, a, z in zip(boots, ends[:-1], ends[1:], strict=True):
            b.sums += sums[:, a:z]
