"""REDCap exports: raw or labelled CSV, with events, repeating instruments and codes.

A REDCap export (Data Exports > CSV, raw data or labels) has the record id field
first, then ``redcap_event_name`` in longitudinal projects,
``redcap_repeat_instrument`` and ``redcap_repeat_instance`` when instruments repeat,
``redcap_data_access_group``, the fields, a ``<form>_complete`` column per form and
one ``<field>___<code>`` column per checkbox option. A labelled export writes choice
labels instead of codes, and (from the export page) field labels as the column
names: "Record ID", "Event Name", "Repeat Instrument", "Complete?".

What relscales does with it: labels decode through the instrument's response
labels, like any text; ``_complete`` and checkbox columns are not read unless mapped
to items; the project's missing-data codes (``UNK``, ``NASK``, ``NA``, ...) are read as
missing and counted. In a longitudinal or repeating project one record has several
rows, so the respondent id is a column ``redcap_id`` built as
``record|event|repeat instrument|repeat instance`` (each part present in the export,
joined by ``|``, empty parts kept), unique per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from relscales.io.readsource import ExportSource

if TYPE_CHECKING:
    from relscales.io.formats import Probe

__all__ = ["MISSING_CODES", "looks_like_redcap", "read_redcap"]

PARTS = ("redcap_event_name", "redcap_repeat_instrument", "redcap_repeat_instance")
LABEL_PARTS = ("Event Name", "Repeat Instrument", "Repeat Instance")
OTHER = ("redcap_data_access_group", "redcap_survey_identifier")
LABEL_OTHER = ("Data Access Group", "Survey Identifier")

MISSING_CODES = frozenset(
    {
        "NI",
        "INV",
        "UNK",
        "NASK",
        "ASKU",
        "NAV",
        "NAVU",
        "MSK",
        "NA",
        "NP",
        "QS",
        "QI",
        "TRC",
        "UNC",
        "DER",
        "PINF",
        "NINF",
        "OTH",
    }
)
"""REDCap's suggested missing-data codes (HL7 null flavours), read as missing."""

ID_NAME = "redcap_id"


def _labelled(header: Sequence[str]) -> bool:
    return any(name in header for name in (*LABEL_PARTS, *LABEL_OTHER)) or any(
        name.endswith("Complete?") for name in header
    )


def looks_like_redcap(header: Sequence[str]) -> bool:
    """Tell a REDCap export by its ``redcap_*`` or ``_complete`` columns (or their labels).

    >>> looks_like_redcap(["study_id", "q1", "baseline_complete"])
    True
    >>> looks_like_redcap(["id", "q1", "q2"])
    False
    """
    if any(name in header for name in (*PARTS, *OTHER)):
        return True
    first = header[0].casefold() if header else ""
    if first.endswith("id") and any(name.endswith("_complete") for name in header[1:]):
        return True  # the record id field comes first; each form has <form>_complete
    return _labelled(header)


def read_redcap(probe: Probe) -> ExportSource:
    """Open a REDCap CSV export, raw or labelled."""
    dialect = probe.dialect
    header = dialect.header
    labelled = _labelled(header) and not any(name in header for name in PARTS)
    names = LABEL_PARTS if labelled else PARTS
    record = header[0]
    parts = (record, *(name for name in names if name in header))
    notes = [f"read {probe.name} as a REDCap export (record id '{record}')"]
    derived: dict[str, tuple[str, ...]] = {}
    id_hint = record
    out_header = header
    if len(parts) > 1:
        id_name = ID_NAME if ID_NAME not in header else f"{ID_NAME}_"
        derived[id_name] = parts
        id_hint = id_name
        out_header = (id_name, *header)
        notes.append(
            "a record can have several rows (events or repeated instruments), so the "
            f"respondent id is the column '{id_name}' = {'|'.join(parts)}"
        )
    if labelled:
        notes.append(
            "the column names are field labels: map them to item ids with --map, or "
            "export with variable names as column headers"
        )
    return ExportSource(
        probe.name,
        out_header,
        probe.path.stat().st_size,
        probe.path,
        dialect,
        format="redcap",
        id_hint=id_hint,
        notes=notes,
        details={"id_parts": list(parts), "labelled_headers": labelled},
        missing_codes=MISSING_CODES,
        missing_name="a REDCap missing-data code (UNK, NASK, NA, ...)",
        protected=frozenset({*parts, *OTHER, *LABEL_OTHER}),
        derived=derived,
    )
