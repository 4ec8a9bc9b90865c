"""Reading one column of a source as numbers (completion times and other non-item columns)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from relscales._arrow import to_float64
from relscales.errors import DataError, Issue, Location
from relscales.instruments.lint import did_you_mean
from relscales.io.tabular import Source

__all__ = ["numeric_column"]


def numeric_column(source: Source, name: str) -> NDArray[np.float64]:
    """Read one column of a source as numbers (``NaN`` for empty or non-numeric cells)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if name not in source.header:
        raise DataError(
            Issue(
                "id-column-not-found",
                f"the column '{name}' is not in the data",
                Location(file=source.name, data_column=name),
                hint=did_you_mean(name, source.header) or "check the column name",
            )
        )
    parts: list[NDArray[np.float64]] = []
    for batch in source.batches([name]):
        cells = batch.columns[name]
        if isinstance(cells, pa.ChunkedArray):
            cells = cells.combine_chunks()
        if not (pa.types.is_integer(cells.type) or pa.types.is_floating(cells.type)):
            text = pc.utf8_trim_whitespace(pc.cast(cells, pa.string()))
            ok = pc.match_substring_regex(text, r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
            cells = pc.if_else(ok, text, pa.nulls(len(text), pa.string()))
        # buffers, not pa.scalar/to_numpy, which import pandas (see relscales._arrow)
        parts.append(np.array(to_float64(pc.cast(cells, pa.float64())), dtype=np.float64))
    return np.concatenate(parts) if parts else np.empty(0)
