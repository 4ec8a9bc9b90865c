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
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from relscales.errors import ErrorCode, Severity
from relscales.labels import normalize_label
from relscales.spec import (
    AppliesWhenSpec,
    BandSpec,
    ChangeSpec,
    InstrumentSpec,
    IrtSpec,
    NormSpec,
    ProfileSpec,
)

__all__ = [
    "Finding",
    "Unchecked",
    "ambiguous_labels",
    "check_instrument",
    "did_you_mean",
    "label_difference",
    "label_key",
]

Path = tuple[str | int | float, ...]  # float: a response-scale label keyed by a code


@dataclass(frozen=True, slots=True)
class Finding:
    """One semantic problem, located by its path in the instrument."""

    code: ErrorCode
    path: Path
    message: str
    hint: str | None = None
    severity: Severity = "error"


@dataclass(frozen=True, slots=True)
class Unchecked:
    """What the semantic checks must not judge, because its structure was invalid.

    When a file has structural errors, the entries that did validate are still checked
    (so every problem shows in one pass). The entries that did not are left out, and a
    reference to one of them is not reported as unknown: ``items`` holds the ids of the
    items left out, and so on. ``None`` means "any id": a whole section was invalid, or
    an entry without a readable id. ``sections`` names the top-level keys left out.
    """

    scales: frozenset[str] | None = frozenset()
    items: frozenset[str] | None = frozenset()
    scores: frozenset[str] | None = frozenset()
    flags: frozenset[str] | None = frozenset()
    sections: frozenset[str] = frozenset()

    def hides(self, kind: str, name: str) -> bool:
        """Tell whether a reference to ``name`` (a scale, item, score or flag) is left out."""
        names: frozenset[str] | None = getattr(self, kind)
        return names is None or name in names

    def known(self, kind: str, checked: Iterable[str]) -> list[str]:
        """Ids a did-you-mean may suggest: the checked ones, then those left out."""
        names: frozenset[str] | None = getattr(self, kind)
        return [*checked, *sorted(names or ())]


_EVERYTHING_CHECKED = Unchecked()

# Letters of other scripts that look like Latin ones, mapped to that Latin letter (upper
# and lower case apart: a capital Greek Eta looks like H, a small one like n). The common
# homoglyphs of Cyrillic and Greek; NFKC already maps the compatibility forms (fullwidth,
# ligatures, mathematical letters).
_CONFUSABLES = str.maketrans(
    dict(
        zip(
            # Cyrillic capitals, then small letters
            "АВЕКМНОРСТХУЅІЈԚԜӀҮ"
            "аеорсухѕіјԁһԛԝӏү"
            # Greek capitals, then small letters
            "ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ"
            "οναιρκυχγϲϳ"
            # Latin look-alikes
            "ıȷɡ",
            "ABEKMHOPCTXYSIJQWIYaeopcyxsijdhqwlyABEZHIKMNOPTYXovaipkuxycjijg",
            strict=True,
        )
    )
)

_IGNORABLE = frozenset(
    {
        0x034F,  # combining grapheme joiner
        0x115F,  # Hangul choseong filler
        0x1160,  # Hangul jungseong filler
        0x3164,  # Hangul filler
        0xFFA0,  # halfwidth Hangul filler
    }
)


def _invisible(char: str) -> bool:
    """Tell whether a character shows nothing: a format control, variation selector, filler."""
    code = ord(char)
    return (
        unicodedata.category(char) == "Cf"
        or code in _IGNORABLE
        or 0xFE00 <= code <= 0xFE0F
        or 0xE0100 <= code <= 0xE01EF
    )


def label_key(text: str) -> str:
    """Return the form under which two answer labels count as the same label.

    Two labels of one scale are ambiguous when their keys are equal, or when data cells
    match them alike (:func:`relscales.labels.normalize_label`: case and spacing). The key
    goes further, so labels that only look alike are caught too:

    1. Unicode NFKC (fullwidth ``Ａｇｒｅｅ``, ligatures and other compatibility forms
       become their plain letters);
    2. invisible characters are dropped: format characters (zero-width space and joiners,
       soft hyphen, bidi marks and controls, word joiner, byte order mark), variation
       selectors and Hangul fillers;
    3. case is folded;
    4. Cyrillic and Greek letters that look like Latin ones read as the Latin letter (the
       ``а`` of ``Аgree`` is Cyrillic);
    5. runs of white space become one space, and the ends are trimmed.

    Examples
    --------
    >>> label_key("Strongly\u00a0AGREE") == label_key("strongly agree")
    True
    >>> label_key("Agree\u200b") == label_key("Agree") == label_key("\u0410gree")
    True
    >>> label_key("Ａｇｒｅｅ") == label_key("agree"), label_key("Agree") == label_key("Disagree")
    (True, False)
    """
    text = unicodedata.normalize("NFKC", text)
    text = "".join(char for char in text if not _invisible(char))
    return " ".join(text.translate(_CONFUSABLES).casefold().split())


def label_difference(first: str, second: str) -> str:
    """Say what tells two same-reading labels apart, for a message (``""`` when identical)."""
    if first == second:
        return ""
    notes: list[str] = []
    for char in dict.fromkeys(first + second):
        if _invisible(char):
            notes.append(
                f"an invisible U+{ord(char):04X} ({unicodedata.name(char, 'format').lower()})"
            )
        elif char.translate(_CONFUSABLES) != char:
            looks = char.translate(_CONFUSABLES)
            notes.append(
                f"U+{ord(char):04X} ({unicodedata.name(char, '?').lower()}), which looks like "
                f"'{looks}'"
            )
        elif unicodedata.normalize("NFKC", char) != char:
            notes.append(f"U+{ord(char):04X} ({unicodedata.name(char, '?').lower()})")
    if not notes:
        return "they differ only in case or spacing"
    return "they differ only by " + ", ".join(notes[:3])


def ambiguous_labels(
    labels: Mapping[int | float, str],
) -> Iterator[tuple[int | float, int | float, str]]:
    """Yield ``(earlier value, value, explanation)`` for each label that reads like an earlier one.

    Labels are compared by :func:`label_key`; the explanation names the characters that
    tell them apart (empty when the texts are the same).
    """
    seen: dict[str, tuple[int | float, str]] = {}
    matched: dict[str, tuple[int | float, str]] = {}
    for value, text in labels.items():
        first = seen.get(label_key(text)) or matched.get(normalize_label(text))
        if first is not None and first[0] != value:
            yield first[0], value, label_difference(first[1], text)
            continue
        seen.setdefault(label_key(text), (value, text))
        matched.setdefault(normalize_label(text), (value, text))


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


def check_instrument(spec: InstrumentSpec, *, unchecked: Unchecked | None = None) -> list[Finding]:
    """Run every semantic check and return all findings, errors first.

    Parameters
    ----------
    spec
        The instrument; with ``unchecked``, the part of a structurally invalid file that
        did validate (built by the loader).
    unchecked
        What was left out of ``spec`` for its structural errors: references to it are not
        reported as unknown, and the style checks (warnings), which need the whole file,
        are skipped.
    """
    findings = list(_checks(spec, unchecked or _EVERYTHING_CHECKED, partial=unchecked is not None))
    findings.sort(key=lambda f: f.severity != "error")
    return findings


def _checks(spec: InstrumentSpec, unchecked: Unchecked, *, partial: bool) -> Iterator[Finding]:
    yield from _check_scales(spec)
    yield from _check_items(spec, unchecked)
    yield from _check_subscales(spec, unchecked)
    yield from _check_composites(spec, unchecked)
    yield from _check_profiles_and_flags(spec, unchecked)
    if not partial:
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
        for earlier, value, difference in ambiguous_labels(scale.labels):
            text = scale.labels[value]
            yield Finding(
                "ambiguous-label",
                (*base, "labels", value),
                f"response scale '{name}' labels {value!r} '{_visible(text)}', which reads "
                f"the same as the label of {earlier!r} '{_visible(scale.labels[earlier])}'"
                + (f" ({difference})" if difference else ""),
                hint="give every value a label of its own: a data cell holding this text "
                "could mean either value",
            )
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


def _visible(text: str) -> str:
    """Write a label's invisible characters as ``<U+200B>``, for a message."""
    return "".join(f"<U+{ord(c):04X}>" if _invisible(c) else c for c in text)


def _check_items(spec: InstrumentSpec, unchecked: Unchecked) -> Iterator[Finding]:
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
        if scale is None and not unchecked.hides("scales", item.scale):
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
        if spec.license.item_text == "included" and not {"license", "languages"} & (
            unchecked.sections
        ):
            missing = [lang for lang in languages if not item.text or lang not in item.text]
            if missing:
                yield Finding(
                    "missing-item-text",
                    (*base, "text") if item.text else base,
                    f"item '{item.id}' has no text in {', '.join(missing)}, but "
                    "license.item_text is 'included'",
                    hint="add the wording, or set license.item_text to not-included",
                )


def _score_ids(spec: InstrumentSpec) -> set[str]:
    return {s.id for s in spec.subscales} | {c.id for c in spec.composites}


def _check_subscales(spec: InstrumentSpec, unchecked: Unchecked) -> Iterator[Finding]:
    items = {item.id: item for item in spec.items}
    scores = _score_ids(spec)
    for i, sub in enumerate(spec.subscales):
        base: Path = ("subscales", i)
        listed: set[str] = set()
        for j, item_id in enumerate(sub.items):
            if item_id not in items and unchecked.hides("items", item_id):
                pass
            elif item_id not in items:
                message, hint = _unknown("item", item_id, unchecked.known("items", items))
                message = f"subscale '{sub.id}' lists {message}"
                if item_id in scores:
                    message += f"; '{item_id}' is a score, and a subscale lists item ids"
                yield Finding("unknown-item", (*base, "items", j), message, hint)
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
        if sub.applies_when is not None and not unchecked.hides("items", sub.applies_when.item):
            yield from _check_applies_when(spec, sub.id, sub.applies_when, base)
        yield from _check_bands(sub.id, sub.bands, base)
        yield from _check_norms(sub.id, sub.norms, base)
        yield from _check_change(sub.id, sub.change, sub.norms, base)
        if sub.irt is not None:
            yield from _check_irt(spec, sub.id, sub.items, sub.irt, base)


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


def _check_change(
    name: str, change: ChangeSpec | None, norms: tuple[NormSpec, ...], base: Path
) -> Iterator[Finding]:
    """Check that `change` names this score's norms and that its criterion fits them."""
    if change is None:
        return
    path = (*base, "change")
    groups = [norm.group for norm in norms]
    for key in ("functional", "dysfunctional"):
        group = getattr(change, key)
        if group is not None and group not in groups:
            message, hint = _unknown("norm group", group, groups)
            yield Finding(
                "norm-invalid", (*path, key), f"'{name}': change.{key} names {message}", hint
            )
    if change.functional is not None and change.functional == change.dysfunctional:
        yield Finding(
            "invalid-value",
            (*path, "dysfunctional"),
            f"'{name}': change.functional and change.dysfunctional are the same group",
            hint="name a group without the problem and a clinical group",
        )
    needs = {"a": ("dysfunctional",), "b": ("functional",), "c": ("functional", "dysfunctional")}
    if change.cutoff is not None and change.criterion is not None:
        yield Finding(
            "invalid-value",
            (*path, "criterion"),
            f"'{name}': change gives both a cut-off ({change.cutoff}) and criterion "
            f"'{change.criterion}'",
            hint="keep the published `cutoff`, or drop it to compute the cut-off by the criterion",
        )
    elif change.criterion is not None:
        missing = [key for key in needs[change.criterion] if getattr(change, key) is None]
        if missing:
            yield Finding(
                "invalid-value",
                (*path, "criterion"),
                f"'{name}': criterion '{change.criterion}' needs change."
                + " and change.".join(missing),
                hint="name the norm group(s) it is computed from",
            )


def _check_irt(
    spec: InstrumentSpec, name: str, items: tuple[str, ...], irt: IrtSpec, base: Path
) -> Iterator[Finding]:
    """Check that a declared model covers the subscale's items with fitting thresholds."""
    path = (*base, "irt", "items")
    declared = {item.id: item for item in spec.items}
    for item_id in items:
        if item_id not in irt.items:
            yield Finding(
                "invalid-value",
                path,
                f"'{name}': the graded response model has no parameters for item '{item_id}'",
                hint="give every item of the subscale a slope and thresholds",
            )
    for item_id, params in irt.items.items():
        where = (*path, item_id)
        if item_id not in items:
            near = did_you_mean(item_id, items)
            yield Finding(
                "unknown-item",
                where,
                f"'{name}': irt.items names '{item_id}', which is not an item of this subscale",
                near or f"the subscale's items: {', '.join(items)}",
            )
            continue
        item = declared.get(item_id)
        scale = spec.response_scales.get(item.scale) if item is not None else None
        if scale is not None and len(params.thresholds) != len(scale.values) - 1:
            yield Finding(
                "invalid-value",
                (*where, "thresholds"),
                f"'{name}': item '{item_id}' has {len(params.thresholds)} thresholds, but its "
                f"scale has {len(scale.values)} answers",
                hint=f"give {len(scale.values) - 1} thresholds, one between each two answers",
            )
        steps = params.thresholds
        if any(b <= a for a, b in itertools.pairwise(steps)):
            yield Finding(
                "invalid-value",
                (*where, "thresholds"),
                f"'{name}': the thresholds of item '{item_id}' do not increase",
                hint="list thresholds from the lowest to the highest, each above the last",
            )
        if params.threshold_se is not None and len(params.threshold_se) != len(steps):
            yield Finding(
                "invalid-value",
                (*where, "threshold_se"),
                f"'{name}': item '{item_id}' has {len(params.threshold_se)} threshold standard "
                f"errors for {len(steps)} thresholds",
                hint="give one standard error per threshold",
            )


def _check_composites(spec: InstrumentSpec, unchecked: Unchecked) -> Iterator[Finding]:
    items = {item.id for item in spec.items}
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
            if part.score not in scores and unchecked.hides("scores", part.score):
                continue
            if part.score not in scores:
                message, hint = _unknown("score", part.score, scores)
                message = f"composite '{comp.id}' uses {message} (before this composite)"
                if part.score in items:
                    message += f"; '{part.score}' is an item, and a composite combines scores"
                yield Finding("unknown-score", (*base, "parts", j, "score"), message, hint)
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
        yield from _check_change(comp.id, comp.change, comp.norms, base)
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


def _check_axis_rules(
    prof: ProfileSpec, base: Path, known: Sequence[str], unchecked: Unchecked
) -> Iterator[Finding]:
    for path, message, hint in axis_rule_problems(prof, known):
        marker = path[-1] if path[-2:-1] == ("markers",) else None
        if isinstance(marker, int):
            entry = getattr(prof, str(path[0])).markers[marker]
            score = entry if isinstance(entry, str) else entry.score
            if score not in known and unchecked.hides("scores", score):
                continue
        yield Finding("invalid-value", (*base, *path), message, hint)


def _check_profiles_and_flags(spec: InstrumentSpec, unchecked: Unchecked) -> Iterator[Finding]:
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
            if axis.score not in scores and not unchecked.hides("scores", axis.score):
                message, hint = _unknown("score", axis.score, scores)
                yield Finding(
                    "unknown-score",
                    (*base, axis_name, "score"),
                    f"profile '{prof.id}' axis {axis_name} uses {message}",
                    hint,
                )
        yield from _check_axis_rules(prof, base, scores, unchecked)
        flag_names = [f.id for f in spec.flags]
        for j, flag_id in enumerate(prof.gated_by):
            if flag_id not in flag_names and not unchecked.hides("flags", flag_id):
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
            if item_id not in items and not unchecked.hides("items", item_id):
                message, hint = _unknown("item", item_id, unchecked.known("items", items))
                yield Finding(
                    "unknown-item",
                    (*base, "when", "items", j),
                    f"flag '{flag.id}' uses {message}",
                    hint,
                )
        if (
            when.score is not None
            and when.score not in scores
            and not unchecked.hides("scores", when.score)
        ):
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
