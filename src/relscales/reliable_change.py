"""Change over time: reliable change indices and Jacobson-Truax clinical significance.

Three questions about a person measured twice (``before`` and ``after`` treatment):

1. **Is the change bigger than measurement error?** :func:`reliable_change` computes a
   reliable change index (RCI) per person with one of six published methods and classes the
   change as *improved*, *unchanged* or *deteriorated* (:data:`VERDICTS`).
2. **Where is the line between a dysfunctional and a functional population?**
   :func:`clinical_cutoff` computes Jacobson & Truax's (1991) cut-off *a*, *b* or *c* from
   reference-group means and SDs (or takes a published cut-off as declared), and Hageman &
   Arrindell's (1999) reliability-corrected ("true score") version of them.
3. **Did the person cross that line, reliably?** :func:`cutoff_crossing` classes who crossed
   the cut-off (the statistical approach); :func:`clinical_significance` combines the
   crossing with the RCI into *recovered*, *improved*, *unchanged*, *deteriorated* or
   *harmed* (:data:`CATEGORIES`).

Every formula, every sample statistic the methods read from the data and every
classification rule follows the R package ``clinicalsignificance`` 3.0.0 (Claus, Wager &
Bonnet), and the results are cross-checked against it in ``tests/r/fixtures/change``. Where
the package departs from the original papers this module says so and offers the paper's
rule next to the package's (cut-off *b*). The formulas, with references, are in
``docs/methods-change.md``.

Conventions:

- scores are 1-D arrays of equal length; ``NaN`` marks a missing score. A person with
  either score missing gets a ``NaN`` index and the code ``-1`` ("cannot tell"), never a
  guessed verdict;
- sample statistics (means, SDs, the pre-post correlation) are taken over the **complete
  pairs** only (rows where both scores are present), SDs with ``ddof = 1``, as the package
  does after its ``na.omit``; each can be replaced by a published value;
- every result is a frozen dataclass at full precision (never rounded);
- all work is vectorised with numpy: a million people take milliseconds.

Only numpy and the standard library are imported; no scipy is needed (normal quantiles come
from :class:`statistics.NormalDist`, which uses the same algorithm as R's ``qnorm``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "CATEGORIES",
    "RCI_METHODS",
    "VERDICTS",
    "Better",
    "ClinicalSignificance",
    "CutoffCriterion",
    "CutoffCrossing",
    "CutoffMethod",
    "CutoffResult",
    "RciMethod",
    "ReliableChange",
    "clinical_cutoff",
    "clinical_significance",
    "cutoff_crossing",
    "reliable_change",
]

RciMethod = Literal["jt", "gln", "hll", "en", "nk", "ha"]
"""Reliable change methods, named as in ``clinicalsignificance``:

- ``"jt"``: Jacobson & Truax (1991);
- ``"gln"``: Gulliksen, Lord & Novick (Hsu, 1989, 1995);
- ``"hll"``: Hsu, Linn & Lord (Hsu, 1989);
- ``"en"``: Edwards & Nunnally (Speer, 1992);
- ``"nk"``: Nunnally & Kotsch (1983);
- ``"ha"``: Hageman & Arrindell (1999).
"""

Better = Literal["lower", "higher"]
"""Which direction of the score is the better one (``"lower"``: fewer symptoms)."""

CutoffCriterion = Literal["a", "b", "c", "declared"]
"""Jacobson & Truax's cut-off criteria, or ``"declared"`` for a published cut-off value."""

CutoffMethod = Literal["jt", "ha"]
"""How a cut-off is computed and crossed: Jacobson & Truax, or Hageman & Arrindell."""

RCI_METHODS: tuple[RciMethod, ...] = ("jt", "gln", "hll", "en", "nk", "ha")
"""Every :data:`RciMethod`, in the package's order."""

VERDICTS: tuple[str, str, str] = ("improved", "unchanged", "deteriorated")
"""Labels of the reliable-change (and cut-off crossing) codes 0, 1, 2; ``-1`` is "cannot tell"."""

CATEGORIES: tuple[str, str, str, str, str] = (
    "recovered",
    "improved",
    "unchanged",
    "deteriorated",
    "harmed",
)
"""Labels of the clinical significance codes 0 to 4; ``-1`` is "cannot tell"."""

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
CodeArray = NDArray[np.int8]

_VERDICT_LOOKUP = np.array([*VERDICTS, ""], dtype=object)
_CATEGORY_LOOKUP = np.array([*CATEGORIES, ""], dtype=object)
_IMPROVED, _UNCHANGED, _DETERIORATED = 0, 1, 2
_RECOVERED, _C_IMPROVED, _C_UNCHANGED, _C_DETERIORATED, _HARMED = 0, 1, 2, 3, 4
_MISSING = -1

# the sample statistics each method reads (besides the reliability)
_NEEDS: dict[str, tuple[str, ...]] = {
    "jt": ("sd_before",),
    "gln": ("sd_before", "mean_before"),
    "hll": ("sd_before", "mean_before", "mean_after"),
    "en": ("sd_before", "mean_before"),
    "nk": ("sd_before", "mean_before"),
    "ha": ("sd_before", "sd_after", "mean_before", "mean_after", "correlation"),
}


# ---------------------------------------------------------------------------------------------
# Result objects
# ---------------------------------------------------------------------------------------------


def _labels(codes: CodeArray, lookup: NDArray[np.object_]) -> NDArray[np.object_]:
    # code -1 indexes the last entry of the lookup, the empty label
    out: NDArray[np.object_] = lookup[codes.astype(np.intp)]
    return out


def _counts(codes: CodeArray, names: tuple[str, ...]) -> dict[str, int]:
    tally = np.bincount(codes.astype(np.intp) + 1, minlength=len(names) + 1)
    out = {name: int(tally[i + 1]) for i, name in enumerate(names)}
    out["missing"] = int(tally[0])
    return out


@dataclass(frozen=True, slots=True)
class ReliableChange:
    """Reliable change of every person, from :func:`reliable_change`.

    Everything the index was computed from is kept, so that a report can say how.

    Attributes
    ----------
    method
        The RCI method (:data:`RciMethod`).
    better
        Which direction of the score is better; the verdicts are relative to it.
    change
        ``after - before`` per person (``NaN`` where either score is missing).
    index
        The reliable change index per person (``NaN`` where either score is missing). It is
        signed like the change: positive means the score went up, whatever ``better`` is.
    verdict
        Codes into :data:`VERDICTS` (0 improved, 1 unchanged, 2 deteriorated); ``-1`` where
        the index is ``NaN``. Improved means ``d * index > critical`` and deteriorated
        ``d * index < -critical``, with ``d = +1`` when higher is better and ``-1`` when
        lower is better (strict inequalities, as in the package).
    se_difference
        The denominator of the index, one number for everyone. What it is depends on the
        method: ``jt`` the standard error of the difference ``sqrt(2) * se_measurement``;
        ``gln`` and ``hll`` the standard error of prediction ``sd_before * sqrt(1 - r**2)``;
        ``en`` the standard error of measurement; ``nk``
        ``sqrt(r**2 * sd_before**2 * (1 - r) + sd_before**2 * (1 - reliability_after))``;
        ``ha`` ``sqrt(r_dd) * sqrt(2) * se_measurement``.
    se_measurement
        ``sd_before * sqrt(1 - reliability)``.
    critical
        The critical value of the index: the standard normal quantile at
        ``1 - (1 - confidence_level) / 2`` (two-sided), or at ``confidence_level`` for
        ``ha`` (one-sided, Hageman & Arrindell's maximum risk of misclassification), as in
        the package. 1.9599639845400536 and 1.6448536269514715 at 0.95.
    confidence_level
        The level the critical value was taken at.
    reliability
        The reliability of the instrument (at ``before`` for ``nk``).
    reliability_after
        The reliability at ``after``: read by ``nk`` only; equal to ``reliability`` unless
        given.
    mean_before, sd_before, mean_after, sd_after
        Means and SDs (``ddof = 1``) over the complete pairs, or the values passed in.
        ``NaN`` when not passed and not computable (fewer than 1 or 2 complete pairs).
    correlation
        Pearson correlation of ``before`` and ``after`` over the complete pairs (or the
        value passed in); read by ``ha`` only. ``NaN`` when not computable.
    r_dd
        Hageman & Arrindell's reliability of the difference score (``ha`` only, else
        ``NaN``).
    n
        Number of people passed in.
    n_complete
        Number of people with both scores present (the package's ``n_used``).
    """

    method: RciMethod
    better: Better
    change: FloatArray
    index: FloatArray
    verdict: CodeArray
    se_difference: float
    se_measurement: float
    critical: float
    confidence_level: float
    reliability: float
    reliability_after: float
    mean_before: float
    sd_before: float
    mean_after: float
    sd_after: float
    correlation: float
    r_dd: float
    n: int
    n_complete: int

    def labels(self) -> NDArray[np.object_]:
        """Return the verdicts as strings from :data:`VERDICTS`, ``""`` where the code is -1.

        Returns
        -------
        numpy.ndarray
            An object array of ``str``, one per person.
        """
        return _labels(self.verdict, _VERDICT_LOOKUP)

    def counts(self) -> dict[str, int]:
        """Count the people per verdict.

        Returns
        -------
        dict
            ``{"improved": n0, "unchanged": n1, "deteriorated": n2, "missing": n_missing}``;
            the values add up to :attr:`n`.
        """
        return _counts(self.verdict, VERDICTS)


@dataclass(frozen=True, slots=True)
class CutoffResult:
    """A clinical cut-off between a dysfunctional and a functional population.

    From :func:`clinical_cutoff`.

    Attributes
    ----------
    value
        The cut-off score.
    criterion
        ``"a"``, ``"b"``, ``"c"`` (Jacobson & Truax, 1991) or ``"declared"``.
    method
        ``"jt"`` (Jacobson & Truax) or ``"ha"`` (Hageman & Arrindell's cut-off on true
        scores, the package's ``a_true``, ``b_true``, ``c_true``).
    better
        Which direction of the score is better.
    functional, dysfunctional
        The ``(mean, sd)`` of the functional and the dysfunctional reference group, as given
        (``None`` when not given).
    b_sd
        Whose SD criterion *b* reaches from the functional mean: ``"functional"``
        (Jacobson & Truax, 1991) or ``"dysfunctional"`` (``clinicalsignificance`` 3.0.0).
    reliability
        The instrument's reliability (``ha`` only, else ``NaN``).
    se_measurement
        ``sd_dysfunctional * sqrt(1 - reliability)`` (``ha`` only, else ``NaN``).
    reliability_dysfunctional, reliability_functional
        The groups' reliabilities ``(sd**2 - se_measurement**2) / sd**2`` (``ha`` only, else
        ``NaN``; ``reliability_functional`` also ``NaN`` without a functional group).
    """

    value: float
    criterion: CutoffCriterion
    method: CutoffMethod
    better: Better
    functional: tuple[float, float] | None
    dysfunctional: tuple[float, float] | None
    b_sd: Literal["functional", "dysfunctional"]
    reliability: float
    se_measurement: float
    reliability_dysfunctional: float
    reliability_functional: float


@dataclass(frozen=True, slots=True)
class CutoffCrossing:
    """Who crossed the cut-off, from :func:`cutoff_crossing` (the statistical approach).

    Attributes
    ----------
    cutoff
        The cut-off value.
    method
        ``"jt"``: observed scores are compared with the cut-off. ``"ha"``: Hageman &
        Arrindell's test of the person's true ``after`` score against the cut-off.
    better
        Which direction of the score is better.
    verdict
        Codes into :data:`VERDICTS`, ``-1`` where a score is missing. ``jt``: improved =
        dysfunctional before and functional after; deteriorated = functional before and not
        functional after; unchanged otherwise. ``ha``: improved = dysfunctional before and
        ``d * index > critical``; deteriorated = functional before and
        ``d * index < -critical``; unchanged otherwise.
    clinical_before
        Dysfunctional at ``before``: ``d * before < d * cutoff`` (``False`` where ``before``
        is missing). A ``before`` exactly at the cut-off counts as functional.
    functional_after
        ``jt``: ``d * after > d * cutoff``, so an ``after`` exactly at the cut-off does
        *not* count as functional. ``ha``: ``clinical_before`` and
        ``d * index > critical``. ``False`` where a score is missing.
    index
        ``ha`` only: the true-score test statistic per person,
        ``(mean_after + (after - mean_after) * r_after - cutoff) / (sqrt(r_after) * se)``
        with ``se`` the cut-off's ``se_measurement``. ``None`` for ``jt``.
    critical
        ``ha`` only: the one-sided critical value; ``NaN`` for ``jt``.
    mean_after, sd_after, reliability_after
        ``ha`` only (else ``NaN``): the ``after`` mean and SD used, and the reliability of
        the ``after`` scores ``(sd_after**2 - se**2) / sd_after**2``.
    """

    cutoff: float
    method: CutoffMethod
    better: Better
    verdict: CodeArray
    clinical_before: BoolArray
    functional_after: BoolArray
    index: FloatArray | None
    critical: float
    mean_after: float
    sd_after: float
    reliability_after: float

    def labels(self) -> NDArray[np.object_]:
        """Return the verdicts as strings from :data:`VERDICTS`, ``""`` where the code is -1.

        Returns
        -------
        numpy.ndarray
            An object array of ``str``, one per person.
        """
        return _labels(self.verdict, _VERDICT_LOOKUP)

    def counts(self) -> dict[str, int]:
        """Count the people per verdict.

        Returns
        -------
        dict
            One entry per label of :data:`VERDICTS` plus ``"missing"``.
        """
        return _counts(self.verdict, VERDICTS)


@dataclass(frozen=True, slots=True)
class ClinicalSignificance:
    """Clinical significance of every person, from :func:`clinical_significance`.

    Attributes
    ----------
    category
        Codes into :data:`CATEGORIES`, ``-1`` where a score is missing:

        - 0 *recovered*: reliably improved, dysfunctional before and functional after;
        - 1 *improved*: reliably improved, but not recovered;
        - 2 *unchanged*: no reliable change, wherever the person started or ended;
        - 3 *deteriorated*: reliably deteriorated, but not harmed;
        - 4 *harmed*: reliably deteriorated, functional before and not functional after.

        So a person who started on the functional side and reliably improved is *improved*
        (never *recovered*), and one who started on the dysfunctional side and reliably
        deteriorated is *deteriorated* (never *harmed*).
    cutoff
        The cut-off value used.
    better
        Which direction of the score is better.
    crossing
        The cut-off crossing (``clinical_before``, ``functional_after``) the categories were
        built from.
    change
        The reliable change the categories were built from.
    """

    category: CodeArray
    cutoff: float
    better: Better
    crossing: CutoffCrossing
    change: ReliableChange

    def labels(self) -> NDArray[np.object_]:
        """Return the categories as strings from :data:`CATEGORIES`, ``""`` where -1.

        Returns
        -------
        numpy.ndarray
            An object array of ``str``, one per person.
        """
        return _labels(self.category, _CATEGORY_LOOKUP)

    def counts(self) -> dict[str, int]:
        """Count the people per category.

        Returns
        -------
        dict
            One entry per label of :data:`CATEGORIES` plus ``"missing"``; the values add up
            to the number of people.
        """
        return _counts(self.category, CATEGORIES)


# ---------------------------------------------------------------------------------------------
# Argument checks
# ---------------------------------------------------------------------------------------------


def _scores(x: ArrayLike, name: str) -> FloatArray:
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numbers (NaN for a missing score): {exc}") from None
    if a.ndim == 0:
        a = a.reshape(1)
    if a.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of scores, one per person; got {a.ndim}-D")
    if np.isinf(a).any():
        raise ValueError(f"{name} holds an infinite value: pass finite scores, NaN for missing")
    return a


def _pair(before: ArrayLike, after: ArrayLike) -> tuple[FloatArray, FloatArray]:
    b = _scores(before, "before")
    a = _scores(after, "after")
    if b.shape != a.shape:
        raise ValueError(
            f"before and after must have one score per person each; got {b.size} and {a.size}"
        )
    return b, a


def _better(better: object) -> Better:
    if better is None:
        raise ValueError(
            "declare which direction of the score is better: better='lower' (e.g. a symptom "
            "scale) or better='higher'"
        )
    if better == "lower":
        return "lower"
    if better == "higher":
        return "higher"
    raise ValueError(f"better must be 'lower' or 'higher', got {better!r}")


def _finite(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        raise ValueError(f"{name} must be a number, got {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{name} must be finite, got {v}")
    return v


def _reliability(value: object, name: str, *, allow_one: bool) -> float:
    if value is None:
        raise ValueError(f"{name} is required: pass the instrument's reliability in (0, 1)")
    v = _finite(value, name)
    upper_ok = v <= 1.0 if allow_one else v < 1.0
    if not (v > 0.0 and upper_ok):
        bound = "(0, 1]" if allow_one else "(0, 1)"
        hint = (
            "; with a reliability of 1 the standard error is 0 and the index is undefined"
            if v == 1.0
            else ""
        )
        raise ValueError(f"{name} must be in {bound}, got {v}{hint}")
    return v


def _positive_sd(value: object, name: str) -> float:
    v = _finite(value, name)
    if v <= 0.0:
        raise ValueError(f"{name} must be > 0, got {v}")
    return v


def _confidence(value: object) -> float:
    v = _finite(value, "confidence_level")
    if not 0.0 < v < 1.0:
        raise ValueError(f"confidence_level must be in (0, 1), e.g. 0.95; got {v}")
    return v


def _critical(confidence_level: float, *, one_sided: bool) -> float:
    p = confidence_level if one_sided else 1.0 - (1.0 - confidence_level) / 2.0
    return NormalDist().inv_cdf(p)


def _group(value: object, name: str) -> tuple[float, float] | None:
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, tuple | list) or len(value) != 2:
        raise ValueError(f"{name} must be a (mean, sd) pair, got {value!r}")
    return _finite(value[0], f"{name} mean"), _positive_sd(value[1], f"{name} sd")


def _direction(better: Better) -> float:
    return 1.0 if better == "higher" else -1.0


# ---------------------------------------------------------------------------------------------
# Reliable change
# ---------------------------------------------------------------------------------------------


def _sample_stats(b: FloatArray, a: FloatArray) -> dict[str, float]:
    """Means, SDs (ddof = 1) and the correlation over the complete pairs (NaN if too few)."""
    both = ~(np.isnan(b) | np.isnan(a))
    n = int(both.sum())
    nan = math.nan
    out = {"mean_before": nan, "sd_before": nan, "mean_after": nan, "sd_after": nan}
    out["correlation"] = nan
    if n >= 1:
        bb, aa = b[both], a[both]
        out["mean_before"] = float(bb.mean())
        out["mean_after"] = float(aa.mean())
        if n >= 2:
            db, da = bb - out["mean_before"], aa - out["mean_after"]
            ssb, ssa = float(db @ db), float(da @ da)
            out["sd_before"] = math.sqrt(ssb / (n - 1))
            out["sd_after"] = math.sqrt(ssa / (n - 1))
            if ssb > 0.0 and ssa > 0.0:
                out["correlation"] = float(db @ da) / math.sqrt(ssb * ssa)
    return out


_WHAT = {
    "mean_before": "the mean of `before`",
    "sd_before": "the SD of `before`",
    "mean_after": "the mean of `after`",
    "sd_after": "the SD of `after`",
    "correlation": "the correlation of `before` and `after`",
}


def reliable_change(
    before: ArrayLike,
    after: ArrayLike,
    *,
    reliability: float,
    better: Better | None,
    method: RciMethod = "jt",
    sd_before: float | None = None,
    sd_after: float | None = None,
    mean_before: float | None = None,
    mean_after: float | None = None,
    reliability_after: float | None = None,
    correlation: float | None = None,
    confidence_level: float = 0.95,
) -> ReliableChange:
    r"""Compute a reliable change index (RCI) and verdict for every person.

    With :math:`x_1` = ``before``, :math:`x_2` = ``after``, :math:`r` = ``reliability``,
    :math:`M_1, S_1, M_2, S_2` the means and SDs and
    :math:`SE = S_1\sqrt{1-r}` (as ``clinicalsignificance`` 3.0.0 ``calc_rci``):

    - ``jt``: :math:`(x_2 - x_1) / \sqrt{2 SE^2}`;
    - ``gln``: :math:`((x_2 - M_1) - r (x_1 - M_1)) / (S_1\sqrt{1-r^2})`;
    - ``hll``: :math:`((x_2 - M_2) - r (x_1 - M_1)) / (S_1\sqrt{1-r^2})`;
    - ``en``: :math:`(x_2 - (r (x_1 - M_1) + M_1)) / SE`;
    - ``nk``: :math:`(x_2 - (r (x_1 - M_1) + M_1)) /
      \sqrt{r^2 S_1^2 (1-r) + S_1^2 (1-r_2)}` with :math:`r_2` = ``reliability_after``;
    - ``ha``: :math:`((x_2 - x_1) r_{dd} + (M_2 - M_1)(1 - r_{dd})) /
      (\sqrt{r_{dd}}\sqrt{2 SE^2})` where
      :math:`r_{dd} = (S_1^2 r_{11} + S_2^2 r_{22} - 2 S_1 S_2 \rho) /
      (S_1^2 + S_2^2 - 2 S_1 S_2 \rho)`, :math:`r_{jj} = (S_j^2 - SE^2)/S_j^2` and
      :math:`\rho` the pre-post correlation.

    Parameters
    ----------
    before, after
        Scores of the same people at the two occasions (1-D, equal length; ``NaN`` for a
        missing score). A single number is one person.
    reliability
        The instrument's reliability, in (0, 1). The index is undefined at 1.
    better
        ``"lower"`` or ``"higher"``: which direction is an improvement. Required: ``None``
        raises ``ValueError`` asking for it, so an undeclared direction never yields a
        verdict.
    method
        One of :data:`RCI_METHODS` (default ``"jt"``).
    sd_before, sd_after, mean_before, mean_after, correlation
        Replace the sample statistics, which are otherwise taken over the complete pairs
        (the package's ``na.omit`` data) with SDs at ``ddof = 1``. Pass published values to
        score a single person, or to use a reference sample's SD.
    reliability_after
        Reliability at ``after``, read by ``nk`` only (default: ``reliability``, as the
        package does). Passing it with another method is an error.
    confidence_level
        Default 0.95. Two-sided for every method but ``ha``, which is one-sided (the
        package's ``qnorm(1 - significance_level)``).

    Returns
    -------
    ReliableChange
        Indices, verdicts and every number they were computed from.

    Raises
    ------
    ValueError
        On a bad argument, or when a statistic the method needs can be neither read from
        the data (too few complete pairs, or an SD of 0) nor was passed in.

    Examples
    --------
    >>> rc = reliable_change([30, 25, 20], [20, 24, 29], reliability=0.8, better="lower",
    ...                      sd_before=5.0)
    >>> rc.labels().tolist()
    ['improved', 'unchanged', 'deteriorated']
    >>> round(rc.se_difference, 4)
    3.1623
    """
    b, a = _pair(before, after)
    direction_name = _better(better)
    if method not in _NEEDS:
        raise ValueError(f"method must be one of {', '.join(RCI_METHODS)}; got {method!r}")
    r = _reliability(reliability, "reliability", allow_one=False)
    if reliability_after is not None and method != "nk":
        raise ValueError(
            f"reliability_after is read by method='nk' only, not by method={method!r}: leave it out"
        )
    r_after = (
        r
        if reliability_after is None
        else _reliability(reliability_after, "reliability_after", allow_one=True)
    )
    level = _confidence(confidence_level)

    stats = _sample_stats(b, a)
    given = {
        "mean_before": mean_before,
        "mean_after": mean_after,
        "sd_before": sd_before,
        "sd_after": sd_after,
        "correlation": correlation,
    }
    for name, value in given.items():
        if value is None:
            continue
        if name.startswith("sd"):
            stats[name] = _positive_sd(value, name)
        elif name == "correlation":
            rho = _finite(value, name)
            if not -1.0 <= rho <= 1.0:
                raise ValueError(f"correlation must be in [-1, 1], got {rho}")
            stats[name] = rho
        else:
            stats[name] = _finite(value, name)
    n_complete = int((~(np.isnan(b) | np.isnan(a))).sum())
    for name in _NEEDS[method]:
        v = stats[name]
        if math.isnan(v) or (name.startswith("sd") and v <= 0.0):
            found = "is 0" if not math.isnan(v) else "cannot be computed"
            raise ValueError(
                f"method={method!r} needs {_WHAT[name]}, which {found} over the "
                f"{n_complete} complete pair(s): pass {name}= (e.g. from a reference sample)"
            )

    m1, s1 = stats["mean_before"], stats["sd_before"]
    m2, s2 = stats["mean_after"], stats["sd_after"]
    se = s1 * math.sqrt(1.0 - r)
    r_dd = math.nan
    change = a - b
    if method == "jt":
        denominator = math.sqrt(2.0 * se**2)
        index = change / denominator
    elif method in ("gln", "hll"):
        denominator = s1 * math.sqrt(1.0 - r**2)
        centre = m1 if method == "gln" else m2
        index = ((a - centre) - r * (b - m1)) / denominator
    elif method == "en":
        denominator = se
        index = (a - (r * (b - m1) + m1)) / denominator
    elif method == "nk":
        denominator = math.sqrt(r**2 * s1**2 * (1.0 - r) + s1**2 * (1.0 - r_after))
        index = (a - (r * (b - m1) + m1)) / denominator
    else:  # ha
        rho = stats["correlation"]
        r11 = (s1**2 - se**2) / s1**2
        r22 = (s2**2 - se**2) / s2**2
        variance_of_difference = s1**2 + s2**2 - 2.0 * s1 * s2 * rho
        if not variance_of_difference > 0.0:
            raise ValueError(
                "method='ha': the difference scores have no variance (every person changed "
                "by the same amount), so r_dd is undefined; use another method"
            )
        r_dd = (s1**2 * r11 + s2**2 * r22 - 2.0 * s1 * s2 * rho) / variance_of_difference
        if not r_dd > 0.0:
            raise ValueError(
                f"method='ha': the reliability of the difference score r_dd is {r_dd:.6g} "
                "(not > 0), so no index can be computed; use another method"
            )
        denominator = math.sqrt(r_dd) * math.sqrt(2.0 * se**2)
        index = (change * r_dd + (m2 - m1) * (1.0 - r_dd)) / denominator

    critical = _critical(level, one_sided=method == "ha")
    verdict = _verdicts(index, _direction(direction_name), critical)
    return ReliableChange(
        method=method,
        better=direction_name,
        change=change,
        index=index,
        verdict=verdict,
        se_difference=float(denominator),
        se_measurement=float(se),
        critical=critical,
        confidence_level=level,
        reliability=r,
        reliability_after=r_after,
        mean_before=m1,
        sd_before=s1,
        mean_after=m2,
        sd_after=s2,
        correlation=stats["correlation"],
        r_dd=r_dd,
        n=int(b.size),
        n_complete=n_complete,
    )


def _verdicts(index: FloatArray, d: float, critical: float) -> CodeArray:
    signed = d * index
    codes = np.full(index.shape, _UNCHANGED, dtype=np.int8)
    codes[signed > critical] = _IMPROVED
    codes[signed < -critical] = _DETERIORATED
    codes[np.isnan(index)] = _MISSING
    return codes


# ---------------------------------------------------------------------------------------------
# Cut-offs
# ---------------------------------------------------------------------------------------------


def clinical_cutoff(
    *,
    functional: tuple[float, float] | None = None,
    dysfunctional: tuple[float, float] | None = None,
    better: Better | None,
    criterion: Literal["a", "b", "c"] | None = None,
    value: float | None = None,
    method: CutoffMethod = "jt",
    reliability: float | None = None,
    b_sd: Literal["functional", "dysfunctional"] = "functional",
) -> CutoffResult:
    r"""Compute Jacobson & Truax's cut-off between a dysfunctional and a functional group.

    With :math:`(M_0, S_0)` the functional and :math:`(M_1, S_1)` the dysfunctional group's
    mean and SD and :math:`d = +1` when higher is better, :math:`-1` when lower is better
    (Jacobson & Truax, 1991; ``clinicalsignificance`` ``.calc_cutoff_jt``):

    - *a*: :math:`M_1 + 2 d S_1`, two SDs beyond the dysfunctional mean toward better;
    - *b*: :math:`M_0 - 2 d S_0`, two SDs of the functional group from its mean toward
      worse. ``clinicalsignificance`` 3.0.0 uses the *dysfunctional* SD here,
      :math:`M_0 - 2 d S_1`; pass ``b_sd="dysfunctional"`` for that;
    - *c*: :math:`(S_1 M_0 + S_0 M_1) / (S_0 + S_1)`, the point as many of its own SDs from
      either mean.

    ``method="ha"`` gives Hageman & Arrindell's (1999) cut-offs on true scores
    (``.calc_cutoff_ha``): every :math:`S_j` is replaced by :math:`S_j\sqrt{r_j}` with
    :math:`r_j = (S_j^2 - SE^2)/S_j^2` and :math:`SE = S_1\sqrt{1 - r}`.

    Parameters
    ----------
    functional, dysfunctional
        ``(mean, sd)`` of the functional (non-clinical) and dysfunctional (clinical)
        reference groups. In the package the dysfunctional group is the sample itself at
        ``before`` (use :attr:`ReliableChange.mean_before` and
        :attr:`ReliableChange.sd_before`).
    better
        ``"lower"`` or ``"higher"`` (required).
    criterion
        ``"a"``, ``"b"`` or ``"c"``. Default: ``"c"`` when both groups are given, ``"a"``
        when only the dysfunctional group is, ``"b"`` when only the functional group is.
    value
        A cut-off declared directly (e.g. a published one), instead of the groups and the
        criterion. Only with ``method="jt"``.
    method
        ``"jt"`` (default) or ``"ha"``.
    reliability
        The instrument's reliability, in (0, 1); required for ``method="ha"``, which
        needs the dysfunctional group too.
    b_sd
        Whose SD criterion *b* uses: ``"functional"`` (the paper, default) or
        ``"dysfunctional"`` (the package).

    Returns
    -------
    CutoffResult
        The value and everything it was computed from.

    Raises
    ------
    ValueError
        When a group the criterion needs is missing, an SD is not > 0, or arguments
        conflict.

    Examples
    --------
    >>> clinical_cutoff(functional=(60, 7.5), dysfunctional=(40, 7.5), better="higher").value
    50.0
    """
    direction_name = _better(better)
    fun = _group(functional, "functional")
    dys = _group(dysfunctional, "dysfunctional")
    if method not in ("jt", "ha"):
        raise ValueError(f"method must be 'jt' or 'ha', got {method!r}")
    if b_sd not in ("functional", "dysfunctional"):
        raise ValueError(f"b_sd must be 'functional' or 'dysfunctional', got {b_sd!r}")
    nan = math.nan
    if value is not None:
        if criterion is not None or fun is not None or dys is not None:
            raise ValueError(
                "pass either value= (a declared cut-off) or the reference groups with a "
                "criterion, not both"
            )
        if method != "jt":
            raise ValueError(
                "a declared cut-off is crossed as observed scores (method='jt'); the 'ha' "
                "cut-off is computed from the groups and the reliability"
            )
        if reliability is not None:
            raise ValueError("reliability is read by method='ha' only: leave it out")
        return CutoffResult(
            value=_finite(value, "value"),
            criterion="declared",
            method="jt",
            better=direction_name,
            functional=None,
            dysfunctional=None,
            b_sd=b_sd,
            reliability=nan,
            se_measurement=nan,
            reliability_dysfunctional=nan,
            reliability_functional=nan,
        )
    if criterion is None:
        if fun is not None and dys is not None:
            criterion = "c"
        elif dys is not None:
            criterion = "a"
        elif fun is not None:
            criterion = "b"
        else:
            raise ValueError(
                "pass the reference groups (functional=(mean, sd), dysfunctional=(mean, sd)) "
                "or a declared cut-off value="
            )
    if criterion not in ("a", "b", "c"):
        raise ValueError(f"criterion must be 'a', 'b' or 'c', got {criterion!r}")
    needs_dys = criterion in ("a", "c") or (criterion == "b" and b_sd == "dysfunctional")
    needs_fun = criterion in ("b", "c")
    if method == "ha":
        needs_dys = True
    if needs_dys and dys is None:
        raise ValueError(
            f"criterion {criterion!r} (method={method!r}, b_sd={b_sd!r}) needs the "
            "dysfunctional group: pass dysfunctional=(mean, sd)"
        )
    if needs_fun and fun is None:
        raise ValueError(
            f"criterion {criterion!r} needs the functional group: pass functional=(mean, sd)"
        )
    d = _direction(direction_name)
    rel = se = rel_dys = rel_fun = nan
    if method == "jt":
        if reliability is not None:
            raise ValueError("reliability is read by method='ha' only: leave it out")
        spread_dys = dys[1] if dys is not None else nan
        spread_fun = fun[1] if fun is not None else nan
    else:
        assert dys is not None
        rel = _reliability(reliability, "reliability", allow_one=False)
        se = dys[1] * math.sqrt(1.0 - rel)
        rel_dys = (dys[1] ** 2 - se**2) / dys[1] ** 2
        spread_dys = dys[1] * math.sqrt(rel_dys)
        spread_fun = nan
        if fun is not None:
            rel_fun = (fun[1] ** 2 - se**2) / fun[1] ** 2
        uses_fun = criterion == "c" or (criterion == "b" and b_sd == "functional")
        if uses_fun:
            assert fun is not None
            if not rel_fun > 0.0:
                raise ValueError(
                    f"method='ha': the functional group's reliability (sd**2 - se**2) / sd**2 "
                    f"is {rel_fun:.6g} (its SD {fun[1]} is not above the standard error of "
                    f"measurement {se:.6g}); use method='jt'"
                )
            spread_fun = fun[1] * math.sqrt(rel_fun)
    if criterion == "a":
        assert dys is not None
        cut = dys[0] + d * 2.0 * spread_dys
    elif criterion == "b":
        assert fun is not None
        cut = fun[0] - d * 2.0 * (spread_fun if b_sd == "functional" else spread_dys)
    else:
        assert fun is not None
        assert dys is not None
        cut = (spread_dys * fun[0] + spread_fun * dys[0]) / (spread_dys + spread_fun)
    return CutoffResult(
        value=float(cut),
        criterion=criterion,
        method=method,
        better=direction_name,
        functional=fun,
        dysfunctional=dys,
        b_sd=b_sd,
        reliability=rel,
        se_measurement=se,
        reliability_dysfunctional=rel_dys,
        reliability_functional=rel_fun,
    )


def _cutoff_value(cutoff: float | CutoffResult) -> tuple[float, CutoffResult | None]:
    if isinstance(cutoff, CutoffResult):
        return cutoff.value, cutoff
    return _finite(cutoff, "cutoff"), None


def cutoff_crossing(
    before: ArrayLike,
    after: ArrayLike,
    cutoff: float | CutoffResult,
    *,
    better: Better | None = None,
    mean_after: float | None = None,
    sd_after: float | None = None,
    confidence_level: float = 0.95,
) -> CutoffCrossing:
    r"""Class who crossed the cut-off between ``before`` and ``after`` (statistical approach).

    Follows ``clinicalsignificance`` 3.0.0 ``cs_statistical`` exactly, including how a
    score exactly at the cut-off is counted (see :class:`CutoffCrossing`).

    Parameters
    ----------
    before, after
        Scores (1-D, equal length, ``NaN`` for missing).
    cutoff
        A :class:`CutoffResult` or a plain value. A result with ``method="ha"`` is crossed
        with Hageman & Arrindell's true-score test; anything else by comparing the observed
        scores with the value.
    better
        ``"lower"`` or ``"higher"``. May be left out when ``cutoff`` is a
        :class:`CutoffResult` (its ``better`` is used); must agree with it when given.
    mean_after, sd_after
        ``ha`` only: replace the mean and SD (``ddof = 1``) of ``after`` over the complete
        pairs.
    confidence_level
        ``ha`` only: the one-sided level of the true-score test (default 0.95).

    Returns
    -------
    CutoffCrossing
        Verdicts per person and the two sides of the crossing.

    Raises
    ------
    ValueError
        On a bad argument, conflicting ``better``, or too few complete pairs for ``ha``.

    Examples
    --------
    >>> cutoff_crossing([30, 30, 10], [10, 30, 30], 20.0, better="lower").labels().tolist()
    ['improved', 'unchanged', 'deteriorated']
    """
    b, a = _pair(before, after)
    value, result = _cutoff_value(cutoff)
    direction_name = _resolve_better(better, result)
    d = _direction(direction_name)
    clinical_before = d * b < d * value  # NaN compares False
    missing = np.isnan(b) | np.isnan(a)
    nan = math.nan
    if result is None or result.method == "jt":
        functional_after = d * a > d * value
        verdict = np.full(b.shape, _UNCHANGED, dtype=np.int8)
        verdict[clinical_before & functional_after] = _IMPROVED
        verdict[~clinical_before & ~functional_after] = _DETERIORATED
        verdict[missing] = _MISSING
        return CutoffCrossing(
            cutoff=value,
            method="jt",
            better=direction_name,
            verdict=verdict,
            clinical_before=clinical_before & ~np.isnan(b),
            functional_after=functional_after & ~missing,
            index=None,
            critical=nan,
            mean_after=nan,
            sd_after=nan,
            reliability_after=nan,
        )
    stats = _sample_stats(b, a)
    m2 = stats["mean_after"] if mean_after is None else _finite(mean_after, "mean_after")
    s2 = stats["sd_after"] if sd_after is None else _positive_sd(sd_after, "sd_after")
    if math.isnan(m2) or math.isnan(s2) or s2 <= 0.0:
        raise ValueError(
            "the 'ha' cut-off test needs the mean and SD of `after`, which cannot be computed "
            "over the complete pairs: pass mean_after= and sd_after= (to reliable_change when "
            "calling clinical_significance)"
        )
    level = _confidence(confidence_level)
    index, r_after, critical, functional_after, dysfunctional_after = _ha_end_state(
        b, a, result, d, m2, s2, level, clinical_before
    )
    verdict = np.full(b.shape, _UNCHANGED, dtype=np.int8)
    verdict[functional_after] = _IMPROVED
    verdict[dysfunctional_after] = _DETERIORATED
    verdict[missing] = _MISSING
    return CutoffCrossing(
        cutoff=value,
        method="ha",
        better=direction_name,
        verdict=verdict,
        clinical_before=clinical_before & ~np.isnan(b),
        functional_after=functional_after & ~missing,
        index=index,
        critical=critical,
        mean_after=m2,
        sd_after=s2,
        reliability_after=r_after,
    )


def _ha_end_state(
    b: FloatArray,
    a: FloatArray,
    result: CutoffResult,
    d: float,
    m2: float,
    s2: float,
    level: float,
    clinical_before: BoolArray,
) -> tuple[FloatArray, float, float, BoolArray, BoolArray]:
    """Hageman & Arrindell's true-score test of ``after`` (``calc_cutoff_from_data.cs_ha``)."""
    se = result.se_measurement
    r_after = (s2**2 - se**2) / s2**2
    if not r_after > 0.0:
        raise ValueError(
            f"the 'ha' cut-off test: the reliability of `after` (sd**2 - se**2) / sd**2 is "
            f"{r_after:.6g} (its SD {s2:.6g} is not above the standard error of measurement "
            f"{se:.6g}); use a 'jt' cut-off"
        )
    index = (m2 + (a - m2) * r_after - result.value) / (math.sqrt(r_after) * se)
    critical = _critical(level, one_sided=True)
    signed = d * index
    functional_after = clinical_before & (signed > critical)
    dysfunctional_after = ~clinical_before & (signed < -critical)
    return index, r_after, critical, functional_after, dysfunctional_after


def _resolve_better(better: object, result: CutoffResult | None) -> Better:
    if result is None:
        return _better(better)
    if better is None:
        return result.better
    direction_name = _better(better)
    if direction_name != result.better:
        raise ValueError(
            f"better={direction_name!r} disagrees with the cut-off's better={result.better!r}"
        )
    return direction_name


# ---------------------------------------------------------------------------------------------
# Clinical significance
# ---------------------------------------------------------------------------------------------


def clinical_significance(
    before: ArrayLike,
    after: ArrayLike,
    change: ReliableChange,
    cutoff: float | CutoffResult,
    better: Better | None = None,
) -> ClinicalSignificance:
    """Combine reliable change with the cut-off crossing (Jacobson & Truax's two criteria).

    The rules of ``clinicalsignificance`` 3.0.0 ``cs_combined`` (its
    ``create_summary_table.cs_combined``), with ``clinical_before`` and
    ``functional_after`` from :func:`cutoff_crossing`:

    - *recovered* = reliably improved and ``clinical_before`` and ``functional_after``;
    - *improved* = reliably improved, not recovered;
    - *harmed* = reliably deteriorated and not ``clinical_before`` and not
      ``functional_after``;
    - *deteriorated* = reliably deteriorated, not harmed;
    - *unchanged* = no reliable change.

    With a Hageman & Arrindell cut-off (``method="ha"``) ``functional_after`` is the
    true-score test, which is never true for someone who started on the functional side;
    so there every reliable deterioration from the functional side is *harmed*, as in the
    package. Its mean and SD of ``after`` are ``change.mean_after`` and ``change.sd_after``
    and its level ``change.confidence_level`` (one-sided).

    Parameters
    ----------
    before, after
        The scores ``change`` was computed from.
    change
        The result of :func:`reliable_change` on these scores.
    cutoff
        A :class:`CutoffResult` or a plain (declared) value.
    better
        Optional: must agree with ``change.better`` (and the cut-off's) when given.

    Returns
    -------
    ClinicalSignificance
        Category codes and the crossing and change they came from.

    Raises
    ------
    ValueError
        When the scores are not the ones ``change`` was computed from, or the directions
        disagree.

    Examples
    --------
    >>> before, after = [30, 30, 30, 30], [10, 22, 29, 40]
    >>> rc = reliable_change(before, after, reliability=0.8, better="lower", sd_before=5.0)
    >>> cs = clinical_significance(before, after, rc, 20.0)
    >>> cs.labels().tolist()
    ['recovered', 'improved', 'unchanged', 'deteriorated']
    """
    b, a = _pair(before, after)
    if b.shape != change.change.shape or not np.array_equal(a - b, change.change, equal_nan=True):
        raise ValueError(
            "before and after must be the scores `change` was computed from (after - before "
            "differs from change.change)"
        )
    if better is not None and _better(better) != change.better:
        raise ValueError(f"better={better!r} disagrees with change.better={change.better!r}")
    value, result = _cutoff_value(cutoff)
    if result is not None and result.better != change.better:
        raise ValueError(
            f"the cut-off's better={result.better!r} disagrees with change.better={change.better!r}"
        )
    mean_after = sd_after = None
    if result is not None and result.method == "ha":
        mean_after, sd_after = change.mean_after, change.sd_after
    crossing = cutoff_crossing(
        b,
        a,
        cutoff,
        better=change.better,
        mean_after=mean_after,
        sd_after=sd_after,
        confidence_level=change.confidence_level,
    )
    improved = change.verdict == _IMPROVED
    deteriorated = change.verdict == _DETERIORATED
    clinical_before, functional_after = crossing.clinical_before, crossing.functional_after
    category = np.full(b.shape, _C_UNCHANGED, dtype=np.int8)
    category[improved] = _C_IMPROVED
    category[improved & clinical_before & functional_after] = _RECOVERED
    category[deteriorated] = _C_DETERIORATED
    category[deteriorated & ~clinical_before & ~functional_after] = _HARMED
    category[change.verdict == _MISSING] = _MISSING
    return ClinicalSignificance(
        category=category,
        cutoff=value,
        better=change.better,
        crossing=crossing,
        change=change,
    )
