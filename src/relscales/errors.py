"""Errors, problem records and their locations.

Every failure relscales reports carries a stable kebab-case ``code`` (one of
:data:`ErrorCode`, each documented in ``docs/errors.md``) and a :class:`Location`
naming the file, line and column (instrument files) or the row, respondent and
column (response data).

The exception tree::

    RelscalesError                 base of everything relscales raises on purpose
     +-- SpecError                 an instrument file is unreadable or invalid
     +-- DataError                 response data cannot be read or matched to items
     +-- ScoringError              a valid instrument meets data or options it cannot score
     +-- OutputError               a result cannot be written where asked
     +-- ReportError               a report template is missing, broken or unsafe
     +-- MissingDependencyError    an optional extra is needed for this input or output

A :class:`RelscalesError` holds one or more :class:`Issue` objects in ``.issues``
(validation collects every problem before raising once).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

from relscales.textsafe import printable

__all__ = [
    "DataError",
    "ErrorCode",
    "Issue",
    "Location",
    "MissingDependencyError",
    "OutputError",
    "RelscalesError",
    "ReportError",
    "ScoringError",
    "Severity",
    "SpecError",
]

ErrorCode = Literal[
    # reading files
    "file-not-found",
    "file-unreadable",
    # YAML syntax and safety
    "yaml-syntax",
    "yaml-duplicate-key",
    "yaml-tag",
    "yaml-alias-limit",
    "yaml-not-mapping",
    # structure of an instrument
    "format-version",
    "unknown-key",
    "missing-key",
    "wrong-type",
    "quote-value",
    "invalid-value",
    # meaning of an instrument
    "duplicate-id",
    "duplicate-column",
    "unknown-item",
    "unknown-score",
    "unknown-scale",
    "scale-values",
    "reverse-needs-range",
    "min-answered-too-high",
    "bands-invalid",
    "norm-invalid",
    "missing-item-text",
    "context-item-scored",
    "unknown-instrument",
    "unknown-instrument-version",
    "extends-cycle",
    "extends-unknown-item",
    # unsafe or ambiguous text, paths leaving a file's folder, `extends` chains
    "control-character",
    "ambiguous-label",
    "label-conflict",
    "path-outside-folder",
    "extends-too-deep",
    # style warnings (`relscales validate --strict` fails on them)
    "duplicate-label",
    "unused-item",
    "all-items-reversed",
    "missing-provenance",
    # response data
    "data-unreadable",
    "data-empty",
    "data-encoding",
    "unclosed-quote",
    "duplicate-data-column",
    "missing-item-column",
    "id-column-not-found",
    "map-invalid",
    "unsupported-format",
    "missing-dependency",
    "invalid-option",
    "sheet-not-found",
    "duplicate-answer",
    # cell-level problems (records, not exceptions)
    "value-out-of-range",
    "value-not-a-code",
    "value-not-a-number",
    "value-label-mismatch",
    "value-looks-like-date",
    "ragged-row",
    # warnings about a whole data set
    "scale-range-narrow",
    "no-norms",
    "no-reliability",
    "data-no-rows",
    "data-nul-bytes",
    "duplicate-respondent-id",
    "repeated-header",
    "unfinished-responses",
    "preview-responses",
    "value-labels-disagree",
    # awkward inputs: a JSON key twice in a record, formulas without a saved value,
    # respondent ids that were not found
    "json-duplicate-key",
    "excel-formula-no-value",
    "no-id-column",
    # analysing a sample (`relscales analyze`)
    "alpha-below-published",
    "item-looks-reversed",
    "careless-respondents",
    # linking respondents: waves of one person (`relscales change`), partners of a couple
    # (`relscales couples`)
    "linking-column-not-found",
    "wave-order-unknown",
    "couple-roles",
    "linked-row-without-id",
    "linked-row-without-wave",
    "linked-duplicate-wave",
    "couple-row-without-couple",
    "couple-row-without-role",
    "couple-one-member",
    "couple-too-many-members",
    "couple-same-role",
    "couple-person-in-two",
    # writing results
    "output-is-input",
    "output-unwritable",
    # outputs that collide or are special files, writes the system refuses, inputs that
    # are not files, input nested too deeply
    "output-collision",
    "output-special-file",
    "disk-full",
    "file-too-large",
    "input-not-a-file",
    "nesting-too-deep",
    # rendering reports from templates
    "template-not-found",
    "template-error",
    "template-unsafe",
]
"""Every stable code relscales can report; ``docs/errors.md`` has one heading per code."""

ERROR_CODES: frozenset[str] = frozenset(get_args(ErrorCode))

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Location:
    """Where a problem is: a place in an instrument file or a cell of response data.

    Attributes
    ----------
    file
        Path of the instrument or data file, as given by the user.
    line, column
        1-based line and column in an instrument file.
    path
        JSON-style path inside the instrument (``subscales[1].items[3]``).
    instrument
        Id of the instrument the problem belongs to.
    object_id
        Id of the enclosing item, subscale, composite, profile or flag.
    row
        1-based data row (the first row after the header is row 1).
    respondent
        Respondent id of that row.
    data_column
        Name of the data column.
    """

    file: str | None = None
    line: int | None = None
    column: int | None = None
    path: str | None = None
    instrument: str | None = None
    object_id: str | None = None
    row: int | None = None
    respondent: str | None = None
    data_column: str | None = None

    def prefix(self) -> str:
        """Render the location in GCC style (``file:line:col``) for messages.

        Terminal controls in the file name, respondent id and column name (which come
        from the data) are shown as escapes (:func:`relscales.textsafe.printable`).
        """
        parts: list[str] = []
        if self.file is not None:
            head = self.file
            if self.line is not None:
                head += f":{self.line}"
                if self.column is not None:
                    head += f":{self.column}"
            parts.append(head)
        if self.row is not None:
            cell = f"row {self.row}"
            if self.respondent is not None:
                cell += f" (id {self.respondent})"
            parts.append(cell)
        if self.data_column is not None:
            parts.append(f"column '{self.data_column}'")
        return printable(", ".join(parts))


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found while loading an instrument or reading data.

    Attributes
    ----------
    code
        Stable kebab-case code, one of :data:`ErrorCode`.
    message
        What is wrong, naming the item or subscale id.
    location
        Where it is.
    severity
        ``"error"`` (stops the work) or ``"warning"`` (reported, work goes on).
    hint
        What to do about it, when there is a clear fix.
    """

    code: ErrorCode
    message: str
    location: Location = field(default_factory=Location)
    severity: Severity = "error"
    hint: str | None = None

    def render(self) -> str:
        r"""Render as ``FILE:LINE:COL: error[code] PATH: message (hint)``, on one line.

        Messages quote cell values, ids and file names from the data and instrument
        files; any terminal control in them (an escape sequence, a line break, a bidi
        override) is shown as an escape such as ``\x1b``, so that printing the message
        cannot drive the terminal (:func:`relscales.textsafe.printable`).
        """
        head = self.location.prefix()
        text = f"{self.severity}[{self.code}]"
        if head:
            text = f"{head}: {text}"
        if self.location.path:
            text += f" {self.location.path}:"
        text += f" {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return printable(text)

    def to_dict(self) -> dict[str, object]:
        """Return a JSON-ready mapping; ``None`` fields are left out."""
        out: dict[str, object] = {
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
        }
        if self.hint:
            out["hint"] = self.hint
        loc = {
            key: getattr(self.location, key)
            for key in Location.__slots__
            if getattr(self.location, key) is not None
        }
        if loc:
            out["location"] = loc
        return out


class RelscalesError(Exception):
    """Base of every error relscales raises on purpose.

    Parameters
    ----------
    issues
        The problems found; at least one. ``code`` and ``str()`` come from the first.
    """

    def __init__(self, issues: Issue | list[Issue]) -> None:
        self.issues: tuple[Issue, ...] = (issues,) if isinstance(issues, Issue) else tuple(issues)
        if not self.issues:  # pragma: no cover - programming error
            raise ValueError("a RelscalesError needs at least one issue")
        super().__init__("\n".join(issue.render() for issue in self.issues))

    @property
    def code(self) -> ErrorCode:
        """Code of the first issue."""
        return self.issues[0].code

    @classmethod
    def single(
        cls,
        code: ErrorCode,
        message: str,
        *,
        hint: str | None = None,
        **where: str | int | None,
    ) -> RelscalesError:
        """Build an error with one issue; keyword arguments fill the :class:`Location`."""
        return cls(Issue(code, message, Location(**where), hint=hint))  # type: ignore[arg-type]


class SpecError(RelscalesError):
    """An instrument file is unreadable or invalid."""


class DataError(RelscalesError):
    """Response data cannot be read or matched to an instrument's items."""


class ScoringError(RelscalesError):
    """A valid instrument meets data or options it cannot score."""


class OutputError(RelscalesError):
    """A result cannot be written where the user asked."""


class ReportError(RelscalesError):
    """A report template is missing, cannot be rendered, or reaches for Python internals."""


class MissingDependencyError(RelscalesError):
    """An optional dependency is needed for this input or output format."""
