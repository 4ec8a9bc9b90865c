"""The package's reading and loading functions, with messages in the Python API's words.

``relscales.open_source`` and ``relscales.load_instrument`` are the functions of
:mod:`relscales.io.sources` and :mod:`relscales.instruments.definitions`; their errors are
written for the command line (``--delimiter tab``, ``--instruments-dir``). Called from
Python, they say the keywords instead (``relscales.open_source(data, delimiter='tab')``,
``instruments_dir=``), as :func:`relscales.score` does.
"""

from __future__ import annotations

import functools
from typing import Any

from relscales.errors import RelscalesError
from relscales.instruments.definitions import load_definition
from relscales.io.sources import open_source as _open_source
from relscales.pipeline.score import in_python_terms

__all__ = ["load_instrument", "open_source"]


@functools.wraps(_open_source)
def open_source(*args: Any, **kwargs: Any) -> Any:  # noqa: D103 - the wrapped docstring
    try:
        return _open_source(*args, **kwargs)
    except RelscalesError as exc:
        raise in_python_terms(exc) from None


@functools.wraps(load_definition)
def load_instrument(*args: Any, **kwargs: Any) -> Any:  # noqa: D103 - the wrapped docstring
    try:
        return load_definition(*args, **kwargs)
    except RelscalesError as exc:
        raise in_python_terms(exc) from None
