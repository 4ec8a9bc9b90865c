"""``relscales export`` and ``relscales import``: instruments to and from other formats.

The formats themselves are in :mod:`relscales.interchange` (text in, text out). This job
loads the instrument, picks the converter, checks every output path against the inputs
before anything is written, writes each file atomically, and says what did not cross.
An imported instrument is validated as written: what a person must still add is listed
and the exit code is 1 until it validates.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from relscales.errors import DataError, Issue, Location
from relscales.interchange import EXPORT_TARGETS, IMPORT_SOURCES

if TYPE_CHECKING:
    from relscales.interchange import Exported, Imported

__all__ = [
    "ExportJob",
    "ImportJob",
    "export_instrument",
    "import_instrument",
    "run_export",
    "run_import",
]

EXIT_OK = 0
EXIT_NEEDS_EDITS = 1

_EXPORTERS = {
    "redcap": ("redcap", "export_redcap"),
    "fhir": ("fhir", "export_fhir"),
    "reproschema": ("reproschema", "export_reproschema"),
    "qualtrics-txt": ("qualtrics", "export_qualtrics_txt"),
}
_IMPORTERS = {
    "redcap": ("redcap", "import_redcap"),
    "fhir": ("fhir", "import_fhir"),
    "reproschema": ("reproschema", "import_reproschema"),
}


def _converter(table: dict[str, tuple[str, str]], key: str) -> Callable[..., Any]:
    module, name = table[key]
    found: Callable[..., Any] = getattr(
        importlib.import_module(f"relscales.interchange.{module}"), name
    )
    return found


def _unknown(option: str, given: str, known: Sequence[str]) -> DataError:
    return DataError(
        Issue(
            "invalid-option",
            f"{option} {given!r} is not a format relscales converts",
            hint=f"use one of: {', '.join(known)}",
        )
    )


def export_instrument(
    instrument: str | os.PathLike[str],
    target: str,
    *,
    instruments_dir: Sequence[str | os.PathLike[str]] = (),
) -> Exported:
    """Convert an instrument (bundled id, ``ID@VERSION`` or YAML path) to another format.

    Parameters
    ----------
    instrument
        What ``-i`` takes elsewhere.
    target
        ``"redcap"``, ``"fhir"``, ``"reproschema"`` or ``"qualtrics-txt"``.
    instruments_dir
        Extra folders of instrument files.

    Returns
    -------
    Exported
        The files' texts and the rules the target cannot express.
    """
    from relscales.instruments.loader import load_instrument

    if target not in _EXPORTERS:
        raise _unknown("--to", target, EXPORT_TARGETS)
    loaded = load_instrument(instrument, instruments_dir=instruments_dir)
    exported: Exported = _converter(_EXPORTERS, target)(loaded)
    return exported


def import_instrument(path: str | os.PathLike[str], source: str, **options: Any) -> Imported:
    """Read an instrument from another format as a relscales instrument document.

    Parameters
    ----------
    path
        The REDCap data dictionary (CSV), FHIR Questionnaire (JSON) or ReproSchema activity
        (its folder or schema file).
    source
        ``"redcap"``, ``"fhir"`` or ``"reproschema"``.
    **options
        Passed to the reader (REDCap: ``form=``).

    Returns
    -------
    Imported
        The instrument document and what could not be represented.
    """
    if source not in _IMPORTERS:
        raise _unknown("--from", source, IMPORT_SOURCES)
    if not Path(path).exists():
        raise DataError(
            Issue(
                "file-not-found",
                "the file to import does not exist",
                Location(file=os.fspath(path)),
                hint="check the path",
            )
        )
    kwargs = {k: v for k, v in options.items() if v is not None}
    imported: Imported = _converter(_IMPORTERS, source)(Path(path), **kwargs)
    return imported


@dataclass(frozen=True)
class ExportJob:
    """The options of ``relscales export``."""

    instrument: str
    target: str
    output: Path
    instruments_dir: Sequence[str | os.PathLike[str]] = field(default_factory=tuple)


@dataclass(frozen=True)
class ImportJob:
    """The options of ``relscales import``."""

    source_file: Path
    source: str
    output: Path
    form: str | None = None


def _targets(exported: Exported, output: Path) -> list[tuple[Path, str]]:
    """Where each exported file goes: ``-o`` itself for one file, else under ``-o``."""
    if len(exported.files) == 1:
        return [(output, next(iter(exported.files.values())))]
    parts = [name.split("/") for name in exported.files]
    first = {p[0] for p in parts}
    if len(first) == 1 and all(len(p) > 1 for p in parts):  # -o is the folder itself
        parts = [p[1:] for p in parts]
    return [
        (output.joinpath(*p), text) for p, text in zip(parts, exported.files.values(), strict=True)
    ]


def run_export(job: ExportJob, echo: Callable[[str], None]) -> int:
    """Run ``relscales export``; return the exit code."""
    from relscales.instruments.registry import resolve_instrument
    from relscales.io.atomic import atomic_text, check_outputs

    exported = export_instrument(job.instrument, job.target, instruments_dir=job.instruments_dir)
    source = resolve_instrument(job.instrument, extra_dirs=job.instruments_dir)
    targets = _targets(exported, job.output)
    check_outputs([("-o", path) for path, _ in targets], [("instrument", source)])
    for path, text in targets:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_text(path, private=False) as stream:  # a form holds no answers
            stream.write(text)
    where = job.output if len(targets) == 1 else f"{job.output}/ ({len(targets)} files)"
    echo(f"exported {job.instrument} as {job.target} -> {where}")
    for note in exported.notes:
        echo(f"note: {note}")
    return EXIT_OK


def run_import(job: ImportJob, echo: Callable[[str], None]) -> int:
    """Run ``relscales import``; return 0 when the file validates, else 1 (with the list)."""
    import yaml

    from relscales.instruments.loader import validate_file
    from relscales.io.atomic import atomic_text, check_outputs

    imported = import_instrument(job.source_file, job.source, form=job.form)
    check_outputs([("-o", job.output)], [("file to import", job.source_file)])
    header = [
        f"# Imported by relscales from {job.source} ({job.source_file.name}).",
        *(f"# note: {note}" for note in imported.notes),
    ]
    body = yaml.safe_dump(imported.document, sort_keys=False, allow_unicode=True, width=100)
    with atomic_text(job.output, private=False) as stream:
        stream.write("\n".join(header) + "\n" + body)
    echo(f"imported {job.source_file} ({job.source}) -> {job.output}")
    for note in imported.notes:
        echo(f"note: {note}")
    report = validate_file(job.output)
    errors = [issue for issue in report.issues if issue.severity == "error"]
    if not errors:
        echo(f"{job.output} is a valid instrument file (relscales validate)")
        return EXIT_OK
    echo(f"{job.output} does not validate yet; add or fix, then run relscales validate:")
    for issue in errors:
        echo(f"  {issue}")
    return EXIT_NEEDS_EDITS
