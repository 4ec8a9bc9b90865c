"""After the last answer: score with the engine, render the person report, keep a record.

One respondent's answers become a one-row table (one column per item, named as the
engine reads it) scored by :func:`relscales.scoring.engine.score_compiled`, the
function behind ``relscales score``, so a self-assessment and a scored export give the
same numbers for the same answers.
"""

from __future__ import annotations

import datetime
import math
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from relscales.errors import Issue, Location, OutputError

if TYPE_CHECKING:
    from relscales.scoring.results import ScoreResult
    from relscales.selfassess.questionnaire import Questionnaire

__all__ = [
    "RESPONDENT",
    "SAFETY_UNCHECKED",
    "SAVED_FILE_HEADER",
    "SAVED_FILE_NOTE",
    "SAVE_FORMATS",
    "FlagNotice",
    "RaisedFlag",
    "ReportFormat",
    "SafetyCheck",
    "mark_saved",
    "raised_flags",
    "render_report",
    "safety_check",
    "save_format",
    "score_answers",
    "submission_record",
]

RESPONDENT = "respondent"
"""Name of the id column of the one-row table that is scored."""

RESPONDENT_ID = "self-assessment"
"""The respondent id in that table (and on the report)."""

ReportFormat = Literal["html", "md", "txt"]

SAVE_FORMATS: dict[str, Literal["html", "md", "txt", "json"]] = {
    ".html": "html",
    ".htm": "html",
    ".md": "md",
    ".txt": "txt",
    ".json": "json",
}
"""``--save`` suffix -> what is written."""

SAVED_FILE_NOTE = (
    "The saved file holds your answers and your results. Anyone who can use this computer, "
    "or reach its files, could open it and read them."
)
"""Said whenever a self-assessment is saved (``take --save``, ``serve --save``)."""

SAVED_FILE_HEADER = (
    "This file holds a person's answers to a self-assessment and their results; keep it private."
)
"""Written into every saved self-assessment file: the first thing anyone opening it reads
(a comment in HTML and Markdown, a line in text, the ``about`` field in JSON)."""

SAFETY_UNCHECKED = (
    "Safety could not be checked: you skipped some of the questions about your safety, so "
    "these results cannot tell whether you are safe with your partner. That is all right. "
    "If you ever do not feel safe, help is there:"
)
"""Said before the report when the safety questions were skipped (with the resources)."""


def save_format(path: Path) -> Literal["html", "md", "txt", "json"]:
    """Return the format ``--save FILE`` asks for, checked before any question is asked.

    The suffix must name a format, the folder must exist and take a new file, and
    ``path`` must be a regular file or a new name (not a folder, a link, a pipe, a
    device): a path that cannot be used is found before the first question, not after
    the last.

    Raises
    ------
    OutputError
        ``unsupported-format`` for another suffix; ``output-unwritable`` when the folder
        does not exist or cannot be written in; ``output-special-file`` when ``path`` is
        not a regular file (:func:`relscales.io.atomic.check_output_target`).
    """
    from relscales.io.atomic import check_output_target

    fmt = SAVE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise OutputError(
            Issue(
                "unsupported-format",
                f"cannot save a report as '{path.suffix or path.name}'",
                Location(file=str(path)),
                hint="use .html, .md, .txt or .json",
            )
        )
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(
            Issue(
                "output-unwritable",
                f"the folder '{folder}' does not exist",
                Location(file=str(path)),
                hint="create the folder first, or choose another path",
            )
        )
    check_output_target(path, "--save")  # a folder, a link, a pipe, a device: refused
    try:  # a real probe: permissions, a read-only disk, a full quota
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise OutputError(
            Issue(
                "output-unwritable",
                f"cannot write in the folder '{folder}': {exc.strerror or exc}",
                Location(file=str(path)),
                hint="choose a folder you can write in, or check its permissions",
            )
        ) from None
    return fmt


def mark_saved(text: str, fmt: Literal["html", "md", "txt"]) -> str:
    r"""Return a saved report with :data:`SAVED_FILE_HEADER` at its top.

    HTML gets a comment right after its doctype, Markdown a comment (seen in the file,
    not in the rendered page), text a first paragraph.

    Examples
    --------
    >>> mark_saved("<!DOCTYPE html>\n<html></html>", "html").splitlines()[1][:40]
    "<!-- This file holds a person's answers "
    >>> mark_saved("REPORT", "txt").splitlines()[1:]
    ['', 'REPORT']
    """
    if fmt == "txt":
        return f"{SAVED_FILE_HEADER}\n\n{text}"
    comment = f"<!-- {SAVED_FILE_HEADER} -->\n"
    doctype = _DOCTYPE.match(text) if fmt == "html" else None
    if doctype is None:
        return comment + text
    return doctype.group().rstrip("\n") + "\n" + comment + text[doctype.end() :]


_DOCTYPE = re.compile(r"<!doctype html[^>]*>\n?", re.IGNORECASE)


def score_answers(questionnaire: Questionnaire, answers: Mapping[str, float | None]) -> ScoreResult:
    """Score one respondent's answers (question key -> code, ``None`` = no answer).

    The result carries every score's interval and the profile axis levels (``details``:
    ``<score>.ci_low``, ``<score>.ci_high``), the interval columns and counts, as the
    report needs.

    Examples
    --------
    >>> from relscales.selfassess.questionnaire import load_questionnaire
    >>> q = load_questionnaire("rrss")
    >>> result = score_answers(q, {question.key: 3 for question in q.questions})
    >>> float(result.scores["total"][0])
    3.0
    """
    import numpy as np

    from relscales.pipeline.score import score_compiled
    from relscales.scoring.options import ScoreOptions

    data: dict[str, Any] = {RESPONDENT: [RESPONDENT_ID]}
    for question in questionnaire.questions:
        value = answers.get(question.key)
        data[question.column] = np.array([math.nan if value is None else float(value)])
    options = ScoreOptions(
        id_column=RESPONDENT, details=True, with_ci=True, with_counts=True, with_bands=True
    )
    members = [] if questionnaire.battery is not None else list(questionnaire.compiled)
    return score_compiled(members, data, options, battery=questionnaire.battery)


def render_report(
    questionnaire: Questionnaire,
    result: ScoreResult,
    fmt: ReportFormat,
    *,
    locale: str = "en-US",
) -> str:
    """Render the person report of the one respondent in ``result`` (the reports' templates)."""
    from relscales.reports.render import render_person_report

    return render_person_report(
        result,
        list(questionnaire.compiled),
        0,
        fmt=fmt,
        lang=questionnaire.language,
        locale=locale,
        battery=questionnaire.battery,
        self_assessment=True,
    )


@dataclass(frozen=True, slots=True)
class FlagNotice:
    """A flag to tell the respondent about, with its message and where to get help.

    Attributes
    ----------
    instrument, id, name, severity
        Which flag (``severity``: ``info``, ``concern`` or ``urgent``).
    message
        Its message in the respondent's language (else the instrument's first).
    resources
        ``"name: contact, url"`` lines for the locale, then the default ones.
    safety
        Whether the flag governs safety
        (:func:`~relscales.selfassess.questionnaire.safety_flag_ids`).
    state
        ``raised``, or ``unknown`` when some of its questions were skipped and none
        raised it.
    kind
        The flag's kind (``safety``, ``other``, ...). Only alerts (``safety`` and
        ``other`` flags, and any ``urgent`` one) are told before the results; ``context``
        and ``seek-help`` flags are in the report itself.
    """

    instrument: str
    id: str
    name: str
    severity: str
    message: str
    resources: tuple[str, ...]
    safety: bool = False
    state: Literal["raised", "unknown"] = "raised"
    kind: str = "other"


RaisedFlag = FlagNotice
"""The former name of :class:`FlagNotice` (every flag it described was raised)."""


def _resource(name: str, contact: str | None, url: str | None) -> str:
    ways = [w for w in (contact, url) if w]
    return f"{name}: {', '.join(ways)}" if ways else name


def _notices(questionnaire: Questionnaire, result: ScoreResult, locale: str) -> list[FlagNotice]:
    """Every alert that is raised, and every safety flag that is unknown.

    Alerts are flags of kind ``safety`` or ``other``, any ``urgent`` flag, and every flag
    that governs safety. A raised ``context`` flag is a note with the readings, and a
    raised ``seek-help`` flag a criterion in the report's "When to seek professional
    help": neither is told before the results.
    """
    from relscales.selfassess.questionnaire import pick_language

    safety = questionnaire.safety_flags
    out: list[FlagNotice] = []
    for comp in questionnaire.compiled:
        for flag in comp.flags:
            column = result.layout.flag_column(comp.id, flag.id)
            value = result.columns[column][0]
            governs = (comp.id, flag.id) in safety
            kind = flag.spec.kind
            if not governs and kind not in ("safety", "other") and flag.spec.severity != "urgent":
                continue
            if value is True:
                state: Literal["raised", "unknown"] = "raised"
            elif value is None and governs:
                state = "unknown"
            else:
                continue
            spec = flag.spec
            message = spec.message[pick_language(list(spec.message), questionnaire.language)]
            chosen = [*spec.resources.get(locale, ())]
            chosen += [r for r in spec.resources.get("default", ()) if r not in chosen]
            lines = tuple(_resource(r.name, r.contact, r.url) for r in chosen)
            out.append(
                FlagNotice(
                    comp.id,
                    spec.id,
                    spec.name or spec.id,
                    spec.severity,
                    message,
                    lines,
                    safety=governs,
                    state=state,
                    kind=kind,
                )
            )
    order = {"urgent": 0, "concern": 1, "info": 2}
    return sorted(out, key=lambda f: (not f.safety, order.get(f.severity, 3)))


def raised_flags(
    questionnaire: Questionnaire, result: ScoreResult, *, locale: str = "en-US"
) -> list[FlagNotice]:
    """Return the alerts raised for the respondent: safety first, then urgent ones first.

    ``context`` and ``seek-help`` flags are left out: the report shows them with the
    readings and under "When to seek professional help".
    """
    return [f for f in _notices(questionnaire, result, locale) if f.state == "raised"]


@dataclass(frozen=True, slots=True)
class SafetyCheck:
    """What the shell must say before any result.

    Attributes
    ----------
    raised
        Every raised alert (``safety`` and ``other`` flags, any ``urgent`` one), safety
        flags first.
    unchecked
        Safety flags that could not be checked because their questions were skipped.
    """

    raised: tuple[FlagNotice, ...] = ()
    unchecked: tuple[FlagNotice, ...] = ()

    @property
    def safety_first(self) -> bool:
        """True when a safety flag is raised: then no source reading is shown anywhere."""
        return any(f.safety for f in self.raised)

    @property
    def unchecked_resources(self) -> tuple[str, ...]:
        """The resources of the unchecked safety flags, without repeats."""
        out: list[str] = []
        for flag in self.unchecked:
            out += [r for r in flag.resources if r not in out]
        return tuple(out)

    def __bool__(self) -> bool:
        return bool(self.raised or self.unchecked)


def safety_check(
    questionnaire: Questionnaire, result: ScoreResult, *, locale: str = "en-US"
) -> SafetyCheck:
    """Return the raised flags and the unchecked safety flags of the respondent.

    Examples
    --------
    >>> from relscales.selfassess.questionnaire import load_questionnaire
    >>> q = load_questionnaire("risi")
    >>> answers = {x.key: 1.0 for x in q.questions}
    >>> check = safety_check(q, score_answers(q, {**answers, "risi.sf_fear": None}))
    >>> check.safety_first, [f.id for f in check.unchecked]
    (False, ['safety'])
    >>> check.unchecked_resources
    ('National Domestic Violence Hotline: 1-800-799-7233', 'Local emergency services')
    >>> safety_check(q, score_answers(q, {**answers, "risi.sf_fear": 4.0})).safety_first
    True
    """
    notices = _notices(questionnaire, result, locale)
    return SafetyCheck(
        raised=tuple(f for f in notices if f.state == "raised"),
        unchecked=tuple(f for f in notices if f.state == "unknown"),
    )


def _plain(value: Any) -> Any:
    """Whole-number floats as ints (answers and scores read ``3``, not ``3.0``)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def submission_record(
    questionnaire: Questionnaire,
    answers: Mapping[str, float | None],
    result: ScoreResult,
    *,
    via: Literal["take", "serve"],
) -> dict[str, Any]:
    """Return the JSON record of one submission: answers, scores, readings and provenance."""
    from relscales._version import __version__
    from relscales.io.special import recorded_paths

    scores = {k: _plain(v) for k, v in result.to_records()[0].items() if k != RESPONDENT}
    return {
        "relscales_submission": 1,
        "about": SAVED_FILE_HEADER,
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "via": via,
        "relscales_version": __version__,
        "questionnaire": {
            "id": questionnaire.id,
            "kind": questionnaire.kind,
            "version": questionnaire.version,
            "validation_status": questionnaire.status,
            "languages": {s.instrument: s.language for s in questionnaire.sections},
        },
        # the file names of the instruments, never absolute paths (which can hold a user name)
        "instruments": recorded_paths({"instruments": result.metadata.get("instruments", [])})[
            "instruments"
        ],
        "answers": {q.key: _plain(answers.get(q.key)) for q in questionnaire.questions},
        "scores": scores,
    }
