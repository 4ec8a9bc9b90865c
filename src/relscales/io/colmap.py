"""Reading a column map (``--map FILE``): data column -> item id."""

from __future__ import annotations

import csv
from pathlib import Path

from relscales.errors import DataError, Issue, Location

__all__ = ["read_column_map"]


def _bad(path: Path, message: str, line: int | None = None) -> DataError:
    return DataError(
        Issue(
            "map-invalid",
            message,
            Location(file=str(path), line=line),
            hint="write one `data_column: item_id` per line (YAML), or a CSV with columns "
            "column,item",
        )
    )


def read_column_map(path: Path) -> dict[str, str]:
    """Read a map from data column names to item ids.

    YAML or JSON (a mapping ``data_column: item_id``) or CSV (header ``column,item``).
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError(
            Issue(
                "file-not-found",
                f"column map '{path}' does not exist",
                Location(file=str(path)),
                hint="check the --map path",
            )
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _bad(path, f"cannot read the column map: {exc}") from None
    if path.suffix.lower() in (".csv", ".tsv"):
        delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
        rows = list(csv.reader(text.splitlines(), delimiter=delimiter))
        if not rows or [c.strip().lower() for c in rows[0][:2]] != ["column", "item"]:
            raise _bad(path, "the first row must be the header `column,item`", 1)
        out: dict[str, str] = {}
        for n, row in enumerate(rows[1:], start=2):
            if not row or not "".join(row).strip():
                continue
            if len(row) < 2 or not row[0].strip() or not row[1].strip():
                raise _bad(path, f"line {n} needs a data column and an item id", n)
            out[row[0].strip()] = row[1].strip()
        return out
    from relscales.instruments.yamlsource import parse_yaml

    parsed = parse_yaml(text, str(path))
    data = parsed.data
    if not isinstance(data, dict):
        raise _bad(path, "the column map must be a mapping of data column to item id", 1)
    result: dict[str, str] = {}
    for key, value in data.items():
        if not isinstance(value, str) or isinstance(key, bool) or key is None:
            mark = parsed.values.get((key,))
            raise _bad(
                path,
                f"entry {key!r}: {value!r} is not `data_column: item_id` text",
                mark.line if mark else None,
            )
        result[str(key)] = value
    return result
