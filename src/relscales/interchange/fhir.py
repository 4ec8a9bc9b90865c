"""FHIR R4 Questionnaire with SDC scoring expressions (FHIRPath), to and from relscales.

:func:`export_fhir` writes an instrument as a FHIR R4 ``Questionnaire``: one ``choice`` item
per relscales item (``linkId`` = item id), whose ``answerOption`` codings carry the scale's
codes (``code`` = the number as text, ``system`` = ``urn:relscales:<id>:scale:<scale>``)
and, for the codes that count, the number in the ``ordinalValue`` extension. Missing-data
and "does not apply" codes are options too, so that a form can record them, but without an
ordinal value, and no score counts them. Every subscale and composite is a hidden, read-only
``decimal`` item (``linkId`` = ``score:<id>``) whose SDC ``calculatedExpression`` is a
FHIRPath variable declared on the Questionnaire (the core ``variable`` extension; each may
use the ones before it)::

    anxiety_items     = ('ecrr01' | 'ecrr02' | ...)          the subscale's items
    anxiety_responses = %response_items.where(linkId in %anxiety_items)
    anxiety_reversed  = ('ecrr09' | 'ecrr11')                 its reverse-keyed items
    anxiety_forward   = %anxiety_items.exclude(%anxiety_reversed)
    anxiety_answers   = <valid answers of the forward items>.select(code.toDecimal())
                        .combine(<of the reversed ones>.select(8 - code.toDecimal()))
    anxiety           = iif(%anxiety_answers.count() >= 1, %anxiety_answers.avg())
    global_anxiety    = (%mother_anxiety + %father_anxiety + ...) / 4

A missing score (too few answers, a context under which the subscale does not apply, a
missing part of a composite) is the empty collection, as relscales' is an empty cell.
``tests/interchange/test_fhir.py`` evaluates the expressions with an independent FHIRPath
engine (fhirpathpy) and compares them with relscales' scores.

:func:`import_fhir` reads such a Questionnaire back, and hand-written ones: choice items with
coded or integer options (numbers from the ``ordinalValue`` or ``itemWeight`` extension,
else the code), groups flattened, and subscales from ``calculatedExpression`` when it is a
sum or a mean of items. What it cannot read is said in a note, with what a person must add.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from relscales.errors import Issue, Location, SpecError
from relscales.instruments.bounds import composite_bounds, min_answered_count, score_bounds
from relscales.interchange import Exported, Imported
from relscales.interchange.notes import ScoreFeature, find_uncarried
from relscales.spec import (
    DOMAINS,
    CompositeSpec,
    InstrumentSpec,
    ItemSpec,
    NormSpec,
    ResponseScaleSpec,
    SubscaleSpec,
)

if TYPE_CHECKING:
    from relscales.instruments.instrument import Instrument

__all__ = [
    "CALCULATED_EXPRESSION",
    "ORDINAL_VALUE",
    "VARIABLE",
    "export_fhir",
    "import_fhir",
]

ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
"""Core extension holding an answer's number (on the option's coding)."""
ITEM_WEIGHT = "http://hl7.org/fhir/StructureDefinition/itemWeight"
"""Its successor (R5 and the extension pack): read, never written."""
_OLD_ORDINAL = "http://hl7.org/fhir/StructureDefinition/questionnaire-ordinalValue"
CALCULATED_EXPRESSION = (
    "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression"
)
"""SDC extension: the FHIRPath expression that fills a read-only item."""
VARIABLE = "http://hl7.org/fhir/StructureDefinition/variable"
"""Core extension: a named FHIRPath expression, usable as ``%name`` further on."""
HIDDEN = "http://hl7.org/fhir/StructureDefinition/questionnaire-hidden"
SHORT_TEXT = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-shortText"
TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"
ENABLE_WHEN_EXPRESSION = (
    "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression"
)
_FHIRPATH = "text/fhirpath"

_URN = "urn:relscales:"
EXT_DOMAIN = "urn:relscales:extension:domain"
"""relscales' own extensions: what FHIR has no element for, so that an import gets it back."""
EXT_VALIDATION = "urn:relscales:extension:validation-status"
EXT_ITEM_TEXT = "urn:relscales:extension:item-text"
EXT_ANSWER_KIND = "urn:relscales:extension:answer-kind"
EXT_CONTEXT = "urn:relscales:extension:context-item"

SCORE_PREFIX = "score:"
"""``linkId`` prefix of the hidden score items."""
_STEM_PREFIX = "stem:"
_INSTRUCTIONS = "instructions"
_SOURCE = "Source: "
_NOTES = "What this Questionnaire leaves out (relscales export):"

_Z_DESCRIPTION = "relscales score: z scores against the reference group '{}'"
_Z_GROUP_READ = re.compile(r"z scores against the reference group '(.+)'$")

_KEYWORDS = frozenset(
    {
        *("and", "or", "xor", "implies", "div", "mod", "in", "contains", "is", "as"),
        *("true", "false", "resource", "context", "questionnaire", "qitem", "rootResource"),
        *("ucum", "sct", "loinc", "factory", "terminologies", "server"),
    }
)
"""Names a variable may not take: FHIRPath keywords and the environment's own variables."""

_MAX_BYTES = 20 * 1024 * 1024


# --------------------------------------------------------------------------------------------
# numbers as FHIR codes and FHIRPath literals


def _code(value: float) -> str:
    """Return a scale value as a coding ``code`` and FHIRPath literal (``3``, ``2.5``)."""
    if isinstance(value, bool):  # pragma: no cover - the spec refuses booleans
        raise TypeError("a scale value is a number")
    if isinstance(value, int):
        return str(value)
    return format(Decimal(repr(value)), "f")


def _literal(value: float) -> str:
    """Return a number as a FHIRPath literal, parenthesised when negative."""
    text = _code(value)
    return f"({text})" if text.startswith("-") else text


def _number(text: str) -> int | float | None:
    """Return the number a code spells (``"3"``, ``"-99"``, ``"2.5"``), else None."""
    if re.fullmatch(r"[+-]?\d+", text.strip()):
        return int(text)
    if re.fullmatch(r"[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?", text.strip()):
        number = float(text)
        return number if math.isfinite(number) else None
    return None


def _plain_number(value: Any) -> int | float | None:
    """Return a JSON number (not a boolean) as int or float, else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# --------------------------------------------------------------------------------------------
# export


def _scale_system(instrument_id: str, scale: str) -> str:
    return f"{_URN}{instrument_id}:scale:{scale}"


def _computable_name(instrument_id: str) -> str:
    """Return the Questionnaire ``name`` (``ecr-r`` -> ``EcrR``), a machine-usable name."""
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", instrument_id) if p]
    name = "".join(p[:1].upper() + p[1:] for p in parts)
    return name if name[:1].isalpha() else f"Q{name}"


def _pick_norm(norms: Sequence[NormSpec], group: str | None) -> NormSpec | None:
    """Return the named reference group, or the first one (as relscales' scoring picks it)."""
    if not norms:
        return None
    if group is None:
        return norms[0]
    return next((n for n in norms if n.group == group), None)


class _Names:
    """FHIRPath variable names: score ids made safe, unique, and kept readable."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def claim(self, wanted: str) -> str:
        base = re.sub(r"[^A-Za-z0-9_]", "_", wanted)
        if not re.match(r"[A-Za-z_]", base) or base in _KEYWORDS:
            base = f"v_{base}"
        name, n = base, 2
        while name in self.taken:
            name, n = f"{base}_{n}", n + 1
        self.taken.add(name)
        return name


@dataclass
class _Score:
    """A score as the export knows it: its variable, range, and why it may not cross."""

    id: str
    variable: str | None
    low: float
    high: float
    norms: tuple[NormSpec, ...] = ()


@dataclass
class _Export:
    spec: InstrumentSpec
    names: _Names = field(default_factory=_Names)
    variables: list[dict[str, Any]] = field(default_factory=list)
    scale_values: dict[str, str] = field(default_factory=dict)
    scores: dict[str, _Score] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    items: str = ""
    """The variable holding every item of the response (declared first)."""
    descriptions: dict[str, str] = field(default_factory=dict)
    """Score id -> description of its calculatedExpression, when it says more."""

    def variable(self, wanted: str, expression: str) -> str:
        name = self.names.claim(wanted)
        self.variables.append(
            {
                "url": VARIABLE,
                "valueExpression": {
                    "name": name,
                    "language": _FHIRPATH,
                    "expression": expression,
                },
            }
        )
        return name


def _strings_literal(texts: Sequence[str]) -> str:
    """Write a FHIRPath collection of strings, ``('a' | 'b')``."""
    return "(" + " | ".join(f"'{t}'" for t in texts) + ")"


def _values_variable(job: _Export, name: str) -> str:
    """Return the variable listing a scale's codes that count as answers (declared once)."""
    if name not in job.scale_values:
        codes = [_code(v) for v in job.spec.response_scales[name].values]
        job.scale_values[name] = job.variable(f"{name}_values", _strings_literal(codes))
    return job.scale_values[name]


def _answers_of(job: _Export, source: str, ids_variable: str, scale: str) -> str:
    """Write FHIRPath for the answers (codings) of the listed items that count on their scale."""
    values = _values_variable(job, scale)
    return f"%{source}.where(linkId in %{ids_variable}).answer.value.where(code in %{values})"


def _keyed(weight: float, offset: float | None) -> str:
    """Write FHIRPath, on an answer's coding, for its number reverse keyed and weighted."""
    value = "code.toDecimal()"
    if offset is not None:
        value = f"{_literal(offset)} - {value}"
        if weight != 1:
            value = f"({value})"
    if weight != 1:
        value = f"{_literal(weight)} * {value}"
    return value


def _groups(spec: InstrumentSpec, sub: SubscaleSpec) -> list[tuple[str, bool, float, list[str]]]:
    """Group the subscale's items by (scale, reverse, weight): forward keyed, then reversed."""
    items = {item.id: item for item in spec.items}
    groups: dict[tuple[str, bool, float], list[str]] = {}
    for item_id in sub.items:
        item = items[item_id]
        weight = (sub.weights or {}).get(item_id, 1)
        groups.setdefault((item.scale, item.reverse, weight), []).append(item_id)
    found = [(scale, rev, w, ids) for (scale, rev, w), ids in groups.items()]
    return sorted(found, key=lambda group: group[1])  # forward-keyed items first


def _subscale_expressions(job: _Export, sub: SubscaleSpec) -> None:
    spec = job.spec
    groups = _groups(spec, sub)
    weighted = any(w != 1 for _, _, w, _ in groups)
    several_scales = len({scale for scale, _, _, _ in groups}) > 1
    # the subscale's items in its own order, and the response's items among them; then
    # forward- and reverse-keyed ones on one scale as "items except the reversed"; other
    # groupings (several scales, weights) listed
    items_var = job.variable(f"{sub.id}_items", _strings_literal(sub.items))
    source = job.items
    if len(groups) > 1:
        source = job.variable(f"{sub.id}_responses", f"%{job.items}.where(linkId in %{items_var})")
    simple = not weighted and not several_scales
    reversed_var: str | None = None
    if simple and len(groups) == 2:
        reversed_ids = next(ids for _, reverse, _, ids in groups if reverse)
        reversed_var = job.variable(f"{sub.id}_reversed", _strings_literal(reversed_ids))
    answer_terms, weight_terms = [], []
    for scale_name, reverse, weight, ids in groups:
        scale = spec.response_scales[scale_name]
        offset = float(min(scale.values)) + float(max(scale.values)) if reverse else None
        if offset is not None and offset.is_integer():
            offset = int(offset)
        if len(groups) == 1:
            ids_variable = items_var
        elif reversed_var is not None:
            ids_variable = (
                reversed_var
                if reverse
                else job.variable(f"{sub.id}_forward", f"%{items_var}.exclude(%{reversed_var})")
            )
        else:
            wanted = f"{sub.id}_{'reversed' if reverse else 'forward'}"
            if several_scales:
                wanted += f"_{scale_name}"
            if weighted:
                wanted += f"_w{_code(weight)}"
            ids_variable = job.variable(wanted, _strings_literal(ids))
        answers = _answers_of(job, source, ids_variable, scale_name)
        answer_terms.append(f"{answers}.select({_keyed(weight, offset)})")
        weight_terms.append(f"{answers}.select({_literal(weight)})")
    answers_var = job.variable(f"{sub.id}_answers", _combined(answer_terms))
    weights_var = job.variable(f"{sub.id}_weights", _combined(weight_terms)) if weighted else None
    n = len(sub.items)
    need = min_answered_count(sub.min_answered, n)
    if isinstance(sub.min_answered, float):
        enough = f"%{answers_var}.count() >= {_code(sub.min_answered)} * {n}"
    else:
        enough = f"%{answers_var}.count() >= {need}"
    total_weight = sum((sub.weights or {}).get(i, 1) for i in sub.items)
    if weights_var is None:
        mean = f"%{answers_var}.avg()"
    else:
        mean = f"%{answers_var}.sum() / %{weights_var}.sum()"
    value = {
        "mean": mean,
        "sum": f"%{answers_var}.sum()",
        "prorated_sum": f"{mean} * {_literal(total_weight)}",
    }[sub.score]
    condition = enough
    off = _context_off(job, sub)
    if off is not None:
        condition += f" and {off}.empty()"
    variable = job.variable(sub.id, f"iif({condition}, {value})")
    weights = [float((sub.weights or {}).get(i, 1)) for i in sub.items]
    items = {item.id: item for item in spec.items}
    low = [float(min(spec.response_scales[items[i].scale].values)) for i in sub.items]
    high = [float(max(spec.response_scales[items[i].scale].values)) for i in sub.items]
    lo, hi = score_bounds(sub.score, weights, low, high, need)
    job.scores[sub.id] = _Score(sub.id, variable, lo, hi, sub.norms)


def _context_off(job: _Export, sub: SubscaleSpec) -> str | None:
    """Write FHIRPath for the context answers under which the subscale does not apply."""
    if sub.applies_when is None:
        return None
    spec = job.spec
    item = next(i for i in spec.items if i.id == sub.applies_when.item)
    off = [v for v in spec.response_scales[item.scale].values if v not in sub.applies_when.codes]
    if not off:
        return None
    codes = _strings_literal([_code(v) for v in off])
    return f"%{job.items}.where(linkId = '{item.id}').answer.value.where(code in {codes})"


def _combined(terms: Sequence[str]) -> str:
    head, *rest = terms
    return head + "".join(f".combine({t})" for t in rest)


def _composite_expression(job: _Export, comp: CompositeSpec) -> str | None:
    """Write the FHIRPath of a composite over its parts' variables; else None and a note."""
    parts = [job.scores[p.score] for p in comp.parts]
    for part, spec_part in zip(parts, comp.parts, strict=True):
        if part.variable is None:
            return _not_computed(job, comp, f"its part '{spec_part.score}' is not")
    terms: list[tuple[float, str, bool, str]] = []
    groups: set[str] = set()
    standardized = comp.standardized
    for part, spec_part in zip(parts, comp.parts, strict=True):
        ref = f"%{part.variable}"
        if standardized == "pomp":
            width = part.high - part.low
            if not math.isfinite(width) or width == 0:
                return _not_computed(job, comp, f"part '{spec_part.score}' has no finite range")
            pomp = f"100 * ({ref} - {_literal(part.low)}) / {_literal(width)}"
            text = f"(100 - {pomp})" if spec_part.reverse else pomp
        elif standardized:
            norm = _pick_norm(part.norms, comp.norm_group)
            if norm is None:
                why = (
                    f"part '{spec_part.score}' has no norms"
                    if comp.norm_group is None
                    else f"part '{spec_part.score}' has no '{comp.norm_group}' norms"
                )
                return _not_computed(job, comp, why)
            groups.add(norm.group)
            mean, sd = _literal(norm.mean), _literal(norm.sd)
            text = f"({mean} - {ref}) / {sd}" if spec_part.reverse else f"({ref} - {mean}) / {sd}"
        elif spec_part.reverse:
            text = f"({_literal(_tidy(part.low + part.high))} - {ref})"
        else:
            text = ref
        terms.append((float(spec_part.weight), text, spec_part.optional, ref))
    if len(groups) == 1:
        job.descriptions[comp.id] = _Z_DESCRIPTION.format(next(iter(groups)))
    numerator = _weighted_sum(terms)
    if comp.method == "sum":
        return numerator
    fixed = sum(w for w, _, optional, _ in terms if not optional)
    optional = [(w, ref) for w, _, opt, ref in terms if opt]
    if not optional:
        return f"({numerator}) / {_literal(_tidy(fixed))}"
    divisor = " + ".join(
        [_literal(_tidy(fixed))]
        + [f"iif({ref}.exists(), {_literal(_tidy(w))}, 0)" for w, ref in optional]
    )
    return f"({numerator}) / ({divisor})"


def _tidy(value: float) -> float:
    """Write whole floats as ints in expressions (``2`` for ``2.0``)."""
    return int(value) if float(value).is_integer() and abs(value) < 2**53 else value


def _operand(text: str) -> str:
    """Parenthesise an expression unless it is one term already (``%x``, ``(a - b)``)."""
    if " " not in text:
        return text
    if text.startswith("("):
        depth = 0
        for n, char in enumerate(text):
            depth += {"(": 1, ")": -1}.get(char, 0)
            if depth == 0:
                if n == len(text) - 1:
                    return text
                break
    return f"({text})"


def _weighted_sum(terms: Sequence[tuple[float, str, bool, str]]) -> str:
    out = ""
    for weight, text, optional, ref in terms:
        size = abs(weight)
        term = text if size == 1 else f"{_literal(_tidy(size))} * {_operand(text)}"
        if optional:
            term = f"iif({ref}.exists(), {term}, 0)"
        if not out:
            out = term if weight >= 0 else f"0 - {term}"
        else:
            out += f" {'+' if weight >= 0 else '-'} {term}"
    return out


def _not_computed(job: _Export, comp: CompositeSpec, why: str) -> str | None:
    """Record a composite the Questionnaire does not compute, with a note; return None."""
    job.scores[comp.id] = _Score(comp.id, None, math.nan, math.nan)
    job.notes.append(f"Composite '{comp.id}' is not computed in the FHIR Questionnaire: {why}.")
    return None


def _composite_bounds(job: _Export, comp: CompositeSpec) -> tuple[float, float]:
    parts = [(job.scores[p.score].low, job.scores[p.score].high) for p in comp.parts]
    weights = [float(p.weight) for p in comp.parts]
    return composite_bounds(parts, weights, comp.method, comp.standardized)


def _translations(texts: dict[str, str], first: str) -> dict[str, Any] | None:
    """Return the ``_text`` element holding the other languages of a text, or None."""
    others = [(lang, text) for lang, text in texts.items() if lang != first]
    if not others:
        return None
    return {
        "extension": [
            {
                "url": TRANSLATION,
                "extension": [
                    {"url": "lang", "valueCode": lang},
                    {"url": "content", "valueString": text},
                ],
            }
            for lang, text in others
        ]
    }


def _default_display(kind: str, value: float) -> str:
    """Return the text shown for an unlabelled missing or "does not apply" code."""
    return f"{'No answer' if kind == 'missing' else 'Does not apply'} ({_code(value)})"


def _options(spec: InstrumentSpec, name: str, scale: ResponseScaleSpec) -> list[dict[str, Any]]:
    system = _scale_system(spec.id, name)
    options: list[dict[str, Any]] = []
    for value in scale.values:
        coding: dict[str, Any] = {
            "extension": [{"url": ORDINAL_VALUE, "valueDecimal": value}],
            "system": system,
            "code": _code(value),
        }
        if value in scale.labels:
            coding["display"] = scale.labels[value]
        options.append({"valueCoding": coding})
    for kind, codes in (("missing", scale.missing_codes), ("not-applicable", scale.not_applicable)):
        for value in codes:
            coding = {"system": system, "code": _code(value)}
            coding["display"] = scale.labels.get(value) or _default_display(kind, value)
            options.append(
                {"extension": [{"url": EXT_ANSWER_KIND, "valueCode": kind}], "valueCoding": coding}
            )
    return options


def _question(spec: InstrumentSpec, item: ItemSpec, included: bool, lang: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    extensions: list[dict[str, Any]] = []
    if item.context:
        extensions.append({"url": EXT_CONTEXT, "valueBoolean": True})
    if included and item.text:
        extensions.append({"url": SHORT_TEXT, "valueString": item.label})
    if extensions:
        out["extension"] = extensions
    out["linkId"] = item.id
    if included and item.text:
        out["text"] = item.text.get(lang) or next(iter(item.text.values()))
        translated = _translations(dict(item.text), lang)
        if translated is not None:
            out["_text"] = translated
    else:
        out["text"] = item.label
    out["type"] = "choice"
    out["answerOption"] = _options(spec, item.scale, spec.response_scales[item.scale])
    return out


def _display(link_id: str, texts: dict[str, str], lang: str) -> dict[str, Any]:
    out: dict[str, Any] = {"linkId": link_id, "text": texts.get(lang) or next(iter(texts.values()))}
    translated = _translations(texts, lang)
    if translated is not None:
        out["_text"] = translated
    out["type"] = "display"
    return out


def _score_item(
    link_id: str, text: str, variable: str | None, description: str = "relscales score"
) -> dict[str, Any]:
    extensions: list[dict[str, Any]] = [{"url": HIDDEN, "valueBoolean": True}]
    if variable is not None:
        extensions.append(
            {
                "url": CALCULATED_EXPRESSION,
                "valueExpression": {
                    "description": description,
                    "language": _FHIRPATH,
                    "expression": f"%{variable}",
                },
            }
        )
    return {
        "extension": extensions,
        "linkId": link_id,
        "text": text,
        "type": "decimal",
        "readOnly": True,
    }


def _lost_rules(spec: InstrumentSpec) -> list[str]:
    """Return notes on the rules of the instrument that no Questionnaire element holds."""
    notes: list[str] = []
    lost = find_uncarried(spec)

    def ids(objects: Sequence[Any]) -> str:
        return ", ".join(f"'{o.id}'" for o in objects)

    if lost.flags:
        safety = any(flag.kind == "safety" for flag in lost.flags)
        notes.append(
            f"Flags are not in the FHIR Questionnaire ({ids(lost.flags)}"
            + ("; safety screens among them" if safety else "")
            + "): the form shows none of their messages or resources; relscales raises them "
            "when it scores the responses."
        )
    if lost.profiles:
        notes.append(
            f"Profiles (two-axis readings) are not in the FHIR Questionnaire "
            f"({ids(lost.profiles)})."
        )
    features: tuple[tuple[str, ScoreFeature], ...] = (
        ("Norms (z, T and percentile scores)", "norms"),
        ("Interpretation bands", "bands"),
        ("Published reliability (score intervals)", "published"),
        ("Change criteria (relscales change)", "change"),
        ("Item response theory models (theta scores)", "irt"),
    )
    for what, feature in features:
        found = lost.having(feature)
        if found:
            notes.append(f"{what} are not exported: {ids(found)}.")
    if lost.attention_checks:
        notes.append(
            "Attention checks are plain questions in the FHIR Questionnaire "
            f"({ids(lost.attention_checks)}): the data-quality screen that reads them runs in "
            "relscales."
        )
    details = [
        what
        for what, present in (
            ("the abbreviation", spec.abbreviation),
            ("the validation evidence", spec.validation.evidence),
            ("score descriptions", lost.having("description")),
            ("score tags", lost.having("tags")),
        )
        if present
    ]
    if details:
        notes.append(f"Not in the FHIR Questionnaire either: {', '.join(details)}.")
    if lost.columns:
        notes.append(
            "Items named by data column in relscales (column:) are named by item id in the "
            f"FHIR Questionnaire (linkId), which relscales also reads: {ids(lost.columns)}."
        )
    return notes


def export_fhir(instrument: Instrument) -> Exported:
    """Convert an instrument to a FHIR R4 Questionnaire with SDC scoring expressions.

    Parameters
    ----------
    instrument
        A loaded instrument.

    Returns
    -------
    Exported
        ``<id>.questionnaire.json`` (2-space indented JSON, keys in a fixed order) and the
        rules the Questionnaire cannot hold, one note each.

    Examples
    --------
    >>> from relscales.instruments.loader import load_instrument
    >>> out = export_fhir(load_instrument("rses"))
    >>> list(out.files)
    ['rses.questionnaire.json']
    >>> import json
    >>> q = json.loads(out.files["rses.questionnaire.json"])
    >>> q["item"][-1]["linkId"], q["extension"][-1]["valueExpression"]["expression"]
    ('score:self_esteem', 'iif(%self_esteem_answers.count() >= 10, %self_esteem_answers.sum())')
    """
    spec = instrument.spec
    job = _Export(spec)
    included = spec.license.item_text == "included"
    lang = spec.languages[0] if spec.languages else "en"
    if not included:
        job.notes.append(
            "The item wording is not in the instrument file (license.item_text: "
            "not-included): each question's text is the item's short label in the project's "
            "own words; put in the wording from your licensed copy before fielding the form."
        )
    job.items = job.variable("response_items", "%resource.repeat(item)")
    for sub in spec.subscales:
        _subscale_expressions(job, sub)
    for comp in spec.composites:
        expression = _composite_expression(job, comp)
        if expression is not None:
            variable = job.variable(comp.id, expression)
            lo, hi = _composite_bounds(job, comp)
            job.scores[comp.id] = _Score(comp.id, variable, lo, hi, comp.norms)
            if comp.standardized is True and comp.norm_group is None:
                job.notes.append(
                    f"Composite '{comp.id}' combines z scores against each part's first "
                    "reference group in the FHIR Questionnaire; relscales score --norm-group "
                    "can pick another."
                )
        else:
            lo, hi = _composite_bounds(job, comp)
            job.scores[comp.id].low, job.scores[comp.id].high = lo, hi
    job.notes.extend(_lost_rules(spec))

    items: list[dict[str, Any]] = []
    if spec.instructions:
        items.append(_display(_INSTRUCTIONS, dict(spec.instructions), lang))
    stems = 0
    previous: str | None = None
    for item in spec.items:
        scale = spec.response_scales[item.scale]
        if scale.stem and item.scale != previous:
            stems += 1
            items.append(_display(f"{_STEM_PREFIX}{item.scale}:{stems}", dict(scale.stem), lang))
        previous = item.scale
        items.append(_question(spec, item, included, lang))
    for sub in spec.subscales:
        items.append(_score_item(SCORE_PREFIX + sub.id, sub.name, job.scores[sub.id].variable))
    for comp in spec.composites:
        score = job.scores[comp.id]
        text = comp.name
        if score.variable is None:
            text += " (not computed in this form: see relscales)"
        description = job.descriptions.get(comp.id, "relscales score")
        items.append(_score_item(SCORE_PREFIX + comp.id, text, score.variable, description))

    extensions: list[dict[str, Any]] = [
        {"url": EXT_DOMAIN, "valueCode": spec.domain},
        {"url": EXT_VALIDATION, "valueCode": spec.validation.status},
        {"url": EXT_ITEM_TEXT, "valueCode": spec.license.item_text},
        *job.variables,
    ]
    questionnaire: dict[str, Any] = {"resourceType": "Questionnaire"}
    if len(spec.id) <= 64:
        questionnaire["id"] = spec.id
    questionnaire["extension"] = extensions
    if included:
        questionnaire["language"] = lang
    questionnaire["url"] = f"{_URN}{spec.id}"
    questionnaire["version"] = spec.version
    questionnaire["name"] = _computable_name(spec.id)
    questionnaire["title"] = spec.name
    questionnaire["status"] = "draft"
    description = _description(spec, job.notes)
    if description:
        questionnaire["description"] = description
    licence = spec.license.name + (f" ({spec.license.url})" if spec.license.url else "")
    questionnaire["copyright"] = licence
    questionnaire["item"] = items
    text = json.dumps(questionnaire, indent=2, ensure_ascii=False) + "\n"
    return Exported(files={f"{spec.id}.questionnaire.json": text}, notes=tuple(job.notes))


def _description(spec: InstrumentSpec, notes: Sequence[str]) -> str:
    """Return the Questionnaire's description: the instrument's, its source, and the notes."""
    parts = [spec.description] if spec.description else []
    if spec.citation or spec.doi:
        source = spec.citation or ""
        if spec.doi:
            source = f"{source} doi:{spec.doi}".strip()
        parts.append(_SOURCE + source)
    if notes:
        parts.append(_NOTES + "".join(f"\n- {note}" for note in notes))
    return "\n\n".join(parts)


# --------------------------------------------------------------------------------------------
# FHIRPath: a small parser for the expressions the import reads


@dataclass(frozen=True)
class _Node:
    """A FHIRPath syntax node: ``kind`` with its text and children."""

    kind: str
    """``num``, ``str``, ``var``, ``ident``, ``this``, ``empty``, ``call``, ``member``,
    ``binary`` or ``neg``."""
    text: str = ""
    args: tuple[_Node, ...] = ()
    paren: bool = field(default=False, compare=False)
    """Written in parentheses (so ``(a - b) + c`` is not ``a - b + c``)."""


_TOKEN = re.compile(
    r"""\s+|/\*.*?\*/|//[^\n]*
    |(?P<num>\d+(?:\.\d+)?)
    |(?P<str>'(?:[^'\\]|\\.)*')
    |(?P<var>%(?:[A-Za-z_][A-Za-z0-9_]*|`[^`]*`|'(?:[^'\\]|\\.)*'))
    |(?P<special>\$this|\$index|\$total)
    |(?P<ident>[A-Za-z_][A-Za-z0-9_]*|`[^`]*`)
    |(?P<op><=|>=|!=|!~|[-+*/|&=~<>(),.{}\[\]])
    """,
    re.VERBOSE | re.DOTALL,
)
_WORD_OPS = {"and", "or", "xor", "implies", "div", "mod", "in", "contains", "is", "as"}
_BINDING = {
    "implies": 1,
    "or": 2,
    "xor": 2,
    "and": 3,
    "in": 4,
    "contains": 4,
    "=": 5,
    "~": 5,
    "!=": 5,
    "!~": 5,
    "<": 6,
    ">": 6,
    "<=": 6,
    ">=": 6,
    "|": 7,
    "is": 8,
    "as": 8,
    "+": 9,
    "-": 9,
    "&": 9,
    "*": 10,
    "/": 10,
    "div": 10,
    "mod": 10,
}


class _Syntax(ValueError):
    """A FHIRPath expression outside the subset the import reads."""


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    at = 0
    while at < len(text):
        match = _TOKEN.match(text, at)
        if match is None:
            raise _Syntax(f"cannot read {text[at : at + 20]!r}")
        at = match.end()
        kind = match.lastgroup
        if kind is None:
            continue
        value = match.group(kind)
        if kind == "ident" and value in _WORD_OPS:
            kind = "op"
        out.append((kind, value))
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.at = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (value is not None and token[1] != value):
            raise _Syntax(f"expected {value or 'more'}")
        self.at += 1
        return token

    def parse(self) -> _Node:
        node = self.expression(0)
        if self.peek() is not None:
            raise _Syntax(f"unexpected {self.peek()}")
        return node

    def expression(self, floor: int) -> _Node:
        left = self.unary()
        while True:
            token = self.peek()
            if token is None or token[0] != "op" or token[1] not in _BINDING:
                return left
            power = _BINDING[token[1]]
            if power <= floor:
                return left
            self.take()
            right = self.expression(power)
            left = _Node("binary", token[1], (left, right))

    def unary(self) -> _Node:
        token = self.peek()
        if token == ("op", "-"):
            self.take()
            return _Node("neg", "", (self.unary(),))
        if token == ("op", "+"):
            self.take()
            return self.unary()
        return self.postfix(self.term())

    def term(self) -> _Node:
        kind, value = self.take()
        if kind == "num":
            return _Node("num", value)
        if kind == "str":
            return _Node("str", re.sub(r"\\(.)", r"\1", value[1:-1]))
        if kind == "var":
            return _Node("var", value[1:].strip("`'"))
        if kind == "special":
            return _Node("this", value)
        if kind == "ident":
            return self.invocation(None, value.strip("`"))
        if value == "(":
            inner = self.expression(0)
            self.take(")")
            return _Node(inner.kind, inner.text, inner.args, paren=True)
        if value == "{":
            self.take("}")
            return _Node("empty")
        raise _Syntax(f"unexpected {value!r}")

    def invocation(self, target: _Node | None, name: str) -> _Node:
        parts = () if target is None else (target,)
        if self.peek() == ("op", "("):
            self.take()
            args: list[_Node] = []
            if self.peek() != ("op", ")"):
                args.append(self.expression(0))
                while self.peek() == ("op", ","):
                    self.take()
                    args.append(self.expression(0))
            self.take(")")
            return _Node("call", name, (*parts, *args) if target is not None else tuple(args))
        if target is None:
            return _Node("ident", name)
        return _Node("member", name, parts)

    def postfix(self, node: _Node) -> _Node:
        while True:
            token = self.peek()
            if token == ("op", "."):
                self.take()
                kind, value = self.take()
                if kind not in ("ident", "op"):
                    raise _Syntax(f"unexpected {value!r} after '.'")
                node = _mark_method(self.invocation(node, value.strip("`")))
            elif token == ("op", "["):
                self.take()
                index = self.expression(0)
                self.take("]")
                node = _Node("call", "[]", (node, index))
            else:
                return node


def _mark_method(node: _Node) -> _Node:
    """Mark a call reached through ``.`` (kind ``method``): its target is its first argument."""
    if node.kind == "call":
        return _Node("method", node.text, node.args, paren=node.paren)
    return node


def _parse(text: str) -> _Node:
    return _Parser(text).parse()


def _strings(node: _Node) -> list[str] | None:
    """Return the strings of ``'a'``, ``('a' | 'b' | ...)`` or ``x.exclude(y)``, else None."""
    if node.kind == "str":
        return [node.text]
    if node.kind == "binary" and node.text == "|":
        left, right = _strings(node.args[0]), _strings(node.args[1])
        return None if left is None or right is None else left + right
    if node.kind == "method" and node.text == "exclude" and len(node.args) == 2:
        left, right = _strings(node.args[0]), _strings(node.args[1])
        return None if left is None or right is None else [t for t in left if t not in right]
    return None


def _decimal(node: _Node) -> Decimal | None:
    """Return the value of a numeric literal (with ``-`` or parentheses), else None."""
    if node.kind == "num":
        return Decimal(node.text)
    if node.kind == "neg":
        inner = _decimal(node.args[0])
        return None if inner is None else -inner
    return None


def _inline(node: _Node, env: dict[str, _Node], depth: int = 0) -> _Node:
    """Replace the variables that name a constant list or the response's items by their text.

    Score variables stay: composites are read as expressions of them.
    """
    if node.kind == "var" and node.text in env and depth < 20:
        found = _inline(env[node.text], env, depth + 1)
        keep = _strings(found) is not None or _is_items(found) or _is_selection(found)
        return found if keep else node
    if not node.args:
        return node
    args = tuple(_inline(a, env, depth) for a in node.args)
    return _Node(node.kind, node.text, args, paren=node.paren)


def _is_selection(node: _Node) -> bool:
    """Tell whether a node is the response's items filtered by linkId, and nothing else."""
    steps = _chain(node)
    return (
        len(steps) > 2
        and _is_items(steps[1])
        and all(_link_filter(s) is not None for s in steps[2:])
    )


def _is_items(node: _Node) -> bool:
    """Tell whether a node is ``%resource.repeat(item)`` or ``%resource.item``."""
    steps = _chain(node)
    return (
        len(steps) == 2
        and steps[0] == _Node("var", "resource")
        and (
            (steps[1].kind == "member" and steps[1].text == "item")
            or (
                steps[1].kind == "method"
                and steps[1].text == "repeat"
                and steps[1].args[1:] == (_Node("ident", "item"),)
            )
        )
    )


def _chain(node: _Node) -> list[_Node]:
    """Return a method/member chain from its root: ``a.b(c).d`` -> [a, b(c), d]."""
    steps: list[_Node] = []
    while node.kind in ("method", "member"):
        steps.append(node)
        node = node.args[0]
    steps.append(node)
    return steps[::-1]


def _link_filter(step: _Node) -> list[str] | None:
    """Return the linkIds a ``where(linkId = 'x')`` or ``where(linkId in (...))`` keeps."""
    if step.kind != "method" or step.text != "where" or len(step.args) != 2:
        return None
    cond = step.args[1]
    if cond.kind != "binary" or cond.text not in ("=", "in"):
        return None
    left, right = cond.args
    if left.kind == "ident" and left.text == "linkId":
        return _strings(right)
    if cond.text == "=" and right.kind == "ident" and right.text == "linkId":
        return _strings(left)
    return None


def _selected(steps: list[_Node]) -> list[str] | None:
    """Return the linkIds the ``where(linkId ...)`` steps of a chain leave (all at once)."""
    found: list[str] | None = None
    for step in steps:
        ids = _link_filter(step)
        if ids is not None:
            found = ids if found is None else [i for i in found if i in ids]
    return found


def _code_filter(step: _Node) -> list[str] | None:
    """Return the codes a ``where(code in (...))`` or ``where(code = 'x')`` step keeps."""
    if step.kind != "method" or step.text != "where" or len(step.args) != 2:
        return None
    cond = step.args[1]
    if cond.kind == "binary" and cond.text in ("=", "in"):
        left, right = cond.args
        if left.kind == "ident" and left.text == "code":
            if right.kind == "empty":
                return []
            return _strings(right)
    return None


# --------------------------------------------------------------------------------------------
# import


@dataclass
class _Option:
    value: int | float | None
    label: str | None
    kind: str  # "value", "missing", "not-applicable"
    code: str | None


@dataclass
class _Question:
    link_id: str
    id: str
    text: str | None
    short: str | None
    translations: dict[str, str]
    options: list[_Option]
    context: bool
    system: str | None
    scale: str = ""


@dataclass
class _Import:
    """What the import has read so far."""

    notes: list[str] = field(default_factory=list)
    questions: dict[str, _Question] = field(default_factory=dict)
    """linkId -> the question."""
    scale_data: dict[str, dict[str, Any]] = field(default_factory=dict)
    variables: dict[str, _Node] = field(default_factory=dict)
    scores: dict[str, str] = field(default_factory=dict)
    """Variable name -> score id, for the scores read so far."""
    stems: dict[str, dict[str, str]] = field(default_factory=dict)
    instructions: dict[str, str] | None = None
    own: bool = False
    language: str = "en"

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)


def _extensions(node: Any, url: str | tuple[str, ...]) -> list[dict[str, Any]]:
    urls = (url,) if isinstance(url, str) else url
    found = node.get("extension") if isinstance(node, dict) else None
    if not isinstance(found, list):
        return []
    return [e for e in found if isinstance(e, dict) and e.get("url") in urls]


def _extension_value(node: Any, url: str | tuple[str, ...], key: str) -> Any:
    for extension in _extensions(node, url):
        if key in extension:
            return extension[key]
    return None


def _ordinal(node: Any) -> int | float | None:
    for extension in _extensions(node, (ORDINAL_VALUE, ITEM_WEIGHT, _OLD_ORDINAL)):
        for key in ("valueDecimal", "valueInteger"):
            number = _plain_number(extension.get(key))
            if number is not None:
                return number
    return None


def _read(path: Path) -> dict[str, Any]:
    file = str(path)
    try:
        if path.stat().st_size > _MAX_BYTES:
            raise SpecError(
                Issue(
                    "file-too-large",
                    f"the Questionnaire is larger than {_MAX_BYTES // (1024 * 1024)} MB",
                    Location(file=file),
                )
            )
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpecError(
            Issue(
                "file-unreadable",
                f"the Questionnaire is not UTF-8 text ({exc.reason})",
                Location(file=file),
                hint="save it as UTF-8 JSON",
            )
        ) from None
    except OSError as exc:
        raise SpecError(
            Issue("file-unreadable", f"cannot read the file ({exc.strerror})", Location(file=file))
        ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError(
            Issue(
                "file-unreadable",
                f"the file is not JSON: {exc.msg}",
                Location(file=file, line=exc.lineno, column=exc.colno),
                hint="export the Questionnaire as FHIR JSON (XML is not read)",
            )
        ) from None
    if isinstance(data, dict) and data.get("resourceType") == "Bundle":
        found: list[dict[str, Any]] = [
            e["resource"]
            for e in data.get("entry", []) or []
            if isinstance(e, dict)
            and isinstance(e.get("resource"), dict)
            and e["resource"].get("resourceType") == "Questionnaire"
        ]
        if len(found) == 1:
            return dict(found[0])
    if not isinstance(data, dict) or data.get("resourceType") != "Questionnaire":
        kind = data.get("resourceType") if isinstance(data, dict) else type(data).__name__
        raise SpecError(
            Issue(
                "invalid-value",
                f"the file is not a FHIR Questionnaire (resourceType: {kind})",
                Location(file=file),
                hint="give a Questionnaire resource, or a Bundle holding exactly one",
            )
        )
    return data


_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.]*$")


def _item_id(link_id: str, taken: set[str]) -> str:
    base = link_id if _NAME.match(link_id) else re.sub(r"[^A-Za-z0-9_.]+", "_", link_id).strip("_")
    if not base or not base[0].isalpha():
        base = f"q{base}" if base else "q"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name


def _short_label(text: str, limit: int = 60) -> str:
    words = " ".join(text.split())
    if len(words) <= limit:
        return words
    cut = words[:limit].rsplit(" ", 1)[0].rstrip(" ,;:.")
    return f"{cut or words[:limit]}..."


def _text_translations(node: dict[str, Any], key: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for extension in _extensions(node.get(f"_{key}"), TRANSLATION):
        parts = {
            e.get("url"): e.get("valueCode", e.get("valueString"))
            for e in extension.get("extension", []) or []
            if isinstance(e, dict)
        }
        lang, content = parts.get("lang"), parts.get("content")
        if isinstance(lang, str) and isinstance(content, str) and content.strip():
            out[lang] = content
    return out


def _read_options(job: _Import, item: dict[str, Any], link_id: str) -> list[_Option] | None:
    options: list[_Option] = []
    unnumbered: list[str] = []
    for raw in item.get("answerOption", []) or []:
        if not isinstance(raw, dict):
            continue
        kind = _extension_value(raw, EXT_ANSWER_KIND, "valueCode")
        kind = kind if kind in ("missing", "not-applicable") else "value"
        coding = raw.get("valueCoding")
        label: str | None = None
        code: str | None = None
        value = _ordinal(raw)
        if isinstance(coding, dict):
            label = coding.get("display") if isinstance(coding.get("display"), str) else None
            code = coding.get("code") if isinstance(coding.get("code"), str) else None
            if value is None:
                value = _ordinal(coding)
            if value is None and code is not None:
                value = _number(code)
                if value is not None and kind == "value" and _has_ordinals(item):
                    kind = "missing"  # an option without a number among numbered ones
                    job.note(
                        f"Item '{link_id}': option {code}"
                        + (f" ({label!r})" if label else "")
                        + " has no ordinal value among options that have one: it is a "
                        "missing-data code."
                    )
        elif "valueInteger" in raw:
            number = _plain_number(raw.get("valueInteger"))
            value = value if value is not None else number
        elif isinstance(raw.get("valueString"), str):
            label = raw["valueString"]
        if value is None:
            unnumbered.append(label or code or "?")
            continue
        if kind != "value" and code is not None and _number(code) is not None:
            value = _number(code)
        options.append(_Option(value, label, kind, code))
    if unnumbered:
        job.note(
            f"Item '{link_id}': answer option(s) {', '.join(repr(u) for u in unnumbered)} "
            "have no number (no ordinalValue or itemWeight extension, and a code that is not a "
            "number); relscales reads such answers as invalid. Give them codes in the scale "
            "or declare them under missing_codes."
        )
    if not any(o.kind == "value" for o in options):
        return None
    return options


def _has_ordinals(item: dict[str, Any]) -> bool:
    for raw in item.get("answerOption", []) or []:
        if isinstance(raw, dict) and (
            _ordinal(raw) is not None or _ordinal(raw.get("valueCoding")) is not None
        ):
            return True
    return False


def _scale_name(system: str | None) -> str | None:
    if system and system.startswith(_URN) and ":scale:" in system:
        name = system.rsplit(":scale:", 1)[1]
        return name if _NAME.match(name) else None
    return None


def _build_scale(job: _Import, question: _Question) -> None:
    """Give the question a response scale: an existing one with the same options, or a new one."""
    values: dict[int | float, str | None] = {}
    special: dict[str, dict[int | float, str | None]] = {"missing": {}, "not-applicable": {}}
    for option in question.options:
        assert option.value is not None
        if option.kind != "value":
            label = option.label
            if label == _default_display(option.kind, option.value) or option.kind == "missing":
                label = None  # relscales labels no missing code
            special[option.kind].setdefault(option.value, label)
        elif option.value in values:
            job.note(
                f"Item '{question.link_id}': two options have the number {_code(option.value)}; "
                "the first one's label is kept."
            )
        else:
            values[option.value] = option.label
    overlap = [v for kind in special.values() for v in kind if v in values]
    if overlap:
        job.note(
            f"Item '{question.link_id}': the codes {', '.join(_code(v) for v in overlap)} are "
            "both an answer and a missing or 'does not apply' code; they count as answers."
        )
    missing = sorted(v for v in special["missing"] if v not in values)
    not_applicable = sorted(v for v in special["not-applicable"] if v not in values)
    labels = {v: text for v, text in values.items() if text}
    labels.update(
        {v: text for v, text in special["not-applicable"].items() if text and v not in values}
    )
    data: dict[str, Any] = {"values": sorted(values)}
    if labels:
        data["labels"] = {v: labels[v] for v in sorted(labels)}
    if missing:
        data["missing_codes"] = missing
    if not_applicable:
        data["not_applicable"] = not_applicable
    uncoded = [
        o
        for o in question.options
        if o.kind == "value" and o.code is not None and o.code != _code(o.value or 0)
    ]
    if uncoded and not job.own:
        shown = ", ".join(f"{o.code} = {_code(o.value or 0)}" for o in uncoded[:4])
        job.note(
            f"Item '{question.link_id}': answers are coded otherwise than by their numbers "
            f"({shown}{', ...' if len(uncoded) > 4 else ''}); relscales reads a "
            "QuestionnaireResponse answer's ordinalValue (or itemWeight) extension, so the form "
            "must copy it into the answers, or the data must hold the numbers."
        )
    wanted = _scale_name(question.system) if job.own else None
    if wanted is not None and job.scale_data.get(wanted) == data:
        question.scale = wanted  # the exporter's scale, kept apart from equal ones (stems)
        return
    if wanted is None:
        for name, existing in job.scale_data.items():
            if existing == data:
                question.scale = name
                return
    name = wanted or f"scale{len(job.scale_data) + 1}"
    while name in job.scale_data:
        name += "_"
    job.scale_data[name] = data
    question.scale = name


def _flat(job: _Import, items: Any) -> list[dict[str, Any]]:
    """Return the items in order, groups and nested items flattened (with a note)."""
    out: list[dict[str, Any]] = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        link_id = item.get("linkId")
        if not isinstance(link_id, str) or not link_id:
            job.note("An item without a linkId was left out.")
            continue
        if item.get("type") == "group":
            job.note(
                f"Group '{link_id}' was flattened: its questions are items of the instrument, "
                "in order (relscales has no groups)."
            )
        else:
            out.append(item)
            if item.get("item"):
                job.note(f"Items nested under '{link_id}' were flattened.")
        out += _flat(job, item.get("item"))
    return out


def _expression(ext: dict[str, Any]) -> tuple[str | None, str | None]:
    value = ext.get("valueExpression")
    if not isinstance(value, dict):
        return None, None
    name = value.get("name") if isinstance(value.get("name"), str) else None
    expression = value.get("expression") if isinstance(value.get("expression"), str) else None
    if value.get("language") not in (_FHIRPATH, None):
        return name, None
    return name, expression


def _read_variables(job: _Import, node: dict[str, Any], where: str) -> dict[str, _Node]:
    found: dict[str, _Node] = {}
    for extension in _extensions(node, VARIABLE):
        name, expression = _expression(extension)
        if name is None or expression is None:
            job.note(f"A variable of {where} is not FHIRPath and was left out.")
            continue
        try:
            found[name] = _parse(expression)
        except _Syntax:
            job.note(f"Variable '{name}' of {where} could not be read: {expression}")
    return found


@dataclass
class _Keyed:
    """One item's contribution to a subscale: its weight and reverse keying."""

    item: str
    weight: Decimal
    reverse: bool


def _own_answers(job: _Import, node: _Node) -> list[_Keyed] | None:
    """Read an ``..._answers`` variable as written by :func:`export_fhir`; else None."""
    terms: list[_Node] = []
    while node.kind == "method" and node.text == "combine" and len(node.args) == 2:
        terms.append(node.args[1])
        node = node.args[0]
    terms.append(node)
    out: list[_Keyed] = []
    for term in reversed(terms):
        steps = _chain(term)
        if (
            len(steps) < 2
            or steps[-1].kind != "method"
            or steps[-1].text != "select"
            or len(steps[-1].args) != 2
        ):
            return None
        links = _selected(steps)
        codes = next((c for s in steps if (c := _code_filter(s)) is not None), None)
        if links is None or codes is None:
            return None
        key = _key_form(steps[-1].args[1])
        if key is None:
            return None
        weight, offset = key
        for link in links:
            question = job.questions.get(link)
            if question is None:
                return None
            valid = [_code(v) for v in job.scale_data[question.scale]["values"]]
            if sorted(codes) != sorted(valid):
                job.note(
                    f"Item '{link}': a score counts the answers {', '.join(codes)}, not its "
                    f"scale's values ({', '.join(valid)}); relscales counts every value."
                )
            reverse = offset is not None
            if offset is not None and not _offset_matches(job, question, offset):
                job.note(
                    f"Item '{link}' is reverse keyed as {offset} - answer, which is not min + "
                    f"max of its scale; the import reverses it on its scale."
                )
            out.append(_Keyed(question.id, weight, reverse))
    return out


def _offset_matches(job: _Import, question: _Question, offset: Decimal) -> bool:
    """Tell whether ``offset - answer`` reverses the question on its scale (min + max)."""
    values = job.scale_data[question.scale]["values"]
    return Decimal(repr(float(min(values)))) + Decimal(repr(float(max(values)))) == offset


def _is_code_number(node: _Node) -> bool:
    """Tell whether a node is ``code.toDecimal()`` (or ``toInteger()``)."""
    return (
        node.kind == "method"
        and node.text in ("toDecimal", "toInteger")
        and len(node.args) == 1
        and node.args[0].kind == "ident"
        and node.args[0].text == "code"
    )


def _key_form(node: _Node) -> tuple[Decimal, Decimal | None] | None:
    """Return ``(weight, offset)`` of ``[w *] [(K -] code.toDecimal() [)]``, else None."""
    weight = Decimal(1)
    if node.kind == "binary" and node.text == "*":
        found = _decimal(node.args[0])
        if found is None:
            return None
        weight, node = found, node.args[1]
    if _is_code_number(node):
        return weight, None
    if node.kind == "binary" and node.text == "-" and _is_code_number(node.args[1]):
        offset = _decimal(node.args[0])
        return None if offset is None else (weight, offset)
    return None


def _flatten_and(node: _Node) -> list[_Node]:
    if node.kind == "binary" and node.text == "and":
        return _flatten_and(node.args[0]) + _flatten_and(node.args[1])
    return [node]


@dataclass
class _SubscaleRule:
    keyed: list[_Keyed]
    score: str
    min_answered: int | float
    applies_when: dict[str, Any] | None = None


def _own_subscale(job: _Import, node: _Node) -> _SubscaleRule | None:
    """Read a subscale score variable as written by :func:`export_fhir`; else None."""
    if node.kind != "call" or node.text != "iif" or len(node.args) != 2:
        return None
    condition, value = node.args
    parts = _flatten_and(condition)
    enough = parts[0]
    if enough.kind != "binary" or enough.text != ">=":
        return None
    counted = enough.args[0]
    if not (
        counted.kind == "method"
        and counted.text == "count"
        and len(counted.args) == 1
        and counted.args[0].kind == "var"
    ):
        return None
    answers_var = counted.args[0].text
    if answers_var not in job.variables:
        return None
    keyed = _own_answers(job, _inline(job.variables[answers_var], job.variables))
    if keyed is None:
        return None
    order_var = job.variables.get(answers_var.removesuffix("_answers") + "_items")
    order = _strings(_inline(order_var, job.variables)) if order_var is not None else None
    ids = {job.questions[link].id: link for link in order or () if link in job.questions}
    if order and sorted(ids) == sorted(k.item for k in keyed) and len(ids) == len(order):
        position = {item: n for n, item in enumerate(ids)}
        keyed.sort(key=lambda k: position[k.item])
    need = enough.args[1]
    min_answered: int | float
    if need.kind == "binary" and need.text == "*":
        fraction, count = _decimal(need.args[0]), _decimal(need.args[1])
        if fraction is None or count != len(keyed):
            return None
        min_answered = float(fraction)
    else:
        count = _decimal(need)
        if count is None or count != count.to_integral_value():
            return None
        min_answered = int(count)
    score = _aggregate(value, answers_var, len(keyed), keyed)
    if score is None:
        return None
    applies: dict[str, Any] | None = None
    for extra in parts[1:]:
        applies = _applies_when(job, _inline(extra, job.variables))
        if applies is None:
            return None
    return _SubscaleRule(keyed, score, min_answered, applies)


def _aggregate(value: _Node, answers: str, n: int, keyed: list[_Keyed]) -> str | None:
    """Return the score method (``mean``, ``sum``, ``prorated_sum``) of an own expression."""

    def is_call(node: _Node, name: str, var: str | None = None) -> bool:
        return (
            node.kind == "method"
            and node.text == name
            and len(node.args) == 1
            and node.args[0].kind == "var"
            and (var is None or node.args[0].text == var)
        )

    def is_mean(node: _Node) -> bool:
        if is_call(node, "avg", answers):
            return True
        return (
            node.kind == "binary"
            and node.text == "/"
            and is_call(node.args[0], "sum", answers)
            and is_call(node.args[1], "sum")
        )

    if is_mean(value):
        return "mean"
    if is_call(value, "sum", answers):
        return "sum"
    if value.kind == "binary" and value.text == "*" and is_mean(value.args[0]):
        total = _decimal(value.args[1])
        if total is not None and total == sum((k.weight for k in keyed), Decimal(0)):
            return "prorated_sum"
    return None


def _applies_when(job: _Import, node: _Node) -> dict[str, Any] | None:
    """Return ``{item, in}`` of ``<context answers>.where(code in (...)).empty()``."""
    if node.kind != "method" or node.text != "empty" or len(node.args) != 1:
        return None
    steps = _chain(node.args[0])
    links = next((ids for s in steps if (ids := _link_filter(s)) is not None), None)
    codes = _code_filter(steps[-1])
    if links is None or len(links) != 1 or codes is None or links[0] not in job.questions:
        return None
    question = job.questions[links[0]]
    off = {_number(c) for c in codes}
    values = job.scale_data[question.scale]["values"]
    return {"item": question.id, "in": [v for v in values if v not in off]}


# hand-written scores: a linear combination of item answers


def _item_ref(job: _Import, node: _Node) -> str | None:
    """Return the item a chain reads the answer of (``...where(linkId = 'x')...``), else None.

    The last ``linkId`` filter names it (earlier ones pick the group it is in).
    """
    if node.kind not in ("method", "member"):
        return None
    found: list[str] | None = None
    for step in _chain(node):
        ids = _link_filter(step)
        if ids is not None:
            found = ids
        elif step.kind == "method" and any(_mentions_link(a) for a in step.args[1:]):
            return None
    if found is None or len(found) != 1 or found[0] not in job.questions:
        return None
    return job.questions[found[0]].id


def _mentions_link(node: _Node) -> bool:
    return (node.kind == "ident" and node.text == "linkId") or any(
        _mentions_link(a) for a in node.args
    )


_Linear = dict[str, Decimal]
"""Coefficients of a linear form of item answers; ``""`` is the constant."""


def _linear(job: _Import, node: _Node, env: dict[str, _Node], depth: int = 0) -> _Linear | None:
    """Return an expression as a linear form of item answers, else None."""
    if depth > 50:
        return None
    if node.kind == "var" and node.text in env:
        return _linear(job, env[node.text], env, depth + 1)
    number = _decimal(node)
    if number is not None:
        return {"": number}
    item = _item_ref(job, _inline(node, env))
    if item is not None:
        return {item: Decimal(1)}
    if node.kind == "call" and node.text == "iif" and len(node.args) in (2, 3):
        # a guard such as iif(%a.exists() and %b.exists(), %a + %b): the arithmetic is
        # already empty when an answer is missing, so the guard changes nothing
        guards = _flatten_and(node.args[0])
        if (len(node.args) == 3 and node.args[2].kind != "empty") or not all(
            g.kind == "method" and g.text == "exists" and len(g.args) == 1 for g in guards
        ):
            return None
        return _linear(job, node.args[1], env, depth + 1)
    if node.kind == "neg":
        inner = _linear(job, node.args[0], env, depth + 1)
        return None if inner is None else {k: -v for k, v in inner.items()}
    if node.kind != "binary" or node.text not in ("+", "-", "*", "/"):
        return None
    left = _linear(job, node.args[0], env, depth + 1)
    right = _linear(job, node.args[1], env, depth + 1)
    if left is None or right is None:
        return None
    if node.text in ("+", "-"):
        sign = 1 if node.text == "+" else -1
        out = dict(left)
        for key, value in right.items():
            out[key] = out.get(key, Decimal(0)) + sign * value
        return out
    constant = (
        right if set(right) <= {""} else left if set(left) <= {""} and node.text == "*" else None
    )
    if constant is None:
        return None
    factor = constant.get("", Decimal(0))
    other = left if constant is right else right
    if node.text == "/":
        if factor == 0:
            return None
        return {k: v / factor for k, v in other.items()}
    return {k: v * factor for k, v in other.items()}


def _linear_subscale(job: _Import, form: _Linear) -> tuple[_SubscaleRule | None, str]:
    """Read a subscale from a linear form of answers; else None and why not."""
    constant = form.pop("", Decimal(0))
    form = {k: v for k, v in form.items() if v != 0}
    if not form:
        return None, "it reads no answer"
    by_id = {q.id: q for q in job.questions.values()}
    total = sum((abs(v) for v in form.values()), Decimal(0))
    mean = len(form) > 1 and abs(total - 1) < Decimal("1e-9")
    smallest = min(abs(v) for v in form.values())
    keyed: list[_Keyed] = []
    offsets = Decimal(0)
    for item, coefficient in form.items():
        weight = abs(coefficient) / smallest if mean else abs(coefficient)
        rounded = (
            weight.quantize(Decimal(1))
            if abs(weight - weight.to_integral_value()) < Decimal("1e-9")
            else weight
        )
        reverse = coefficient < 0
        if reverse:
            values = job.scale_data[by_id[item].scale]["values"]
            offsets += abs(coefficient) * (
                Decimal(repr(float(min(values)))) + Decimal(repr(float(max(values))))
            )
        keyed.append(_Keyed(item, rounded, reverse))
    if abs(constant - offsets) > Decimal("1e-9"):
        return None, (
            f"its constant term {constant} is not the reverse keying of its negative items "
            f"({offsets})"
        )
    return _SubscaleRule(keyed, "mean" if mean else "sum", 1.0), ""


def _own_composite(job: _Import, node: _Node) -> dict[str, Any] | None:
    """Read a composite variable as written by :func:`export_fhir`; else None."""
    method = "sum"
    divisor: _Node | None = None
    if node.kind == "binary" and node.text == "/":
        method, divisor, node = "mean", node.args[1], node.args[0]
    terms = _signed_terms(node)
    parts: list[dict[str, Any]] = []
    standardized: set[str] = set()
    for sign, term in terms:
        optional = False
        if term.kind == "call" and term.text == "iif" and len(term.args) == 3:
            guard, term, zero = term.args
            if _decimal(zero) != 0 or not _exists_of(guard):
                return None
            optional = True
        weight = Decimal(1)
        if term.kind == "binary" and term.text == "*" and _decimal(term.args[0]) is not None:
            weight = _decimal(term.args[0]) or Decimal(0)
            term = term.args[1]
        found = _part(job, term)
        if found is None:
            return None
        score, reverse, metric, norm = found
        standardized.add(metric)
        part: dict[str, Any] = {"score": score}
        if norm is not None:
            part["_norm"] = norm
        weight *= sign
        if weight != 1:
            part["weight"] = _json_number(weight)
        if reverse:
            part["reverse"] = True
        if optional:
            part["optional"] = True
        parts.append(part)
    if len(standardized) != 1:
        return None
    metric = standardized.pop()
    if method == "mean":
        weights = sum((Decimal(str(p.get("weight", 1))) for p in parts), Decimal(0))
        fixed = sum(
            (Decimal(str(p.get("weight", 1))) for p in parts if not p.get("optional")),
            Decimal(0),
        )
        assert divisor is not None
        expected = _decimal(divisor)
        if expected is None:
            head = _signed_terms(divisor)
            if _decimal(head[0][1]) != fixed or len(head) != 1 + sum(
                1 for p in parts if p.get("optional")
            ):
                return None
        elif expected != weights:
            return None
    out: dict[str, Any] = {"parts": parts, "method": method}
    if metric != "raw":
        out["standardized"] = metric if metric == "pomp" else True
    return out


def _json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _exists_of(node: _Node) -> bool:
    return node.kind == "method" and node.text == "exists" and node.args[0].kind == "var"


def _signed_terms(node: _Node, top: bool = True) -> list[tuple[int, _Node]]:
    """Return the terms of ``a + b - c`` with their signs (a leading ``0 -`` dropped)."""
    if node.kind == "binary" and node.text in ("+", "-") and (top or not node.paren):
        left = _signed_terms(node.args[0], top=False)
        sign = 1 if node.text == "+" else -1
        terms = [*left, (sign, node.args[1])]
        if _decimal(terms[0][1]) == 0 and len(terms) > 1:
            terms = terms[1:]
        return terms
    return [(1, node)]


def _part(
    job: _Import, node: _Node
) -> tuple[str, bool, str, tuple[Decimal, Decimal] | None] | None:
    """Return ``(score id, reverse, metric, (mean, sd) of z)`` of a composite part."""
    if node.kind == "var":
        score = job.scores.get(node.text)
        return None if score is None else (score, False, "raw", None)
    if node.kind == "binary" and node.text == "-":
        left, right = node.args
        if _decimal(left) is not None and right.kind == "var":
            score = job.scores.get(right.text)
            return None if score is None else (score, True, "raw", None)
        if _decimal(left) == 100:
            inner = _part(job, right)
            if inner is not None and inner[2] == "pomp" and not inner[1]:
                return inner[0], True, "pomp", None
        return None
    if node.kind == "binary" and node.text == "/":
        top = node.args[0]
        if top.kind == "binary" and top.text == "*" and _decimal(top.args[0]) == 100:
            shifted = top.args[1]
            if shifted.kind == "binary" and shifted.text == "-" and shifted.args[0].kind == "var":
                score = job.scores.get(shifted.args[0].text)
                return None if score is None else (score, False, "pomp", None)
        sd = _decimal(node.args[1])
        if top.kind == "binary" and top.text == "-" and sd is not None:
            left, right = top.args
            if left.kind == "var" and job.scores.get(left.text) and _decimal(right) is not None:
                return job.scores[left.text], False, "z", (_decimal(right) or Decimal(0), sd)
            if right.kind == "var" and job.scores.get(right.text) and _decimal(left) is not None:
                return job.scores[right.text], True, "z", (_decimal(left) or Decimal(0), sd)
    return None


def _metadata(job: _Import, q: dict[str, Any]) -> dict[str, Any]:
    url = q["url"] if isinstance(q.get("url"), str) else ""
    job.own = url.startswith(_URN)
    doc: dict[str, Any] = {"relscales": 1}
    wanted = url[len(_URN) :] if job.own else q.get("id") or q.get("name") or ""
    slug = re.sub(r"[^a-z0-9-]+", "-", str(wanted).lower()).strip("-")
    if not slug:
        slug = "imported"
        job.note("The Questionnaire has no id or name: the instrument id is 'imported'; rename it.")
    doc["id"] = slug
    version = q.get("version")
    if isinstance(version, str) and re.fullmatch(r"\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?", version):
        doc["version"] = version
    else:
        doc["version"] = "0.1.0"
        job.note(
            f"The Questionnaire's version ({version!r}) is not MAJOR.MINOR.PATCH: the "
            "instrument's version is 0.1.0."
            if version
            else "The Questionnaire has no version: the instrument's version is 0.1.0."
        )
    title = q.get("title") or q.get("name") or slug
    doc["name"] = " ".join(str(title).split())
    domain = _extension_value(q, EXT_DOMAIN, "valueCode")
    if domain in DOMAINS:
        doc["domain"] = domain
    else:
        job.note(f"Add domain: one of {', '.join(DOMAINS)} (a FHIR Questionnaire has none).")
    description = q.get("description")
    if isinstance(description, str) and description.strip():
        description = description.split(_NOTES)[0] if job.own else description
        text, _, source = description.partition(_SOURCE)
        text = text.strip()
        if text:
            doc["description"] = text
        if source.strip():
            citation, _, doi = source.strip().partition(" doi:")
            if citation.startswith("doi:"):
                citation, doi = "", citation[4:]
            if citation.strip():
                doc["citation"] = citation.strip()
            if doi.strip():
                doc["doi"] = doi.strip()
    return doc


def _license(job: _Import, q: dict[str, Any], has_text: bool) -> dict[str, Any] | None:
    item_text = _extension_value(q, EXT_ITEM_TEXT, "valueCode")
    if item_text not in ("included", "not-included"):
        item_text = "included" if has_text else "not-included"
    copyright_text = q.get("copyright")
    if not isinstance(copyright_text, str) or not copyright_text.strip():
        job.note(
            f"Add license: {{name: ..., item_text: {item_text}}} (the Questionnaire states no "
            "copyright): the terms under which the instrument may be used"
            + (" and its wording redistributed." if item_text == "included" else ".")
        )
        return None
    first = " ".join(copyright_text.split())
    name, url = first, None
    found = re.fullmatch(r"(.*?) \((https?://\S+)\)", first)
    if found:
        name, url = found.group(1), found.group(2)
    out: dict[str, Any] = {"name": name}
    if url:
        out["url"] = url
    out["item_text"] = item_text
    if not job.own:
        job.note(
            "license.name is the Questionnaire's copyright statement; check it, and that "
            "item_text: included is right (the wording may be redistributed)."
            if item_text == "included"
            else "license.name is the Questionnaire's copyright statement; check it."
        )
    return out


def import_fhir(path: str | Path) -> Imported:
    """Read a FHIR R4 Questionnaire (JSON) as a relscales instrument document.

    Parameters
    ----------
    path
        A Questionnaire resource, or a Bundle holding exactly one, as JSON.

    Returns
    -------
    Imported
        The instrument mapping and what a person must add or check, one note each.

    Raises
    ------
    SpecError
        ``file-unreadable`` (not UTF-8 JSON), ``file-too-large``, or ``invalid-value`` (not a
        Questionnaire).
    """
    q = _read(Path(path))
    job = _Import()
    doc = _metadata(job, q)
    language = q.get("language")
    if isinstance(language, str) and re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]+)*", language):
        job.language = language
    score_items = _read_items(job, q.get("item"))
    if not job.questions:
        job.note("No choice item with numbered answers was found: add the items by hand.")
    for name, stem in job.stems.items():
        if name in job.scale_data:
            job.scale_data[name]["stem"] = stem
    job.variables = _read_variables(job, q, "the Questionnaire")
    subscales, composites, reversed_items = _scores(job, score_items)
    context = {rule["applies_when"]["item"] for rule in subscales if "applies_when" in rule}
    context |= {question.id for question in job.questions.values() if question.context}
    has_text = _extension_value(q, EXT_ITEM_TEXT, "valueCode") != "not-included" and any(
        question.text for question in job.questions.values()
    )

    licence = _license(job, q, has_text)
    if licence is not None:
        doc["license"] = licence
    status = _extension_value(q, EXT_VALIDATION, "valueCode")
    if status in ("published", "provisional", "experimental"):
        doc["validation"] = {"status": status}
    else:
        job.note(
            "Add validation: {status: published | provisional | experimental} (how far the "
            "instrument's validity is established; a FHIR Questionnaire does not say)."
        )
    if job.instructions:
        doc["instructions"] = job.instructions
    translated = {lang for question in job.questions.values() for lang in question.translations}
    languages = [job.language, *sorted(translated - {job.language})]
    if has_text and languages != ["en"]:
        doc["languages"] = languages
    doc["response_scales"] = job.scale_data
    doc["items"] = _item_entries(job, has_text, reversed_items, context)
    if subscales:
        doc["subscales"] = subscales
    else:
        job.note(
            "No score could be read from the Questionnaire: add subscales (their items, "
            "score method and min_answered) by hand."
        )
    if composites:
        doc["composites"] = composites
    return Imported(document=doc, notes=tuple(job.notes))


def _read_items(job: _Import, items: Any) -> list[dict[str, Any]]:
    """Read the questions, instructions and stems (groups flattened); return the score items."""
    taken: set[str] = set()
    score_items: list[dict[str, Any]] = []
    for item in _flat(job, items):
        link_id = item["linkId"]
        text = item.get("text") if isinstance(item.get("text"), str) else None
        if item.get("type") == "display":
            _read_display(job, item, link_id, text)
        elif _extensions(item, CALCULATED_EXPRESSION) or link_id.startswith(SCORE_PREFIX):
            score_items.append(item)
        else:
            question = _read_question(job, item, link_id, text, taken)
            if question is not None:
                _build_scale(job, question)
                job.questions[link_id] = question
    return score_items


def _read_display(job: _Import, item: dict[str, Any], link_id: str, text: str | None) -> None:
    texts = {job.language: text} if text else {}
    texts.update(_text_translations(item, "text"))
    if not texts:
        return
    if link_id == _INSTRUCTIONS:
        job.instructions = texts
    elif link_id.startswith(_STEM_PREFIX):
        job.stems.setdefault(link_id[len(_STEM_PREFIX) :].split(":")[0], texts)
    elif not job.questions and not job.own:  # text before the first question
        before = job.instructions or {}
        job.instructions = {
            lang: f"{before[lang]}\n\n{t}" if lang in before else t for lang, t in texts.items()
        }
    else:
        job.note(
            f"Display item '{link_id}' was left out: {_short_label(next(iter(texts.values())))!r}."
        )


def _read_question(
    job: _Import, item: dict[str, Any], link_id: str, text: str | None, taken: set[str]
) -> _Question | None:
    """Read a choice item, or say in a note why it is left out."""
    kind = item.get("type")
    if kind not in ("choice", "open-choice"):
        job.note(
            f"Item '{link_id}' ({kind}) was left out: relscales items are answered on a "
            "scale of coded options (choice items)."
        )
        return None
    if item.get("answerValueSet") and not item.get("answerOption"):
        job.note(
            f"Item '{link_id}' takes its answers from a ValueSet ({item['answerValueSet']}), "
            "which the import does not fetch: add the item and its scale by hand."
        )
        return None
    options = _read_options(job, item, link_id)
    if options is None:
        job.note(f"Item '{link_id}' was left out: none of its answer options has a number.")
        return None
    if kind == "open-choice":
        job.note(f"Item '{link_id}': free-text answers (open-choice) are read as invalid.")
    if item.get("repeats"):
        job.note(f"Item '{link_id}' allows several answers; relscales scores one per item.")
    if item.get("enableWhen") or _extensions(item, ENABLE_WHEN_EXPRESSION):
        job.note(
            f"Item '{link_id}' is asked only under a condition (enableWhen); relscales asks "
            "every item (see applies_when for scores that apply only in a context)."
        )
    systems = {
        o["valueCoding"].get("system")
        for o in item.get("answerOption", [])
        if isinstance(o, dict) and isinstance(o.get("valueCoding"), dict)
    }
    short = _extension_value(item, SHORT_TEXT, "valueString")
    question = _Question(
        link_id=link_id,
        id=_item_id(link_id, taken),
        text=text if text and text.strip() else None,
        short=short if isinstance(short, str) and short.strip() else None,
        translations=_text_translations(item, "text"),
        options=options,
        context=_extension_value(item, EXT_CONTEXT, "valueBoolean") is True,
        system=next(iter(systems)) if len(systems) == 1 else None,
    )
    if question.id != link_id:
        job.note(
            f"Item '{link_id}' is '{question.id}' (an item id is letters, digits, '_' and "
            "'.', starting with a letter); it reads the column of its linkId."
        )
    return question


def _item_entries(
    job: _Import, has_text: bool, reversed_items: set[str], context: set[str]
) -> list[dict[str, Any]]:
    """Return the document's ``items``, keys in the order of the format's documentation."""
    entries: list[dict[str, Any]] = []
    labels: set[str] = set()
    for question in job.questions.values():
        label = question.short or (
            _short_label(question.text) if question.text else question.link_id
        )
        if label.casefold() in labels:
            label = f"{label} ({question.link_id})"
        labels.add(label.casefold())
        entry: dict[str, Any] = {"id": question.id, "label": label}
        if has_text and question.text:
            entry["text"] = {job.language: question.text, **question.translations}
        entry["scale"] = question.scale
        if question.id in reversed_items:
            entry["reverse"] = True
        if question.id != question.link_id:
            entry["column"] = question.link_id
        if question.id in context:
            entry["context"] = True
        entries.append(entry)
    return entries


def _scores(
    job: _Import, score_items: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], set[str]]:
    """Read subscales and composites from the calculated items; also the reversed items."""
    reversed_items: dict[str, list[str]] = {}
    subscales: list[dict[str, Any]] = []
    composites: list[dict[str, Any]] = []
    taken = {q.id for q in job.questions.values()}
    root = dict(job.variables)
    for item in score_items:
        link_id = item["linkId"]
        name = item.get("text") if isinstance(item.get("text"), str) else None
        wanted = link_id[len(SCORE_PREFIX) :] if link_id.startswith(SCORE_PREFIX) else link_id
        score_id = _item_id(wanted, taken)
        env = {**root, **_read_variables(job, item, f"item '{link_id}'")}
        calculated = _extensions(item, CALCULATED_EXPRESSION)
        _, expression = _expression(calculated[0]) if calculated else (None, None)
        if expression is None:
            job.note(
                f"Score item '{link_id}' has no FHIRPath calculatedExpression"
                + (f" ({name})" if name else "")
                + ": add the score by hand."
            )
            continue
        try:
            node = _parse(expression)
        except _Syntax:
            job.note(f"The expression of '{link_id}' could not be read: {expression}")
            continue
        if node.kind == "var" and node.text in env:
            variable, node = node.text, env[node.text]
        else:
            variable = None
        job.variables = env
        display = " ".join(name.split()) if name else score_id
        display = display.replace(" (not computed in this form: see relscales)", "")
        rule = _own_subscale(job, node)
        why = ""
        if rule is None:
            composite = _own_composite(job, node)
            if composite is not None and composite.get("standardized") is True:
                composite = _z_norms(job, link_id, calculated[0], composite, subscales, composites)
                if composite is None:
                    continue
            if composite is not None:
                composites.append({"id": score_id, "name": display, **composite})
                if variable is not None:
                    job.scores[variable] = score_id
                continue
            form = _linear(job, node, env)
            if form is not None:
                rule, why = _linear_subscale(job, form)
                if rule is not None:
                    job.note(
                        f"Score '{score_id}' is arithmetic on answers, empty when any item is "
                        "unanswered: it is imported with min_answered: 1.0 (every item)."
                    )
            else:
                why = "it is not a sum or mean of items"
        if rule is None:
            job.note(
                f"The score '{link_id}' could not be read ({why}): add it by hand. Its "
                f"expression: {expression}"
            )
            continue
        subscale: dict[str, Any] = {"id": score_id, "name": display}
        subscale["items"] = [k.item for k in rule.keyed]
        subscale["score"] = rule.score
        weights = {k.item: _json_number(k.weight) for k in rule.keyed if k.weight != 1}
        if weights:
            subscale["weights"] = weights
        subscale["min_answered"] = rule.min_answered
        if rule.applies_when:
            subscale["applies_when"] = rule.applies_when
        reverse = [k.item for k in rule.keyed if k.reverse]
        conflicts = _reverse_conflicts(subscales, reversed_items, subscale["items"], reverse)
        reversed_items[score_id] = reverse
        if conflicts:
            job.note(
                f"Score '{score_id}' reverses items that another score does not, or the other "
                f"way round ({', '.join(conflicts)}): relscales reverse keys an item for every "
                "score; check these items."
            )
        subscales.append(subscale)
        if variable is not None:
            job.scores[variable] = score_id
    return subscales, composites, {i for ids in reversed_items.values() for i in ids}


def _z_norms(
    job: _Import,
    link_id: str,
    calculated: dict[str, Any],
    composite: dict[str, Any],
    subscales: list[dict[str, Any]],
    composites: list[dict[str, Any]],
) -> dict[str, Any] | None:
    """Give the parts of a z-score composite the norms its expression uses, or say why not."""
    description = calculated.get("valueExpression", {}).get("description")
    found = _Z_GROUP_READ.search(description) if isinstance(description, str) else None
    if found is None:
        job.note(
            f"The score '{link_id}' combines z scores, but its reference group is not named: "
            "add the composite (standardized: true) and its parts' norms by hand."
        )
        return None
    group = found.group(1)
    scores = {s["id"]: s for s in [*subscales, *composites]}
    for part in composite["parts"]:
        mean, sd = part.pop("_norm")
        norms = scores[part["score"]].setdefault("norms", [])
        if not any(n["group"] == group for n in norms):
            norms.append({"group": group, "mean": _json_number(mean), "sd": _json_number(sd)})
    job.note(
        f"The parts of '{link_id}' got the '{group}' norms its z scores use (mean and SD "
        "only): add their sample size and source."
    )
    return {**composite, "norm_group": group}


def _reverse_conflicts(
    done: list[dict[str, Any]],
    reversed_items: dict[str, list[str]],
    items: list[str],
    new: list[str],
) -> list[str]:
    """Return the items one score reverses and another does not (relscales keys once)."""
    out: set[str] = set()
    for other in done:
        shared = set(other["items"]) & set(items)
        theirs = set(reversed_items.get(other["id"], ()))
        out |= {i for i in shared if (i in theirs) != (i in new)}
    return sorted(out)
