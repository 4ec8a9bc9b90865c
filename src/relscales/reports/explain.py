"""``relscales score --explain ROW``: how each reading was reached for one respondent.

Flags come first, then every score with its interval and where the interval came
from, then each profile axis against its cut point. Plain text for the terminal.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from relscales.scoring.compile import CompiledInstrument
from relscales.scoring.results import ScoreResult

__all__ = [
    "NOT_A_DIAGNOSIS",
    "SOURCE_PERSON",
    "SOURCE_SEM",
    "critical_value",
    "explain_row",
    "find_row",
    "flag_message",
    "flag_resources",
    "flag_states",
    "interval_source",
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
    names = result.metadata.get("reading_columns", {})
    out: list[tuple[CompiledInstrument, Any, bool | None]] = []
    for comp in compiled:
        for flag in comp.flags:
            column = names.get(comp.id, {}).get(f"flag_{flag.id}", f"flag_{flag.id}")
            state = result.columns[column][row]
            out.append((comp, flag, None if state is None else bool(state)))
    return out


SOURCE_SEM = "classical SEM from the published reliability"
SOURCE_PERSON = "from the spread of this person's own answers"


def interval_source(result: ScoreResult, name: str) -> str:
    """Say where a score's standard error comes from (for the reader of a report)."""
    meta = result.metadata.get("scores", {}).get(name)
    if meta is None:
        return "propagated from the scores it combines"
    return SOURCE_SEM if meta.get("sem") is not None else SOURCE_PERSON


def explain_row(
    result: ScoreResult,
    compiled: Sequence[CompiledInstrument],
    row: int,
    *,
    level: float,
    z: float,
    locale: str = "en-US",
    battery: Any = None,
) -> str:
    """Return the explanation of one respondent's scores and readings."""
    columns = result.columns
    rid = columns[result.id_column][row]
    out = [f"Respondent {rid} (row {row + 1})", ""]
    names = result.metadata.get("reading_columns", {})
    flag_lines: list[str] = []
    for _, flag, state in flag_states(result, compiled, row):
        if state is True:
            message = next(iter(flag.spec.message.values()))
            flag_lines.append(f"  {flag.spec.severity.upper()} flag_{flag.id}: {message}")
            for res in _resources(flag.spec, locale):
                flag_lines.append(f"      {res}")
        elif state is None:
            flag_lines.append(f"  flag_{flag.id}: not known (some of its items are unanswered)")
        else:
            flag_lines.append(f"  flag_{flag.id}: not raised")
    out += ["Flags (read these first):", *(flag_lines or ["  (none declared)"]), ""]
    pct = f"{level * 100:g}%"
    for comp in compiled:
        spec = comp.instrument.spec
        status = spec.validation.status
        out.append(f"{spec.name} ({comp.id} {spec.version}; validation: {status})")
        info = result.metadata["scores"]
        for state_name, meta in info.items():
            if meta["instrument"] != comp.id:
                continue
            value = float(columns[state_name][row])
            se = result.details.get(f"{state_name}.se")
            line = f"  {state_name} = {_fmt(value)}"
            counts = result.n_answered.get(state_name)
            if counts is not None:
                answered = int(counts[row])
                line += f" ({answered} item{'s' * (answered != 1)} answered)"
            if se is not None and not math.isnan(value):
                s = float(se[row])
                crit = critical_value(result, state_name, row, level, z)
                if math.isinf(s):
                    line += "; no interval (fewer than two items answered)"
                else:
                    source = interval_source(result, state_name)
                    line += (
                        f"; {pct} interval {value - crit * s:.2f} to {value + crit * s:.2f} "
                        f"(SE {s:.3f}, {source})"
                    )
            out.append(line)
        for prof in comp.profiles:
            column = names.get(comp.id, {}).get(prof.id, prof.id)
            label = columns[column][row]
            out += [
                "",
                f"  {prof.name}: {label if label is not None else 'missing'}"
                + (" (descriptive)" if prof.descriptive else ""),
            ]
            if prof.functions:
                offset = _offset(info, comp.id)
                x_name, y_name = list(info)[offset + prof.x], list(info)[offset + prof.y]
                xv, yv = float(columns[x_name][row]), float(columns[y_name][row])
                if math.isnan(xv) or math.isnan(yv):
                    out.append("    a score is missing, so there is no reading")
                    continue
                for name, a, b, c in prof.functions:
                    out.append(
                        f"    {name}: {a:g} x {x_name} + {b:g} x {y_name} + {c:g} = "
                        f"{a * xv + b * yv + c:.2f}"
                    )
                out.append(
                    "    the highest function wins if it stays highest over the whole "
                    "interval of both scores; otherwise indeterminate"
                )
                continue
            for axis, index, cut in (("x", prof.x, prof.cut_x), ("y", prof.y, prof.cut_y)):
                score_name = list(info)[_offset(info, comp.id) + index]
                value = float(columns[score_name][row])
                level_name = result.details.get(f"{column}.{axis}_level")
                lvl = level_name[row] if level_name is not None else None
                se = result.details.get(f"{score_name}.se")
                if math.isnan(value) or se is None:
                    out.append(f"    {axis}: {score_name} missing")
                    continue
                s = float(se[row])
                crit = critical_value(result, score_name, row, level, z)
                low, high = value - crit * s, value + crit * s
                why = {
                    "high": f"the whole interval lies above the cut {cut:g}",
                    "low": f"the whole interval lies below the cut {cut:g}",
                }.get(
                    str(lvl), f"the interval reaches the cut {cut:g}, so this axis is indeterminate"
                )
                out.append(
                    f"    {axis}: {score_name} {value:.2f}, interval {low:.2f} to "
                    f"{high:.2f}: {why} -> {lvl}"
                )
        out.append("")
    if battery is not None:
        out += _battery_lines(result, battery, row, level, z)
    out.append(NOT_A_DIAGNOSIS)
    return "\n".join(out)


def critical_value(result: ScoreResult, name: str, row: int, level: float, z: float) -> float:
    """Return the critical value for this score and respondent (t on its df, else normal)."""
    df = result.details.get(f"{name}.df")
    if df is None or not math.isfinite(float(df[row])) or float(df[row]) <= 0:
        return z
    from scipy.stats import t

    return float(t.ppf(0.5 + level / 2.0, float(df[row])))


def _battery_lines(
    result: ScoreResult, battery: Any, row: int, level: float, z: float
) -> list[str]:
    spec = battery.battery.spec
    out = [f"{spec.name} (battery {spec.id} {spec.version}; validation: {spec.validation.status})"]
    columns = result.columns
    by_id = {v: k for k, v in result.metadata.get("battery_columns", {}).items()}
    for comp in battery.composites:
        column = by_id.get(comp.id, comp.id)
        value = float(columns[column][row])
        line = (
            f"  {column} = {_fmt(value)} ({comp.metric}, weighted {comp.method} of "
            + ", ".join(
                ("reversed " if rev else "") + battery.names[p]
                for p, rev in zip(comp.parts.tolist(), comp.reverse.tolist(), strict=True)
            )
            + ")"
        )
        se = result.details.get(f"{comp.id}.se")
        if se is not None and not math.isnan(value) and math.isfinite(float(se[row])):
            crit = critical_value(result, comp.id, row, level, z)
            s = float(se[row])
            line += f"; interval {value - crit * s:.1f} to {value + crit * s:.1f}"
        out.append(line)
    profiles = {v: k for k, v in result.metadata.get("battery_profiles", {}).items()}
    for prof in battery.profiles:
        column = profiles.get(prof.id, prof.id)
        label = columns[column][row]
        out += ["", f"  {prof.name}: {label if label is not None else 'missing'}"]
        for axis, index, cut in (("x", prof.x, prof.cut_x), ("y", prof.y, prof.cut_y)):
            name = battery.names[index]
            key = by_id.get(name, name)
            value = float(columns[key][row]) if key in columns else math.nan
            lvl = result.details.get(f"{column}.{axis}_level")
            out.append(
                f"    {axis}: {name} {_fmt(value)} against the cut {cut:g} -> "
                f"{lvl[row] if lvl is not None else '?'}"
            )
    out.append("")
    return out


def _offset(info: dict[str, Any], instrument: str) -> int:
    for k, meta in enumerate(info.values()):
        if meta["instrument"] == instrument:
            return k
    return 0
