"""Buffer-level numpy <-> Arrow conversions agree with pyarrow's own."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pyarrow as pa  # noqa: TID253
import pytest
from hypothesis import given
from hypothesis import strategies as st

from relscales._arrow import (
    bool_array,
    float_array,
    int_array,
    string_array,
    to_float64,
    to_numpy_filled,
)

floats = st.lists(st.one_of(st.none(), st.floats(allow_nan=False, width=64)), max_size=40)


@given(floats, st.integers(0, 10), st.integers(0, 10))
def test_float_round_trip_matches_pyarrow(
    values: list[float | None], start: int, stop: int
) -> None:
    reference = pa.array(values, type=pa.float64())
    # slices have a non-zero offset into their buffers
    sliced = reference.slice(min(start, len(values)), stop)
    expected = np.array([np.nan if v is None else v for v in sliced.to_pylist()], dtype=float)
    np.testing.assert_array_equal(to_float64(sliced), expected)
    assert float_array(expected).to_pylist() == sliced.to_pylist()


@given(st.lists(st.one_of(st.none(), st.integers(-(2**31), 2**31 - 1)), max_size=40))
def test_filled_integers(values: list[int | None]) -> None:
    array = pa.array(values, type=pa.int32()).slice(1)
    expected = [-7 if v is None else v for v in values[1:]]
    assert to_numpy_filled(array, -7).tolist() == expected


@given(st.lists(st.one_of(st.none(), st.booleans()), max_size=40))
def test_bool_array(values: list[bool | None]) -> None:
    assert bool_array(values).to_pylist() == values


@given(st.lists(st.one_of(st.none(), st.text(max_size=8)), max_size=40))
def test_string_array(values: list[str | None]) -> None:
    result = string_array(values)
    assert result.type == pa.string()
    assert result.to_pylist() == values


def test_int_array_and_empty_inputs() -> None:
    assert int_array(np.array([2, 3], dtype=np.uint8)).to_pylist() == [2, 3]
    assert (
        to_float64(pa.chunked_array([pa.array([1.0]), pa.array([None], pa.float64())])).tolist()[0]
        == 1.0
    )
    assert to_float64(pa.array([], pa.float64())).size == 0
    assert to_numpy_filled(pa.nulls(3, pa.int8()), 0).tolist() == [0, 0, 0]
    with pytest.raises(TypeError, match="float64"):
        to_float64(pa.array([1], pa.int64()))


def test_conversions_do_not_import_pandas() -> None:
    code = (
        "import sys, numpy as np\n"
        "from relscales._arrow import float_array, to_float64, bool_array, string_array\n"
        "a = float_array(np.array([1.0, np.nan]))\n"
        "to_float64(a); bool_array([True, None]); string_array(['x', None])\n"
        "print('pandas' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
