"""A readable terminal table of ``relscales analyze`` (presentation only; rounds here)."""

from __future__ import annotations

import math

from relscales.analysis_results import AnalysisResult

__all__ = ["analysis_table"]


def _f(value: float | None, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.{digits}f}"


def analysis_table(result: AnalysisResult) -> str:
    """Return the per-subscale reliability table, item statistics and the quality summary."""
    inst = result.instrument
    lines = [
        f"{inst['id']} {inst['version']}: {result.n_respondents} respondents"
        + (f", {len(result.problems)} invalid cells treated as missing" if result.problems else ""),
        "",
        f"{'subscale':<22} {'items':>5} {'complete':>8} {'alpha':>6} {'interval':>13} "
        f"{'std':>5} {'G6':>5} {'mean r':>6} {'omega_t':>7} {'omega_h':>7} {'published':>9}",
    ]
    for sub in result.subscales.values():
        rel = sub.reliability
        interval = f"{_f(rel.ci_low)}-{_f(rel.ci_high)}"
        lines.append(
            f"{sub.id[:22]:<22} {len(sub.item_ids):>5} {sub.n_complete:>8} "
            f"{_f(rel.estimate):>6} {interval:>13} {_f(rel.std_alpha):>5} {_f(rel.lambda6):>5} "
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
        flagged = int(result.quality.careless.sum())
        lines += [
            "",
            f"Data quality: {flagged} of {result.n_respondents} respondents flagged "
            "as possibly careless (see docs/methods.md for the rules)",
        ]
        counts: dict[str, int] = {}
        for row in result.quality.reasons:
            for reason in row:
                counts[reason] = counts.get(reason, 0) + 1
        for reason, n in sorted(counts.items()):
            lines.append(f"  {reason}: {n}")
    return "\n".join(lines)
