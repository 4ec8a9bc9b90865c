"""After the last answer: score with the engine, render the person report, keep a record.

One respondent's answers become a one-row table (one column per item, named as the
engine reads it) scored by :func:`relscales.scoring.engine.score_compiled`, the
function behind ``relscales score``, so a self-assessment and a scored export give the
same numbers for the same answers.
"""

from __future__ import annotations

import datetime
import math
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
    "SAVE_FORMATS",
    "RaisedFlag",
    "ReportFormat",
    "raised_flags",
    "render_report",
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


def save_format(path: Path) -> Literal["html", "md", "txt", "json"]:
    """Return the format ``--save FILE`` asks for, checked before any question is asked.

    Raises
    ------
    OutputError
        ``unsupported-format`` for another suffix; ``output-unwritable`` when the
        folder does not exist.
    """
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
    return fmt


def score_answers(questionnaire: Questionnaire, answers: Mapping[str, float | None]) -> ScoreResult:
    """Score one respondent's answers (question key -> code, ``None`` = no answer).

    The result carries a standard error for every score and profile axis levels
    (``details``), intervals and counts, as the report needs.

    Examples
    --------
    >>> from relscales.selfassess.questionnaire import load_questionnaire
    >>> q = load_questionnaire("rrss")
    >>> result = score_answers(q, {question.key: 3 for question in q.questions})
    >>> float(result.scores["total"][0])
    3.0
    """
    import numpy as np

    from relscales.scoring.engine import ScoreOptions, score_compiled

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
class RaisedFlag:
    """A flag the answers raised, with its message and where to get help.

    Attributes
    ----------
    instrument, id, name, severity
        Which flag (``severity``: ``info``, ``concern`` or ``urgent``).
    message
        Its message in the respondent's language (else the instrument's first).
    resources
        ``"name: contact, url"`` lines for the locale, then the default ones.
    """

    instrument: str
    id: str
    name: str
    severity: str
    message: str
    resources: tuple[str, ...]


def _resource(name: str, contact: str | None, url: str | None) -> str:
    ways = [w for w in (contact, url) if w]
    return f"{name}: {', '.join(ways)}" if ways else name


def raised_flags(
    questionnaire: Questionnaire, result: ScoreResult, *, locale: str = "en-US"
) -> list[RaisedFlag]:
    """Return the flags raised for the respondent, urgent ones first."""
    from relscales.selfassess.questionnaire import pick_language

    names = result.metadata.get("reading_columns", {})
    out: list[RaisedFlag] = []
    for comp in questionnaire.compiled:
        for flag in comp.flags:
            column = names.get(comp.id, {}).get(f"flag_{flag.id}", f"flag_{flag.id}")
            if result.columns[column][0] is not True:
                continue
            spec = flag.spec
            message = spec.message[pick_language(list(spec.message), questionnaire.language)]
            chosen = [*spec.resources.get(locale, ())]
            chosen += [r for r in spec.resources.get("default", ()) if r not in chosen]
            lines = tuple(_resource(r.name, r.contact, r.url) for r in chosen)
            out.append(
                RaisedFlag(comp.id, spec.id, spec.name or spec.id, spec.severity, message, lines)
            )
    order = {"urgent": 0, "concern": 1, "info": 2}
    return sorted(out, key=lambda f: order.get(f.severity, 3))


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

    scores = {k: _plain(v) for k, v in result.to_records()[0].items() if k != RESPONDENT}
    return {
        "relscales_submission": 1,
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
        "instruments": result.metadata.get("instruments", []),
        "answers": {q.key: _plain(answers.get(q.key)) for q in questionnaire.questions},
        "scores": scores,
    }
