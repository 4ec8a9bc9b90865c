"""Turn data cells into answer codes, recording every cell that is not a valid answer.

A cell is read as: blank -> missing; text equal to a label of the item's scale
(case- and space-insensitive) -> that label's value; a plain number, in ASCII decimal
notation (``"7"``, ``" 7 "``, ``"7.0"``; ``"7,0"`` too in a file delimited by semicolons;
never ``"0x7"``, ``"٧"`` or ``"７"``, see :func:`relscales.labels.plain_number`) -> the number;
a common "no data" token (``NA``, ``N/A``, ``NaN``, ``NULL``, ``.``, ``#N/A``) ->
missing; a number with its label (``"7 (Strongly agree)"``, ``"Strongly agree (7)"``,
``"7 = Strongly agree"``) -> the number, when the label is the scale's label for it. A
number that is one of the scale's missing codes is missing. Anything else is
*invalid*: it becomes missing for that item and a problem record
(``value-out-of-range``, ``value-not-a-code``, ``value-not-a-number``,
``value-label-mismatch``, or ``value-looks-like-date`` for the dates a spreadsheet
makes of answers such as ``1-7``). Invalid cells never silently become numbers.

A cell holding one of the scale's ``not_applicable`` codes, or the label of one (also in
the ``"0 (Does not apply)"`` forms), is a "does not apply" answer: missing for every
score and flag, but neither invalid nor unanswered. Its rows are listed apart
(:attr:`Decoded.not_applicable`), so each subscale can count them; the search runs only
on columns whose scale declares such codes.

Text columns are dictionary-encoded, so each distinct text is parsed once,
whatever the number of respondents.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from relscales._arrow import (
    call,
    float_array,
    int_array,
    null_rows,
    raw_values,
    to_float64,
    to_numpy_filled,
)
from relscales.errors import ErrorCode
from relscales.labels import normalize_label, plain_number
from relscales.scoring.compile import CompiledScale

__all__ = [
    "REASONS",
    "Decoded",
    "FilledColumn",
    "ParsedText",
    "decode_column",
    "decode_into",
    "parse_cell",
    "preparse",
    "shown",
]

OK, OUT_OF_RANGE, NOT_A_CODE, NOT_A_NUMBER, LABEL_MISMATCH, LOOKS_LIKE_DATE = range(6)
NOT_APPLICABLE = 6
"""Reason of a "does not apply" cell while a column is parsed; never a problem record."""
REASONS: dict[int, ErrorCode] = {
    OUT_OF_RANGE: "value-out-of-range",
    NOT_A_CODE: "value-not-a-code",
    NOT_A_NUMBER: "value-not-a-number",
    LABEL_MISMATCH: "value-label-mismatch",
    LOOKS_LIKE_DATE: "value-looks-like-date",
}

NA_TOKENS = frozenset({"na", "n/a", "nan", "null", ".", "#n/a"})
LONGEST_CELL = 1000
"""Cells longer than this (characters, after trimming) are invalid without further parsing."""
SHOWN_CHARS = 200
"""Characters of an invalid cell kept in its problem record."""

# ASCII digits only, [0-9] and not \d: in Python's re, \d also matches "٣", "３", "३", ...
_DECIMAL_COMMA = re.compile(r"^[+-]?[0-9]+,[0-9]+$")
_DECIMAL_COMMA_CELL = r"^(\s*[+-]?[0-9]+),([0-9]+\s*)$"
_NUM = r"[+-]?(?:[0-9]+(?:[.,][0-9]+)?)"
_NUMBER_AND_LABEL = (
    re.compile(rf"^(?P<n>{_NUM})\s*[(\[](?P<label>[^()\[\]]+)[)\]]$"),
    re.compile(rf"^(?P<label>[^()\[\]]+?)\s*[(\[](?P<n>{_NUM})[)\]]$"),
    re.compile(rf"^(?P<n>{_NUM})\s*(?:=|:|-|\u2013|\u2014|\.)\s+(?P<label>\S.*)$"),
)
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_TIME = r"(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?(?:\s*[ap]\.?m\.?)?)?"
_DATE = re.compile(
    rf"^(?:[0-9]{{1,2}}[-/ .]{_MONTH}(?:[-/ .,]\s*[0-9]{{2,4}})?"
    rf"|{_MONTH}[-/ .]\s*[0-9]{{1,4}}(?:[-/ .,]\s*[0-9]{{2,4}})?"
    rf"|[0-9]{{1,4}}([-/.])[0-9]{{1,2}}\1[0-9]{{1,4}}){_TIME}$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Decoded:
    """A decoded column: values plus the rows whose cells were invalid."""

    values: NDArray[np.float64]
    bad_rows: NDArray[np.int64]
    bad_reasons: NDArray[np.uint8]
    bad_values: list[str]
    not_applicable: NDArray[np.int64] | None = None
    """Rows answered "does not apply" (``NaN`` in ``values``); ``None`` when there are none."""


@dataclass(frozen=True, slots=True)
class FilledColumn:
    """What :func:`decode_into` found in a column besides the answers it wrote.

    Attributes
    ----------
    missing
        Rows without a valid answer (blank, a missing code, or invalid), in order.
    low, high
        The smallest and largest valid answer (``NaN`` when there is none).
    invalid
        The invalid cells (``None`` when there are none).
    not_applicable
        Rows answered "does not apply" (also in ``missing``); ``None`` when there are none.
    """

    missing: NDArray[np.int64]
    low: float
    high: float
    invalid: Decoded | None
    not_applicable: NDArray[np.int64] | None = None


@dataclass(frozen=True, slots=True)
class ParsedText:
    """A text column prepared for decoding: numbers when every cell is numeric, else codes.

    ``numbers`` is the column cast to float64 when every cell was a plain number or
    empty; otherwise ``None`` and ``text`` is dictionary-encoded.
    """

    numbers: Any
    text: Any
    decimal_comma: bool = False


def preparse(array: Any, *, decimal_comma: bool = False) -> Any:
    """Prepare a text column for :func:`decode_column` (other columns pass through).

    This is the part of decoding that does not depend on the response scale, so the
    reader can run it in its own thread. With ``decimal_comma`` (files delimited by
    semicolons), ``4,5`` is the number 4.5; problem records still show the cell as
    written.
    """
    import pyarrow as pa

    if isinstance(array, ParsedText):
        return array
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        return array
    import pyarrow.compute as pc

    try:
        numbers = pc.cast(array, pa.float64())
        if not _nan_spelled(numbers):
            return ParsedText(numbers, array)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    if decimal_comma:
        try:
            dotted = pc.replace_substring_regex(array, _DECIMAL_COMMA_CELL, r"\1.\2")
            numbers = pc.cast(dotted, pa.float64())
            if not _nan_spelled(numbers):
                return ParsedText(numbers, array, True)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    return ParsedText(None, array.dictionary_encode(), decimal_comma)


def _nan_spelled(numbers: Any) -> bool:
    """Tell whether a column cast from text holds NaN (not null) values.

    Arrow reads ``nan``, ``-nan`` and ``nan(...)`` as NaN; only some of these are "no
    data" tokens (:data:`NA_TOKENS`), so such a column is read cell by cell as text,
    where every path gives a cell the same verdict.
    """
    if numbers.null_count == len(numbers):
        return False
    return bool(call("any", call("is_nan", numbers)).as_py())


def _classify(value: float, scale: CompiledScale) -> tuple[float, int]:
    if value in scale.not_applicable:
        return math.nan, NOT_APPLICABLE
    if value in scale.missing_codes:
        return math.nan, OK
    if value in scale.valid:
        return value, OK
    if value < scale.low or value > scale.high:
        return math.nan, OUT_OF_RANGE
    return math.nan, NOT_A_CODE


def parse_cell(
    text: str, scale: CompiledScale, *, decimal_comma: bool = False
) -> tuple[float, int]:
    """Read one text cell on a scale; return ``(value or NaN, reason code)``.

    Examples
    --------
    >>> import numpy as np
    >>> from relscales.scoring.compile import CompiledScale
    >>> s = CompiledScale("a", np.array([1., 2., 3.]), {"agree": 3.0}, frozenset({-99.0}), 1., 3.,
    ...                   frozenset({1., 2., 3.}))
    >>> [parse_cell(t, s) for t in [" 2 ", "2.0", "Agree", "-99", "4", "2.5", "lots"]]
    [(2.0, 0), (2.0, 0), (3.0, 0), (nan, 0), (nan, 1), (nan, 2), (nan, 3)]
    >>> [parse_cell(t, s) for t in ["3 (Agree)", "2 (Agree)", "3-Jan"]]
    [(3.0, 0), (nan, 4), (nan, 5)]

    A "does not apply" cell reads as ``(nan, 0)``, like a blank one.
    """
    value, reason = _parse(text, scale, decimal_comma)
    return value, OK if reason == NOT_APPLICABLE else reason


def _parse(text: str, scale: CompiledScale, decimal_comma: bool) -> tuple[float, int]:
    """:func:`parse_cell`, with :data:`NOT_APPLICABLE` as the reason of a "does not apply"."""
    stripped = text.strip()
    if not stripped:
        return math.nan, OK
    if len(stripped) > LONGEST_CELL:
        return math.nan, NOT_A_NUMBER
    key = normalize_label(stripped)
    if key in scale.labels:
        value = scale.labels[key]
        return (math.nan, NOT_APPLICABLE) if value in scale.not_applicable else (value, OK)
    number = plain_number(stripped)
    if number is not None:
        return _classify(number, scale)
    if decimal_comma and _DECIMAL_COMMA.match(stripped):
        number = plain_number(stripped.replace(",", "."))
        return (math.nan, NOT_A_NUMBER) if number is None else _classify(number, scale)
    if key in NA_TOKENS:
        return math.nan, OK
    labelled = _number_and_label(stripped, scale, decimal_comma)
    if labelled is not None:
        return labelled
    if _DATE.match(stripped):
        return math.nan, LOOKS_LIKE_DATE
    return math.nan, NOT_A_NUMBER


def _number_and_label(
    text: str, scale: CompiledScale, decimal_comma: bool
) -> tuple[float, int] | None:
    """Read ``7 (Strongly agree)`` and its variants; ``None`` when the cell is not one.

    The number is the answer; the label must be one of the scale's labels for that
    number (any language the scale knows). A scale without labels cannot contradict
    the label, so the number is read as it is.
    """
    for pattern in _NUMBER_AND_LABEL:
        match = pattern.match(text)
        if match is None:
            continue
        number, label = match.group("n"), match.group("label")
        if ("," in number and not decimal_comma) or not any(c.isalpha() for c in label):
            return None
        code = float(number.replace(",", "."))
        value, reason = _classify(code, scale)
        if reason == NOT_APPLICABLE:
            value = code  # the label must be the not-applicable code's, like a value's
        elif reason != OK or math.isnan(value):
            return value, reason
        if not scale.labels or scale.labels.get(normalize_label(label)) == value:
            return (math.nan, reason) if reason == NOT_APPLICABLE else (value, OK)
        return math.nan, LABEL_MISMATCH
    return None


def shown(text: str) -> str:
    """Shorten a cell for a problem record (a cell may be megabytes long)."""
    if len(text) <= SHOWN_CHARS:
        return text
    return f"{text[:SHOWN_CHARS]}... ({len(text)} characters)"


def _format_number(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def decode_column(array: Any, scale: CompiledScale) -> Decoded:
    """Decode one pyarrow array of cells (text or numbers) on a response scale."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(array, ParsedText):
        if array.numbers is None:
            return _decode_text(array.text, scale, array.decimal_comma)
        decoded = decode_column(array.numbers, scale)
        if decoded.bad_rows.size:
            texts = array.text.take(int_array(decoded.bad_rows)).to_pylist()
            return Decoded(
                decoded.values,
                decoded.bad_rows,
                decoded.bad_reasons,
                texts,
                decoded.not_applicable,
            )
        return decoded
    kind = array.type
    if pa.types.is_dictionary(kind) or pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return _decode_text(array, scale)
    if pa.types.is_null(kind):
        return Decoded(
            np.full(len(array), np.nan), np.empty(0, np.int64), np.empty(0, np.uint8), []
        )
    if not (pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind)):
        return _decode_text(pc.cast(array, pa.string()), scale)
    if _valid_integers(array, scale) is not None:
        values = to_numpy_filled(array, np.nan).astype(np.float64, copy=False)
        return Decoded(values, np.empty(0, np.int64), np.empty(0, np.uint8), [])
    numbers = array if pa.types.is_float64(kind) else pc.cast(array, pa.float64())
    # fast path: every non-empty cell is a valid code (one hash pass in Arrow, GIL released)
    valid_cells = pc.sum(pc.is_in(numbers, value_set=_value_set(scale))).as_py() or 0
    if valid_cells == len(numbers) - numbers.null_count:
        return Decoded(to_float64(numbers), np.empty(0, np.int64), np.empty(0, np.uint8), [])
    values = to_float64(numbers)
    missing = np.isnan(values)
    if scale.missing_codes:
        missing |= np.isin(values, np.array(sorted(scale.missing_codes)))
    not_applicable = None
    if scale.not_applicable:
        na = np.isin(values, np.array(sorted(scale.not_applicable)))
        if na.any():
            not_applicable = np.flatnonzero(na).astype(np.int64)
            missing |= na
    valid = np.isin(values, scale.values)
    bad = ~(valid | missing)
    rows = np.flatnonzero(bad).astype(np.int64)
    bad_vals = values[rows]
    reasons = np.where(
        (bad_vals < scale.low) | (bad_vals > scale.high), OUT_OF_RANGE, NOT_A_CODE
    ).astype(np.uint8)
    reasons[~np.isfinite(bad_vals)] = NOT_A_NUMBER
    out = np.where(valid, values, np.nan)
    shown_values = [_format_number(float(v)) for v in bad_vals]
    return Decoded(out, rows, reasons, shown_values, not_applicable)


def decode_into(array: Any, scale: CompiledScale, out: NDArray[np.float64]) -> FilledColumn:
    """Decode a column of cells into ``out``, with 0 in place of every missing answer.

    This is the scoring engine's form of :func:`decode_column`: the answer matrix gets
    zeros, which a matrix product can use as they are, and the rows without an answer
    come back as a list, which is short in most data. Integer columns on a scale coded
    low..high in steps of 1 take a fast path: one min/max pass proves every cell valid,
    and the values are copied once, straight from Arrow's buffer.

    Examples
    --------
    >>> import pyarrow as pa
    >>> from relscales.scoring.compile import CompiledScale
    >>> s = CompiledScale("a", np.array([1., 2., 3.]), {}, frozenset(), 1., 3.,
    ...                   frozenset({1., 2., 3.}))
    >>> out = np.empty(4)
    >>> found = decode_into(pa.array([3, None, 1, 2], pa.int16()), s, out)
    >>> out.tolist(), found.missing.tolist(), found.low, found.high, found.invalid
    ([3.0, 0.0, 1.0, 2.0], [1], 1.0, 3.0, None)
    """
    bounds = _valid_integers(array, scale)
    if bounds is not None:
        np.copyto(out, raw_values(array), casting="unsafe")
        missing = null_rows(array)
        out[missing] = 0.0  # null slots hold undefined values
        return FilledColumn(missing, *bounds, None)
    fast = _integers_with_not_applicable(array, scale, out)
    if fast is not None:
        return fast
    decoded = decode_column(array, scale)
    values = decoded.values
    missing = np.flatnonzero(np.isnan(values)).astype(np.int64, copy=False)
    # fmin/fmax skip NaN, without the all-NaN warning of nanmin/nanmax
    low = float(np.fmin.reduce(values)) if values.size else math.nan
    high = float(np.fmax.reduce(values)) if values.size else math.nan
    out[:] = values
    out[missing] = 0.0
    invalid = decoded if decoded.bad_rows.size else None
    return FilledColumn(missing, low, high, invalid, decoded.not_applicable)


_VALUE_SETS: dict[tuple[float, ...], Any] = {}


def _valid_integers(array: Any, scale: CompiledScale) -> tuple[float, float] | None:
    """Return the lowest and highest answer when every cell of an integer column is valid.

    On a scale whose codes are every integer from its low to its high, integer cells
    within that range are all valid, so one min/max pass replaces the per-cell lookup.
    ``None`` when the shortcut does not apply (another type or scale, or a cell outside
    the range); ``(nan, nan)`` for a column without answers.
    """
    import pyarrow as pa

    if not (
        isinstance(array, pa.Array) and pa.types.is_integer(array.type) and _contiguous_codes(scale)
    ):
        return None
    bounds = call("min_max", array).as_py()
    lowest, highest = bounds["min"], bounds["max"]
    if lowest is None:
        return math.nan, math.nan
    if scale.low <= lowest and highest <= scale.high:
        return float(lowest), float(highest)
    return None


def _integers_with_not_applicable(
    array: Any, scale: CompiledScale, out: NDArray[np.float64]
) -> FilledColumn | None:
    """Take the integer fast path on a scale that also declares "does not apply" codes.

    When every non-null cell is a code from low to high or a "does not apply" code, the
    column is copied once and the "does not apply" rows are found by comparison, with no
    per-cell lookup. ``None`` when the shortcut does not apply (the general path then
    decodes the column, finding the invalid cells).
    """
    import pyarrow as pa

    if not (
        scale.not_applicable
        and isinstance(array, pa.Array)
        and pa.types.is_integer(array.type)
        and _contiguous_codes(scale)
        and all(float(c).is_integer() for c in scale.not_applicable)
    ):
        return None
    raw = raw_values(array)
    nulls = null_rows(array)
    answered = (raw >= scale.low) & (raw <= scale.high)
    na = np.zeros(raw.shape, dtype=bool)
    for code in scale.not_applicable:
        na |= raw == int(code)
    ok = answered | na
    if nulls.size:
        ok[nulls] = True
        answered[nulls] = False
        na[nulls] = False
    if not ok.all():
        return None
    np.copyto(out, raw, casting="unsafe")
    not_applicable = np.flatnonzero(na).astype(np.int64)
    missing = np.flatnonzero(~answered).astype(np.int64)  # nulls and "does not apply"
    out[missing] = 0.0
    if missing.size == raw.size:
        low = high = math.nan
    else:
        low = float(np.where(answered, raw, scale.high).min())
        high = float(np.where(answered, raw, scale.low).max())
    return FilledColumn(missing, low, high, None, not_applicable if na.any() else None)


def _contiguous_codes(scale: CompiledScale) -> bool:
    """Tell whether the scale's valid codes are exactly the integers from low to high."""
    values = scale.values
    return bool(
        values.size
        and scale.low.is_integer()
        and values.size == scale.high - scale.low + 1
        and np.array_equal(values, np.arange(scale.low, scale.high + 1))
    )


def _value_set(scale: CompiledScale) -> Any:
    """Return the scale's valid codes as a cached pyarrow array (for ``is_in``)."""
    key = tuple(scale.values.tolist())
    found = _VALUE_SETS.get(key)
    if found is None:
        found = _VALUE_SETS.setdefault(key, float_array(np.array(key, dtype=np.float64)))
    return found


def _decode_text(array: Any, scale: CompiledScale, decimal_comma: bool = False) -> Decoded:
    import pyarrow as pa

    if not pa.types.is_dictionary(array.type):
        return decode_column(preparse(array, decimal_comma=decimal_comma), scale)
    dictionary: list[str] = array.dictionary.to_pylist()
    lookup = np.empty(len(dictionary) + 1, dtype=np.float64)
    reason = np.zeros(len(dictionary) + 1, dtype=np.uint8)
    for i, text in enumerate(dictionary):
        lookup[i], reason[i] = _parse(text, scale, decimal_comma)
    lookup[-1] = np.nan  # null cells
    indices = to_numpy_filled(array.indices, len(dictionary))
    values = lookup[indices]
    not_applicable = None
    if scale.not_applicable:
        na_entry = reason == NOT_APPLICABLE
        if na_entry.any():
            reason[na_entry] = OK
            na_rows = np.flatnonzero(na_entry[indices]).astype(np.int64)
            not_applicable = na_rows if na_rows.size else None
    if not reason.any():
        return Decoded(values, np.empty(0, np.int64), np.empty(0, np.uint8), [], not_applicable)
    cell_reason = reason[indices]
    rows = np.flatnonzero(cell_reason).astype(np.int64)
    texts = [shown(dictionary[i]) for i in indices[rows]]
    return Decoded(values, rows, cell_reason[rows], texts, not_applicable)
