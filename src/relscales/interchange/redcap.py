"""REDCap data dictionaries: an instrument exported as one, and one read back as an instrument.

A REDCap data dictionary is a CSV file with one row per field and 18 columns
(:data:`HEADERS`). :func:`export_redcap` writes an instrument as one form: a ``record_id``
field, a descriptive field with the instructions, one ``radio`` field per item and one
``calc`` field per score. :func:`import_redcap` reads a dictionary (ours or any other) back
into an instrument document.

How REDCap calculates, from its own source: a field is wrapped in ``chkNull()``, which turns
a blank into ``NaN``; arithmetic with ``NaN`` gives ``NaN`` and a calculation that is not a
number leaves the field blank; ``sum()`` and ``mean()`` skip blanks; ``[x] = ""`` and
``[x] <> ""`` test for a blank; ``>=`` and ``<=`` with a blank are false. Versions have
differed on the details (blanks inside ``sum()``, ``<> ""``), so the exported formulas never
let a blank reach arithmetic, ``sum()`` or ``mean()``: every item enters as
``if(<answered>, <keyed answer>, 0)``, next to a count of answered items, and the score is
``if(<count> >= k, <total> / <count>, "")`` (see ``docs/interchange.md``).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from relscales.errors import Issue, Location, SpecError
from relscales.instruments.bounds import composite_bounds, min_answered_count, score_bounds
from relscales.interchange import Exported, Imported
from relscales.interchange.notes import ScoreFeature, find_uncarried
from relscales.labels import plain_number

if TYPE_CHECKING:
    from relscales.instruments.instrument import Instrument
    from relscales.spec import (
        CompositeSpec,
        InstrumentSpec,
        ResponseScaleSpec,
        SubscaleSpec,
    )

__all__ = ["HEADERS", "export_redcap", "import_redcap"]

HEADERS: tuple[str, ...] = (
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
)
"""The 18 columns of a REDCap data dictionary, spelt as REDCap writes them."""

_VAR_LIMIT = 26
"""Longest variable name REDCap recommends (100 is the hard limit)."""
_FORM_LIMIT = 50
_META = "relscales:"
"""Marks the relscales metadata (one JSON object) in a field's annotation."""
_MAX_BYTES = 20 * 1024 * 1024
_TOL = 1e-9


# --------------------------------------------------------------------------------------
# small helpers


def _num(value: float) -> str:
    """Write a number as REDCap reads it: ``7``, ``-99``, ``2.5``."""
    number = float(value)
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return repr(number)


def _plain(value: float) -> int | float:
    """Return an int for a whole number (YAML ``1`` rather than ``1.0``)."""
    number = float(value)
    return int(number) if number.is_integer() and abs(number) < 1e15 else number


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= _TOL * max(1.0, abs(a), abs(b))


def _clean_weight(value: float) -> int | float:
    """Round away the noise of a weight read from a formula (``2.0000000001`` is 2)."""
    rounded = round(value, 9)
    return round(rounded) if _close(rounded, round(rounded)) else rounded


def _var_name(raw: str, taken: set[str], limit: int = _VAR_LIMIT) -> str:
    """Map ``raw`` to a free REDCap variable name: lower case, ``a-z0-9_``, a letter first."""
    base = re.sub(r"[^a-z0-9_]", "_", raw.lower()) or "v"
    if not base[0].isalpha():
        base = "v_" + base
    if base.startswith("redcap_") or base.endswith("_complete") or base == "record_id":
        base = base + "_v"
    base = base[:limit]
    name, n = base, 1
    while name in taken:
        n += 1
        suffix = f"_{n}"
        name = base[: limit - len(suffix)] + suffix
    taken.add(name)
    return name


def _form_name(instrument_id: str) -> str:
    name = re.sub(r"[^a-z0-9_]", "_", instrument_id.lower())
    if not name[:1].isalpha():
        name = "f_" + name
    return name[:_FORM_LIMIT]


def _html(text: str) -> str:
    """Escape text for a REDCap label, which REDCap renders as HTML."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _unhtml(text: str) -> str:
    """Field text without HTML tags and entities, spaces kept."""
    import html

    return html.unescape(re.sub(r"<[^>]*>", "", text))


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def _one_line(text: str) -> str:
    return " ".join(_CONTROL.sub(" ", text).split())


def _meta_text(data: Mapping[str, Any]) -> str:
    """Return ``relscales:{json}`` on one line, with ``@`` escaped (REDCap reads ``@TAG``)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return _META + text.replace("@", "\\u0040")


def _read_meta(annotation: str) -> dict[str, Any] | None:
    at = annotation.find(_META)
    if at < 0:
        return None
    try:
        data, _end = json.JSONDecoder().raw_decode(annotation, at + len(_META))
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _listing(values: Sequence[str], limit: int = 12) -> str:
    shown = list(values[:limit])
    more = len(values) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


# --------------------------------------------------------------------------------------
# export


@dataclass
class _Names:
    """REDCap variable names of items and scores."""

    items: dict[str, str] = field(default_factory=dict)
    scores: dict[str, str] = field(default_factory=dict)
    taken: set[str] = field(default_factory=set)


def export_redcap(instrument: Instrument) -> Exported:
    """Write an instrument as a REDCap data dictionary (one form).

    Items become ``radio`` fields whose choices are the scale's codes (missing-data codes
    included, hidden with ``@HIDECHOICE``); subscales and composites become ``calc`` fields
    that reproduce relscales' scores (reverse keys, weights, ``min_answered``,
    ``applies_when``). What REDCap cannot hold is listed in :attr:`Exported.notes` and in the
    annotation of the form's first descriptive field.

    Parameters
    ----------
    instrument
        A loaded instrument.

    Returns
    -------
    Exported
        One file, ``<id>-redcap-dictionary.csv``, and the notes.

    Examples
    --------
    >>> from relscales.instruments.loader import load_instrument
    >>> out = export_redcap(load_instrument("rses"))
    >>> text = out.files["rses-redcap-dictionary.csv"]
    >>> text.splitlines()[0].startswith("Variable / Field Name,Form Name,Section Header")
    True
    """
    spec = instrument.spec
    form = _form_name(spec.id)
    names = _Names(taken={"record_id"})
    for item in spec.items:
        names.items[item.id] = _var_name(item.id, names.taken)
    intro = _var_name(f"{form}_intro", names.taken)
    for score_id in [s.id for s in spec.subscales] + [c.id for c in spec.composites]:
        names.scores[score_id] = _var_name(f"{form}_{score_id}", names.taken)
    lang = spec.languages[0]
    notes = _export_notes(spec, names, form)
    rows: list[dict[str, str]] = [
        {"Variable / Field Name": "record_id", "Field Type": "text", "Field Label": "Record ID"}
    ]
    rows.append(_intro_row(spec, intro, lang, notes))
    rows.extend(_item_rows(spec, names, lang))
    score_rows, score_notes = _score_rows(spec, names)
    rows.extend(score_rows)
    notes.extend(score_notes)
    if score_notes:  # the intro's annotation holds every note: rebuild it with these
        rows[1] = _intro_row(spec, intro, lang, notes)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADERS)
    for row in rows:
        row["Form Name"] = form
        writer.writerow([row.get(column, "") for column in HEADERS])
    return Exported(
        files={f"{spec.id}-redcap-dictionary.csv": buffer.getvalue()}, notes=tuple(notes)
    )


def _intro_row(spec: InstrumentSpec, var: str, lang: str, notes: list[str]) -> dict[str, str]:
    meta: dict[str, Any] = {"instrument": spec.id, "version": spec.version, "name": spec.name}
    for key in ("abbreviation", "domain", "description", "citation", "doi", "url"):
        value = getattr(spec, key)
        if value is not None:
            meta[key] = value
    meta["license"] = spec.license.model_dump(exclude_none=True)
    meta["validation"] = spec.validation.model_dump(mode="json", exclude_none=True)
    meta["language"] = lang
    instructions = spec.instructions.get(lang) if spec.instructions else None
    meta["instructions"] = instructions is not None
    label = instructions if instructions is not None else spec.name
    # "@" starts an action tag in an annotation: notes never hold one
    lines = [f"Note: {note}".replace("@", "") for note in notes]
    annotation = "\n".join([_meta_text(meta), *lines])
    return {
        "Variable / Field Name": var,
        "Field Type": "descriptive",
        "Field Label": _html(label),
        "Field Annotation": annotation,
    }


def _choices(scale: ResponseScaleSpec) -> str:
    out = []
    for value in scale.values:
        label = scale.labels.get(value)
        out.append((value, label if label is not None else _num(value)))
    for code in scale.not_applicable:
        out.append((code, scale.labels.get(code) or "Does not apply"))
    for code in scale.missing_codes:
        out.append((code, "No answer"))
    return " | ".join(f"{_num(v)}, {_html(text).replace('|', '/')}" for v, text in out)


def _item_rows(spec: InstrumentSpec, names: _Names, lang: str) -> list[dict[str, str]]:
    rows = []
    previous_scale: str | None = None
    for item in spec.items:
        scale = spec.response_scales[item.scale]
        included = spec.license.item_text == "included" and item.text is not None
        label = item.text[lang] if included and item.text is not None else item.label
        meta: dict[str, Any] = {"item": item.id, "scale": item.scale}
        if included:
            meta["text"] = True
        if label != item.label:
            meta["label"] = item.label
        if item.reverse:
            meta["reverse"] = True
        if scale.missing_codes:
            meta["missing"] = [_plain(c) for c in scale.missing_codes]
        if scale.not_applicable:
            meta["not_applicable"] = [_plain(c) for c in scale.not_applicable]
            unlabelled = [_plain(c) for c in scale.not_applicable if c not in scale.labels]
            if unlabelled:
                meta["unlabelled"] = unlabelled
        if item.context:
            meta["context"] = True
        if item.attention_check is not None:
            expected = item.attention_check.expected
            meta["attention_check"] = (
                [_plain(e) for e in expected] if isinstance(expected, tuple) else _plain(expected)
            )
        if item.column is not None:
            meta["column"] = item.column
        header = ""
        if scale.stem and lang in scale.stem and item.scale != previous_scale:
            header = _html(scale.stem[lang])
            meta["stem"] = True
        previous_scale = item.scale
        tags = ""
        if scale.missing_codes:
            tags = "@HIDECHOICE='" + ",".join(_num(c) for c in scale.missing_codes) + "'\n"
        rows.append(
            {
                "Variable / Field Name": names.items[item.id],
                "Section Header": header,
                "Field Type": "radio",
                "Field Label": _html(label),
                "Choices, Calculations, OR Slider Labels": _choices(scale),
                "Field Annotation": tags + _meta_text(meta),
            }
        )
    return rows


def _answered(var: str, scale: ResponseScaleSpec) -> str:
    """REDCap condition: the item holds one of its scale's values (not blank, not a code)."""
    values = sorted(float(v) for v in scale.values)
    low, high = values[0], values[-1]
    parts = [f'[{var}] <> ""']
    if low == high:
        parts.append(f"[{var}] = {_num(low)}")
    else:
        parts += [f"[{var}] >= {_num(low)}", f"[{var}] <= {_num(high)}"]
        inside = sorted(
            float(c) for c in (*scale.missing_codes, *scale.not_applicable) if low < c < high
        )
        parts += [f"[{var}] <> {_num(c)}" for c in inside]
    return " and ".join(parts)


def _scale_range(scale: ResponseScaleSpec) -> tuple[float, float]:
    return float(min(scale.values)), float(max(scale.values))


def _subscale_formula(spec: InstrumentSpec, sub: SubscaleSpec, names: _Names) -> str:
    items = {item.id: item for item in spec.items}
    weights = {i: float((sub.weights or {}).get(i, 1.0)) for i in sub.items}
    unit = all(w == 1.0 for w in weights.values())
    count, total, weight = [], [], []
    for item_id in sub.items:
        item = items[item_id]
        scale = spec.response_scales[item.scale]
        var = names.items[item_id]
        answered = _answered(var, scale)
        low, high = _scale_range(scale)
        keyed = f"({_num(low + high)} - [{var}])" if item.reverse else f"[{var}]"
        w = weights[item_id]
        count.append(f"if({answered}, 1, 0)")
        total.append(f"if({answered}, {keyed if w == 1.0 else _num(w) + ' * ' + keyed}, 0)")
        weight.append(f"if({answered}, {_num(w)}, 0)")
    n_answered = " + ".join(count)
    summed = " + ".join(total)
    divisor = n_answered if unit else " + ".join(weight)
    if sub.score == "sum":
        value = summed
    elif sub.score == "mean":
        value = f"({summed}) / ({divisor})"
    else:
        value = f"({summed}) / ({divisor}) * {_num(sum(weights.values()))}"
    k = min_answered_count(sub.min_answered, len(sub.items))
    formula = f'if(({n_answered}) >= {k}, {value}, "")'
    if sub.applies_when is not None:
        context = items[sub.applies_when.item]
        var = names.items[context.id]
        off = [
            v for v in spec.response_scales[context.scale].values if v not in sub.applies_when.codes
        ]
        if off:
            test = " or ".join(f"[{var}] = {_num(v)}" for v in off)
            formula = f'if([{var}] <> "" and ({test}), "", {formula})'
    return formula


def _subscale_note(spec: InstrumentSpec, sub: SubscaleSpec, names: _Names) -> str:
    items = {item.id: item for item in spec.items}
    n = len(sub.items)
    what = {"mean": "Mean", "sum": "Sum", "prorated_sum": "Prorated sum (mean x items)"}
    text = f"{what[sub.score]} of {n} item{'s' if n != 1 else ''}"
    if sub.weights:
        text += " (weighted)"
    reversed_ = sum(items[i].reverse for i in sub.items)
    if reversed_:
        text += f"; {reversed_} reverse-keyed (min + max - answer)"
    k = min_answered_count(sub.min_answered, n)
    text += (
        "; blank when no item is answered"
        if k == 1
        else f"; blank when fewer than {k} are answered"
    )
    codes = sorted(
        {
            c
            for i in sub.items
            for c in (
                *spec.response_scales[items[i].scale].missing_codes,
                *spec.response_scales[items[i].scale].not_applicable,
            )
        }
    )
    if codes:
        listed = ", ".join(_num(c) for c in codes)
        text += (
            f"; codes {listed} are not answers"
            if len(codes) > 1
            else f"; code {listed} is not an answer"
        )
    if sub.applies_when is not None:
        listed = ", ".join(_num(c) for c in sub.applies_when.codes)
        text += f"; blank when {names.items[sub.applies_when.item]} is answered other than {listed}"
    return text + "."


def _subscale_bounds(spec: InstrumentSpec, sub: SubscaleSpec) -> tuple[float, float]:
    """Lowest and highest score, by the scoring engine's rule (:func:`score_bounds`)."""
    items = {item.id: item for item in spec.items}
    ranges = [_scale_range(spec.response_scales[items[i].scale]) for i in sub.items]
    return score_bounds(
        sub.score,
        [float((sub.weights or {}).get(i, 1.0)) for i in sub.items],
        [low for low, _high in ranges],
        [high for _low, high in ranges],
        min_answered_count(sub.min_answered, len(sub.items)),
    )


def _composite_formula(
    comp: CompositeSpec,
    spec: InstrumentSpec,
    names: _Names,
    bounds: dict[str, tuple[float, float]],
    exported: set[str],
) -> tuple[str | None, str]:
    """Return the formula of a composite (or None and why not) and its field note."""
    from relscales.spec import NormSpec

    norms: dict[str, tuple[NormSpec, ...]] = {s.id: s.norms for s in spec.subscales}
    norms.update({c.id: c.norms for c in spec.composites})
    terms: list[tuple[str, float, bool, str]] = []  # (var, weight, optional, transformed)
    for part in comp.parts:
        if part.score not in exported:
            return None, f"its part {part.score} is not calculated in REDCap"
        var = names.scores[part.score]
        low, high = bounds[part.score]
        if comp.standardized is True:
            group = comp.norm_group
            chosen = [n for n in norms[part.score] if group is None or n.group == group][:1]
            if not chosen:
                which = f"a norm for group '{group}'" if group else "norms"
                return None, f"its part {part.score} has no {which}"
            mean, sd = _num(chosen[0].mean), _num(chosen[0].sd)
            text = f"({mean} - [{var}]) / {sd}" if part.reverse else f"([{var}] - {mean}) / {sd}"
        elif comp.standardized == "pomp":
            if not (math.isfinite(low) and math.isfinite(high)) or high == low:
                return None, f"the range of its part {part.score} is unknown"
            pomp = f"100 * ([{var}] - {_num(low)}) / {_num(high - low)}"
            text = f"(100 - {pomp})" if part.reverse else f"({pomp})"
        elif part.reverse:
            if not (math.isfinite(low) and math.isfinite(high)):
                return None, f"the range of its part {part.score} is unknown"
            text = f"({_num(low + high)} - [{var}])"
        else:
            text = f"[{var}]"
        terms.append((var, float(part.weight), part.optional, text))

    def weighted(weight: float, text: str) -> str:
        if weight == 1.0:
            return text
        return f"{_num(weight)} * {text if text.startswith('[') else '(' + text + ')'}"

    required = [var for var, _w, optional, _t in terms if not optional]
    guard = " and ".join(f'[{var}] <> ""' for var in dict.fromkeys(required))
    optional_terms = [t for t in terms if t[2]]
    if comp.method == "sum":
        value = " + ".join(weighted(w, t) for _v, w, _o, t in terms)
    elif not optional_terms:
        total = sum(w for _v, w, _o, _t in terms)
        value = f"({' + '.join(weighted(w, t) for _v, w, _o, t in terms)}) / {_num(total)}"
    else:
        numerator = " + ".join(
            f'if([{v}] <> "", {weighted(w, t)}, 0)' if o else weighted(w, t) for v, w, o, t in terms
        )
        fixed = sum(w for _v, w, o, _t in terms if not o)
        divisor = " + ".join(
            [f'if([{v}] <> "", {_num(w)}, 0)' for v, w, o, _t in terms if o] + [_num(fixed)]
        )
        value = f"({numerator}) / ({divisor})"
    metric = {True: "z scores", "pomp": "POMP scores (0-100)", False: "scores"}[comp.standardized]
    unit = all(p.weight == 1 for p in comp.parts)
    method = ("Mean" if unit else "Weighted mean") if comp.method == "mean" else "Sum"
    if comp.method == "sum" and not unit:
        method = "Weighted sum"
    note = f"{method} of the {metric} of {', '.join(p.score for p in comp.parts)}"
    if optional_terms:
        note += f"; {', '.join(p.score for p in comp.parts if p.optional)} left out when blank"
    note += "; blank when a required part is blank."
    return f'if({guard}, {value}, "")', note


def _score_rows(spec: InstrumentSpec, names: _Names) -> tuple[list[dict[str, str]], list[str]]:
    rows, notes = [], []
    bounds: dict[str, tuple[float, float]] = {}
    exported: set[str] = set()
    for sub in spec.subscales:
        bounds[sub.id] = _subscale_bounds(spec, sub)
        exported.add(sub.id)
        meta: dict[str, Any] = {
            "score": sub.id,
            "kind": "subscale",
            "method": sub.score,
            "min_answered": sub.min_answered,
        }
        if sub.description:
            meta["description"] = sub.description
        rows.append(
            {
                "Variable / Field Name": names.scores[sub.id],
                "Field Type": "calc",
                "Field Label": _html(sub.name),
                "Choices, Calculations, OR Slider Labels": _subscale_formula(spec, sub, names),
                "Field Note": _subscale_note(spec, sub, names),
                "Field Annotation": "@HIDDEN-SURVEY\n" + _meta_text(meta),
            }
        )
    for comp in spec.composites:
        formula, note = _composite_formula(comp, spec, names, bounds, exported)
        meta = {"score": comp.id, "kind": "composite", "method": comp.method}
        if comp.standardized is not False:
            meta["standardized"] = comp.standardized
        if comp.norm_group is not None:
            meta["norm_group"] = comp.norm_group
        if comp.description:
            meta["description"] = comp.description
        if formula is None:
            reason = f"Composite {comp.id} is not calculated in REDCap: {note}."
            notes.append(reason)
            meta["not_calculated"] = reason
            rows.append(
                {
                    "Variable / Field Name": names.scores[comp.id],
                    "Field Type": "descriptive",
                    "Field Label": _html(f"{comp.name} (not calculated here)"),
                    "Field Note": _html(reason),
                    "Field Annotation": "@HIDDEN-SURVEY\n" + _meta_text(meta),
                }
            )
            continue
        bounds[comp.id] = composite_bounds(
            [bounds[part.score] for part in comp.parts],
            [float(part.weight) for part in comp.parts],
            comp.method,
            comp.standardized,
        )
        exported.add(comp.id)
        rows.append(
            {
                "Variable / Field Name": names.scores[comp.id],
                "Field Type": "calc",
                "Field Label": _html(comp.name),
                "Choices, Calculations, OR Slider Labels": formula,
                "Field Note": note,
                "Field Annotation": "@HIDDEN-SURVEY\n" + _meta_text(meta),
            }
        )
    return rows, notes


def _export_notes(spec: InstrumentSpec, names: _Names, form: str) -> list[str]:
    lang = spec.languages[0]
    notes = []
    lost = find_uncarried(spec)
    if lost.wording_included:
        notes.append(f"Field labels carry the item wording in '{lang}'.")
        if lost.other_languages:
            others = ", ".join(lost.other_languages)
            notes.append(
                f"Wording in {others} is not exported: a data dictionary holds one language "
                "(REDCap's Multi-Language Management adds others)."
            )
    else:
        notes.append(
            f"The item wording is not included ({spec.license.name}): field labels are "
            "relscales' short content labels; replace them with the wording you are licensed "
            "to use."
        )
    notes.append(
        "The first field, record_id, is the record identifier a new REDCap project needs; "
        "leave it out when adding the form to an existing project."
    )
    renamed = [i for i, var in names.items.items() if var != i]
    if renamed:
        notes.append(
            f"{len(renamed)} item ids are not valid REDCap variable names and were renamed "
            f"({_listing([f'{i} -> {names.items[i]}' for i in renamed])}); each field's "
            "annotation keeps the original id."
        )
    notes.append(
        f"Scores are calc fields named {form}_<score id>, hidden on surveys (action tag "
        "HIDDEN-SURVEY); "
        "they reproduce relscales' raw scores, reverse keys and minimum of answered items."
    )
    if lost.missing_codes:
        missing = ", ".join(_num(c) for c in lost.missing_codes)
        notes.append(
            f"Missing-data codes ({missing}) are choices hidden by the HIDECHOICE action tag, "
            "so data holding them can be imported; the calc fields do not count them as answers."
        )
    if lost.not_applicable:
        na = ", ".join(_num(c) for c in lost.not_applicable)
        notes.append(
            f"'Does not apply' codes ({na}) are visible choices; the calc fields do not count "
            "them as answers, and the count of such answers per subscale is not computed."
        )
    if any(s.stem for s in spec.response_scales.values()):
        notes.append("Scale stems are section headers above the first item of each scale.")
    features: tuple[tuple[ScoreFeature, str], ...] = (
        ("norms", "Norms (z, T and percentile scores)"),
        ("bands", "Interpretation bands"),
        ("published", "Published reliabilities"),
        ("change", "Settings for change over time"),
        ("tags", "Tags"),
    )
    for feature, what in features:
        ids = [s.id for s in lost.having(feature)]
        if ids:
            notes.append(f"{what} of {_listing(ids)} are not exported.")
    notes.append("Confidence intervals and standard errors are not computed in REDCap.")
    irt = [s.id for s in lost.having("irt")]
    if irt:
        notes.append(
            f"The item response models of {_listing(irt)} are not exported: REDCap gets the "
            "classical scores only, not theta."
        )
    z_parts = [c.id for c in spec.composites if c.standardized is True]
    if z_parts:
        notes.append(
            f"Standardized composites ({_listing(z_parts)}) use each part's norm group named by "
            "the composite (else its first); the --norm-group option has no REDCap equivalent."
        )
    if lost.profiles:
        notes.append(
            f"Profiles ({_listing([p.id for p in lost.profiles])}) are not exported: they judge "
            "scores with their confidence intervals, which REDCap does not compute."
        )
    if lost.flags:
        described = []
        for flag in lost.flags:
            what = flag.when.score or ", ".join(flag.when.items or ())
            if flag.when.at_least is not None:
                rule = f">= {_num(flag.when.at_least)}"
            else:
                rule = f"<= {_num(flag.when.at_most or 0)}"
            described.append(f"{flag.id} ({flag.kind}: {what} {rule})")
        notes.append(
            f"Flags are not exported: {_listing(described)}; set up the ones that matter, a "
            "safety flag first, as REDCap alerts."
        )
    if lost.attention_checks:
        checks = [i.id for i in lost.attention_checks]
        notes.append(
            f"Attention-check items ({_listing(checks)}) are ordinary questions in REDCap; "
            "their expected answers are in the annotations and are not checked."
        )
    if lost.context:
        context = [i.id for i in lost.context]
        notes.append(f"Context items ({_listing(context)}) are ordinary questions in REDCap.")
    if lost.columns:
        notes.append(
            f"The data column names of {len(lost.columns)} items (column:) are not used: "
            "REDCap names the data after its variables."
        )
    if spec.validation.evidence or spec.citation:
        notes.append(
            "The citation and validation evidence are kept in the first field's annotation "
            "only; REDCap does not show them."
        )
    return notes


# --------------------------------------------------------------------------------------
# REDCap calc formulas: a reader and an evaluator with REDCap's blank rules


class _Unsupported(Exception):
    """Something in a formula that this reader does not handle."""


_TOKENS = re.compile(
    r"""\s*(?:
    (?P<var>\[[^\[\]]*\])
  | (?P<num>(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)
  | (?P<str>"[^"]*"|'[^']*')
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op><>|!=|<=|>=|==|&&|\|\||[-+*/^=<>(),])
  )""",
    re.VERBOSE,
)

_Node = tuple[Any, ...]


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens, at = [], 0
    text = text.strip()
    while at < len(text):
        match = _TOKENS.match(text, at)
        if match is None or match.end() == at:
            raise _Unsupported(f"cannot read '{text[at : at + 12]}'")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        at = match.end()
        while at < len(text) and text[at].isspace():
            at += 1
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.at = 0

    def parse(self) -> _Node:
        node = self.expr()
        if self.at != len(self.tokens):
            raise _Unsupported(f"unexpected '{self.tokens[self.at][1]}'")
        return node

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.at] if self.at < len(self.tokens) else ("end", "")

    def take(self, value: str) -> bool:
        kind, text = self.peek()
        if (kind in ("op", "name") and text.lower() == value) and kind != "end":
            self.at += 1
            return True
        return False

    def expect(self, value: str) -> None:
        if not self.take(value):
            raise _Unsupported(f"expected '{value}'")

    def expr(self) -> _Node:
        node = self.conj()
        while self.take("or") or self.take("||"):
            node = ("or", node, self.conj())
        return node

    def conj(self) -> _Node:
        node = self.comparison()
        while self.take("and") or self.take("&&"):
            node = ("and", node, self.comparison())
        return node

    def comparison(self) -> _Node:
        node = self.additive()
        kind, text = self.peek()
        if kind == "op" and text in ("=", "==", "<>", "!=", "<", ">", "<=", ">="):
            self.at += 1
            op = {"==": "=", "!=": "<>"}.get(text, text)
            node = ("cmp", op, node, self.additive())
        return node

    def additive(self) -> _Node:
        node = self.term()
        while True:
            kind, text = self.peek()
            if kind == "op" and text in ("+", "-"):
                self.at += 1
                node = ("arith", text, node, self.term())
            else:
                return node

    def term(self) -> _Node:
        node = self.unary()
        while True:
            kind, text = self.peek()
            if kind == "op" and text in ("*", "/"):
                self.at += 1
                node = ("arith", text, node, self.unary())
            else:
                return node

    def unary(self) -> _Node:
        if self.take("-"):
            return ("neg", self.unary())
        if self.take("+"):
            return self.unary()
        node = self.atom()
        if self.take("^"):
            node = ("arith", "^", node, self.unary())
        return node

    def atom(self) -> _Node:
        kind, text = self.peek()
        self.at += 1
        if kind == "num":
            return ("num", float(text))
        if kind == "str":
            inner = text[1:-1]
            if inner.strip() in ("", "NaN"):
                return ("blank",)
            number = plain_number(inner)
            if number is None:
                raise _Unsupported(f"text value {text}")
            return ("num", number)
        if kind == "var":
            name = text[1:-1].strip()
            name = name[:-6] if name.endswith(":value") else name
            if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
                raise _Unsupported(f"field reference {text}")
            return ("var", name)
        if kind == "op" and text == "(":
            node = self.expr()
            self.expect(")")
            return node
        if kind == "name":
            lowered = text.lower()
            if lowered in ("true", "false"):
                return ("num", 1.0 if lowered == "true" else 0.0)
            self.expect("(")
            args: list[_Node] = []
            if not self.take(")"):
                args.append(self.expr())
                while self.take(","):
                    args.append(self.expr())
                self.expect(")")
            return ("call", lowered, tuple(args))
        raise _Unsupported(f"unexpected '{text}'" if text else "unexpected end")


_Value = float | bool | None


def _number(value: _Value) -> float | None:
    if value is None:
        return None
    return float(value)


def _truthy(value: _Value) -> bool:
    return value is not None and bool(value)


def _evaluate(node: _Node, env: Mapping[str, float | None]) -> _Value:
    """Evaluate a formula the way REDCap does on a form: a blank is ``NaN``."""
    kind = node[0]
    if kind == "num":
        return float(node[1])
    if kind == "blank":
        return None
    if kind == "var":
        return env.get(node[1])
    if kind == "neg":
        value = _number(_evaluate(node[1], env))
        return None if value is None else -value
    if kind == "arith":
        a, b = _number(_evaluate(node[2], env)), _number(_evaluate(node[3], env))
        if a is None or b is None:
            return None
        try:
            if node[1] == "+":
                return a + b
            if node[1] == "-":
                return a - b
            if node[1] == "*":
                return a * b
            if node[1] == "/":
                return None if b == 0 else a / b
            return float(a**b)
        except (OverflowError, ZeroDivisionError, TypeError):
            return None
    if kind == "cmp":
        a, b = _number(_evaluate(node[2], env)), _number(_evaluate(node[3], env))
        op = node[1]
        if op in ("=", "<>"):
            same = (a is None and b is None) or (a is not None and b is not None and a == b)
            return same if op == "=" else not same
        if a is None or b is None:
            return False
        return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]
    if kind == "and":
        return _truthy(_evaluate(node[1], env)) and _truthy(_evaluate(node[2], env))
    if kind == "or":
        return _truthy(_evaluate(node[1], env)) or _truthy(_evaluate(node[2], env))
    if kind == "call":
        return _call(node[1], node[2], env)
    raise _Unsupported(kind)  # pragma: no cover - every node kind is handled above


def _call(name: str, args: tuple[_Node, ...], env: Mapping[str, float | None]) -> _Value:
    if name == "if":
        if len(args) != 3:
            raise _Unsupported("if() with other than three arguments")
        return _evaluate(args[1] if _truthy(_evaluate(args[0], env)) else args[2], env)
    values = [_number(_evaluate(a, env)) for a in args]
    present = [v for v in values if v is not None and math.isfinite(v)]
    if name == "sum":
        return sum(present) if present else None
    if name in ("mean", "avg"):
        return sum(present) / len(present) if present else None
    if name == "min":
        return min(present) if present else None
    if name == "max":
        return max(present) if present else None
    if name in ("isblankormissingcode", "isblanknotmissingcode"):
        return values[0] is None if values else True
    if name == "isnumber":
        return bool(values) and values[0] is not None
    if name == "abs":
        return None if not values or values[0] is None else abs(values[0])
    if name == "sqrt":
        return None if not values or values[0] is None or values[0] < 0 else math.sqrt(values[0])
    if name in ("round", "roundup", "rounddown"):
        if not values or values[0] is None:
            return None
        places = int(values[1] or 0) if len(values) > 1 else 0
        factor = 10.0**places
        scaled = values[0] * factor
        rounded = {
            "round": math.floor(abs(scaled) + 0.5) * (1.0 if scaled >= 0 else -1.0),
            "roundup": float(math.ceil(scaled)),
            "rounddown": float(math.floor(scaled)),
        }[name]
        return rounded / factor
    raise _Unsupported(f"function {name}()")


def _references(node: _Node, condition: bool, out: dict[str, bool]) -> None:
    """Collect field references: name -> True when one is used as a value (not a test).

    Names used as values come first, in the order of their first use as a value.
    """
    kind = node[0]
    if kind == "var":
        if not condition and not out.get(node[1], False):
            out.pop(node[1], None)
            out[node[1]] = True
        elif node[1] not in out:
            out[node[1]] = False
    elif kind == "cmp":
        _references(node[2], True, out)
        _references(node[3], True, out)
    elif kind == "call":
        name, args = node[1], node[2]
        for i, arg in enumerate(args):
            test = (name == "if" and i == 0) or name.startswith("is")
            _references(arg, condition or test, out)
    else:
        for child in node[1:]:
            if isinstance(child, tuple):
                _references(child, condition, out)


# --------------------------------------------------------------------------------------
# import


_COLUMN_KEYS = {
    "variablefieldname": "name",
    "fieldname": "name",
    "variable": "name",
    "formname": "form",
    "sectionheader": "section",
    "fieldtype": "type",
    "fieldlabel": "label",
    "choicescalculationsorsliderlabels": "choices",
    "choicesorcalculations": "choices",
    "selectchoicesorcalculations": "choices",
    "choices": "choices",
    "fieldnote": "note",
    "textvalidationtypeorshowslidernumber": "validation",
    "textvalidationtype": "validation",
    "branchinglogicshowfieldonlyif": "branching",
    "branchinglogic": "branching",
    "fieldannotation": "annotation",
}

_MISSING_LABEL = re.compile(
    r"\b(missing|no answer|not answered|refused|prefer not|rather not|declined?|"
    r"don'?t know|do not know|unknown)\b",
    re.IGNORECASE,
)
_NA_LABEL = re.compile(r"\b(not applicable|does not apply|n/a)\b", re.IGNORECASE)


@dataclass
class _Field:
    line: int
    name: str
    form: str
    section: str
    type: str
    label: str
    choices: str
    note: str
    branching: str
    annotation: str
    meta: dict[str, Any] | None


@dataclass
class _Item:
    var: str
    id: str
    label: str
    text: str | None
    values: tuple[float, ...]
    labels: dict[float, str]
    missing: tuple[float, ...]
    not_applicable: tuple[float, ...]
    scale_hint: str | None
    meta: dict[str, Any]
    stem: str | None = None
    scale: str = ""

    @property
    def excluded(self) -> tuple[float, ...]:
        return (*self.missing, *self.not_applicable)


@dataclass
class _Fit:
    """A calc field read as a relscales score."""

    kind: str
    data: dict[str, Any]
    reverse: dict[str, bool] = field(default_factory=dict)
    context: str | None = None


def import_redcap(path: str | os.PathLike[str], form: str | None = None) -> Imported:
    """Read a REDCap data dictionary (one form) as an instrument document.

    ``radio`` and ``dropdown`` fields with numeric choices, ``yesno`` and ``truefalse``
    fields become items and response scales (one scale per distinct set of choices);
    ``calc`` fields whose formula is a sum, mean or prorated sum of items (reverse keys,
    weights and a minimum of answered items included) become subscales, and those combining
    such scores become composites. The formula is read by trying it, with REDCap's rules for
    blanks, on chosen answers. Every other field, and every formula that cannot be read so,
    is a note.

    Parameters
    ----------
    path
        The data dictionary (CSV, as REDCap downloads it; a BOM and older column names are
        accepted).
    form
        The form (instrument) to read; needed when the dictionary holds several.

    Returns
    -------
    Imported
        The instrument document and the notes.

    Raises
    ------
    SpecError
        When the file cannot be read, is not a data dictionary, or the form is not found.
    """
    display = os.fspath(path)
    text, notes = _read_text(Path(display), display)
    fields = _parse_fields(text, display)
    forms = list(dict.fromkeys(f.form for f in fields if f.form))
    if not forms:
        raise SpecError(
            Issue(
                "missing-key",
                "the data dictionary has no field with a form name",
                Location(file=display),
                hint="check that this is a REDCap data dictionary",
            )
        )
    chosen = _choose_form(forms, form, display)
    # REDCap's first field is the record identifier, a text field
    record_id = fields[0].name if fields and fields[0].type == "text" else ""
    selected = [f for f in fields if f.form == chosen]
    return _build(selected, chosen, record_id, notes, display)


def _read_text(path: Path, display: str) -> tuple[str, list[str]]:
    def fail(code: Any, message: str, hint: str) -> SpecError:
        return SpecError(Issue(code, message, Location(file=display), hint=hint))

    try:
        if not path.is_file():
            if not path.exists():
                raise fail(
                    "file-not-found",
                    f"data dictionary '{display}' does not exist",
                    "check the path",
                )
            raise fail(
                "input-not-a-file",
                f"'{display}' is not a regular file",
                "give the path of the CSV file REDCap downloads",
            )
        size = path.stat().st_size
        if size > _MAX_BYTES:
            raise fail(
                "file-unreadable",
                f"data dictionary is {size} bytes; the limit is {_MAX_BYTES}",
                "is this the right file?",
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise fail(
            "file-unreadable",
            f"cannot read the data dictionary: {exc.strerror or exc}",
            "check the path and its permissions",
        ) from None
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace"), [
            "The file is not UTF-8; it was read as Windows-1252 (check accented letters)."
        ]


def _parse_fields(text: str, display: str) -> list[_Field]:
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = list(reader)
    if not rows:
        raise SpecError(Issue("data-empty", "the data dictionary is empty", Location(file=display)))
    columns: dict[str, int] = {}
    for index, heading in enumerate(rows[0]):
        key = _COLUMN_KEYS.get(re.sub(r"[^a-z]", "", heading.lower()))
        if key is not None and key not in columns:
            columns[key] = index
    absent = [c for c in ("name", "form", "type") if c not in columns]
    if absent:
        wanted = {"name": HEADERS[0], "form": HEADERS[1], "type": HEADERS[3]}
        raise SpecError(
            Issue(
                "unsupported-format",
                "this is not a REDCap data dictionary: no column "
                + ", ".join(f"'{wanted[c]}'" for c in absent),
                Location(file=display, line=1),
                hint="download the data dictionary from REDCap (Project Setup > Data Dictionary)",
            )
        )

    def cell(row: list[str], key: str) -> str:
        index = columns.get(key)
        return row[index].strip() if index is not None and index < len(row) else ""

    out = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        annotation = cell(row, "annotation")
        out.append(
            _Field(
                number,
                cell(row, "name"),
                cell(row, "form"),
                cell(row, "section"),
                cell(row, "type").lower(),
                cell(row, "label"),
                cell(row, "choices"),
                cell(row, "note"),
                cell(row, "branching"),
                annotation,
                _read_meta(annotation),
            )
        )
    return out


def _choose_form(forms: list[str], form: str | None, display: str) -> str:
    if form is None:
        if len(forms) == 1:
            return forms[0]
        raise SpecError(
            Issue(
                "invalid-option",
                f"the data dictionary holds {len(forms)} forms; choose one to import",
                Location(file=display),
                hint="choose one with --form (form= in Python): " + ", ".join(forms),
            )
        )
    if form in forms:
        return form
    folded = {f.lower(): f for f in forms}
    if form.lower() in folded:
        return folded[form.lower()]
    raise SpecError(
        Issue(
            "invalid-option",
            f"the data dictionary has no form '{form}'",
            Location(file=display),
            hint="name one of: " + ", ".join(forms),
        )
    )


def _parse_choices(text: str) -> list[tuple[str, str]] | None:
    parts = [p.strip() for p in re.split(r"\||\n", text) if p.strip()]
    out = []
    for part in parts:
        code, comma, label = part.partition(",")
        if not comma:
            return None
        out.append((code.strip(), label.strip()))
    return out or None


def _hidden_choices(annotation: str) -> set[str]:
    found: set[str] = set()
    for match in re.finditer(r"@HIDECHOICE\s*=\s*(['\"])(.*?)\1", annotation):
        found.update(c.strip() for c in match.group(2).split(","))
    return found


def _item_from(fld: _Field, notes: list[str]) -> _Item | None:
    """Read a radio, dropdown, yesno or truefalse field as an item, or note why not."""
    meta = fld.meta if fld.meta is not None and "item" in fld.meta else {}
    if fld.type == "yesno":
        pairs = [("1", "Yes"), ("0", "No")]
    elif fld.type == "truefalse":
        pairs = [("1", "True"), ("0", "False")]
    else:
        parsed = _parse_choices(fld.choices)
        if parsed is None:
            notes.append(f"Not an item: {fld.name} ({fld.type}) has no readable choices.")
            return None
        pairs = parsed
    codes: dict[float, str] = {}
    for code, label in pairs:
        number = plain_number(code)
        if number is None:
            notes.append(
                f"Not an item: {fld.name} ({fld.type}) has a choice code that is not a number "
                f"('{code}')."
            )
            return None
        codes[number] = _one_line(_unhtml(label))
    hidden = {plain_number(c) for c in _hidden_choices(fld.annotation)}
    if meta:
        missing = {float(c) for c in meta.get("missing", [])}
        na = {float(c) for c in meta.get("not_applicable", [])}
    else:
        missing = {c for c, label in codes.items() if _MISSING_LABEL.search(label) or c in hidden}
        na = {c for c, label in codes.items() if _NA_LABEL.search(label) and c not in missing}
        for kind, found in (("missing-data", missing), ("'does not apply'", na)):
            if found:
                notes.append(
                    f"{fld.name}: choice{'s' if len(found) > 1 else ''} "
                    f"{', '.join(_num(c) for c in sorted(found))} read as {kind} "
                    f"code{'s' if len(found) > 1 else ''} (from the label"
                    f"{' or @HIDECHOICE' if hidden & found else ''}); check."
                )
    values = tuple(sorted(c for c in codes if c not in missing and c not in na))
    if not values:
        notes.append(f"Not an item: {fld.name} ({fld.type}) has no answer codes.")
        return None
    unlabelled = {float(c) for c in meta.get("unlabelled", [])}
    labels = {
        c: label
        for c, label in codes.items()
        if c not in missing and c not in unlabelled and label != _num(c)
    }
    raw = _unhtml(fld.label).strip()
    line = _one_line(raw)
    item_id = str(meta.get("item") or fld.name)
    if meta:
        label = str(meta.get("label") or line)
        text = raw if meta.get("text") else None
    else:
        label = line if len(line) <= 80 else line[:77].rsplit(" ", 1)[0] + "..."
        text = raw or None
    return _Item(
        var=fld.name,
        id=item_id,
        label=label or fld.name,
        text=text,
        values=values,
        labels=labels,
        missing=tuple(sorted(missing)),
        not_applicable=tuple(sorted(na)),
        scale_hint=meta.get("scale") if isinstance(meta.get("scale"), str) else None,
        meta=meta,
        stem=_one_line(_unhtml(fld.section)) if fld.section and meta.get("stem") else None,
    )


def _build(
    fields: list[_Field], form: str, record_id: str, notes: list[str], display: str
) -> Imported:
    intro: dict[str, Any] = {}
    instructions: str | None = None
    items: dict[str, _Item] = {}
    calcs: list[_Field] = []
    for fld in fields:
        meta = fld.meta or {}
        if fld.name == record_id:
            notes.append(f"{fld.name} is the record identifier of the REDCap project, not an item.")
        elif fld.type == "descriptive" and "instrument" in meta:
            intro = meta
            if meta.get("instructions"):
                instructions = _unhtml(fld.label).strip()
        elif fld.type in ("radio", "dropdown", "yesno", "truefalse"):
            item = _item_from(fld, notes)
            if item is not None:
                items[item.var] = item
                if fld.branching:
                    notes.append(
                        f"Item {item.id} is shown in REDCap only when {fld.branching}; relscales "
                        "asks it always and scores a skipped item as unanswered."
                    )
                if fld.section and item.stem is None:
                    notes.append(
                        f"Section header before {item.id} is not kept: "
                        f"'{_one_line(_unhtml(fld.section))[:80]}'."
                    )
        elif fld.type == "calc" and "@CALCTEXT" not in fld.annotation.upper():
            calcs.append(fld)
        elif "not_calculated" in meta:
            notes.append(str(meta["not_calculated"]))
        else:
            label = _one_line(_unhtml(fld.label))[:60].rstrip(" .")
            shown = f": {label}" if label else ""
            notes.append(f"Not an item: {fld.name} ({fld.type or 'no type'}){shown}.")
    scales = _scales(items, str(intro.get("language") or "en"), notes)
    fits, reverse, context = _read_scores(calcs, items, notes)
    doc = _document(form, intro, instructions, items, scales, fits, reverse, context, notes)
    _check(doc, notes, display)
    return Imported(document=doc, notes=tuple(notes))


def _scales(items: dict[str, _Item], lang: str, notes: list[str]) -> dict[str, dict[str, Any]]:
    """Group the items' choice sets into named response scales (one per distinct set)."""
    scales: dict[str, dict[str, Any]] = {}
    by_content: dict[str, str] = {}
    counter = 0
    for item in items.values():
        content: dict[str, Any] = {"values": [_plain(v) for v in item.values]}
        if item.labels:
            content["labels"] = {_plain(c): lab for c, lab in sorted(item.labels.items())}
        if item.missing:
            content["missing_codes"] = [_plain(c) for c in item.missing]
        if item.not_applicable:
            content["not_applicable"] = [_plain(c) for c in item.not_applicable]
        if item.stem:
            content["stem"] = {lang: item.stem}
        key = json.dumps(content, sort_keys=True)
        if item.scale_hint and re.fullmatch(r"[A-Za-z][A-Za-z0-9_.]*", item.scale_hint):
            name = item.scale_hint
            if name in scales and json.dumps(scales[name], sort_keys=True) != key:
                # the stem sits on the first item only: merge it, else rename the scale
                merged = {k: v for k, v in scales[name].items() if k != "stem"}
                plain = {k: v for k, v in content.items() if k != "stem"}
                if merged == plain:
                    scales[name].update({k: v for k, v in content.items() if k == "stem"})
                    item.scale = name
                    continue
                new = f"{name}_{counter + 2}"
                notes.append(f"Item {item.id} has other choices than scale {name}: scale {new}.")
                counter += 1
                name = new
        else:
            name = by_content.get(key) or f"choices{len(by_content) + 1}"
        by_content.setdefault(key, name)
        scales.setdefault(name, content)
        item.scale = name
    return scales


def _read_scores(
    calcs: list[_Field], items: dict[str, _Item], notes: list[str]
) -> tuple[list[tuple[_Field, _Fit]], dict[str, bool], set[str]]:
    """Read calc fields as subscales, then composites of those (several passes)."""
    fits: list[tuple[_Field, _Fit]] = []
    scores: dict[str, _Fit] = {}
    reverse: dict[str, bool] = {}
    context: set[str] = set()
    scored_items: set[str] = set()
    pending = list(calcs)
    calc_names = {c.name for c in calcs}
    reasons: dict[str, str] = {}
    progress = True
    while pending and progress:
        progress = False
        for fld in list(pending):
            try:
                tree = _Parser(fld.choices).parse()
            except _Unsupported as exc:
                reasons[fld.name] = f"the formula cannot be read ({exc})"
                pending.remove(fld)
                continue
            rounded = tree[0] == "call" and tree[1] in ("round", "roundup", "rounddown")
            if rounded and tree[2]:
                tree = tree[2][0]  # relscales does not round: read what is rounded
            refs: dict[str, bool] = {}
            _references(tree, False, refs)
            values = [r for r, used in refs.items() if used]
            fit: _Fit | None
            if values and all(r in items for r in values):
                fit, why = _guarded(_fit_subscale, fld, tree, refs, items)
            elif values and all(r in scores for r in refs):
                fit, why = _guarded(_fit_composite, fld, tree, values, scores)
            elif any(r in {c.name for c in pending} for r in refs):
                continue  # a score it uses is not read yet
            else:
                unknown = [r for r in refs if r not in items and r not in scores]
                failed = [r for r in unknown if r in calc_names]
                if failed:
                    why = f"it uses scores that could not be read ({_listing(failed)})"
                elif unknown:
                    why = (
                        "it uses fields that are not items or scores of this form "
                        f"({_listing(unknown)})"
                    )
                else:
                    why = "it mixes items and scores"
                fit = None
            pending.remove(fld)
            progress = True
            if fit is None:
                reasons[fld.name] = why
                continue
            if rounded:
                notes.append(
                    f"Calc field {fld.name} rounds its result in REDCap; relscales does not round."
                )
            if why:
                notes.append(f"Calc field {fld.name}: {why}.")
            conflict = [
                items[v].id
                for v, rev in fit.reverse.items()
                if reverse.get(items[v].id, rev) != rev
            ]
            if conflict:
                reasons[fld.name] = (
                    f"it keys {_listing(conflict)} in the other direction than an earlier score"
                )
                continue
            if fit.context is not None and items[fit.context].id in scored_items:
                notes.append(
                    f"{fld.name}: its condition on {items[fit.context].id} is dropped, since that "
                    "item is scored (relscales conditions a score only on a context item)."
                )
                fit.data.pop("applies_when", None)
                fit.context = None
            fit.data["id"] = str(_score_meta(fld).get("score") or fld.name)
            for var, rev in fit.reverse.items():
                reverse[items[var].id] = rev
                scored_items.add(items[var].id)
            if fit.context is not None:
                context.add(items[fit.context].id)
            scores[fld.name] = fit
            fits.append((fld, fit))
    for fld in pending:
        reasons.setdefault(fld.name, "it depends on a score that could not be read")
    fits = _dictionary_order(fits, calcs)
    for fld in calcs:
        if fld.name in reasons:
            notes.append(
                f"Calc field {fld.name} is not imported: {reasons[fld.name]}. Its formula: "
                f"{fld.choices}"
            )
    for fld, fit in fits:  # a context item scored by a later score is no context item
        if fit.context is not None and items[fit.context].id in scored_items:
            notes.append(
                f"{fld.name}: its condition on {items[fit.context].id} is dropped, since that "
                "item is scored (relscales conditions a score only on a context item)."
            )
            context.discard(items[fit.context].id)
            fit.data.pop("applies_when", None)
            fit.context = None
    return fits, reverse, context


def _dictionary_order(
    fits: list[tuple[_Field, _Fit]], calcs: list[_Field]
) -> list[tuple[_Field, _Fit]]:
    """Put the scores in the dictionary's order, each composite after the scores it uses."""
    position = {fld.name: i for i, fld in enumerate(calcs)}
    ids = {fit.data["id"]: fld.name for fld, fit in fits}
    waiting = sorted(fits, key=lambda pair: position[pair[0].name])
    done: set[str] = set()
    out: list[tuple[_Field, _Fit]] = []
    while waiting:
        for pair in waiting:
            parts = [p["score"] for p in pair[1].data.get("parts", [])]
            if all(ids.get(p) in done for p in parts):
                waiting.remove(pair)
                out.append(pair)
                done.add(pair[0].name)
                break
        else:  # pragma: no cover - the reading order already satisfies every dependency
            out.extend(waiting)
            break
    return out


def _valid_min_answered(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value >= 1
    return isinstance(value, float) and 0 < value <= 1


def _guarded(fit: Callable[..., tuple[_Fit | None, str]], *args: Any) -> tuple[_Fit | None, str]:
    try:
        return fit(*args)
    except _Unsupported as exc:
        return None, f"the formula cannot be read ({exc})"


def _score_meta(fld: _Field) -> dict[str, Any]:
    return fld.meta if fld.meta is not None and "score" in fld.meta else {}


def _fit_subscale(
    fld: _Field, tree: _Node, refs: dict[str, bool], items: dict[str, _Item]
) -> tuple[_Fit | None, str]:
    """Read a formula over items as a keyed mean, sum or prorated sum, by trying it."""
    import random

    meta = _score_meta(fld)
    scored = [v for v, used in refs.items() if used]
    gates = [v for v, used in refs.items() if not used]
    rng = random.Random(fld.name)

    def run(env: dict[str, float | None]) -> float | None:
        value = _number(_evaluate(tree, env))
        return value if value is not None and math.isfinite(value) else None

    blank: dict[str, float | None] = dict.fromkeys(refs)
    for var in scored:
        if len(items[var].values) < 2:
            return None, f"item {items[var].id} has a single answer code"
    base = {**blank, **{v: items[v].values[0] for v in scored}}
    f0 = run(base)
    if f0 is None:
        return None, "it is blank when every item is answered"
    coef: dict[str, float] = {}
    for var in scored:
        low, high = items[var].values[0], items[var].values[-1]
        value = run({**base, var: high})
        if value is None:
            return None, "it is not a sum or mean of the answers"
        coef[var] = (value - f0) / (high - low)
    const = f0 - sum(coef[v] * items[v].values[0] for v in scored)
    for _ in range(6):
        env = {**blank, **{v: rng.choice(items[v].values) for v in scored}}
        value = run(env)
        expected = const + sum(coef[v] * float(env[v] or 0.0) for v in scored)
        if value is None or not _close(value, expected):
            return None, "it is not a sum or mean of the answers"
    if any(abs(c) <= _TOL for c in coef.values()):
        zero = [items[v].id for v in scored if abs(coef[v]) <= _TOL]
        return None, f"{_listing(zero)} do not change it"
    rev = {v: coef[v] < 0 for v in scored}
    weight = {v: abs(coef[v]) for v in scored}
    offset = sum(weight[v] * (items[v].values[0] + items[v].values[-1]) for v in scored if rev[v])
    if not _close(const, offset):
        return None, "it adds a constant that reverse keying does not explain"

    def keyed(var: str, value: float) -> float:
        return items[var].values[0] + items[var].values[-1] - value if rev[var] else value

    # which answered items make a score, and how it treats the unanswered ones
    n = len(scored)
    probes: list[tuple[list[str], dict[str, float | None], float]] = []
    blank_at: dict[int, bool] = {}
    for m in range(1, n + 1):
        subsets = [scored[:m], scored[n - m :]]
        subsets += [rng.sample(scored, m) for _ in range(3)]
        for subset in subsets:
            env = {**blank, **{v: rng.choice(items[v].values) for v in subset}}
            value = run(env)
            if blank_at.setdefault(m, value is None) != (value is None):
                return None, "whether it is blank depends on which items are answered"
            if value is not None:
                probes.append((subset, env, value))
    k = next((m for m in range(1, n + 1) if not blank_at[m]), n + 1)
    if k > n or any(blank_at[m] for m in range(k, n + 1)):
        return None, "it is blank when enough items are answered"
    total_weight = sum(weight.values())
    candidates = []
    for method in ("mean", "sum", "prorated_sum"):
        ok = True
        for subset, env, value in probes:
            total = sum(weight[v] * keyed(v, float(env[v] or 0.0)) for v in subset)
            answered = sum(weight[v] for v in subset)
            want = {
                "mean": total / answered,
                "sum": total,
                "prorated_sum": total / answered * total_weight,
            }[method]
            if not _close(value, want):
                ok = False
                break
        if ok:
            candidates.append(method)
    if not candidates:
        return None, "it treats unanswered items in a way relscales cannot express"
    hint = meta.get("method")
    method = hint if hint in candidates else candidates[0]
    # codes that are not answers should leave the score as if unanswered
    full = {**blank, **{v: items[v].values[-1] for v in scored}}
    counted = [
        f"{_num(code)} of {items[var].id}"
        for var in scored
        for code in items[var].excluded
        if run({**full, var: code}) != run({**full, var: None})
    ]
    caveats = []
    if counted:
        caveats.append(
            f"REDCap's formula counts code{'s' if len(counted) > 1 else ''} "
            f"{_listing(counted)} as answers, which relscales treats as no answer"
        )
    nothing = run(blank)
    if nothing is not None:
        caveats.append(
            f"REDCap's formula gives {_num(nothing)} when no item is answered, where "
            "relscales leaves the score blank"
        )
    caveat = "; ".join(caveats)
    smallest = min(weight.values())
    scaled = {v: weight[v] / smallest if method == "mean" else weight[v] for v in scored}
    data: dict[str, Any] = {"items": [items[v].id for v in scored], "score": method}
    weights = {items[v].id: _clean_weight(w) for v, w in scaled.items()}
    if any(w != 1 for w in weights.values()):
        data["weights"] = {i: w for i, w in weights.items() if w != 1}
    count = meta.get("min_answered")
    if not _valid_min_answered(count):
        count = None
    if count is not None and min_answered_count(count, n) == k:
        if count != 1 or isinstance(count, float):
            data["min_answered"] = count
    elif k != 1:
        data["min_answered"] = k
    fit = _Fit("subscale", data, reverse=rev)
    # a condition on another item (applies_when): blank for some of its codes
    for gate in gates:
        if gate not in items:
            return None, f"it tests {gate}, which is not an item of this form"
        item = items[gate]
        applies = []
        for code in item.values:
            value = run({**full, gate: code})
            if value is None:
                continue
            if not _close(value, run(full) or 0.0):
                return None, f"its value depends on the answer to {item.id}"
            applies.append(code)
        for code in item.excluded:
            if run({**full, gate: code}) != run(full):
                return None, f"a non-answer to {item.id} changes it"
        if len(applies) == len(item.values):
            continue
        if not applies:
            return None, f"it is blank whatever {item.id} is answered"
        if fit.context is not None:
            return None, "it depends on more than one condition"
        fit.context = gate
        data["applies_when"] = {"item": item.id, "in": [_plain(c) for c in applies]}
    return fit, caveat


def _fit_composite(
    fld: _Field, tree: _Node, parts: list[str], scores: dict[str, _Fit]
) -> tuple[_Fit | None, str]:
    """Read a formula over scores as a weighted mean or sum of raw scores, by trying it."""
    import random

    meta = _score_meta(fld)
    if meta.get("standardized"):
        return None, "it combines standardized scores, whose norms are not in the dictionary"
    rng = random.Random(fld.name)

    def run(env: Mapping[str, float | None]) -> float | None:
        value = _number(_evaluate(tree, env))
        return value if value is not None and math.isfinite(value) else None

    def draw() -> dict[str, float | None]:
        return {p: rng.uniform(0.0, 10.0) for p in parts}

    base: dict[str, float | None] = dict.fromkeys(parts, 1.0)
    f0 = run(base)
    if f0 is None:
        return None, "it is blank when every score is there"
    coef = {}
    for part in parts:
        value = run({**base, part: 2.0})
        if value is None:
            return None, "it is not a weighted sum or mean of the scores"
        coef[part] = value - f0
    if not _close(f0 - sum(coef.values()), 0.0) or any(abs(c) <= _TOL for c in coef.values()):
        return None, "it is not a weighted sum or mean of the raw scores"
    for _ in range(6):
        env = draw()
        value = run(env)
        if value is None or not _close(value, sum(coef[p] * float(env[p] or 0) for p in parts)):
            return None, "it is not a weighted sum or mean of the scores"
    optional = [p for p in parts if run({**base, p: None}) is not None]
    total = sum(coef.values())
    if optional:
        if len(optional) == len(parts) or not _close(total, 1.0):
            return None, "it leaves out blank scores in a way relscales cannot express"
        for _ in range(6):
            env = draw()
            gone = [p for p in optional if rng.random() < 0.5]
            env.update(dict.fromkeys(gone))
            kept = [p for p in parts if p not in gone]
            want = sum(coef[p] * float(env[p] or 0) for p in kept) / sum(coef[p] for p in kept)
            value = run(env)
            if value is None or not _close(value, want):
                return None, "it leaves out blank scores in a way relscales cannot express"
    mean = bool(optional) or (meta.get("method", "mean") == "mean" and _close(total, 1.0))
    smallest = min(abs(c) for c in coef.values())
    out_parts = []
    for p in parts:
        entry: dict[str, Any] = {"score": str(scores[p].data.get("id", p))}
        weight = _clean_weight(coef[p] / smallest if mean else coef[p])
        if weight != 1:
            entry["weight"] = weight
        if p in optional:
            entry["optional"] = True
        out_parts.append(entry)
    return _Fit("composite", {"parts": out_parts, "method": "mean" if mean else "sum"}), ""


def _document(
    form: str,
    intro: dict[str, Any],
    instructions: str | None,
    items: dict[str, _Item],
    scales: dict[str, dict[str, Any]],
    fits: list[tuple[_Field, _Fit]],
    reverse: dict[str, bool],
    context: set[str],
    notes: list[str],
) -> dict[str, Any]:
    lang = str(intro.get("language") or "en")
    ours = bool(intro)
    instrument_id = str(intro.get("instrument") or re.sub(r"[^a-z0-9-]", "-", form.lower()))
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", instrument_id):
        instrument_id = "redcap-form"
    doc: dict[str, Any] = {
        "relscales": 1,
        "id": instrument_id,
        "version": str(intro.get("version") or "0.1.0"),
        "name": str(intro.get("name") or form.replace("_", " ").strip().capitalize() or form),
    }
    for key in ("abbreviation",):
        if intro.get(key):
            doc[key] = intro[key]
    doc["domain"] = intro.get("domain") or "other"
    for key in ("description", "citation", "doi", "url"):
        if intro.get(key):
            doc[key] = intro[key]
    any_text = any(item.text for item in items.values())
    license_ = intro.get("license")
    if isinstance(license_, dict) and license_.get("name"):
        doc["license"] = license_
    else:
        doc["license"] = {
            "name": "not stated in the REDCap data dictionary",
            "item_text": "included" if any_text else "not-included",
        }
    validation = intro.get("validation")
    if isinstance(validation, dict) and validation.get("status"):
        doc["validation"] = validation
    else:
        doc["validation"] = {"status": "experimental"}
    if instructions:
        doc["instructions"] = {lang: instructions}
    doc["languages"] = [lang]
    if not ours:
        notes.extend(
            [
                f"Set the instrument's id, version and name (now {doc['id']}, {doc['version']}, "
                f"'{doc['name']}').",
                "Set domain (now 'other') to what the instrument is about.",
                "Set license.name: the data dictionary does not say under what terms the "
                "wording may be used.",
                "Set validation.status (now 'experimental') and add the citation and evidence.",
            ]
        )
        if any_text:
            notes.append(
                f"Item wording was taken from the field labels as language '{lang}'; the short "
                "labels are their first words: shorten them in your own words."
            )
    doc["response_scales"] = scales
    included = doc["license"].get("item_text") == "included"
    out_items = []
    columns: list[str] = []
    for item in items.values():
        entry: dict[str, Any] = {"id": item.id, "label": item.label}
        if included and item.text:
            entry["text"] = {lang: item.text}
        entry["scale"] = item.scale
        rev = reverse.get(item.id, bool(item.meta.get("reverse")))
        if rev:
            entry["reverse"] = True
        if item.var != item.id:
            entry["column"] = item.var
        attention = item.meta.get("attention_check")
        if attention is not None:
            entry["attention_check"] = {"expected": attention}
        if item.id in context or (item.meta.get("context") and item.id not in reverse):
            entry["context"] = True
        if isinstance(item.meta.get("column"), str) and item.meta["column"] != item.var:
            columns.append(f"{item.id} ({item.meta['column']})")
        out_items.append(entry)
    doc["items"] = out_items
    if columns:
        notes.append(
            f"Data columns named in the original instrument are not kept, since REDCap data "
            f"name each item after its variable: {_listing(columns)}."
        )
    subscales, composites = [], []
    for fld, fit in fits:
        meta = _score_meta(fld)
        score_id = str(meta.get("score") or fld.name)
        fit.data["id"] = score_id
        entry = {"id": score_id, "name": _one_line(_unhtml(fld.label)) or score_id}
        if meta.get("description"):
            entry["description"] = meta["description"]
        if fit.kind == "subscale":
            entry.update({k: v for k, v in fit.data.items() if k != "id"})
            subscales.append(entry)
        else:
            entry.update({k: v for k, v in fit.data.items() if k != "id"})
            composites.append(entry)
        if fld.branching:
            notes.append(f"Score {score_id} has branching logic in REDCap ({fld.branching}).")
    doc["subscales"] = subscales
    if composites:
        doc["composites"] = composites
    if not subscales:
        notes.append("No calc field could be read as a score: add at least one subscale.")
    return doc


def _check(doc: dict[str, Any], notes: list[str], display: str) -> None:
    """Validate the document; add what a person must fix to the notes."""
    from relscales.errors import RelscalesError
    from relscales.instruments.loader import load_instrument_data

    try:
        load_instrument_data(doc, source=display)
    except RelscalesError as exc:
        for issue in exc.issues:
            where = f"{issue.location.path}: " if issue.location.path else ""
            hint = f" ({issue.hint})" if issue.hint else ""
            notes.append(f"To fix before the file validates: {where}{issue.message}{hint}.")
