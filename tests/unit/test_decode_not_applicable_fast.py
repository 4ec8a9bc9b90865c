"""The integer fast path for scales with "does not apply" codes equals the general path."""

from __future__ import annotations

import numpy as np
import pyarrow as pa  # noqa: TID253
from hypothesis import given
from hypothesis import strategies as st

from relscales.scoring.compile import CompiledScale
from relscales.scoring.decode import decode_column, decode_into

SCALE = CompiledScale(
    "often5",
    np.array([1.0, 2.0, 3.0, 4.0, 5.0]),
    {},
    frozenset({-99.0}),
    1.0,
    5.0,
    frozenset({1.0, 2.0, 3.0, 4.0, 5.0}),
    frozenset({9.0}),
)

cells = st.lists(st.one_of(st.none(), st.sampled_from([1, 2, 3, 4, 5, 9, -99, 0, 7])), max_size=60)


@given(cells, st.sampled_from([pa.int16(), pa.int32(), pa.int64()]))
def test_fast_path_equals_the_general_decoding(values: list[int | None], kind: pa.DataType) -> None:
    array = pa.array(values, kind)
    out = np.full(len(values), np.nan)
    found = decode_into(array, SCALE, out)
    reference = decode_column(pa.array(values, pa.float64()), SCALE)
    expected_missing = np.flatnonzero(np.isnan(reference.values))
    assert found.missing.tolist() == expected_missing.tolist()
    np.testing.assert_array_equal(out, np.nan_to_num(reference.values, nan=0.0))
    na = [] if reference.not_applicable is None else reference.not_applicable.tolist()
    got = [] if found.not_applicable is None else found.not_applicable.tolist()
    assert got == na
    bad = [] if found.invalid is None else found.invalid.bad_rows.tolist()
    assert bad == reference.bad_rows.tolist()
    answered = reference.values[~np.isnan(reference.values)]
    if answered.size:
        assert (found.low, found.high) == (answered.min(), answered.max())
    else:
        assert np.isnan(found.low)
        assert np.isnan(found.high)


def test_fast_path_counts_not_applicable_rows() -> None:
    out = np.empty(6)
    found = decode_into(pa.array([1, 9, None, 5, 9, 3], pa.int16()), SCALE, out)
    assert found.invalid is None
    assert found.not_applicable is not None
    assert found.not_applicable.tolist() == [1, 4]
    assert found.missing.tolist() == [1, 2, 4]
    assert out.tolist() == [1.0, 0.0, 0.0, 5.0, 0.0, 3.0]
    assert (found.low, found.high) == (1.0, 5.0)
