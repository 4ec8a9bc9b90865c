"""Numbers as CSV text: the compiled formatter (csrc/floattext.c) writes Arrow's bytes.

``relscales.io.writers.number_text`` writes float64 columns with the optional compiled module
``relscales._floattext`` (Ryu's shortest digits, Arrow's layout) and everything else with
Arrow's cast. The two must give the same bytes, for every double: these tests hold the
compiled formatter against Arrow's cast on millions of doubles from every binade, and against
a plain Python reference built on ``repr`` (Python's shortest round-trip digits).

Where the module was not built the comparisons skip, unless ``RELSCALES_REQUIRE_COMPILED=1``
(set by CI) makes that a failure; the fallback tests run everywhere.
"""

from __future__ import annotations

import itertools
import math
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relscales._arrow import cast, float_array
from relscales.io import writers
from relscales.io.writers import csv_lines, number_formatter, number_text

COMPILED = number_formatter() == "compiled"
REQUIRE = os.environ.get("RELSCALES_REQUIRE_COMPILED") == "1"


@pytest.fixture
def native() -> object:
    if not COMPILED:
        if REQUIRE:
            pytest.fail(
                "the compiled number formatter was not built (RELSCALES_REQUIRE_COMPILED=1)"
            )
        pytest.skip("the compiled number formatter was not built")
    return writers._native_formatter()


def reference(x: float) -> str:
    """Arrow's text of a double, built plainly from Python's shortest digits (repr)."""
    if math.isnan(x):
        return "nan"
    sign = "-" if math.copysign(1.0, x) < 0 else ""
    if math.isinf(x):
        return sign + "inf"
    if x == 0:
        return sign + "0"
    mantissa, _, exponent = repr(abs(x)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    text = whole + fraction
    point = len(whole) + (int(exponent) if exponent else 0)  # value = 0.text x 10^point
    digits = text.lstrip("0")
    point -= len(text) - len(digits)
    digits = digits.rstrip("0")
    e = point - 1  # value = d.ddd x 10^e
    if -6 <= e < 10:
        if point <= 0:
            return sign + "0." + "0" * -point + digits
        if point >= len(digits):
            return sign + digits + "0" * (point - len(digits))
        return sign + digits[:point] + "." + digits[point:]
    rest = "." + digits[1:] if len(digits) > 1 else ""
    return f"{sign}{digits[0]}{rest}e{'-' if e < 0 else '+'}{abs(e)}"


def arrow_text(values: np.ndarray) -> list[str | None]:
    import pyarrow as pa

    # from_pandas=False: NaN stays a number (Arrow writes "nan"), not a null
    return cast(pa.array(values, from_pandas=False), pa.large_string()).to_pylist()


def compiled_text(values: np.ndarray) -> list[str | None]:
    import pyarrow as pa

    return number_text(pa.array(values, from_pandas=False)).to_pylist()


EXAMPLES = [
    2.0, 0.1, 1e-5, 1e-6, 1e-7, 1.5e-7, 123456.0, 1e9, 1e10, 9999999999.0, 12345678901.5,
    1e21, 1.5e300, 5e-324, -0.0, 0.0, math.nan, -math.nan, math.inf, -math.inf, -1.25, 1 / 3,
    2.0**60, 1e15, 0.000123456789, 1.7976931348623157e308, 2.2250738585072014e-308,
    2.225073858507201e-308, 9007199254740993.0, 4503599627370497.0, 2.0**53, 1e23, 5e-7,
    0.3065142917101287, 47.840697129012106, -0.21593028709878925,
]  # fmt: skip


def test_the_reference_is_arrow_on_the_worked_examples() -> None:
    values = np.array(EXAMPLES)
    assert [reference(x) for x in EXAMPLES] == arrow_text(values)


def test_worked_examples(native: object) -> None:
    values = np.array(EXAMPLES)
    assert compiled_text(values) == arrow_text(values)
    assert compiled_text(values)[:8] == [
        "2", "0.1", "0.00001", "0.000001", "1e-7", "1.5e-7", "123456", "1000000000"
    ]  # fmt: skip


def test_every_binade_against_arrow(native: object) -> None:
    """Random mantissas in each of the 2,047 exponents, both signs, subnormals included."""
    rng = np.random.default_rng(7)
    exponents = np.repeat(np.arange(2047, dtype=np.uint64), 128)
    mantissas = rng.integers(0, 2**52, size=exponents.size, dtype=np.uint64)
    signs = rng.integers(0, 2, size=exponents.size, dtype=np.uint64)
    bits = (signs << np.uint64(63)) | (exponents << np.uint64(52)) | mantissas
    values = bits.view(np.float64)
    assert compiled_text(values) == arrow_text(values)


def test_random_bit_patterns_against_arrow(native: object) -> None:
    """Two million doubles of random bits: every kind, NaNs with payloads among them."""
    rng = np.random.default_rng(11)
    for _ in range(2):
        values = rng.integers(0, 2**64, size=1_000_000, dtype=np.uint64).view(np.float64)
        assert compiled_text(values) == arrow_text(values)


def test_estimates_against_arrow(native: object) -> None:
    """Values as relscales writes them: theta, standard errors, T scores, means, rounded."""
    rng = np.random.default_rng(19)
    theta = rng.normal(size=200_000)
    values = np.concatenate(
        [theta, np.abs(theta) * 0.3, 50 + 10 * theta, np.round(theta, 3), np.arange(-999, 999) / 7]
    )
    assert compiled_text(values) == arrow_text(values)


def test_integers_and_powers_against_arrow(native: object) -> None:
    whole = np.arange(-100_000, 100_000, dtype=np.float64)
    with np.errstate(over="ignore"):
        powers = np.concatenate([10.0 ** np.arange(-330, 310), 2.0 ** np.arange(-1075, 1024)])
    near = np.concatenate([np.nextafter(powers, 0), np.nextafter(powers, np.inf)])
    edges = np.concatenate([2.0**53 + np.arange(-50, 50), 1e16 + np.arange(-50, 50) * 2])
    for values in (whole, powers, near, edges, -near):
        assert compiled_text(values) == arrow_text(values)


@settings(max_examples=2000)
@given(st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True))
def test_any_double_matches_the_reference(x: float) -> None:
    if not COMPILED:  # the fallback (Arrow's cast) is then what is compared
        assert arrow_text(np.array([x])) == [reference(x)]
        return
    assert compiled_text(np.array([x])) == [reference(x)]


def test_nulls_stay_null_and_slices_read_their_own_rows(native: object) -> None:
    values = np.array([1.5, np.nan, 0.25, np.nan, -3.0, 1e-9, np.nan])
    column = float_array(values)  # NaN is a null here
    assert number_text(column).to_pylist() == ["1.5", None, "0.25", None, "-3", "1e-9", None]
    for start in range(len(values)):
        for stop in range(start, len(values) + 1):
            part = column.slice(start, stop - start)
            assert number_text(part).to_pylist() == cast(part, _large()).to_pylist()
    assert number_text(float_array(np.array([]))).to_pylist() == []


def test_other_number_types_go_to_arrow() -> None:
    import pyarrow as pa

    for column in (
        pa.array([1.5, None, 0.1], type=pa.float32()),
        pa.array([1, None, -3], type=pa.int64()),
    ):
        assert number_text(column).to_pylist() == cast(column, _large()).to_pylist()


def test_csv_bytes_are_the_same_with_either_formatter(
    native: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(3)
    theta = rng.normal(size=20_000)
    theta[rng.random(theta.size) < 0.05] = np.nan
    columns = [float_array(theta), float_array(np.abs(theta)), float_array(np.round(theta, 1))]
    compiled = bytes(csv_lines(columns))
    monkeypatch.setattr(writers, "_NATIVE", [None])
    assert number_formatter() == "arrow"
    assert bytes(csv_lines(columns)) == compiled


def test_buffers_of_the_wrong_kind_are_refused(native: object) -> None:
    shortest = native.shortest  # type: ignore[attr-defined]
    values = np.array([1.0, 2.0])
    offsets = np.empty(3, dtype=np.int64)
    data = np.empty(50, dtype=np.uint8)
    assert shortest(values, None, offsets, data) == 2
    assert bytes(data[:2]) == b"12"
    assert offsets.tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match="values"):
        shortest(values.astype(np.float32), None, offsets, data)
    with pytest.raises(ValueError, match="offsets"):
        shortest(values, None, offsets.astype(np.int32), data)
    with pytest.raises(ValueError, match="25"):
        shortest(values, None, offsets, data[:49])
    with pytest.raises(ValueError, match="n \\+ 1"):
        shortest(values, None, offsets[:2], data)
    with pytest.raises(ValueError, match="valid"):
        shortest(values, np.ones(3, dtype=np.bool_), offsets, data)
    with pytest.raises(ValueError, match="values"):
        shortest(np.ones((2, 2)), None, offsets, data)
    with pytest.raises((ValueError, TypeError)):
        shortest(
            values, None, offsets, np.empty(50, dtype=np.uint8)[::-1].copy().view(np.int8)[::2]
        )


def _large() -> object:
    import pyarrow as pa

    return pa.large_string()


def _mixed_columns(rng: np.random.Generator, n: int) -> list[object]:
    """Columns of every kind a score table holds, with nulls, quotes and empty texts."""
    import pyarrow as pa

    from relscales._arrow import bool_array, int_array, string_array

    theta = rng.normal(size=n)
    theta[rng.random(n) < 0.1] = np.nan
    words = ["plain", 'say "hi"', "a,b", "line\nbreak", "", "=1+1", "tab\there", "ünï", None]
    text = [words[i] for i in rng.integers(0, len(words), size=n)]
    means = rng.integers(0, 25, size=n) / 6.0
    means[rng.random(n) < 0.05] = np.nan
    flags = [None if r < 0.1 else bool(r < 0.5) for r in rng.random(n)]
    return [
        string_array([f"id-{i}" for i in range(n)]),
        float_array(theta),
        float_array(np.abs(theta)),
        float_array(means),
        string_array(text),
        int_array(rng.integers(-5, 5, size=n)),
        bool_array(flags),
        pa.array(rng.normal(size=n).astype(np.float32), type=pa.float32()),
        float_array(np.full(n, np.nan)),
        pa.array(text, type=pa.large_string()),
    ]


@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
@pytest.mark.parametrize("n", [1, 7, 1500, 5000])
def test_csv_lines_are_the_same_bytes_in_one_pass(
    native: object, monkeypatch: pytest.MonkeyPatch, delimiter: str, n: int
) -> None:
    """The compiled one-pass lines equal Arrow's column-by-column join, slices included."""
    rng = np.random.default_rng(n)
    columns = _mixed_columns(rng, n)
    cuts = sorted({0, n // 3, n // 2, n})
    pieces = [[c.slice(a, b - a) for c in columns] for a, b in itertools.pairwise(cuts)]
    compiled = [bytes(csv_lines(columns, delimiter))] + [
        bytes(csv_lines(p, delimiter)) for p in pieces
    ]
    monkeypatch.setattr(writers, "_NATIVE", [None])
    plain = [bytes(csv_lines(columns, delimiter))] + [
        bytes(csv_lines(p, delimiter)) for p in pieces
    ]
    assert compiled == plain
    assert compiled[0] == b"".join(compiled[1:])
    assert compiled[0].count(b"\n") >= n


def test_rows_refuse_cells_outside_their_text(native: object) -> None:
    rows = native.csv_rows  # type: ignore[attr-defined]
    data = np.frombuffer(b"abcdef", dtype=np.uint8)
    out = np.empty(64, dtype=np.uint8)
    good = ("text", np.array([0, 2, 6]), data, None)
    number = ("number", np.array([1.5, -0.0]), None, np.array([1, 0], dtype=np.uint8))
    used = rows([good, number], ",", out)
    assert bytes(out[:used]) == b"ab,1.5\ncdef,\n"
    for offsets in ([0, 2, 7], [0, 3, 2], [-1, 2, 6]):
        with pytest.raises(ValueError, match="inside data"):
            rows([("text", np.array(offsets), data, None)], ",", out)
    with pytest.raises(ValueError, match="bytes are needed"):
        rows([good, number], ",", out[:20])
    with pytest.raises(ValueError, match="differ in length"):
        rows([good, ("number", np.array([1.0]), None, None)], ",", out)
    with pytest.raises(ValueError, match="one byte"):
        rows([good], ",,", out)
    with pytest.raises(ValueError, match="kind"):
        rows([("words", np.array([0, 2, 6]), data, None)], ",", out)
    with pytest.raises(ValueError, match="valid"):
        rows([("text", np.array([0, 2, 6]), data, np.ones(3, dtype=np.uint8))], ",", out)
    with pytest.raises(ValueError, match="at least one column"):
        rows([], ",", out)
    with pytest.raises((ValueError, TypeError)):
        rows([["text", np.array([0, 2, 6]), data, None]], ",", out)
