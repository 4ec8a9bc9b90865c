"""Properties of relscales.reliable_change that hold for any data.

- Mirroring the scores (x -> -x) negates every method's index; with the direction flipped
  too, the verdicts stay the same.
- Swapping ``before`` and ``after`` negates the JT index (with the SD held fixed) and
  mirrors its verdict.
- Adding a constant to both scores leaves every index unchanged; so does multiplying scores
  (and a declared SD) by c > 0.
- *recovered* implies a reliable improvement that crossed the cut-off; *harmed* a reliable
  deterioration that crossed it the other way; counts add up to n.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st

from relscales.reliable_change import (
    RCI_METHODS,
    ReliableChange,
    clinical_cutoff,
    clinical_significance,
    reliable_change,
)

SCORE = st.one_of(st.integers(0, 60).map(float), st.just(math.nan))
METHOD = st.sampled_from(RCI_METHODS)
BETTER = st.sampled_from(["lower", "higher"])
RELIABILITY = st.floats(0.3, 0.97)


@st.composite
def pairs(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(3, 40))
    before = np.array(draw(st.lists(SCORE, min_size=n, max_size=n)))
    after = np.array(draw(st.lists(SCORE, min_size=n, max_size=n)))
    return before, after


def _compute(before: np.ndarray, after: np.ndarray, **kwargs: object) -> ReliableChange:
    """reliable_change, rejecting data whose statistics the method cannot use."""
    try:
        return reliable_change(before, after, **kwargs)  # type: ignore[arg-type]
    except ValueError as exc:
        message = str(exc)
        assume(not any(s in message for s in ("needs", "r_dd", "no variance")))
        raise


def _clear(rc: ReliableChange) -> np.ndarray:
    """People whose index is not within rounding of the critical value."""
    with np.errstate(invalid="ignore"):
        return np.abs(np.abs(rc.index) - rc.critical) > 1e-9


def _close(x: np.ndarray, y: np.ndarray) -> None:
    np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-9)


@given(data=pairs(), method=METHOD, better=BETTER, r=RELIABILITY)
def test_mirrored_scores_negate_the_index(
    data: tuple[np.ndarray, np.ndarray], method: str, better: str, r: float
) -> None:
    before, after = data
    rc = _compute(before, after, reliability=r, better=better, method=method)
    flipped = "higher" if better == "lower" else "lower"
    mirrored = _compute(-before, -after, reliability=r, better=flipped, method=method)
    _close(mirrored.index, -rc.index)
    ok = _clear(rc)
    np.testing.assert_array_equal(mirrored.verdict[ok], rc.verdict[ok])


@given(data=pairs(), better=BETTER, r=RELIABILITY, sd=st.floats(0.5, 20))
def test_swapping_before_and_after_negates_jt(
    data: tuple[np.ndarray, np.ndarray], better: str, r: float, sd: float
) -> None:
    before, after = data
    forward = reliable_change(before, after, reliability=r, better=better, sd_before=sd)  # type: ignore[arg-type]
    backward = reliable_change(after, before, reliability=r, better=better, sd_before=sd)  # type: ignore[arg-type]
    np.testing.assert_array_equal(backward.index, -forward.index)
    mirror = np.array([2, 1, 0, -1], dtype=np.int8)  # index -1 -> last entry
    ok = _clear(forward)
    np.testing.assert_array_equal(backward.verdict[ok], mirror[forward.verdict[ok]])


@given(data=pairs(), method=METHOD, better=BETTER, r=RELIABILITY, shift=st.integers(-500, 500))
def test_adding_a_constant_leaves_the_index(
    data: tuple[np.ndarray, np.ndarray], method: str, better: str, r: float, shift: int
) -> None:
    before, after = data
    rc = _compute(before, after, reliability=r, better=better, method=method)
    moved = _compute(before + shift, after + shift, reliability=r, better=better, method=method)
    _close(moved.index, rc.index)
    ok = _clear(rc)
    np.testing.assert_array_equal(moved.verdict[ok], rc.verdict[ok])


@given(
    data=pairs(),
    method=METHOD,
    better=BETTER,
    r=RELIABILITY,
    c=st.floats(0.01, 100),
    sd=st.floats(0.5, 20),
)
def test_scaling_scores_and_sds_leaves_the_index(
    data: tuple[np.ndarray, np.ndarray], method: str, better: str, r: float, c: float, sd: float
) -> None:
    before, after = data
    rc = _compute(before, after, reliability=r, better=better, method=method)
    scaled = _compute(c * before, c * after, reliability=r, better=better, method=method)
    _close(scaled.index, rc.index)
    jt = reliable_change(before, after, reliability=r, better=better, sd_before=sd)  # type: ignore[arg-type]
    jt_scaled = reliable_change(
        c * before,
        c * after,
        reliability=r,
        better=better,  # type: ignore[arg-type]
        sd_before=c * sd,
    )
    _close(jt_scaled.index, jt.index)


@given(
    data=pairs(),
    method=METHOD,
    better=BETTER,
    r=RELIABILITY,
    functional=st.tuples(st.floats(0, 60), st.floats(1, 15)),
    criterion=st.sampled_from(["a", "b", "c"]),
)
def test_categories_agree_with_their_parts(
    data: tuple[np.ndarray, np.ndarray],
    method: str,
    better: str,
    r: float,
    functional: tuple[float, float],
    criterion: str,
) -> None:
    before, after = data
    rc = _compute(before, after, reliability=r, better=better, method=method)
    kind = "ha" if method == "ha" else "jt"
    try:
        cut = clinical_cutoff(
            functional=functional,
            dysfunctional=(rc.mean_before, rc.sd_before),
            better=better,  # type: ignore[arg-type]
            criterion=criterion,  # type: ignore[arg-type]
            method=kind,  # type: ignore[arg-type]
            reliability=r if kind == "ha" else None,
        )
        cs = clinical_significance(before, after, rc, cut)
    except ValueError as exc:
        assume("reliability" not in str(exc))
        raise
    crossing = cs.crossing
    recovered = cs.category == 0
    assert (rc.verdict[recovered] == 0).all()
    assert crossing.clinical_before[recovered].all()
    assert crossing.functional_after[recovered].all()
    harmed = cs.category == 4
    assert (rc.verdict[harmed] == 2).all()
    assert not crossing.clinical_before[harmed].any()
    # every reliable improvement is recovered or improved, and so on
    np.testing.assert_array_equal(np.isin(cs.category, [0, 1]), rc.verdict == 0)
    np.testing.assert_array_equal(cs.category == 2, rc.verdict == 1)
    np.testing.assert_array_equal(np.isin(cs.category, [3, 4]), rc.verdict == 2)
    np.testing.assert_array_equal(cs.category == -1, rc.verdict == -1)
    counts = cs.counts()
    assert sum(counts.values()) == before.size
    assert sum(rc.counts().values()) == before.size
    assert sum(crossing.counts().values()) == before.size
    assert counts["missing"] == int((np.isnan(before) | np.isnan(after)).sum())
