"""Shared by the engine tests: generated response files and exact comparisons.

The generated file answers the relationship insecurity battery (RISI, ECR-R, RSES: flags,
profiles, context items, "does not apply" and missing codes, battery composites) with
blanks, "no data" tokens, labels, padded numbers and invalid cells of every kind.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa  # noqa: TID253

from relscales.pipeline.score import resolve_refs

BATTERY = "relationship-insecurity-battery"
ROWS = 4000


def battery_columns() -> list[tuple[str, Any]]:
    """Every item column of the battery once, with its response scale."""
    _, battery = resolve_refs([BATTERY])
    assert battery is not None
    out: list[tuple[str, Any]] = []
    seen: set[str] = set()
    for comp in battery.members:
        for j, column in enumerate(comp.columns):
            if column not in seen:
                seen.add(column)
                out.append((column, comp.scales[comp.item_scale[j]]))
    return out


def _code(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def write_responses(path: Path, rows: int = ROWS, *, seed: int = 21, ids: bool = True) -> Path:
    """Write a CSV of ``rows`` respondents on the battery, with awkward and invalid cells."""
    rng = np.random.default_rng(seed)
    columns = battery_columns()
    cells: list[np.ndarray] = []
    for _, scale in columns:
        codes = np.array([_code(v) for v in scale.values.tolist()], dtype=object)
        column = codes[rng.integers(0, len(codes), size=rows)]
        labels = sorted(scale.labels)
        odd = [
            "",  # blank: missing
            "NA",  # a "no data" token: missing
            f" {codes[0]} ",  # padded: a valid answer
            _code(scale.high + 1),  # out of range
            _code(scale.low + 0.5),  # not one of the codes
            "x",  # not a number
            "3-Jan",  # a spreadsheet's date made of an answer
            "-99",  # a missing code on the RISI's scales, out of range elsewhere
            "9",  # "does not apply" on some RISI scales, out of range elsewhere
        ]
        if labels:
            odd.append(labels[-1].upper())  # a label, in another case: its code
            odd.append(f"{codes[0]} ({labels[-1]})")  # a number with a label
        draw = rng.random(rows)
        blank = draw < 0.03
        column[blank] = ""
        awkward = (draw >= 0.03) & (draw < 0.045)
        picks = np.array(odd, dtype=object)[rng.integers(0, len(odd), size=int(awkward.sum()))]
        column[awkward] = picks
        cells.append(column)
    names = [name for name, _ in columns]
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(["id", *names] if ids else names)
        for r in range(rows):
            row = [column[r] for column in cells]
            writer.writerow([f"P{r + 1:05d}", *row] if ids else row)
    return path


def expected_table(result: Any, schema: pa.Schema) -> pa.Table:
    """A :class:`relscales.ScoreResult` as an Arrow table of ``schema`` (NaN = null)."""
    data = {**result.columns, **result.details}
    arrays = []
    for field in schema:
        values = data[field.name]
        items = values.to_pylist() if hasattr(values, "to_pylist") else values.tolist()
        items = [None if isinstance(v, float) and math.isnan(v) else v for v in items]
        if pa.types.is_string(field.type):
            items = [None if v is None else str(v) for v in items]
        arrays.append(pa.array(items, field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def assert_same(found: pa.Table, expected: pa.Table) -> None:
    """Same column names, types, order and values, row for row; name the first difference."""
    assert found.schema.names == expected.schema.names
    assert found.num_rows == expected.num_rows
    for name in expected.schema.names:
        a, b = found.column(name), expected.column(name)
        assert a.type == b.type, (name, a.type, b.type)
        if not a.equals(b):
            left, right = a.to_pylist(), b.to_pylist()
            row = next(i for i, (x, y) in enumerate(zip(left, right, strict=True)) if x != y)
            raise AssertionError(
                f"column {name!r} differs at row {row}: {left[row]!r} != {right[row]!r}"
            )


def problem_rows(problems: Any) -> list[dict[str, Any]]:
    """Problem records as dicts (what ``--problems`` writes), in a stable order."""
    rows = [p.to_dict() for p in problems]
    return sorted(rows, key=lambda d: (d["row"], d["column"]))


def assert_same_analysis(found: Any, expected: Any) -> None:
    """Merged statistics equal the single-machine analysis, to the last bit.

    Compared through ``repr``, which shows every float exactly and NaN as ``nan`` (equal to
    itself, unlike ``==``).
    """
    assert found.n_respondents == expected.n_respondents
    assert found.subscales.keys() == expected.subscales.keys()
    for sid, sub in expected.subscales.items():
        got = found.subscales[sid]
        assert repr(got.reliability) == repr(sub.reliability), sid
        assert repr(got.items) == repr(sub.items), sid
        assert got.n_complete == sub.n_complete, sid
        assert got.notes == sub.notes, sid
