"""Opening response data of any kind as a :class:`~relscales.io.tabular.Source`.

Paths go to the format readers (:mod:`relscales.io.formats`), in-memory data (mappings,
numpy arrays, pandas or polars frames, Arrow tables) become one Arrow table.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from relscales.errors import DataError, Issue, Location
from relscales.io.formats import open_file
from relscales.io.sniff import sniff_csv
from relscales.io.tabular import Source

__all__ = ["open_source"]


def open_source(
    data: Any,
    *,
    columns: Sequence[str] | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    format: str | None = None,
    sheet: str | None = None,
    long: bool = False,
) -> Source:
    """Wrap response data of any supported kind as a :class:`Source`.

    Parameters
    ----------
    data
        A path (CSV/TSV, Qualtrics, REDCap, SPSS, Excel, JSON, Parquet; see
        :mod:`relscales.io.formats`), a mapping of column name to values, a 2-D numpy
        array (with ``columns``), a numpy structured array, a pandas or polars
        DataFrame, or a pyarrow Table.
    columns
        Column names for a plain 2-D numpy array.
    delimiter, encoding
        Override detection for files.
    format, sheet, long
        The file's format (a key of :data:`relscales.io.formats.READERS`; default:
        detected), the Excel sheet, and whether the data are long (one row per
        respondent and item; default: detected from the column names).
    """
    if isinstance(data, str | os.PathLike):
        path = Path(data)
        opened = open_file(
            path, format=format, delimiter=delimiter, encoding=encoding, sheet=sheet, long=long
        )
        if opened is not None:
            return opened
        dialect = sniff_csv(path, delimiter=delimiter, encoding=encoding)
        return Source(str(path), dialect.header, path.stat().st_size, path, dialect)
    table = _to_table(data, columns)
    return Source(
        "<data>", tuple(table.schema.names), table=table, dataframe_index=_index_name(data)
    )


def _index_name(data: Any) -> str | None:
    """Return the name of a pandas DataFrame's index when it is not the default 0, 1, 2, ...

    ``""`` for an index without a name, ``None`` for the default one (and for other data).
    The index is not read (``preserve_index=False``); the engine warns about it when no
    id column is found (:mod:`relscales.io.idguess`).

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"q1": [1, 2]})
    >>> _index_name(frame), _index_name(frame.set_index(pd.Index(["a", "b"], name="pid")))
    (None, 'pid')
    >>> _index_name(frame.iloc[::-1]), _index_name({"q1": [1, 2]})
    ('', None)
    """
    if type(data).__module__.split(".")[0] != "pandas" or not hasattr(data, "index"):
        return None
    index = data.index
    names = [str(n) for n in getattr(index, "names", [index.name]) if n is not None]
    default = (
        type(index).__name__ == "RangeIndex" and not names and index.start == 0 and index.step == 1
    )
    return None if default else "/".join(names)


def _to_table(data: Any, columns: Sequence[str] | None) -> Any:
    import numpy as np
    import pyarrow as pa

    if isinstance(data, pa.Table):
        return data
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    module = type(data).__module__.split(".")[0]
    if module == "pandas":
        try:
            return pa.Table.from_pandas(data, preserve_index=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # a column mixing numbers and text
            return pa.table({str(c): _column(data[c].tolist()) for c in data.columns})
    if module == "polars":
        return data.to_arrow()
    if isinstance(data, np.ndarray):
        if data.dtype.names:
            return pa.table({name: _column(data[name]) for name in data.dtype.names})
        if data.ndim != 2 or columns is None or len(columns) != data.shape[1]:
            raise DataError(
                Issue(
                    "invalid-option",
                    "a plain numpy array needs 2 dimensions and one column name per column",
                    Location(file="<data>"),
                    hint="pass columns=[...] with the item ids, or use a structured array",
                )
            )
        return pa.table({str(c): _column(data[:, i]) for i, c in enumerate(columns)})
    if isinstance(data, Mapping):
        try:
            return pa.table({str(k): _column(v) for k, v in data.items()})
        except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError) as exc:
            raise DataError(
                Issue(
                    "data-unreadable",
                    f"cannot read the columns: {exc}",
                    Location(file="<data>"),
                    hint="give every column the same length and plain values",
                )
            ) from None
    raise DataError(
        Issue(
            "unsupported-format",
            f"cannot read data of type {type(data).__name__}",
            Location(file="<data>"),
            hint="pass a file path, a mapping of columns, a numpy array, or a pandas/polars "
            "DataFrame",
        )
    )


def _column(values: Any) -> Any:
    import numpy as np
    import pyarrow as pa

    if isinstance(values, pa.Array | pa.ChunkedArray):
        return values
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        return pa.array(values, from_pandas=True)
    if isinstance(values, np.ndarray) and values.dtype.kind in "iub":
        return pa.array(values)
    items = list(values)
    try:
        return pa.array(items, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else str(v) for v in items], type=pa.string())
