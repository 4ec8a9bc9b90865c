"""SPSS data files (``.sav``, ``.zsav``), through pyreadstat (``relscales[spss]``).

The codes stored in the file are what is scored. A numeric variable holds codes and
its value labels are kept (:attr:`~relscales.io.readsource.ReadSource.value_labels`)
so that scoring can warn when they give a scale label another code than the
instrument does (``value-labels-disagree``). A string variable holding label text
("Strongly agree") decodes through the instrument's labels, like any text. User-missing
values declared in the file (for example -9) are read as missing and counted; dates
are written in ISO 8601 (``2024-03-01``), never as SPSS's seconds since 1582.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from relscales.deps import require
from relscales.errors import DataError, Issue, Location
from relscales.io.readsource import ReadSource, python_column

if TYPE_CHECKING:
    from relscales.io.formats import Probe

__all__ = ["read_spss"]


def _is_missing(value: Any, ranges: list[dict[str, Any]]) -> bool:
    if value is None:
        return False
    for span in ranges:
        low, high = span.get("lo"), span.get("hi")
        if isinstance(value, str):
            if value in (low, high):
                return True
        elif (
            isinstance(low, int | float) and isinstance(high, int | float) and low <= value <= high
        ):
            return True
    return False


def read_spss(probe: Probe) -> ReadSource:
    """Read a ``.sav``/``.zsav`` file into a table; keep value labels; null user-missing."""
    pyreadstat = require("pyreadstat", "spss")
    import pyarrow as pa

    try:
        data, meta = pyreadstat.read_sav(str(probe.path), output_format="dict", user_missing=True)
    except Exception as exc:  # pyreadstat raises its own ReadstatError and others
        raise DataError(
            Issue(
                "data-unreadable",
                f"cannot read the file as SPSS data: {exc}",
                Location(file=probe.name),
                hint="check that the file is a complete .sav file, or save it again from SPSS",
            )
        ) from None
    names = list(meta.column_names)
    ranges: dict[str, list[dict[str, Any]]] = dict(meta.missing_ranges or {})
    counts: dict[str, int] = {}
    columns = []
    for name in names:
        values = list(data[name])
        spans = ranges.get(name)
        if spans:
            hits = [i for i, v in enumerate(values) if _is_missing(v, spans)]
            for i in hits:
                values[i] = None
            if hits:
                counts[name] = len(hits)
        columns.append(python_column(values))
    table = pa.Table.from_arrays(columns, names=names)
    labels = {
        name: {float(code): str(text) for code, text in mapping.items()}
        for name, mapping in (meta.variable_value_labels or {}).items()
        if all(isinstance(code, int | float) for code in mapping)
    }
    cases = table.num_rows
    notes = [
        f"read {probe.name} as SPSS data ({cases} case{'s' * (cases != 1)}, {len(names)} variables"
        f"{', ' + str(len(labels)) + ' with value labels' if labels else ''})"
    ]
    if counts:
        total = sum(counts.values())
        shown = ", ".join(f"{k} {v}" for k, v in list(counts.items())[:8])
        notes.append(
            f"{total} cell{'s' * (total != 1)} held SPSS user-missing values and "
            f"{'were' if total != 1 else 'was'} read as missing ({shown})"
        )
    return ReadSource(
        probe.name,
        tuple(names),
        probe.path.stat().st_size,
        probe.path,
        table=table,
        format="spss",
        notes=notes,
        value_labels=labels,
        column_text={n: t for n, t in zip(names, meta.column_labels or [], strict=False) if t},
        details={"user_missing_read": counts},
    )
