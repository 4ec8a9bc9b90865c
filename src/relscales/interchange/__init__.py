"""Instruments to and from other formats: REDCap, FHIR, ReproSchema, Qualtrics.

Every exporter takes a loaded :class:`relscales.instruments.instrument.Instrument` and returns
an :class:`Exported`; every importer takes a file and returns an :class:`Imported`. Neither
writes anything: the command line (``relscales export`` / ``relscales import``) does, through
the pipeline. What a target cannot express is never dropped in silence: it is a note, said in
the exported file where the format has room for it and always in :attr:`Exported.notes`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["EXPORT_TARGETS", "IMPORT_SOURCES", "Exported", "Imported"]

EXPORT_TARGETS = ("redcap", "fhir", "reproschema", "qualtrics-txt")
"""The formats ``relscales export --to`` writes."""
IMPORT_SOURCES = ("redcap", "fhir", "reproschema")
"""The formats ``relscales import --from`` reads."""


@dataclass(frozen=True)
class Exported:
    """An instrument in another format.

    Attributes
    ----------
    files
        File name (relative, ``/``-separated) -> text. One entry for single-file formats
        (its name is a suggestion; the user's ``-o`` wins); a ReproSchema activity is a folder.
    notes
        The instrument's rules the target cannot express (or expresses differently), one
        plain sentence each, for the user.
    """

    files: dict[str, str]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Imported:
    """An instrument read from another format, as a relscales instrument document.

    Attributes
    ----------
    document
        The instrument as the YAML mapping of ``docs/instrument-format`` (ready for
        ``yaml.safe_dump``).
    notes
        What could not be represented, or what a person must add before the file validates
        (for example a licence or a validation status), one plain sentence each.
    """

    document: dict[str, Any]
    notes: tuple[str, ...] = field(default=())
