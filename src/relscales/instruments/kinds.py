"""What kind of definition a file is: the one place that decides.

An instrument file starts with ``relscales: 1``, a battery with ``relscales_battery: 1`` and
a text overlay with ``relscales_texts: 1``. Everything that must tell them apart asks
:func:`file_kind`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from relscales.instruments.yamlsource import has_top_key

__all__ = ["FileKind", "file_kind"]

FileKind = Literal["instrument", "battery", "texts"]


def file_kind(path: str | os.PathLike[str]) -> FileKind:
    """Return ``instrument``, ``battery`` or ``texts`` from the file's top-level kind key.

    Examples
    --------
    >>> from relscales.instruments.registry import resolve_instrument
    >>> file_kind(resolve_instrument("relationship-insecurity-battery"))
    'battery'
    >>> file_kind(resolve_instrument("ecr-r"))
    'instrument'
    """
    p = Path(path)
    if p.suffix not in (".yaml", ".yml"):
        return "instrument"
    if has_top_key(p, "relscales_texts"):
        return "texts"
    if has_top_key(p, "relscales_battery"):
        return "battery"
    return "instrument"
