"""The optional compiled EAP kernel (csrc/eapkernel.c) against the numpy kernel.

The compiled kernel is built at install time when a C compiler is found (hatch_build.py).
Where it was not built these tests skip, unless ``RELSCALES_REQUIRE_COMPILED=1`` (set by CI),
which makes a missing kernel a failure. Every test of ``test_irt_eap_kernel.py`` also runs
with each kernel.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from relscales import irt
from relscales.irt import GradedModel, score_theta

if irt.eap_kernel() != "compiled":
    if os.environ.get("RELSCALES_REQUIRE_COMPILED") == "1":
        raise RuntimeError("the compiled EAP kernel was not built (RELSCALES_REQUIRE_COMPILED=1)")
    pytest.skip("the compiled EAP kernel was not built", allow_module_level=True)


def random_model(
    rng: np.random.Generator, k: int, m: int, slopes: tuple[float, float]
) -> GradedModel:
    thresholds = np.sort(rng.uniform(-2.5, 2.5, size=(k, m - 1)), axis=1)
    return GradedModel(rng.uniform(*slopes, size=k), thresholds, np.full(k, m))


def test_the_two_kernels_give_the_same_estimates(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(18)
    for k, m in [(1, 2), (5, 7), (18, 7), (30, 3)]:
        model = random_model(rng, k, m, (0.5, 4.0))
        responses = rng.integers(0, m, size=(4000, k)).astype(float)
        responses[rng.random(responses.shape) < 0.2] = np.nan
        compiled = score_theta(model, responses)
        monkeypatch.setattr(irt, "_COMPILED", [None])
        plain = score_theta(model, responses)
        monkeypatch.undo()
        np.testing.assert_allclose(compiled.theta, plain.theta, rtol=0, atol=1e-13)
        np.testing.assert_allclose(compiled.se, plain.se, rtol=0, atol=1e-13)
        np.testing.assert_array_equal(compiled.n_answered, plain.n_answered)


def test_strided_and_column_major_codes_read_alike() -> None:
    rng = np.random.default_rng(20)
    model = random_model(rng, 6, 4, (0.8, 2.0))
    wide = rng.integers(0, 4, size=(500, 12)).astype(float)
    wide[rng.random(wide.shape) < 0.1] = np.nan
    every_other = wide[::2, ::2]  # strides in both directions
    expected = score_theta(model, np.ascontiguousarray(every_other))
    for codes in (every_other, np.asfortranarray(every_other), every_other[::-1][::-1]):
        got = score_theta(model, codes)
        np.testing.assert_array_equal(got.theta, expected.theta)
        np.testing.assert_array_equal(got.se, expected.se)


def test_buffers_of_the_wrong_kind_are_refused() -> None:
    from relscales import _eapkernel

    rng = np.random.default_rng(21)
    model = random_model(rng, 3, 3, (0.8, 2.0))
    kernel = irt.ThetaScorer(model)._kernel
    q = kernel.factors.shape[1]
    n = 4
    codes = np.zeros((n, 3))
    out = [np.empty(n), np.empty(n), np.empty(n), np.empty(n, dtype=np.int64)]
    offsets = kernel.row_offsets

    def call(**change: object) -> int:
        args = {
            "codes": codes,
            "n_categories": model.n_categories,
            "groups": kernel.item_groups,
            "places": kernel.item_places,
            "offsets": offsets,
            "factors": kernel.factors,
            "shifted": kernel.shifted,
        }
        args.update(change)
        return int(
            _eapkernel.moments(
                args["codes"],
                0,
                n,
                args["n_categories"],
                args["groups"],
                args["places"],
                args["offsets"],
                args["factors"],
                q,
                args["shifted"],
                kernel.squared,
                *out,
            )
        )

    assert call() == -1
    with pytest.raises(ValueError, match="2-D float64"):
        call(codes=codes.astype(np.float32))
    with pytest.raises(ValueError, match="n_categories"):
        call(n_categories=model.n_categories.astype(np.int32))
    with pytest.raises(ValueError, match="shifted"):
        call(shifted=kernel.shifted[:-1].copy())
    with pytest.raises(ValueError, match="out of range"):
        call(groups=np.array([0, 0, 99], dtype=np.int64))
    with pytest.raises(ValueError, match="outside the table"):
        call(offsets=offsets + kernel.factors.shape[0])


@pytest.mark.parametrize("bad_row", [0, 1, 62, 63, 64, 65, 127, 128, 150, 199])
@pytest.mark.parametrize("order", ["C", "F"])
def test_the_first_invalid_row_stops_a_tile_where_it_is(bad_row: int, order: str) -> None:
    """Rows are read 64 at a time: the rows before an invalid one are scored, no row after."""
    from relscales import _eapkernel

    rng = np.random.default_rng(bad_row)
    model = random_model(rng, 5, 4, (0.8, 2.0))
    kernel = irt.ThetaScorer(model)._kernel
    n = 200
    codes = rng.integers(0, 4, size=(n, 5)).astype(float)
    codes[rng.random(codes.shape) < 0.1] = np.nan
    expected = [np.empty(n), np.empty(n), np.empty(n), np.empty(n, dtype=np.int64)]
    args = (
        model.n_categories,
        kernel.item_groups,
        kernel.item_places,
        kernel.row_offsets,
        kernel.factors,
        kernel.factors.shape[1],
        kernel.shifted,
        kernel.squared,
    )
    assert _eapkernel.moments(codes, 0, n, *args, *expected) == -1
    codes[bad_row, 2] = 4.0  # one past the top category
    codes[min(bad_row + 3, n - 1), 0] = -1.0  # a later invalid row is not the one named
    codes = np.asarray(codes, order=order)
    got = [np.full(n, -7.0), np.full(n, -7.0), np.full(n, -7.0), np.full(n, -7, dtype=np.int64)]
    assert _eapkernel.moments(codes, 0, n, *args, *got) == bad_row
    for out, want in zip(got, expected, strict=True):
        np.testing.assert_array_equal(out[:bad_row], want[:bad_row])
        assert (out[bad_row:] == -7).all()
