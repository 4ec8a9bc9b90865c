"""Semantic checks of an instrument: cross-references, keys, bands and norms.

Structural problems (types, unknown keys) are caught by the pydantic models in
:mod:`relscales.spec`; this module checks what those cannot see. Every check
yields a :class:`Finding` with the path of the offending value, so the loader can
point at its line and column. Errors make an instrument invalid; warnings are
style problems reported by ``relscales validate`` (``--strict`` makes them fail).
"""

from __future__ import annotations

import difflib
import itertools
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from relscales.errors import ErrorCode, Severity
from relscales.labels import normalize_label
from relscales.spec import AppliesWhenSpec, BandSpec, InstrumentSpec, NormSpec, ProfileSpec

__all__ = ["Finding", "check_instrument", "did_you_mean"]

Path = tuple[str | int | float, ...]  # float: a response-scale label keyed by a code


@dataclass(frozen=True, slots=True)
class Finding:
    """One semantic problem, located by its path in the instrument."""

    code: ErrorCode
    path: Path
    message: str
    hint: str | None = None
    severity: Severity = "error"


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """Return ``"did you mean 'x'?"`` for the closest candidate, or ``None``."""
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f"did you mean '{matches[0]}'?" if matches else None


def _unknown(kind: str, name: str, known: Iterable[str]) -> tuple[str, str | None]:
    known = list(known)
    hint = did_you_mean(name, known)
    if hint is None and known:
        shown = ", ".join(known[:8]) + (", ..." if len(known) > 8 else "")
        hint = f"known {kind}s: {shown}"
    return f"{kind} '{name}', which is not defined", hint


def check_instrument(spec: InstrumentSpec) -> list[Finding]:
    """Run every semantic check and return all findings, errors first."""
    findings = list(_checks(spec))
    findings.sort(key=lambda f: f.severity != "error")
    return findings


def _checks(spec: InstrumentSpec) -> Iterator[Finding]:
    yield from _check_scales(spec)
    yield from _check_items(spec)
    yield from _check_subscales(spec)
    yield from _check_composites(spec)
    yield from _check_profiles_and_flags(spec)
    yield from _check_style(spec)


def _check_scales(spec: InstrumentSpec) -> Iterator[Finding]:
    for name, scale in spec.response_scales.items():
        base: Path = ("response_scales", name)
        values = list(scale.values)
        if any(b <= a for a, b in itertools.pairwise(values)):
            yield Finding(
                "scale-values",
                (*base, "values"),
                f"response scale '{name}' lists values that are not strictly ascending: {values}",
                hint="list each code once, smallest first",
            )
        not_applicable = list(scale.not_applicable)
        for value in scale.labels:
            if value not in values and value not in not_applicable:
                yield Finding(
                    "scale-values",
                    (*base, "labels", value),
                    f"response scale '{name}' labels {value!r}, which is not one of its values"
                    + (" nor of its not_applicable codes" if not_applicable else ""),
                    hint=f"label one of {values + not_applicable}",
                )
        for i, code in enumerate(scale.missing_codes):
            if code in values:
                yield Finding(
                    "scale-values",
                    (*base, "missing_codes", i),
                    f"missing code {code!r} of response scale '{name}' is also a valid value",
                    hint="a code cannot mean both an answer and 'no answer'",
                )
        for i, code in enumerate(not_applicable):
            if code in values or code in scale.missing_codes:
                kind = "a valid value" if code in values else "a missing code"
                yield Finding(
                    "scale-values",
                    (*base, "not_applicable", i),
                    f"not-applicable code {code!r} of response scale '{name}' is also {kind}",
                    hint="'does not apply' needs a code of its own, outside `values` and "
                    "`missing_codes`",
                )
            elif code in not_applicable[:i]:
                yield Finding(
                    "scale-values",
                    (*base, "not_applicable", i),
                    f"response scale '{name}' lists not-applicable code {code!r} twice",
                    hint="list each code once",
                )


def _check_items(spec: InstrumentSpec) -> Iterator[Finding]:
    seen: dict[str, int] = {}
    columns: dict[str, str] = {}
    languages = list(spec.languages)
    for i, item in enumerate(spec.items):
        base: Path = ("items", i)
        if item.id in seen:
            yield Finding(
                "duplicate-id",
                (*base, "id"),
                f"item id '{item.id}' is used twice (first as items[{seen[item.id]}])",
                hint="give every item its own id",
            )
        else:
            seen[item.id] = i
        column = item.column or item.id
        if column in columns and columns[column] != item.id:
            yield Finding(
                "duplicate-column",
                (*base, "column" if item.column else "id"),
                f"item '{item.id}' reads data column '{column}', which item "
                f"'{columns[column]}' already reads",
                hint="each item needs its own column",
            )
        columns.setdefault(column, item.id)
        scale = spec.response_scales.get(item.scale)
        if scale is None:
            message, hint = _unknown("response scale", item.scale, spec.response_scales)
            yield Finding("unknown-scale", (*base, "scale"), f"item '{item.id}': {message}", hint)
        if item.context and item.reverse:
            yield Finding(
                "context-item-scored",
                (*base, "reverse"),
                f"item '{item.id}' is a context item but reverse-keyed; context items are "
                "not scored, so they have no keying",
                hint="drop `reverse` (or `context`, if the item is meant to be scored)",
            )
        elif scale is not None and item.reverse and len(scale.values) < 2:
            yield Finding(
                "reverse-needs-range",
                (*base, "reverse"),
                f"item '{item.id}' is reverse-keyed but its scale '{item.scale}' has fewer than "
                "two values, so it has no range to reverse",
                hint="give the scale at least two values, or drop `reverse`",
            )
        if spec.license.item_text == "included":
            missing = [lang for lang in languages if not item.text or lang not in item.text]
            if missing:
                yield Finding(
                    "missing-item-text",
                    (*base, "text") if item.text else base,
                    f"item '{item.id}' has no text in {', '.join(missing)}, but "
                    "license.item_text is 'included'",
                    hint="add the wording, or set license.item_text to not-included",
                )


def _check_subscales(spec: InstrumentSpec) -> Iterator[Finding]:
    items = {item.id: item for item in spec.items}
    for i, sub in enumerate(spec.subscales):
        base: Path = ("subscales", i)
        listed: set[str] = set()
        for j, item_id in enumerate(sub.items):
            if item_id not in items:
                message, hint = _unknown("item", item_id, items)
                yield Finding(
                    "unknown-item",
                    (*base, "items", j),
                    f"subscale '{sub.id}' lists {message}",
                    hint,
                )
            elif item_id in listed:
                yield Finding(
                    "duplicate-id",
                    (*base, "items", j),
                    f"subscale '{sub.id}' lists item '{item_id}' twice",
                    hint="list each item once; use `weights` to count one more heavily",
                )
            elif items[item_id].context:
                yield Finding(
                    "context-item-scored",
                    (*base, "items", j),
                    f"subscale '{sub.id}' lists item '{item_id}', which is a context item; "
                    "context items are not scored",
                    hint="remove it from the subscale; to score only in some situations, use "
                    f"applies_when: {{item: {item_id}, in: [...]}}",
                )
            listed.add(item_id)
        for item_id, weight in (sub.weights or {}).items():
            if item_id not in sub.items:
                message, hint = _unknown("item", item_id, sub.items)
                yield Finding(
                    "unknown-item",
                    (*base, "weights", item_id),
                    f"subscale '{sub.id}' weights {message} in this subscale",
                    hint,
                )
            elif weight <= 0:
                yield Finding(
                    "invalid-value",
                    (*base, "weights", item_id),
                    f"subscale '{sub.id}' gives item '{item_id}' weight {weight}",
                    hint="weights must be positive; reverse keying belongs on the item",
                )
        yield from _check_min_answered(sub.id, sub.min_answered, len(sub.items), base)
        if sub.applies_when is not None:
            yield from _check_applies_when(spec, sub.id, sub.applies_when, base)
        yield from _check_bands(sub.id, sub.bands, base)
        yield from _check_norms(sub.id, sub.norms, base)


def _check_applies_when(
    spec: InstrumentSpec, name: str, rule: AppliesWhenSpec, base: Path
) -> Iterator[Finding]:
    """Check that a subscale's ``applies_when`` names a context item and codes of its scale."""
    path: Path = (*base, "applies_when")
    items = {item.id: item for item in spec.items}
    target = items.get(rule.item)
    if target is None:
        context = [item.id for item in spec.items if item.context]
        message, hint = _unknown("context item", rule.item, context or items)
        yield Finding(
            "unknown-item", (*path, "item"), f"subscale '{name}' applies when {message}", hint
        )
        return
    if not target.context:
        yield Finding(
            "invalid-value",
            (*path, "item"),
            f"subscale '{name}' applies when item '{rule.item}' has some answers, but "
            f"'{rule.item}' is not a context item",
            hint="mark the item `context: true` (context items are not scored), or name "
            "another item",
        )
        return
    scale = spec.response_scales.get(target.scale)
    if scale is None:
        return  # reported with the item
    for k, code in enumerate(rule.codes):
        if code not in scale.values:
            yield Finding(
                "invalid-value",
                (*path, "in", k),
                f"subscale '{name}' applies when '{rule.item}' is answered {code!r}, which is "
                f"not a value of its scale '{target.scale}'",
                hint=f"use codes from {list(scale.values)}",
            )


def _check_min_answered(name: str, value: float, n_items: int, base: Path) -> Iterator[Finding]:
    path = (*base, "min_answered")
    if isinstance(value, float):
        if value > 1:
            yield Finding(
                "invalid-value",
                path,
                f"subscale '{name}': min_answered {value} is neither a fraction in (0, 1] nor a "
                "whole count",
                hint=f"write a fraction such as 0.8, or a whole number such as {math.ceil(value)}",
            )
    elif value > n_items:
        yield Finding(
            "min-answered-too-high",
            path,
            f"subscale '{name}' needs {value} answered items but has only {n_items}",
            hint=f"use at most {n_items}, or a fraction such as 0.8",
        )


def _check_bands(name: str, bands: tuple[BandSpec, ...], base: Path) -> Iterator[Finding]:
    previous: float | None = None
    for k, band in enumerate(bands):
        path = (*base, "bands", k)
        last = k == len(bands) - 1
        if band.below is None and not last:
            yield Finding(
                "bands-invalid",
                path,
                f"'{name}': band '{band.label}' has no `below` but is not the last band",
                hint="only the last (highest) band may leave `below` out",
            )
        elif band.below is not None and last:
            yield Finding(
                "bands-invalid",
                path,
                f"'{name}': the last band '{band.label}' has `below: {band.below}`, so higher "
                "scores fall in no band",
                hint="leave `below` out of the last band",
            )
        if band.below is not None:
            if previous is not None and band.below <= previous:
                yield Finding(
                    "bands-invalid",
                    (*path, "below"),
                    f"'{name}': bands are not ascending ({band.below} after {previous})",
                    hint="list bands from the lowest to the highest",
                )
            previous = band.below


def _check_norms(name: str, norms: tuple[NormSpec, ...], base: Path) -> Iterator[Finding]:
    groups: set[str] = set()
    for k, norm in enumerate(norms):
        path = (*base, "norms", k)
        if norm.sd <= 0:
            yield Finding(
                "norm-invalid",
                (*path, "sd"),
                f"'{name}': norm group '{norm.group}' has sd {norm.sd}",
                hint="a standard deviation must be greater than 0",
            )
        if norm.group in groups:
            yield Finding(
                "norm-invalid",
                (*path, "group"),
                f"'{name}': norm group '{norm.group}' is listed twice",
                hint="give each reference group its own name",
            )
        groups.add(norm.group)
        points = norm.percentiles or ()
        for m in range(1, len(points)):
            if (
                points[m].score <= points[m - 1].score
                or points[m].percentile < points[m - 1].percentile
            ):
                yield Finding(
                    "norm-invalid",
                    (*path, "percentiles", m),
                    f"'{name}': the percentile table of '{norm.group}' is not ascending at row {m}",
                    hint="list rows by ascending score, with percentiles that never decrease",
                )
                break


def _check_composites(spec: InstrumentSpec) -> Iterator[Finding]:
    scores: dict[str, NormSpec | None] = {}
    seen_ids: dict[str, str] = {}
    for i, sub in enumerate(spec.subscales):
        if sub.id in seen_ids:
            yield Finding(
                "duplicate-id",
                ("subscales", i, "id"),
                f"score id '{sub.id}' is used twice",
                hint="subscales, composites, profiles and flags each need their own id",
            )
        seen_ids[sub.id] = "subscale"
        scores[sub.id] = sub.norms[0] if sub.norms else None
    for i, comp in enumerate(spec.composites):
        base: Path = ("composites", i)
        if comp.id in seen_ids:
            yield Finding(
                "duplicate-id",
                (*base, "id"),
                f"composite id '{comp.id}' is already used by a {seen_ids[comp.id]}",
                hint="subscales, composites, profiles and flags each need their own id",
            )
        for j, part in enumerate(comp.parts):
            if part.score not in scores:
                message, hint = _unknown("score", part.score, scores)
                yield Finding(
                    "unknown-score",
                    (*base, "parts", j, "score"),
                    f"composite '{comp.id}' uses {message} (before this composite)",
                    hint,
                )
            elif comp.standardized is True and scores[part.score] is None:
                yield Finding(
                    "norm-invalid",
                    (*base, "parts", j, "score"),
                    f"composite '{comp.id}' is standardized but its part '{part.score}' has no "
                    "norms to standardize against",
                    hint="declare norms on the part, or set standardized: false",
                )
        optional = [p.score for p in comp.parts if p.optional]
        if optional and comp.method != "mean":
            yield Finding(
                "invalid-value",
                (*base, "parts"),
                f"composite '{comp.id}' has optional parts ({', '.join(optional)}) but is a "
                f"{comp.method}",
                hint="optional parts are left out of a weighted mean; use `method: mean`",
            )
        elif optional and len(optional) == len(comp.parts):
            yield Finding(
                "invalid-value",
                (*base, "parts"),
                f"composite '{comp.id}' has only optional parts",
                hint="at least one part must be required (drop `optional: true` from one)",
            )
        if comp.method == "mean" and sum(p.weight for p in comp.parts) == 0:
            yield Finding(
                "invalid-value",
                (*base, "parts"),
                f"composite '{comp.id}' is a weighted mean whose weights add up to 0",
                hint="use weights with a non-zero sum, or `method: sum`",
            )
        yield from _check_bands(comp.id, comp.bands, base)
        yield from _check_norms(comp.id, comp.norms, base)
        seen_ids.setdefault(comp.id, "composite")
        scores[comp.id] = comp.norms[0] if comp.norms else None


def axis_rule_problems(
    prof: ProfileSpec, known: Sequence[str]
) -> Iterator[tuple[tuple[str | int, ...], str, str | None]]:
    """Problems of the axes' ``rule``/``markers``: ``(path, message, hint)``.

    Shared by instrument files and batteries (where ``known`` holds qualified names).
    """
    for axis_name, axis in (("x", prof.x), ("y", prof.y)):
        if axis.rule == "mean" and axis.markers:
            yield (
                (axis_name, "markers"),
                f"profile '{prof.id}' axis {axis_name} lists markers but its rule is mean",
                "markers are judged one by one only with `rule: any`",
            )
            continue
        if axis.rule != "any":
            continue
        if prof.method == "functions":
            yield (
                (axis_name, "rule"),
                f"profile '{prof.id}' axis {axis_name}: `rule: any` needs `method: cut`",
                "drop `rule: any`, or use cut points",
            )
            continue
        if not axis.markers:
            yield (
                (axis_name, "markers"),
                f"profile '{prof.id}' axis {axis_name} has `rule: any` but no markers",
                f"list the scores to judge one by one: markers: [{axis.score}, ...]",
            )
        for j, marker in enumerate(axis.markers):
            score = marker if isinstance(marker, str) else marker.score
            cut = axis.cut if isinstance(marker, str) or marker.cut is None else marker.cut
            if score not in known:
                message, hint = _unknown("score", score, known)
                yield (
                    (axis_name, "markers", j),
                    f"profile '{prof.id}' marker uses {message}",
                    hint,
                )
            elif cut is None:
                yield (
                    (axis_name, "markers", j),
                    f"profile '{prof.id}' marker '{score}' has no cut",
                    "give the axis a `cut`, or the marker its own: {score: ..., cut: ...}",
                )


def _check_axis_rules(prof: ProfileSpec, base: Path, known: Sequence[str]) -> Iterator[Finding]:
    for path, message, hint in axis_rule_problems(prof, known):
        yield Finding("invalid-value", (*base, *path), message, hint)


def _check_profiles_and_flags(spec: InstrumentSpec) -> Iterator[Finding]:
    scores = [s.id for s in spec.subscales] + [c.id for c in spec.composites]
    used = set(scores)
    for i, prof in enumerate(spec.profiles):
        base: Path = ("profiles", i)
        if prof.id in used:
            yield Finding(
                "duplicate-id",
                (*base, "id"),
                f"profile id '{prof.id}' is already used",
                hint="subscales, composites, profiles and flags each need their own id",
            )
        used.add(prof.id)
        for axis_name, axis in (("x", prof.x), ("y", prof.y)):
            if axis.score not in scores:
                message, hint = _unknown("score", axis.score, scores)
                yield Finding(
                    "unknown-score",
                    (*base, axis_name, "score"),
                    f"profile '{prof.id}' axis {axis_name} uses {message}",
                    hint,
                )
        yield from _check_axis_rules(prof, base, scores)
        flag_names = [f.id for f in spec.flags]
        for j, flag_id in enumerate(prof.gated_by):
            if flag_id not in flag_names:
                message, hint = _unknown("flag", flag_id, flag_names)
                yield Finding(
                    "unknown-score",
                    (*base, "gated_by", j),
                    f"profile '{prof.id}' is gated by {message}",
                    hint,
                )
        if prof.method == "functions":
            if len(prof.functions) < 2:
                yield Finding(
                    "missing-key",
                    (*base, "functions"),
                    f"profile '{prof.id}' uses method functions but declares "
                    f"{len(prof.functions)} function(s)",
                    hint="declare one function per category, at least two",
                )
            continue
        for axis_name, axis in (("x", prof.x), ("y", prof.y)):
            if axis.cut is None:
                yield Finding(
                    "missing-key",
                    (*base, axis_name),
                    f"profile '{prof.id}' axis {axis_name} has no `cut`",
                    hint=f"write {axis_name}: {{score: {axis.score}, cut: ...}}",
                )
        missing = {"low-low", "low-high", "high-low", "high-high"} - set(prof.regions)
        if missing:
            yield Finding(
                "missing-key",
                (*base, "regions"),
                f"profile '{prof.id}' names no region for {', '.join(sorted(missing))}",
                hint="name all four regions: low-low, low-high, high-low, high-high",
            )
    items = [item.id for item in spec.items]
    flag_ids: set[str] = set()
    for i, flag in enumerate(spec.flags):
        base = ("flags", i)
        if flag.id in flag_ids:
            yield Finding(
                "duplicate-id",
                (*base, "id"),
                f"flag id '{flag.id}' is used twice",
                hint="give every flag its own id",
            )
        flag_ids.add(flag.id)
        when = flag.when
        if (when.items is None) == (when.score is None):
            yield Finding(
                "invalid-value",
                (*base, "when"),
                f"flag '{flag.id}' must name either `items` or `score` in `when`, not "
                + ("both" if when.items is not None else "neither"),
                hint="for example when: {items: [s01, s02], at_least: 2}",
            )
        if (when.at_least is None) == (when.at_most is None):
            yield Finding(
                "invalid-value",
                (*base, "when"),
                f"flag '{flag.id}' must give either `at_least` or `at_most` in `when`, not "
                + ("both" if when.at_least is not None else "neither"),
                hint="for example when: {items: [s01], at_least: 2} (raised at 2 or above), "
                "or when: {score: trust, at_most: 1.5} (raised at 1.5 or below)",
            )
        for j, item_id in enumerate(when.items or ()):
            if item_id not in items:
                message, hint = _unknown("item", item_id, items)
                yield Finding(
                    "unknown-item",
                    (*base, "when", "items", j),
                    f"flag '{flag.id}' uses {message}",
                    hint,
                )
        if when.score is not None and when.score not in scores:
            message, hint = _unknown("score", when.score, scores)
            yield Finding(
                "unknown-score", (*base, "when", "score"), f"flag '{flag.id}' uses {message}", hint
            )


def _check_style(spec: InstrumentSpec) -> Iterator[Finding]:
    used = {item_id for sub in spec.subscales for item_id in sub.items}
    used |= {item_id for flag in spec.flags for item_id in flag.when.items or ()}
    used |= {item.id for item in spec.items if item.attention_check is not None or item.context}
    items = {item.id: item for item in spec.items}
    for i, item in enumerate(spec.items):
        if item.id not in used:
            yield Finding(
                "unused-item",
                ("items", i, "id"),
                f"item '{item.id}' is not used by any subscale or flag",
                hint="add it to a subscale, or remove it",
                severity="warning",
            )
    for i, sub in enumerate(spec.subscales):
        keyed = [items[x] for x in sub.items if x in items]
        if len(keyed) > 1 and all(item.reverse for item in keyed):
            yield Finding(
                "all-items-reversed",
                ("subscales", i, "items"),
                f"every item of subscale '{sub.id}' is reverse-keyed",
                hint="check the keys: usually some items are keyed forward",
                severity="warning",
            )
    labels: dict[str, str] = {}
    for i, item in enumerate(spec.items):
        key = normalize_label(item.label)
        if key in labels:
            yield Finding(
                "duplicate-label",
                ("items", i, "label"),
                f"items '{labels[key]}' and '{item.id}' have the same label '{item.label}'",
                hint="labels should tell items apart: reports and questionnaires show them",
                severity="warning",
            )
        labels.setdefault(key, item.id)
    if spec.validation.status == "published" and not (spec.citation and spec.validation.evidence):
        yield Finding(
            "missing-provenance",
            ("validation",),
            "a published instrument should give its citation and validation evidence",
            hint="add `citation` and `validation.evidence`",
            severity="warning",
        )
