"""Finding instrument files: bundled ones, extra folders, and paths.

Bundled instruments live in the repository's top-level ``instruments/`` folder.
An installed wheel carries them as package data (``relscales/_bundled``); an
editable install or a source checkout reads the folder itself. Both are looked
for, so the same code works either way.

Earlier versions are kept, never edited, in a ``versions/`` subfolder of any
instrument folder, one file per version (``versions/risi-0.1.1.yaml``), and
selected with ``ID@VERSION`` (docs/versions.md). ``ID`` alone is the current file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from relscales.errors import Issue, Location, SpecError
from relscales.instruments.lint import did_you_mean

__all__ = [
    "ENV_DIRS",
    "VERSIONS_DIR",
    "KeptVersion",
    "available_instruments",
    "bundled_dir",
    "contained_path",
    "current_version",
    "earlier_versions",
    "kept_versions",
    "looks_like_path",
    "resolve_instrument",
    "split_ref",
]

ENV_DIRS = "RELSCALES_INSTRUMENTS_PATH"
"""Environment variable: extra instrument folders, separated by the OS path separator."""

VERSIONS_DIR = "versions"
"""Subfolder of an instrument folder holding kept earlier versions (``<id>-<version>.yaml``)."""

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
    bundled ones, so a lab can shadow a bundled id with its own file. Kept earlier
    versions (in each folder's ``versions/`` subfolder) are not listed: see
    :func:`kept_versions`.
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
_VERSION_LINE = re.compile(
    r"^version:\s*['\"]?(\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?)['\"]?\s*(#.*)?$", re.MULTILINE
)
_RELEASE = re.compile(r"^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")
_PREFIX = re.compile(r"^\d+(\.\d+){0,2}$")


def _declared(path: Path) -> tuple[str | None, str | None]:
    """Read the top-level ``id:`` and ``version:`` of a file without parsing it (lookups only)."""
    try:
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError:
        return None, None
    ident, version = _ID_LINE.search(text), _VERSION_LINE.search(text)
    return (ident.group(1) if ident else None), (version.group(1) if version else None)


def _declared_id(path: Path) -> str | None:
    """Read the top-level ``id:`` of a file without parsing it (for lookups only)."""
    return _declared(path)[0]


def split_ref(ref: str) -> tuple[str, str | None]:
    """Split ``ID@VERSION`` into the id and the version (``None`` when none is given).

    Examples
    --------
    >>> split_ref("risi@0.1.1"), split_ref("risi")
    (('risi', '0.1.1'), ('risi', None))
    """
    ident, at, version = ref.partition("@")
    return ident, (version if at else None)


def _sort_key(version: str) -> tuple[tuple[int, ...], int, str]:
    """Order versions as semver does: by number, a pre-release before its release."""
    match = _RELEASE.match(version)
    if match is None:
        return (), 0, version
    numbers = tuple(int(part) for part in match.group(1, 2, 3))
    pre = match.group(4)
    return numbers, (0 if pre else 1), pre or ""


def _matches(version: str, wanted: str) -> bool:
    """Tell whether ``version`` is ``wanted``, or starts with the whole components it gives.

    A prefix (``0.1``) matches releases only, never a pre-release such as ``0.1.2-rc.1``.
    """
    if version == wanted:
        return True
    match = _RELEASE.match(version)
    if match is None or match.group(4) or not _PREFIX.match(wanted):
        return False
    numbers = [int(part) for part in match.group(1, 2, 3)]
    return [int(part) for part in wanted.split(".")] == numbers[: wanted.count(".") + 1]


@dataclass(frozen=True, slots=True)
class KeptVersion:
    """A kept earlier version of an instrument or battery: its id, version and file."""

    id: str
    version: str
    path: Path

    @property
    def ref(self) -> str:
        """What selects it: ``ID@VERSION``."""
        return f"{self.id}@{self.version}"


def kept_versions(
    instrument_id: str, extra_dirs: Sequence[str | os.PathLike[str]] = ()
) -> list[KeptVersion]:
    """Return the kept versions of an id, newest first.

    They are the files in the ``versions/`` subfolder of every instrument folder
    searched (extra folders first, then bundled) whose top-level ``id:`` is
    ``instrument_id``; of two files with the same version, the first folder's wins.
    The current version may be among them (a kept copy of the current file).

    Examples
    --------
    >>> [v.ref for v in kept_versions("rrss")][-1]
    'rrss@0.1.0'
    """
    found: dict[str, KeptVersion] = {}
    for folder in _search_dirs(extra_dirs):
        kept = folder / VERSIONS_DIR
        if not kept.is_dir():
            continue
        for path in sorted(kept.iterdir()):
            if path.suffix not in _SUFFIXES or not path.is_file():
                continue
            ident, version = _declared(path)
            if ident == instrument_id and version is not None:
                found.setdefault(version, KeptVersion(ident, version, path))
    return sorted(found.values(), key=lambda kept: _sort_key(kept.version), reverse=True)


def current_version(
    instrument_id: str, extra_dirs: Sequence[str | os.PathLike[str]] = ()
) -> str | None:
    """Return the version of the current file of an id (``None`` when there is none).

    Examples
    --------
    >>> current_version("rses")
    '1.0.0'
    """
    path = _current_file(instrument_id, available_instruments(extra_dirs))
    return None if path is None else _declared(path)[1]


def earlier_versions(
    instrument_id: str, extra_dirs: Sequence[str | os.PathLike[str]] = ()
) -> list[KeptVersion]:
    """Return the kept versions other than the current one, newest first."""
    current = current_version(instrument_id, extra_dirs)
    return [kept for kept in kept_versions(instrument_id, extra_dirs) if kept.version != current]


def _current_file(instrument_id: str, known: dict[str, Path]) -> Path | None:
    """Return the current (top-level) file of an id, or ``None``."""
    if instrument_id in known:
        return known[instrument_id]
    for path in known.values():  # a file not named <id>.yaml: look at the id it declares
        if _declared_id(path) == instrument_id:
            return path
    return None


def contained_path(ref: str, folder: Path, *, what: str) -> Path:
    """Check a path named inside a definition file, and return the file it names.

    ``extends`` and battery members name "a bundled id or a relative path": relative to
    the folder of the file that names it, and inside that folder (or a subfolder). An
    absolute path, or one that leads out of the folder (``../../etc/x.yaml``, or a
    symbolic link inside the folder pointing out of it), is refused: a definition shared
    with others must not read files elsewhere on their computer.

    Parameters
    ----------
    ref
        The path as written.
    folder
        The folder of the file that names it.
    what
        What names it, for the message (```extends```, ``a battery member``).

    Raises
    ------
    SpecError
        ``path-outside-folder``.
    """
    path = Path(ref)
    hint = (
        "keep the file in the same folder or a subfolder and name it by a relative path, "
        "or put it in an --instruments-dir folder and name it by its id"
    )
    if path.is_absolute() or path.drive or path.root:
        raise SpecError(
            Issue(
                "path-outside-folder",
                f"{what} names the absolute path '{ref}'; only relative paths are allowed",
                Location(file=ref),
                hint=hint,
            )
        )
    base = folder.resolve()
    target = (folder / path).resolve()
    if not target.is_relative_to(base):
        raise SpecError(
            Issue(
                "path-outside-folder",
                f"{what} path '{ref}' leads outside the folder of the file that names it "
                f"(to '{target}')",
                Location(file=ref),
                hint=hint,
            )
        )
    return target


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
        A bundled id (``ecr-r``), an id and a version (``risi@0.1.1``, or a prefix of
        whole components such as ``risi@0.1``), or a path to a YAML file.
    base
        Folder that relative paths are resolved against (the extending file's folder).
    extra_dirs
        Extra instrument folders to search for ids.

    Raises
    ------
    SpecError
        ``file-not-found`` for a missing path, ``unknown-instrument`` for an unknown id,
        ``unknown-instrument-version`` for a version that is neither current nor kept.
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
    ident, wanted = split_ref(text)
    known = available_instruments(extra_dirs)
    current = _current_file(ident, known)
    if wanted is None and current is not None:
        return current
    kept = kept_versions(ident, extra_dirs)
    if current is None and not kept:
        hint = did_you_mean(ident, known) or "see `relscales list` for the available ids"
        raise SpecError(
            Issue(
                "unknown-instrument",
                f"no instrument with id '{ident}'",
                Location(instrument=ident),
                hint=hint,
            )
        )
    if wanted is not None:
        found = _version_file(ident, wanted, current, kept)
        if found is not None:
            return found
    raise _unknown_version(ident, wanted, current, kept)


def _version_file(
    ident: str, wanted: str, current: Path | None, kept: list[KeptVersion]
) -> Path | None:
    """Return the file of a version: the current one if it matches, else the newest kept.

    A full version that is not kept falls back to the newest kept *later* patch of its
    minor version (``0.1.0`` -> ``0.1.1``): patch releases never change items or scoring
    keys. A patch later than any known one (``0.1.7``) is not a version and is refused.
    """
    now = _declared(current)[1] if current is not None else None
    requests = [(wanted, -1)]
    full = _RELEASE.match(wanted)
    if full is not None and not full.group(4) and "+" not in wanted:
        requests.append((f"{full.group(1)}.{full.group(2)}", int(full.group(3))))
    for request, min_patch in requests:
        candidates = ([(now, current)] if current is not None and now is not None else []) + [
            (k.version, k.path)
            for k in kept  # newest first
        ]
        for version, path in candidates:
            if _matches(version, request) and _patch(version) >= min_patch:
                return path
    return None


def _patch(version: str) -> int:
    """Return the patch number of a release version (``0.1.1`` -> 1), else -1."""
    found = _RELEASE.match(version)
    return int(found.group(3)) if found is not None else -1


def _unknown_version(
    ident: str, wanted: str | None, current: Path | None, kept: list[KeptVersion]
) -> SpecError:
    """Return the error for a version neither current nor kept (or an id with none current)."""
    now = _declared(current)[1] if current is not None else None
    shown = ([f"{now} (current)"] if now else []) + [k.version for k in kept if k.version != now]
    kept_refs = [k.ref for k in kept if k.version != now]
    how = f"select one with `-i {kept_refs[0]}`" if kept_refs else ""
    if current is not None:
        how += (" or" if how else "use") + f" `-i {ident}` for the current version"
    if wanted is None:
        message = f"instrument '{ident}' has no current version, only kept ones"
    elif wanted == "" or not (_PREFIX.match(wanted) or _RELEASE.match(wanted)):
        message = f"'{wanted}' is not a version (write ID@0.1.1 or ID@0.1)"
    else:
        message = f"no version {wanted} of '{ident}' is kept"
    return SpecError(
        Issue(
            "unknown-instrument-version",
            f"{message}; available: {', '.join(shown)}",
            Location(instrument=ident),
            hint=f"{how}; see docs/versions.md",
        )
    )
