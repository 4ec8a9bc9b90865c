"""``relscales score --explain ROW``: how each reading was reached for one respondent.

Flags come first, then every score with its interval and where the interval came
from, then each profile: the flags that govern it (a raised safety flag reads
``safety-first`` and no source reading is given), then each axis against its cut point,
marker by marker on an axis with ``rule: any``. Plain text for the terminal.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from relscales.scoring.compile import CompiledInstrument
from relscales.scoring.readings import INDETERMINATE, SAFETY_FIRST
from relscales.scoring.results import ScoreResult

__all__ = [
    "NOT_A_DIAGNOSIS",
    "SOURCE_COMBINED",
    "SOURCE_PERSON",
    "SOURCE_SEM",
    "explain_row",
    "find_row",
    "flag_message",
    "flag_resources",
    "flag_states",
    "interval_bounds",
    "interval_source",
    "marker_level",
]

NOT_A_DIAGNOSIS = (
    "These readings describe answers given at one point in time. They are not a diagnosis, "
    "and they describe a state you are in, not who you are."
)


def find_row(result: ScoreResult, wanted: str) -> int | None:
    """Return the 0-based index of a respondent id, or of a 1-based row number."""
    ids = [str(v) for v in result.columns[result.id_column].tolist()]
    if wanted in ids:
        return ids.index(wanted)
    if wanted.isdigit() and 1 <= int(wanted) <= len(ids):
        return int(wanted) - 1
    return None


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "missing"
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def flag_resources(flag: Any, locale: str) -> list[Any]:
    """Return a flag's resources for ``locale``, then its ``default`` ones (no repeats)."""
    chosen = list(flag.resources.get(locale, ()))
    for res in flag.resources.get("default", ()):
        if res not in chosen:
            chosen.append(res)
    return chosen


def flag_message(flag: Any, lang: str = "en") -> str:
    """Return a flag's message in ``lang``, else in the first language it is written in."""
    messages: dict[str, str] = flag.message
    return messages.get(lang) or next(iter(messages.values()))


def _resources(flag: Any, locale: str) -> list[str]:
    lines = []
    for res in flag_resources(flag, locale):
        parts = [res.name] + [p for p in (res.contact, res.url) if p]
        lines.append(" - ".join(parts))
    return lines


def flag_states(
    result: ScoreResult, compiled: Sequence[CompiledInstrument], row: int
) -> list[tuple[CompiledInstrument, Any, bool | None]]:
    """Return ``(instrument, flag, state)`` for every declared flag, in declaration order.

    ``state`` is ``True`` (raised), ``False`` (not raised) or ``None`` (not known: some of
    its items are unanswered).
    """
    out: list[tuple[CompiledInstrument, Any, bool | None]] = []
    for comp in compiled:
        for flag in comp.flags:
            column = result.layout.flag_column(comp.id, flag.id)
            state = result.columns[column][row]
            out.append((comp, flag, None if state is None else bool(state)))
    return out


SOURCE_SEM = "classical SEM from the published reliability and reference SD"
SOURCE_PERSON = "from this person's own answers, moderated toward a typical spread of answers"
SOURCE_COMBINED = "combined from the intervals of the scores it is made of"


def interval_source(result: ScoreResult, name: str) -> str:
    """Say, in words, how a score's interval was computed (for the reader of a report).

    Every interval is a bounded Wilson interval (:mod:`relscales.scoring.intervals`); what
    differs is where its precision comes from: a classical SEM, the person's own answers
    moderated by a prior, or the parts of a composite.
    """
    meta = result.layout.score(name)
    if meta is None:
        return SOURCE_COMBINED
    return {
        "classical SEM": SOURCE_SEM,
        "person": SOURCE_PERSON,
        "combined": SOURCE_COMBINED,
    }[meta.interval_source]


def interval_bounds(result: ScoreResult, column: str, row: int) -> tuple[float, float] | None:
    """Return a score's interval for one respondent, or None when it is not known.

    Read from the details (``<column>.ci_low``/``.ci_high``, with ``details=True``), else
    from the ``<column>_ci_low``/``_ci_high`` output columns (``with_ci=True``).
    """
    for low_key, high_key, table in (
        (f"{column}.ci_low", f"{column}.ci_high", result.details),
        (f"{column}_ci_low", f"{column}_ci_high", result.columns),
    ):
        if low_key in table and high_key in table:
            low, high = float(table[low_key][row]), float(table[high_key][row])
            if math.isnan(low) or math.isnan(high):
                return None
            return low, high
    return None


def marker_level(value: float, bounds: tuple[float, float] | None, cut: float) -> str | None:
    """Level of one score against a cut from its interval: high, low, indeterminate, None."""
    if math.isnan(value):
        return None
    if bounds is None:
        return INDETERMINATE
    if bounds[0] > cut:
        return "high"
    if bounds[1] < cut:
        return "low"
    return INDETERMINATE


def _flag_short(name: str) -> str:
    return name.rpartition(".")[2]


def context_answer_text(comp: CompiledInstrument, item_index: int, code: float) -> str:
    """Return a context answer as shown: ``1 (No, this is my first partner)``."""
    item = comp.instrument.items[item_index]
    label = comp.instrument.spec.response_scales[item.scale].labels.get(code)
    return f"{code:g} ({label})" if label else f"{code:g}"


def _context_lines(result: ScoreResult, comp: CompiledInstrument, row: int) -> list[str]:
    out = []
    for j in comp.context:
        item = comp.instrument.items[j]
        answers = result.details.get(f"{comp.id}/context/{item.id}")
        if answers is None:
            continue
        code = float(answers[row])
        shown = "missing" if math.isnan(code) else context_answer_text(comp, j, code)
        out.append(f"  {comp.id}/{item.id} = {shown}")
    return out


def _not_applicable_text(
    result: ScoreResult, comp: CompiledInstrument, score: str, column: str, row: int
) -> str:
    """``; not applicable: cx_past = 1 (No, ...)`` for a subscale ruled out by its context."""
    ruled_out = result.details.get(f"{column}.not_applicable")
    if ruled_out is None or not bool(ruled_out[row]) or score not in comp.score_ids:
        return ""
    index = comp.score_ids.index(score)
    rule = next((r for r in comp.applies_when if r[0] == index), None)
    if rule is None:
        return "; not applicable in this respondent's context"
    item = comp.instrument.items[rule[1]]
    answers = result.details.get(f"{comp.id}/context/{item.id}")
    code = math.nan if answers is None else float(answers[row])
    shown = "missing" if math.isnan(code) else context_answer_text(comp, rule[1], code)
    return f"; not applicable: {item.id} = {shown}"


def _interval_text(result: ScoreResult, column: str, row: int, value: float) -> str:
    bounds = interval_bounds(result, column, row)
    if math.isnan(value):
        return ""
    if bounds is None:
        return "; no interval (its precision is not known)"
    return f"; interval {bounds[0]:.2f} to {bounds[1]:.2f} ({interval_source(result, column)})"


def explain_row(
    result: ScoreResult,
    compiled: Sequence[CompiledInstrument],
    row: int,
    *,
    level: float,
    z: float | None = None,
    locale: str = "en-US",
    battery: Any = None,
) -> str:
    """Return the explanation of one respondent's scores and readings.

    ``result`` must be scored with ``ScoreOptions(details=True)``: each score's interval
    and each reading's axis levels are read from its details. ``z`` is accepted for
    compatibility and not used (the engine computed the intervals at ``level``).
    """
    del z
    columns = result.columns
    rid = columns[result.id_column][row]
    out = [f"Respondent {rid} (row {row + 1})", ""]
    layout = result.layout
    flag_lines: list[str] = []
    kind_lines: dict[str, list[str]] = {"context": [], "seek-help": []}
    states: dict[str, bool | None] = {}
    for comp, flag, state in flag_states(result, compiled, row):
        states[f"{comp.id}.{flag.id}"] = state
        kind = flag.spec.kind
        alert = kind in ("safety", "other") or flag.spec.severity == "urgent"
        lines = flag_lines if alert else kind_lines[kind]
        if state is True:
            message = next(iter(flag.spec.message.values()))
            head = f"{flag.spec.severity.upper()} " if alert else ""
            lines.append(f"  {head}flag_{flag.id}: {'' if alert else 'raised: '}{message}")
            for res in _resources(flag.spec, locale) if alert else ():
                lines.append(f"      {res}")
        elif state is None:
            lines.append(f"  flag_{flag.id}: not known (some of its items are unanswered)")
        else:
            lines.append(f"  flag_{flag.id}: not raised")
    out += ["Flags (read these first):", *(flag_lines or ["  (none declared)"]), ""]
    if kind_lines["context"]:
        out += ["Context notes (shown with the readings):", *kind_lines["context"], ""]
    if kind_lines["seek-help"]:
        out += [
            'Seek-help criteria (listed under "When to seek professional help" unless the '
            "safety flag is raised):",
            *kind_lines["seek-help"],
            "",
        ]
    context_lines = [line for comp in compiled for line in _context_lines(result, comp, row)]
    if context_lines:
        out += ["Context answers (not scored):", *context_lines, ""]
    pct = f"{level * 100:g}%"
    out.append(f"Intervals are {pct} intervals.")
    out.append("")
    for comp in compiled:
        spec = comp.instrument.spec
        status = spec.validation.status
        experimental = status == "experimental"
        out.append(
            f"{spec.name} ({comp.id} {spec.version}; validation: {status}"
            + ("; its readings are an experimental reading aid" if experimental else "")
            + ")"
        )
        for score_info in comp.scores:
            column = layout.score_column(comp.id, score_info.id) or score_info.id
            if column not in columns:
                continue
            value = float(columns[column][row])
            line = f"  {column} = {_fmt(value)}"
            counts = result.n_answered.get(column)
            if counts is not None:
                answered = int(counts[row])
                line += f" ({answered} item{'s' * (answered != 1)} answered"
                na = result.n_not_applicable.get(column)
                n_na = int(na[row]) if na is not None else 0
                line += f", {n_na} did not apply)" if n_na else ")"
            line += _not_applicable_text(result, comp, score_info.id, column, row)
            out.append(line + _interval_text(result, column, row, value))

        def ref(index: int, comp: CompiledInstrument = comp) -> tuple[str, str]:
            column = layout.score_column(comp.id, comp.scores[index].id) or comp.scores[index].id
            return column, column

        for prof in comp.profiles:
            column = layout.profile_column(comp.id, prof.id)
            gates = [(g, states.get(f"{comp.id}.{g}")) for g in prof.gated_by]
            out += _profile_lines(result, prof, column, row, ref, gates, experimental)
        out.append("")
    if battery is not None:
        out += _battery_lines(result, battery, row, states)
    out.append(NOT_A_DIAGNOSIS)
    return "\n".join(out)


def _label_line(prof: Any, label: Any, experimental: bool) -> str:
    text = "missing" if label is None else str(label)
    notes = []
    named = "descriptive" in prof.name.lower()  # "Attachment orientation (descriptive)"
    if prof.descriptive and not named and label not in (None, INDETERMINATE, SAFETY_FIRST):
        notes.append("descriptive")
    if experimental:
        notes.append("experimental, not validated")
    return f"  {prof.name}: {text}" + (f" ({'; '.join(notes)})" if notes else "")


def _profile_lines(
    result: ScoreResult,
    prof: Any,
    column: str,
    row: int,
    ref: Callable[[int], tuple[str, str]],
    gates: Sequence[tuple[str, bool | None]],
    experimental: bool,
) -> list[str]:
    """How one profile's reading was reached (``ref``: score index -> (column, name))."""
    columns = result.columns
    label = columns[column][row] if column in columns else None
    out = ["", _label_line(prof, label, experimental)]
    raised = [name for name, state in gates if state is True]
    if label == SAFETY_FIRST or raised:
        flag = _flag_short(raised[0]) if raised else "safety"
        out.append(f"    safety-first: the {flag} flag is raised, so no source reading is given")
        return out
    for name, state in gates:
        if state is None:
            out.append(
                f"    the {_flag_short(name)} flag is not known (some of its items are "
                "unanswered), so safety could not be checked"
            )
    if prof.functions:
        x_name, y_name = ref(prof.x)[1], ref(prof.y)[1]
        xv, yv = float(columns[ref(prof.x)[0]][row]), float(columns[ref(prof.y)[0]][row])
        if math.isnan(xv) or math.isnan(yv):
            out.append("    a score is missing, so there is no reading")
            return out
        for name, a, b, c in prof.functions:
            out.append(
                f"    {name}: {a:g} x {x_name} + {b:g} x {y_name} + {c:g} = "
                f"{a * xv + b * yv + c:.2f}"
            )
        out.append(
            "    the highest function wins if it stays highest over the whole interval of both "
            "scores; otherwise indeterminate"
        )
        return out
    for axis, index, cut, markers in (
        ("x", prof.x, prof.cut_x, prof.x_markers),
        ("y", prof.y, prof.cut_y, prof.y_markers),
    ):
        levels = result.details.get(f"{column}.{axis}_level")
        lvl = levels[row] if levels is not None else None
        score_col, score_name = ref(index)
        value = float(columns[score_col][row]) if score_col in columns else math.nan
        bounds = interval_bounds(result, score_col, row)
        if markers:
            out.append(
                f"    {axis}: judged marker by marker (high when any marker's interval lies "
                "wholly above its cut, low only when every one lies wholly below) -> "
                f"{lvl if lvl is not None else 'missing'}"
            )
            for index_m, cut_m in markers:
                m_col, m_name = ref(index_m)
                m_value = float(columns[m_col][row]) if m_col in columns else math.nan
                m_bounds = interval_bounds(result, m_col, row)
                m_level = marker_level(m_value, m_bounds, cut_m)
                if math.isnan(m_value):
                    out.append(f"      {m_name} missing (cut {cut_m:g}) -> missing")
                    continue
                where = (
                    f"interval {m_bounds[0]:.2f} to {m_bounds[1]:.2f}"
                    if m_bounds is not None
                    else "no interval"
                )
                out.append(
                    f"      {m_name} {m_value:.2f}, {where}, against the cut {cut_m:g} -> {m_level}"
                )
            if not math.isnan(value):
                where = (
                    f", interval {bounds[0]:.2f} to {bounds[1]:.2f}" if bounds is not None else ""
                )
                out.append(
                    f"      ({score_name} {value:.2f}{where} is shown as a summary; "
                    "the reading does not use it)"
                )
            continue
        if math.isnan(value) or bounds is None:
            out.append(f"    {axis}: {score_name} missing")
            continue
        why = {
            "high": f"the whole interval lies above the cut {cut:g}",
            "low": f"the whole interval lies below the cut {cut:g}",
        }.get(str(lvl), f"the interval reaches the cut {cut:g}, so this axis is indeterminate")
        out.append(
            f"    {axis}: {score_name} {value:.2f}, interval {bounds[0]:.2f} to "
            f"{bounds[1]:.2f}: {why} -> {lvl}"
        )
    return out


def _battery_lines(
    result: ScoreResult, battery: Any, row: int, states: dict[str, bool | None]
) -> list[str]:
    spec = battery.battery.spec
    status = spec.validation.status
    experimental = status == "experimental"
    out = [
        f"{spec.name} (battery {spec.id} {spec.version}; validation: {status}"
        + ("; its readings are an experimental reading aid" if experimental else "")
        + ")"
    ]
    columns = result.columns
    layout = result.layout
    for comp in battery.composites:
        column = layout.score_column(battery.id, comp.id) or comp.id
        value = float(columns[column][row])
        line = (
            f"  {column} = {_fmt(value)} ({comp.metric}, weighted {comp.method} of "
            + ", ".join(
                ("reversed " if rev else "") + battery.names[p]
                for p, rev in zip(comp.parts.tolist(), comp.reverse.tolist(), strict=True)
            )
            + ")"
        )
        out.append(line + _interval_text(result, column, row, value))

    def ref(index: int) -> tuple[str, str]:
        name = battery.names[index]
        own = layout.score_column(battery.id, name)
        if own is not None:
            return own, name
        inst, _, score = name.partition(".")
        return layout.score_column(inst, score) or score, name

    for prof in battery.profiles:
        column = layout.profile_column(battery.id, prof.id)
        gates = [(g, states.get(g)) for g in prof.gated_by]
        out += _profile_lines(result, prof, column, row, ref, gates, experimental)
    out.append("")
    return out
