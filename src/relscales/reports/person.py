"""Build the context of one respondent's report (:func:`person_context`).

It gathers the respondent's flags and the report's safety state, the views of every
instrument (scores, then readings) and of the battery, the readings in reading order (each
kind explained once), the advice that fits them, and what produced the numbers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from relscales._version import __version__
from relscales.reports import wording
from relscales.reports.common import Clock, banner, default_clock
from relscales.reports.explain import flag_message, flag_resources, flag_states
from relscales.reports.person_readings import PersonReadings
from relscales.reports.person_scores import PersonScores
from relscales.reports.views import (
    Flag,
    Guidance,
    InstrumentView,
    PersonReport,
    Provenance,
    Resource,
    Safety,
    ScoreView,
)

if TYPE_CHECKING:
    from relscales.scoring.compile import CompiledBattery, CompiledInstrument
    from relscales.scoring.results import ScoreResult

__all__ = ["person_context"]


def _composite_missing(reader: PersonReadings, owner: CompiledInstrument | None, k: int) -> str:
    """Why a composite is missing: the parts it needs that are missing."""
    names = reader.missing_parts(owner, k)
    if not names:
        return "too few items were answered"
    verb = "is" if len(names) == 1 else "are"
    return f"it needs {wording.join_words(names)}, which {verb} missing"


def _instrument_view(
    scores_of: PersonScores,
    reader: PersonReadings,
    comp: CompiledInstrument,
    notes: Sequence[str] = (),
) -> InstrumentView:
    """Return the view of an instrument: its scores, then its readings.

    ``notes`` are the messages of its raised ``context`` flags: shown with its first
    reading that is not ``safety-first``, or before its scores when it has no reading.
    """
    spec = comp.instrument.spec
    described = {s.id: s for s in spec.subscales} | {c.id: c for c in spec.composites}
    n_sub = len(comp.methods)
    scores = []
    for k, info in enumerate(comp.scores):
        column = scores_of.column_of.get((comp.id, info.id), info.id)
        obj = described.get(info.id)
        screen = obj is not None and "safety" in obj.tags
        n_items = int((comp.weights[k] > 0).sum()) if k < comp.weights.shape[0] else None
        missing = (
            _composite_missing(reader, comp, k)
            if k >= n_sub and scores_of.value(column) is None
            else None
        )
        view = scores_of.score_view(column, column, info, n_items, screen, missing)
        description = obj.description if obj is not None else None
        scores.append(_replace(view, description=description))
    readings = [reader.reading(comp.id, prof, comp) for prof in comp.profiles]
    for k, reading in enumerate(readings):
        if notes and not reading.safety_first:
            readings[k] = dataclasses.replace(reading, context_notes=tuple(notes))
            break
    safety_first = any(r.safety_first for r in readings)
    internal = [
        fid
        for prof in comp.profiles
        if prof.id.startswith("insecurity_source")
        for fid, _ in reader.leaves(comp, prof.x)
    ]
    status = spec.validation.status
    return InstrumentView(
        "instrument",
        comp.id,
        spec.name,
        spec.abbreviation,
        spec.version,
        comp.instrument.content_hash,
        status,
        status == "experimental",
        banner(status, spec.name),
        spec.citation,
        spec.doi,
        tuple(scores),
        tuple(readings),
        _norms_note(scores),
        _sources(scores),
        wording.safety_first_scores(internal) if safety_first else None,
        tuple(notes) if notes and not readings else (),
    )


def _battery_view(
    scores_of: PersonScores, reader: PersonReadings, battery: CompiledBattery
) -> InstrumentView:
    """Return the view of a battery: its composites, then its readings."""
    spec = battery.battery.spec
    n_member = len(battery.scores) - len(battery.composites)
    scores = []
    for k, (comp, info) in enumerate(
        zip(battery.composites, battery.scores[n_member:], strict=True)
    ):
        column = scores_of.result.layout.score_column(battery.id, comp.id) or comp.id
        missing = (
            _composite_missing(reader, None, n_member + k)
            if scores_of.value(column) is None
            else None
        )
        view = scores_of.score_view(column, comp.id, info, None, False, missing)
        obj = next(c for c in spec.composites if c.id == comp.id)
        scores.append(_replace(view, description=obj.description))
    readings = tuple(reader.reading(battery.id, prof, None) for prof in battery.profiles)
    status = spec.validation.status
    return InstrumentView(
        "battery",
        battery.id,
        spec.name,
        None,
        spec.version,
        battery.battery.content_hash,
        status,
        status == "experimental",
        banner(status, spec.name),
        None,
        None,
        tuple(scores),
        readings,
        _norms_note(scores),
        _sources(scores),
        wording.SAFETY_FIRST_SCORES if any(r.safety_first for r in readings) else None,
    )


def _replace(view: ScoreView, **changes: Any) -> ScoreView:
    return dataclasses.replace(view, **changes)


def _sources(scores: Sequence[ScoreView]) -> tuple[str, ...]:
    found = [s.interval.source for s in scores if s.interval is not None and not s.screen]
    return tuple(dict.fromkeys(found))


def _norms_note(scores: Sequence[ScoreView]) -> str | None:
    if all(s.norm is not None or s.screen for s in scores):
        return None
    some = "These scores have" if all(s.norm is None for s in scores) else "Some scores have"
    return (
        f"{some} no reference group, so they are not compared with norms; their charts show "
        "them on the range of the scale."
    )


def person_context(
    result: ScoreResult,
    compiled: Sequence[CompiledInstrument],
    row: int,
    *,
    battery: CompiledBattery | None = None,
    lang: str = "en",
    locale: str = "en-US",
    clock: Clock | None = None,
    version: str | None = None,
    self_assessment: bool = False,
) -> PersonReport:
    """Build the context of one respondent's report.

    Parameters
    ----------
    result
        Scores of one or more respondents. Score with ``ScoreOptions(details=True)`` (or
        :func:`relscales.reports.render.score_for_report`) to get person-level intervals.
    compiled
        The compiled instruments the result was scored with (a battery's members may be
        left out when ``battery`` is given).
    row
        0-based index of the respondent in ``result``.
    battery
        The compiled battery, when the result was scored with one.
    lang, locale
        Language of flag messages; locale of the help resources shown with flags.
    clock, version
        The date and the relscales version printed on the report (injectable, so that
        snapshots are reproducible).
    """
    if not 0 <= row < result.n_respondents:
        raise IndexError(f"row {row} is outside the {result.n_respondents} respondents")
    b = PersonScores(result, compiled, row, battery)
    flags = []
    for comp, flag, state in flag_states(result, b.compiled, row):
        flags.append(
            Flag(
                id=flag.id,
                name=flag.spec.name or flag.id,
                instrument=comp.id,
                severity=flag.spec.severity,
                state="raised" if state is True else "unknown" if state is None else "not raised",
                message=flag_message(flag.spec, lang),
                resources=tuple(
                    Resource(r.name, r.contact, r.url) for r in flag_resources(flag.spec, locale)
                ),
                kind=flag.spec.kind,
            )
        )
    reader = PersonReadings(b, {(f.instrument, f.id): f for f in flags})
    raised_flags = tuple(f for f in flags if f.raised and f.alert)
    safety = _safety(flags, _safety_flag_ids(b.compiled, battery))
    instruments = [
        _instrument_view(
            b,
            reader,
            comp,
            [
                f.message
                for f in flags
                if f.instrument == comp.id and f.kind == "context" and f.raised and not f.alert
            ],
        )
        for comp in b.compiled
    ]
    if battery is not None:
        instruments.append(_battery_view(b, reader, battery))
    order = {"insecurity_source": 0, "attachment": 1, "other": 2}
    readings = sorted(
        (r for inst in instruments for r in inst.readings), key=lambda r: order[r.kind]
    )
    explained: set[str] = set()
    safety_said = False
    for k, reading in enumerate(readings):  # explain each kind of reading once
        if reading.safety_first:
            if safety_said:
                readings[k] = dataclasses.replace(reading, finding=wording.SAFETY_FIRST_AGAIN)
            safety_said = True
            continue
        if reading.kind in explained and reading.kind != "other":
            readings[k] = dataclasses.replace(reading, intro=())
        explained.add(reading.kind)
    provenance = [
        Provenance("instrument", c.id, c.instrument.version, c.instrument.content_hash)
        for c in b.compiled
    ]
    if battery is not None:
        provenance.append(
            Provenance(
                "battery", battery.id, battery.battery.spec.version, battery.battery.content_hash
            )
        )
    problems = tuple(
        f"{p.instrument} item {p.item} (column {p.column}): {p.message}"
        for p in result.problems
        if p.row == row + 1
    )
    shown = any(f.resources for f in raised_flags) or safety.resources_shown
    advice_for = [(r.kind, r.label) for r in readings if not r.safety_first]
    help_flags = [f for f in flags if f.kind == "seek-help" and not f.alert]
    criteria = tuple(f.message for f in help_flags if f.raised) if safety.state != "raised" else ()
    lead = wording.seek_help_lead(
        len(criteria),
        bool(help_flags) and all(f.state != "unknown" for f in help_flags),
        safety.state,
    )
    when = (clock or default_clock)()
    return PersonReport(
        kind="person",
        title="Questionnaire report",
        respondent_id=str(result.columns[result.id_column][row]),
        row=row + 1,
        self_assessment=self_assessment,
        generated=when.date().isoformat(),
        relscales_version=version or __version__,
        confidence_level=b.level,
        lang=lang,
        locale=locale,
        flags=tuple(flags),
        raised_flags=raised_flags,
        banners=tuple(i.banner for i in instruments if i.banner),
        readings=tuple(readings),
        instruments=tuple(instruments),
        problems=problems,
        guidance=Guidance(
            not_a_diagnosis=wording.NOT_A_DIAGNOSIS,
            state_not_trait=wording.STATE_NOT_TRAIT,
            what_helps=wording.what_helps(advice_for, safety.state, resources_shown=shown),
            seek_help=wording.seek_help(safety.state, resources_shown=shown),
            safety_heading=wording.SAFETY_HEADING,
            what_helps_heading=wording.what_helps_heading(safety.state),
            seek_help_heading=wording.seek_help_heading(safety.state),
            seek_help_lead=lead,
            seek_help_criteria=criteria,
        ),
        provenance=tuple(provenance),
        safety=safety,
    )


def _safety_flag_ids(
    compiled: Sequence[CompiledInstrument], battery: CompiledBattery | None
) -> set[tuple[str, str]]:
    """``(instrument, flag id)`` of the flags that govern a reading (``gated_by``)."""
    out = {(c.id, g) for c in compiled for p in c.profiles for g in p.gated_by}
    if battery is not None:
        for prof in battery.profiles:
            for name in prof.gated_by:
                inst, _, flag = name.partition(".")
                out.add((inst, flag))
    return out


def _safety(flags: Sequence[Flag], gating: set[tuple[str, str]]) -> Safety:
    """Return the safety state, from the flags that govern readings and urgent flags."""
    chosen = [f for f in flags if (f.instrument, f.id) in gating or f.severity == "urgent"]
    raised = [f for f in chosen if f.raised]
    unknown = [f for f in chosen if f.state == "unknown"]
    if raised:
        return Safety(
            "raised",
            wording.SAFETY_HEADING,
            (wording.SAFETY_RAISED,),
            wording.PRIVACY,
            tuple(raised),
            _resources(raised),
        )
    if unknown:
        resources = _resources(unknown)
        return Safety(
            "unknown",
            wording.SAFETY_UNKNOWN_HEADING,
            (wording.safety_unknown(bool(resources)),),
            wording.PRIVACY,
            tuple(unknown),
            resources,
        )
    return Safety("clear" if chosen else "not screened", None, (), None, (), ())


def _resources(flags: Sequence[Flag]) -> tuple[Resource, ...]:
    return tuple(dict.fromkeys(r for f in flags for r in f.resources))
