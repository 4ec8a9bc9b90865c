"""A readable terminal table of ``relscales analyze`` (presentation only; rounds here)."""

from __future__ import annotations

import math

from relscales.analysis_results import AnalysisResult

__all__ = ["analysis_table", "interval_text"]

CARELESS_SHOWN = 5
"""How many flagged respondents the quality summary names (the rest are counted)."""


def _f(value: float | None, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.{digits}f}"


def interval_text(low: float | None, high: float | None) -> str:
    """Write an interval as ``[low, high]``, so that a negative bound reads unambiguously.

    >>> interval_text(-0.86, 0.44), interval_text(None, None)
    ('[-0.86, 0.44]', '-')
    """
    if low is None or high is None or math.isnan(low) or math.isnan(high):
        return "-"
    return f"[{_f(low)}, {_f(high)}]"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


def analysis_table(result: AnalysisResult, list_command: str | None = None) -> str:
    """Return the per-subscale reliability table, item statistics and the quality summary.

    ``list_command`` is the command that lists every respondent's screen result, shown
    when the screen flags anyone.
    """
    inst = result.instrument
    n_invalid = len(result.problems)
    lines = [
        f"{inst['id']} {inst['version']}: {_plural(result.n_respondents, 'respondent')}"
        + (f", {_plural(n_invalid, 'invalid cell')} treated as missing" if n_invalid else ""),
        "",
        f"{'subscale':<22} {'items':>5} {'complete':>8} {'alpha':>6} {'interval':>14} "
        f"{'std':>5} {'G6':>5} {'mean r':>6} {'omega_t':>7} {'omega_h':>7} {'published':>9}",
    ]
    for sub in result.subscales.values():
        rel = sub.reliability
        interval = interval_text(rel.ci_low, rel.ci_high)
        lines.append(
            f"{sub.id[:22]:<22} {len(sub.item_ids):>5} {sub.n_complete:>8} "
            f"{_f(rel.estimate):>6} {interval:>14} {_f(rel.std_alpha):>5} {_f(rel.lambda6):>5} "
            f"{_f(rel.mean_r):>6} {_f(sub.omega.omega_total if sub.omega else None):>7} "
            f"{_f(sub.omega.omega_hierarchical if sub.omega else None):>7} "
            f"{_f(sub.published_alpha):>9}"
        )
    for sub in result.subscales.values():
        lines += [
            "",
            f"{sub.id}: items",
            f"  {'item':<10} {'mean':>5} {'sd':>5} {'r.cor':>6} "
            f"{'r.drop':>6} {'alpha if dropped':>16}",
        ]
        for s in sub.items.items:
            mark = "  <- looks reversed" if s.looks_reversed else ""
            lines.append(
                f"  {s.item_id:<10} {_f(s.mean):>5} {_f(s.sd):>5} {_f(s.r_cor):>6} "
                f"{_f(s.r_drop):>6} {_f(s.alpha_if_deleted):>16}{mark}"
            )
        for note in sub.notes:
            lines.append(f"  note: {note}")
    if result.quality is not None:
        lines += ["", *_quality_lines(result, list_command)]
    return "\n".join(lines)


def _quality_lines(result: AnalysisResult, list_command: str | None) -> list[str]:
    """Summarise data quality: how many were flagged, who (the first few), why."""
    screen = result.quality
    assert screen is not None
    rows = screen.flagged_rows
    head = (
        f"Data quality: {len(rows)} of {_plural(result.n_respondents, 'respondent')} flagged "
        "as possibly careless (see docs/methods.md for the rules)"
    )
    if not rows.size:
        return [head]
    named = ", ".join(screen.respondent(r) for r in range(min(rows.size, CARELESS_SHOWN)))
    more = f" and {rows.size - CARELESS_SHOWN} more" if rows.size > CARELESS_SHOWN else ""
    lines = [head, f"  flagged: {named}{more}"]
    lines += [f"  {reason}: {n}" for reason, n in sorted(screen.by_reason().items())]
    if list_command:
        lines.append(f"  list them all, row by row: {list_command}")
    return lines
