"""Kept earlier versions and old data: find the kept version whose columns the data fit.

When data collected with an earlier version of an instrument meets the current one,
its item columns are missing. :func:`kept_version_hint` looks through the kept versions
of the same id (:func:`relscales.instruments.registry.kept_versions`) for one whose
item columns are all in the data, and says how to select it::

    these columns match RISI 0.1.1: score them with `-i risi@0.1.1`

It lives apart from the registry because it loads instruments, and the loader
itself resolves ids through the registry.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Sequence
from pathlib import Path

from relscales.errors import RelscalesError
from relscales.instruments.battery import load_battery
from relscales.instruments.instrument import Instrument
from relscales.instruments.loader import load_instrument
from relscales.instruments.registry import VERSIONS_DIR, KeptVersion, kept_versions

__all__ = ["item_columns", "kept_version_hint", "matching_kept_version"]

Dirs = Sequence[str | os.PathLike[str]]


def item_columns(instrument: Instrument) -> list[str]:
    """Return the data column of each item: its ``column``, or else its id."""
    return [item.column or item.id for item in instrument.items]


def _dirs_near(source: str, extra_dirs: Dirs) -> list[str | os.PathLike[str]]:
    """Return the given folders, plus the folder a definition was loaded from (a lab's own)."""
    folder = Path(source).parent
    if folder.name == VERSIONS_DIR:
        folder = folder.parent
    found: list[str | os.PathLike[str]] = list(extra_dirs)
    if folder.is_dir() and folder not in [Path(d) for d in found]:
        found.append(folder)
    return found


def _earlier(ident: str, version: str, extra_dirs: Dirs) -> list[KeptVersion]:
    try:
        return [k for k in kept_versions(ident, extra_dirs) if k.version != version]
    except RelscalesError:  # a missing folder: no hint rather than another error
        return []


def matching_kept_version(
    instrument: Instrument, columns: Collection[str], *, extra_dirs: Dirs = ()
) -> Instrument | None:
    """Return the newest other kept version whose item columns are all in ``columns``.

    Only versions of the instrument's own id, other than its own version, are looked
    at; kept files that do not load are passed over. ``None`` when none fits.
    """
    present = set(columns)
    dirs = _dirs_near(instrument.source, extra_dirs)
    for kept in _earlier(instrument.id, instrument.version, dirs):
        try:
            candidate = load_instrument(kept.path, instruments_dir=dirs)
        except RelscalesError:
            continue
        if set(item_columns(candidate)) <= present:
            return candidate
    return None


def kept_version_hint(
    instrument: Instrument,
    columns: Collection[str],
    *,
    battery: tuple[str, str, str] | None = None,
    extra_dirs: Dirs = (),
) -> str | None:
    """Say which kept version the data's columns match, and how to select it.

    Parameters
    ----------
    instrument
        The instrument whose item columns are missing from the data.
    columns
        The data's columns.
    battery
        ``(id, version, source)`` of the battery being scored, when ``instrument`` is one
        of its members: a kept battery version whose member matches is named first.
    extra_dirs
        Extra instrument folders (besides the instrument's own folder and the bundled one).

    Returns
    -------
    str or None
        ``these columns match RISI 0.1.1: score them with `-i risi@0.1.1```, or ``None``.
    """
    try:
        if battery is not None:
            found = _battery_match(instrument, columns, battery, extra_dirs)
            if found is not None:
                return found
        match = matching_kept_version(instrument, columns, extra_dirs=extra_dirs)
    except (RelscalesError, OSError):  # a hint must never hide the error it decorates
        return None
    if match is None:
        return None
    return f"{_named(match)}: score them with `-i {match.id}@{match.version}`"


def _named(instrument: Instrument) -> str:
    return (
        f"these columns match {instrument.spec.abbreviation or instrument.id} {instrument.version}"
    )


def _battery_match(
    instrument: Instrument, columns: Collection[str], battery: tuple[str, str, str], extra: Dirs
) -> str | None:
    ident, version, source = battery
    present = set(columns)
    dirs = _dirs_near(source, extra)
    for kept in _earlier(ident, version, dirs):
        try:
            members = load_battery(kept.path, instruments_dir=dirs).members
        except RelscalesError:
            continue
        for member in members:
            if member.id == instrument.id and set(item_columns(member)) <= present:
                return (
                    f"{_named(member)} (in {ident} {kept.version}): score them with `-i {kept.ref}`"
                )
    return None
