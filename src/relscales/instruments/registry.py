"""Finding instrument files: bundled ones, extra folders, and paths.

Bundled instruments live in the repository's top-level ``instruments/`` folder.
An installed wheel carries them as package data (``relscales/_bundled``); an
editable install or a source checkout reads the folder itself. Both are looked
for, so the same code works either way.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from relscales.errors import Issue, Location, SpecError
from relscales.instruments.lint import did_you_mean

__all__ = [
    "ENV_DIRS",
    "available_instruments",
    "bundled_dir",
    "looks_like_path",
    "resolve_instrument",
]

ENV_DIRS = "RELSCALES_INSTRUMENTS_PATH"
"""Environment variable: extra instrument folders, separated by the OS path separator."""

_SUFFIXES = (".yaml", ".yml")


def bundled_dir() -> Path | None:
    """Return the folder of bundled instruments, or ``None`` when none is found."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "_bundled"
    if installed.is_dir():
        return installed
    checkout = package.parent.parent / "instruments"  # src/relscales -> repository root
    if checkout.is_dir():
        return checkout
    return None  # pragma: no cover - only in a broken install


def _search_dirs(extra: Sequence[str | os.PathLike[str]]) -> list[Path]:
    dirs = [Path(d) for d in extra]
    env = os.environ.get(ENV_DIRS)
    if env:
        dirs += [Path(d) for d in env.split(os.pathsep) if d]
    bundled = bundled_dir()
    if bundled is not None:
        dirs.append(bundled)
    return dirs


def available_instruments(extra_dirs: Sequence[str | os.PathLike[str]] = ()) -> dict[str, Path]:
    """Map every available instrument id to its file.

    Extra folders (given, then from ``RELSCALES_INSTRUMENTS_PATH``) come before the
    bundled ones, so a lab can shadow a bundled id with its own file.
    """
    found: dict[str, Path] = {}
    for folder in _search_dirs(extra_dirs):
        if not folder.is_dir():
            raise SpecError(
                Issue(
                    "file-not-found",
                    f"instrument folder '{folder}' does not exist",
                    Location(file=str(folder)),
                    hint="check the --instruments-dir path",
                )
            )
        for path in sorted(folder.iterdir()):
            if path.suffix in _SUFFIXES and path.is_file():
                found.setdefault(path.stem, path)
    return found


_ID_LINE = re.compile(r"^id:\s*['\"]?([a-z0-9][a-z0-9-]*)['\"]?\s*(#.*)?$", re.MULTILINE)


def _declared_id(path: Path) -> str | None:
    """Read the top-level ``id:`` of a file without parsing it (for lookups only)."""
    try:
        match = _ID_LINE.search(path.read_text(encoding="utf-8-sig", errors="replace"))
    except OSError:
        return None
    return match.group(1) if match else None


def looks_like_path(ref: str) -> bool:
    """Tell whether an ``-i`` argument names a file rather than a bundled id."""
    return ref.endswith(_SUFFIXES) or "/" in ref or os.sep in ref


def resolve_instrument(
    ref: str | os.PathLike[str],
    *,
    base: Path | None = None,
    extra_dirs: Sequence[str | os.PathLike[str]] = (),
) -> Path:
    """Return the file behind a bundled id or a path.

    Parameters
    ----------
    ref
        A bundled id (``ecr-r``) or a path to a YAML file.
    base
        Folder that relative paths are resolved against (the extending file's folder).
    extra_dirs
        Extra instrument folders to search for ids.

    Raises
    ------
    SpecError
        ``file-not-found`` for a missing path, ``unknown-instrument`` for an unknown id.
    """
    text = os.fspath(ref)
    if isinstance(ref, os.PathLike) or looks_like_path(text):
        path = Path(text)
        if base is not None and not path.is_absolute():
            path = base / path
        if not path.is_file():
            raise SpecError(
                Issue(
                    "file-not-found",
                    f"instrument file '{path}' does not exist",
                    Location(file=str(path)),
                    hint="check the path, or give a bundled id (see `relscales list`)",
                )
            )
        return path
    known = available_instruments(extra_dirs)
    if text in known:
        return known[text]
    for path in known.values():  # a file not named <id>.yaml: look at the id it declares
        if _declared_id(path) == text:
            return path
    hint = did_you_mean(text, known) or "see `relscales list` for the available ids"
    raise SpecError(
        Issue(
            "unknown-instrument",
            f"no instrument with id '{text}'",
            Location(instrument=text),
            hint=hint,
        )
    )
