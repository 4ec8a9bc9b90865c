"""Any definition file: an instrument, a battery or a text overlay, dispatched by its kind.

:func:`load_definition` and :func:`validate_definition` are what the public API, the
command line and the pipeline call; the kind itself is decided once, by
:func:`relscales.instruments.kinds.file_kind`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from relscales.errors import Issue, Location, RelscalesError, SpecError
from relscales.instruments.battery import Battery, load_battery, validate_battery
from relscales.instruments.instrument import Instrument
from relscales.instruments.kinds import file_kind
from relscales.instruments.loader import ValidationReport, load_instrument, validate_file
from relscales.instruments.registry import resolve_instrument
from relscales.instruments.texts import check_texts, load_texts

__all__ = ["load_definition", "validate_definition"]

Dirs = Sequence[str | os.PathLike[str]]


def load_definition(
    ref: str | os.PathLike[str], *, instruments_dir: Dirs = ()
) -> Instrument | Battery:
    """Load a bundled id or a file: an :class:`Instrument`, or a :class:`Battery`.

    ``ID@VERSION`` (``"risi@0.1.1"``, or a prefix such as ``"risi@0.1"``) loads a kept
    earlier version; ``ID`` alone is the current one (docs/versions.md).

    Raises
    ------
    SpecError
        With every problem found; a text overlay is refused with a hint.

    Examples
    --------
    >>> type(load_definition("relationship-insecurity-battery")).__name__
    'Battery'
    >>> load_definition("rses").id
    'rses'
    >>> load_definition("risi@0.1.1").version
    '0.1.1'
    """
    path = resolve_instrument(ref, extra_dirs=instruments_dir)
    kind = file_kind(path)
    if kind == "battery":
        return load_battery(path, instruments_dir=instruments_dir)
    return load_instrument(path, instruments_dir=instruments_dir)


def validate_definition(
    path: str | os.PathLike[str], *, instruments_dir: Dirs = ()
) -> ValidationReport:
    """Check any definition file and report every problem instead of raising."""
    file = os.fspath(path)
    try:
        kind = file_kind(file)
        if kind == "texts":
            return _validate_overlay(file, instruments_dir)
        if kind == "battery":
            _, issues = validate_battery(file, instruments_dir=instruments_dir)
            return ValidationReport(file, tuple(issues))
    except RelscalesError as exc:
        return ValidationReport(file, exc.issues)
    return validate_file(file, instruments_dir=instruments_dir)


def _validate_overlay(file: str, instruments_dir: Dirs) -> ValidationReport:
    """Validate a text overlay against the instrument it names."""
    overlay = load_texts(file)
    try:
        instrument = load_instrument(overlay.spec.instrument, instruments_dir=instruments_dir)
    except SpecError as exc:
        mark = overlay.parsed.values.get(("instrument",))
        where = mark.location("instrument") if mark else Location(file=file)
        first = exc.issues[0]
        raise SpecError(Issue(first.code, first.message, where, hint=first.hint)) from None
    return ValidationReport(file, tuple(check_texts(overlay, instrument)))
