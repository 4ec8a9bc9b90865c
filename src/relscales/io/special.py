"""Inputs that are not regular files, and paths as recorded in outputs.

relscales reads its inputs (response data, instrument files, text overlays, column
maps) only from regular files. Data are read more than once (the format is detected from
the first bytes, then the file is read in parallel blocks), and an instrument file is
read whole, so standard input (``-``), a pipe or FIFO, a device (``/dev/zero``) or a
socket would be misread, read without end, or wait for ever. They are refused with
``input-not-a-file`` before anything is read. Save such data to a file first.

Paths written into outputs (the sidecar's input name and instrument sources) are
recorded as :func:`recorded_path` gives them: relative to the working folder when inside
it, else the file name alone, so that an output does not carry the user's folder layout
(often their user name).
"""

from __future__ import annotations

import os
import stat
from typing import Any

from relscales.errors import DataError, Issue, Location, RelscalesError, SpecError

__all__ = [
    "check_data_file",
    "check_definition_file",
    "not_a_file_issue",
    "recorded_path",
    "recorded_paths",
]

STDIN = "-"
"""The name that means standard input to most command-line programs."""


def _kind(path: str) -> str | None:
    """Name what ``path`` is when it exists and is neither a regular file nor a folder."""
    if path == STDIN:
        return "standard input"
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return None  # missing or unreadable: the reader says so
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return None


def not_a_file_issue(path: str | os.PathLike[str], what: str) -> Issue | None:
    """Return the ``input-not-a-file`` issue for ``path``, or None when it may be read.

    ``what`` names the input (``"data file"``, ``"instrument file"``). A missing path or
    a folder is left to the reader, which reports it with its own code.

    >>> not_a_file_issue("-", "data file").code
    'input-not-a-file'
    >>> not_a_file_issue("pyproject.toml", "data file") is None
    True
    """
    shown = os.fspath(path)
    kind = _kind(shown)
    if kind is None:
        return None
    if what == "data file":
        hint = (
            "save the data to a file first (for example `... > responses.csv`) and give "
            "its path: the data are read more than once"
        )
    else:
        hint = f"give the path of the {what} itself, a regular file"
    return Issue(
        "input-not-a-file",
        f"the {what} '{shown}' is {kind}; relscales reads it only from a regular file",
        Location(file=shown),
        hint=hint,
    )


def _check(path: str | os.PathLike[str], what: str, error: type[RelscalesError]) -> None:
    issue = not_a_file_issue(path, what)
    if issue is not None:
        raise error(issue)


def check_data_file(path: str | os.PathLike[str]) -> None:
    """Refuse response data from standard input, a pipe, a device or a socket.

    Raises
    ------
    DataError
        ``input-not-a-file``.
    """
    _check(path, "data file", DataError)


def check_definition_file(path: str | os.PathLike[str], what: str = "instrument file") -> None:
    """Refuse an instrument, battery, text overlay or column map that is not a regular file.

    Raises
    ------
    SpecError
        ``input-not-a-file``.
    """
    _check(path, what, SpecError)


def recorded_path(path: str | os.PathLike[str]) -> str:
    """Return ``path`` as an output records it: relative to the working folder, else its name.

    Names that are not paths (``<data>``) are kept.

    >>> recorded_path(os.path.join(os.getcwd(), "data", "x.csv")) == os.path.join("data", "x.csv")
    True
    >>> recorded_path("/somewhere/else/entirely/x.csv")
    'x.csv'
    >>> recorded_path("<data>")
    '<data>'
    """
    text = os.fspath(path)
    if not text or text.startswith("<"):
        return text
    full = os.path.abspath(text)
    for candidate in (full, os.path.realpath(full)):  # as typed, then through any links
        relative = _inside_working_folder(candidate)
        if relative is not None:
            return relative
    return os.path.basename(full)


def _inside_working_folder(full: str) -> str | None:
    """Return ``full`` relative to the working folder, or None when it is outside."""
    try:
        relative = os.path.relpath(full, os.getcwd())
    except (OSError, ValueError):  # another drive (Windows), or no working folder
        return None
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return None
    return relative


def recorded_paths(metadata: dict[str, Any]) -> dict[str, Any]:
    """Return sidecar metadata with every file path passed through :func:`recorded_path`.

    Covers the input's ``name``, each instrument's ``source`` and the ``file`` of each
    warning's location.
    """
    out = dict(metadata)
    if isinstance(out.get("input"), dict) and isinstance(out["input"].get("name"), str):
        out["input"] = {**out["input"], "name": recorded_path(out["input"]["name"])}
    if isinstance(out.get("instruments"), list):
        out["instruments"] = [_with_source(entry) for entry in out["instruments"]]
    if isinstance(out.get("warnings"), list):
        out["warnings"] = [_with_file(entry) for entry in out["warnings"]]
    return out


def _with_source(entry: Any) -> Any:
    if isinstance(entry, dict) and isinstance(entry.get("source"), str):
        return {**entry, "source": recorded_path(entry["source"])}
    return entry


def _with_file(entry: Any) -> Any:
    if not isinstance(entry, dict) or not isinstance(entry.get("location"), dict):
        return entry
    location = entry["location"]
    if not isinstance(location.get("file"), str):
        return entry
    return {**entry, "location": {**location, "file": recorded_path(location["file"])}}
