"""Move columns between numpy and Arrow through their buffers; run Arrow functions by name.

``pyarrow.array(...)`` and ``Array.to_numpy()`` consult pyarrow's pandas shim, which
imports pandas (about 0.2 s) whenever pandas is installed, even for plain numpy
data. The scoring path of the command line never needs pandas, so it converts
numbers, booleans and short strings here, from and to raw buffers, with the same
results: ``NaN`` in numpy is a null in Arrow and back.

Likewise, importing ``pyarrow.compute`` (which ``Array.cast``, ``take`` and
``drop_null`` do too) writes a Python wrapper, docstring included, for each of Arrow's
several hundred functions: about 0.04 s. :func:`call` and the helpers after it run the
functions by name through ``pyarrow._compute``, the module those wrappers call. This is
the one module that imports ``pyarrow._compute`` (a private module, whose function options
are built here too); the rest of the package goes through the functions below.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "bool_array",
    "call",
    "cast",
    "float_array",
    "int_array",
    "is_in",
    "join",
    "large_text_array",
    "match_regex",
    "null_rows",
    "raw_values",
    "replace_text",
    "string_array",
    "text_scalar",
    "to_float64",
    "to_numpy_filled",
]


def _validity(present: NDArray[np.bool_]) -> tuple[Any, int]:
    """Return an Arrow validity bitmap for ``present`` (``None`` when all are) and nulls."""
    import pyarrow as pa

    nulls = int(present.size - np.count_nonzero(present))
    if nulls == 0:
        return None, 0
    return pa.py_buffer(np.packbits(present, bitorder="little")), nulls


def float_array(values: NDArray[Any]) -> Any:
    """Return a float64 Arrow array; ``NaN`` becomes null.

    >>> float_array(np.array([1.5, np.nan])).to_pylist()
    [1.5, None]
    """
    import pyarrow as pa

    data = np.ascontiguousarray(values, dtype=np.float64)
    validity, nulls = _validity(~np.isnan(data))
    return pa.Array.from_buffers(
        pa.float64(), data.size, [validity, pa.py_buffer(data)], null_count=nulls
    )


def large_text_array(
    offsets: NDArray[np.int64], data: NDArray[np.uint8], present: NDArray[np.bool_] | None
) -> Any:
    """Return a large_string Arrow array over UTF-8 ``data`` cut at ``offsets`` (n + 1).

    Rows where ``present`` is False are null (``None``: none are); their text is ignored.

    >>> data = np.frombuffer(b"onetwo", dtype=np.uint8)
    >>> offsets = np.array([0, 3, 3, 6])
    >>> large_text_array(offsets, data, np.array([True, False, True])).to_pylist()
    ['one', None, 'two']
    """
    import pyarrow as pa

    validity, nulls = (None, 0) if present is None else _validity(present)
    buffers = [validity, pa.py_buffer(np.ascontiguousarray(offsets, dtype=np.int64))]
    buffers.append(pa.py_buffer(data))
    return pa.Array.from_buffers(pa.large_string(), offsets.size - 1, buffers, null_count=nulls)


def int_array(values: NDArray[Any]) -> Any:
    """Return an int64 Arrow array without nulls.

    >>> int_array(np.array([3, 1])).to_pylist()
    [3, 1]
    """
    import pyarrow as pa

    data = np.ascontiguousarray(values, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), data.size, [None, pa.py_buffer(data)], null_count=0)


def bool_array(values: Sequence[bool | None]) -> Any:
    """Return a boolean Arrow array; ``None`` becomes null.

    >>> bool_array([True, None, False]).to_pylist()
    [True, None, False]
    """
    import pyarrow as pa

    flags = np.fromiter((v is True for v in values), dtype=np.bool_, count=len(values))
    present = np.fromiter((v is not None for v in values), dtype=np.bool_, count=len(values))
    validity, nulls = _validity(present)
    bits = pa.py_buffer(np.packbits(flags, bitorder="little"))
    return pa.Array.from_buffers(pa.bool_(), len(values), [validity, bits], null_count=nulls)


def string_array(values: Sequence[str | None]) -> Any:
    """Return a UTF-8 string Arrow array; ``None`` becomes null.

    >>> string_array(["secure", None, "ängstlich"]).to_pylist()
    ['secure', None, 'ängstlich']
    """
    import pyarrow as pa

    encoded = [b"" if v is None else v.encode("utf-8") for v in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)), out=offsets[1:])
    present = np.fromiter((v is not None for v in values), dtype=np.bool_, count=len(values))
    validity, nulls = _validity(present)
    large = pa.Array.from_buffers(
        pa.large_string(),
        len(encoded),
        [validity, pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))],
        null_count=nulls,
    )
    return cast(large, pa.string())


def text_scalar(text: str, *, large: bool = False) -> Any:
    """Return an Arrow string scalar (``pyarrow.scalar()`` would import pandas).

    >>> text_scalar("a").as_py(), str(text_scalar("b", large=True).type)
    ('a', 'large_string')
    """
    import pyarrow as pa

    array = string_array([text])
    return (cast(array, pa.large_string()) if large else array)[0]


def call(name: str, *args: Any, options: Any = None) -> Any:
    """Run the Arrow compute function ``name`` on ``args`` (without ``pyarrow.compute``).

    >>> call("add", int_array(np.array([1, 2])), int_array(np.array([10, 20]))).to_pylist()
    [11, 22]
    """
    from pyarrow._compute import call_function

    return call_function(name, list(args), options)


def cast(array: Any, target: Any) -> Any:
    """Cast an Arrow array to type ``target``, safely (``ArrowInvalid`` when a value does not fit).

    >>> import pyarrow as pa
    >>> cast(string_array(["1", None]), pa.int64()).to_pylist()
    [1, None]
    """
    from pyarrow._compute import CastOptions

    return call("cast", array, options=CastOptions.safe(target))


def join(*parts: Any, separator: Any, null_replacement: str | None = None) -> Any:
    """Join string arrays (or scalars) element-wise, ``separator`` between the parts.

    A row with a null part is null, unless ``null_replacement`` is given: the null parts
    are then that text. ``separator`` is an Arrow scalar of the parts' string type.

    >>> a, b = string_array(["x", None]), string_array(["y", "z"])
    >>> join(a, b, separator=text_scalar("-")).to_pylist()
    ['x-y', None]
    >>> join(a, b, separator=text_scalar("-"), null_replacement="").to_pylist()
    ['x-y', '-z']
    """
    if null_replacement is None:
        return call("binary_join_element_wise", *parts, separator)
    from pyarrow._compute import JoinOptions

    options = JoinOptions(null_handling="replace", null_replacement=null_replacement)
    return call("binary_join_element_wise", *parts, separator, options=options)


def match_regex(array: Any, pattern: str) -> Any:
    """Return whether each string matches the regular expression ``pattern`` (anywhere in it).

    >>> match_regex(string_array(["a,b", "ab", None]), "[,;]").to_pylist()
    [True, False, None]
    """
    from pyarrow._compute import MatchSubstringOptions

    return call("match_substring_regex", array, options=MatchSubstringOptions(pattern))


def replace_text(array: Any, pattern: str, replacement: str) -> Any:
    """Replace every occurrence of the literal text ``pattern`` in each string.

    >>> replace_text(string_array(['a"b"', None]), '"', '""').to_pylist()
    ['a""b""', None]
    """
    from pyarrow._compute import ReplaceSubstringOptions

    return call("replace_substring", array, options=ReplaceSubstringOptions(pattern, replacement))


def is_in(array: Any, values: Any) -> Any:
    """Return whether each value of ``array`` is among ``values`` (an Arrow array).

    Give the values as an array, not Python scalars: a Python scalar makes pyarrow
    import pandas.

    >>> is_in(string_array(["id", "x", None]), string_array(["id"])).to_pylist()
    [True, False, False]
    """
    from pyarrow._compute import SetLookupOptions

    return call("is_in", array, options=SetLookupOptions(values))


def to_float64(array: Any) -> NDArray[np.float64]:
    """Return a float64 Arrow array (or chunked array) as numpy; nulls become ``NaN``.

    The result may be a read-only view of Arrow's memory.

    >>> to_float64(float_array(np.array([2.0, np.nan]))).tolist()
    [2.0, nan]
    """
    import pyarrow as pa

    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if not pa.types.is_float64(array.type):
        raise TypeError(f"expected a float64 array, got {array.type}")
    return to_numpy_filled(array, np.nan)


def raw_values(array: Any) -> NDArray[Any]:
    """Return the values buffer of a fixed-width numeric Arrow array as a numpy view.

    Null slots hold whatever the buffer holds there (Arrow leaves them undefined);
    pair this with :func:`null_rows`.

    >>> raw_values(int_array(np.array([4, 5]))).tolist()
    [4, 5]
    """
    n = len(array)
    dtype = np.dtype(array.type.to_pandas_dtype())
    data = array.buffers()[1]
    if data is None or n == 0:
        return np.zeros(n, dtype=dtype)
    return np.frombuffer(data, dtype=dtype, count=n, offset=array.offset * dtype.itemsize)


def null_rows(array: Any) -> NDArray[np.int64]:
    """Return the positions of an Arrow array's null slots, in increasing order.

    >>> null_rows(float_array(np.array([1.0, np.nan, 2.0, np.nan]))).tolist()
    [1, 3]
    """
    n = len(array)
    if array.null_count == 0:
        return np.empty(0, dtype=np.int64)
    validity = array.buffers()[0]
    if validity is None:  # a null-type array: every slot is null
        return np.arange(n, dtype=np.int64)
    bits = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), bitorder="little")
    present = bits[array.offset : array.offset + n]
    return np.flatnonzero(present == 0).astype(np.int64, copy=False)


def to_numpy_filled(array: Any, fill: Any) -> NDArray[Any]:
    """Return a fixed-width numeric Arrow array as numpy, with ``fill`` in its null slots.

    The result may be a read-only view of Arrow's memory.

    >>> to_numpy_filled(int_array(np.array([4, 5])), -1).tolist()
    [4, 5]
    """
    n = len(array)
    dtype = np.dtype(array.type.to_pandas_dtype())
    validity, data = array.buffers()[:2]
    if data is None or n == 0:
        return np.full(n, fill, dtype=np.result_type(dtype, np.min_scalar_type(fill)))
    values: NDArray[Any] = np.frombuffer(
        data, dtype=dtype, count=n, offset=array.offset * dtype.itemsize
    )
    if array.null_count == 0 or validity is None:
        return values
    bits = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), bitorder="little")
    present = bits[array.offset : array.offset + n].view(np.bool_)
    return np.where(present, values, fill)
