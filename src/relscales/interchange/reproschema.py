"""ReproSchema activities (JSON-LD): export with scoring expressions, and import.

A ReproSchema activity is a folder: the activity schema (``<id>/<id>_schema``), one item
file per question (``<id>/items/<variable>``) and, here, one response-options file per
response scale (``<id>/responseOptions/<scale>``), each a JSON-LD document whose
``@context`` is the ReproSchema 1.0.0 context. The activity's ``compute`` list holds a
JavaScript expression per score, over the items' variable names; ReproSchema tools
evaluate it with the answers in place of the names (a missing answer is ``null`` or
``undefined``).

Export writes each subscale as one expression that computes what relscales computes:
answers that are not one of the item's scale values (no answer, missing codes, "does not
apply" codes, anything out of range) do not count; reverse-keyed items are ``min + max -
answer`` on their own scale; fewer than ``min_answered`` valid answers gives ``null``;
``applies_when`` gives ``null`` where the context answer rules the subscale out. Every
variable of every expression is checked to be an item of the activity. Rules a
ReproSchema activity cannot carry (composites, profiles, flags, norms, bands, published
reliability, change criteria, IRT models) are listed in :attr:`Exported.notes` and in the
activity's description.

Import reads a local activity (never a URL): items with numeric choices become items and
response scales; ``compute`` expressions that are a (weighted) sum or mean of items,
including the form the exporter writes, become subscales; everything else is a note that
quotes the expression. See ``docs/interchange-reproschema.md``.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from relscales.errors import Issue, Location, SpecError
from relscales.instruments.bounds import min_answered_count
from relscales.interchange import Exported, Imported
from relscales.interchange.notes import ScoreFeature, declares, find_uncarried

if TYPE_CHECKING:
    from relscales.instruments.instrument import Instrument
    from relscales.spec import InstrumentSpec, SubscaleSpec

__all__ = [
    "CONTEXT_URL",
    "SCHEMA_VERSION",
    "ExpressionError",
    "check_expressions",
    "export_reproschema",
    "expression_variables",
    "import_reproschema",
]

SCHEMA_VERSION = "1.0.0"
"""The ReproSchema release the exported files declare (``schemaVersion``)."""
CONTEXT_URL = (
    "https://raw.githubusercontent.com/ReproNim/reproschema/main/releases/1.0.0/reproschema"
)
"""The JSON-LD context of that release, as reproschema-py writes it."""

_NOTES_SOURCE = "relscales"
"""``additionalNotesObj`` entries with this ``source`` carry relscales keys ReproSchema lacks."""
_UNCARRIED_HEADING = "Scoring rules of relscales that this activity does not carry:"
"""Starts the paragraph of the activity description that lists what did not cross."""

# Identifiers the expressions use themselves, JavaScript's reserved words and the globals a
# reader might mean: never a variable name (ReproSchema UI replaces each variable name in
# the expression text by its value, whole word by whole word).
_TEMPLATE_WORDS = frozenset({"indexOf", "filter", "reduce", "length"})
_JS_WORDS = """arguments await break case catch class const continue debugger default delete do
else enum eval export extends false finally for function if implements import in instanceof
interface let new null package private protected public return static super switch this throw
true try typeof undefined var void while with yield NaN Infinity Math Number Array Object String
Boolean Function JSON isNaN isFinite parseInt parseFloat"""
_RESERVED = frozenset({*_TEMPLATE_WORDS, *_JS_WORDS.split()})
_GLOBALS = frozenset(
    {"Math", "Number", "NaN", "Infinity", "isNaN", "isFinite", "parseInt", "parseFloat"}
)
"""Free names an expression may use that are not variables."""

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.]*")
_INSTRUMENT_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
_SEMVER = re.compile(r"\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?")
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]+)*")


class ExpressionError(ValueError):
    """A ``jsExpression`` outside the JavaScript subset this module reads."""


# --------------------------------------------------------------------------- expressions
#
# A small reader for the JavaScript expressions ReproSchema activities use: numbers,
# names, literals, arithmetic, comparisons, && || !, ?:, calls, member access, array
# literals and arrow functions. It builds a tree of tuples (kind, ...); parentheses leave
# no trace, so two texts that differ only in spacing or redundant parentheses read equal.

Node = tuple[Any, ...]

_TOKEN = re.compile(
    r"""\s*(?:
    (?P<num>(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
    |(?P<name>[A-Za-z_$][A-Za-z0-9_$]*)
    |(?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
    |(?P<op>=>|===|!==|==|!=|>=|<=|&&|\|\||[-+*/%<>!?:.,()\[\]])
    )""",
    re.VERBOSE,
)
_LITERALS = frozenset({"null", "undefined", "true", "false"})
_PRECEDENCE = {
    "||": 1,
    "&&": 2,
    "==": 3,
    "!=": 3,
    "===": 3,
    "!==": 3,
    "<": 4,
    ">": 4,
    "<=": 4,
    ">=": 4,
    "+": 5,
    "-": 5,
    "*": 6,
    "/": 6,
    "%": 6,
}


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos, end = 0, len(text.rstrip())
    while pos < end:
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            shown = text[pos:].lstrip()[:1]
            raise ExpressionError(f"unexpected character {shown!r}")
        kind = match.lastgroup or "op"
        value = match.group(kind)
        if kind == "name" and value in _LITERALS:
            kind = "lit"
        out.append((kind, value))
        pos = match.end()
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.pos = 0

    def peek(self, offset: int = 0) -> tuple[str, str] | None:
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def is_op(self, value: str, offset: int = 0) -> bool:
        token = self.peek(offset)
        return token is not None and token[0] == "op" and token[1] == value

    def expect(self, value: str) -> None:
        if not self.is_op(value):
            found = self.peek()
            raise ExpressionError(
                f"expected {value!r}, found {found[1]!r}" if found else f"expected {value!r}"
            )
        self.pos += 1

    def parse(self) -> Node:
        node = self.conditional()
        if self.peek() is not None:
            raise ExpressionError(f"unexpected {self.tokens[self.pos][1]!r}")
        return node

    def conditional(self) -> Node:
        test = self.binary(1)
        if not self.is_op("?"):
            return test
        self.pos += 1
        then = self.conditional()
        self.expect(":")
        return ("cond", test, then, self.conditional())

    def binary(self, lowest: int) -> Node:
        left = self.unary()
        while True:
            token = self.peek()
            op = token[1] if token is not None and token[0] == "op" else ""
            precedence = _PRECEDENCE.get(op)
            if precedence is None or precedence < lowest:
                return left
            self.pos += 1
            left = ("bin", op, left, self.binary(precedence + 1))

    def unary(self) -> Node:
        token = self.peek()
        if token is not None and token[0] == "op" and token[1] in ("-", "+", "!"):
            self.pos += 1
            return ("unary", token[1], self.unary())
        return self.postfix(self.primary())

    def postfix(self, node: Node) -> Node:
        while True:
            if self.is_op("("):
                self.pos += 1
                node = ("call", node, self.elements(")"))
            elif self.is_op("."):
                token = self.peek(1)
                if token is None or token[0] not in ("name", "lit"):
                    raise ExpressionError("expected a property name after '.'")
                self.pos += 2
                node = ("member", node, token[1])
            elif self.is_op("["):
                self.pos += 1
                index = self.conditional()
                self.expect("]")
                node = ("index", node, index)
            else:
                return node

    def elements(self, close: str) -> list[Node]:
        items: list[Node] = []
        while not self.is_op(close):
            items.append(self.conditional())
            if not self.is_op(close):
                self.expect(",")
        self.pos += 1
        return items

    def arrow_params(self) -> tuple[list[str], int] | None:
        """Return the parameters and the tokens to skip when an arrow function starts here."""
        token = self.peek()
        if token is not None and token[0] == "name" and self.is_op("=>", 1):
            return [token[1]], 2
        if not self.is_op("("):
            return None
        names: list[str] = []
        offset, want_name = 1, True
        while True:
            token = self.peek(offset)
            if token is None:
                return None
            if token == ("op", ")") and (not names or not want_name):
                return (names, offset + 2) if self.is_op("=>", offset + 1) else None
            if want_name and token[0] == "name":
                names.append(token[1])
                want_name = False
            elif not want_name and token == ("op", ","):
                want_name = True
            else:
                return None
            offset += 1

    def primary(self) -> Node:
        arrow = self.arrow_params()
        if arrow is not None:
            self.pos += arrow[1]
            return ("arrow", tuple(arrow[0]), self.conditional())
        token = self.peek()
        if token is None:
            raise ExpressionError("the expression ends too early")
        self.pos += 1
        kind, value = token
        if kind == "num":
            return ("num", float(value))
        if kind in ("name", "lit"):
            return (kind, value)
        if kind == "str":
            return ("str", value[1:-1])
        if value == "(":
            inner = self.conditional()
            self.expect(")")
            return inner
        if value == "[":
            return ("array", tuple(self.elements("]")))
        raise ExpressionError(f"unexpected {value!r}")


def _parse(text: str) -> Node:
    return _Parser(text).parse()


def _children(node: Node) -> Iterator[Node]:
    """Yield the sub-expressions of a node (not an arrow function's parameter names)."""
    for part in node[1:]:
        if isinstance(part, tuple) and part and isinstance(part[0], str):
            yield part
        elif isinstance(part, tuple | list):
            yield from (p for p in part if isinstance(p, tuple))


def _free_names(node: Node, bound: frozenset[str], out: set[str]) -> None:
    kind = node[0]
    if kind == "name":
        if node[1] not in bound:
            out.add(node[1])
        return
    if kind == "arrow":
        _free_names(node[2], bound | frozenset(node[1]), out)
        return
    if kind == "member":
        _free_names(node[1], bound, out)
        return
    for child in _children(node):
        _free_names(child, bound, out)


def expression_variables(expression: str) -> frozenset[str]:
    """Return the variable names a ``jsExpression`` reads.

    Arrow-function parameters, property names (``x.length``) and JavaScript's globals
    (``Math``, ``Number``, ...) are not variables.

    Raises
    ------
    ExpressionError
        When the text is not an expression of the JavaScript subset ReproSchema
        activities use.

    Examples
    --------
    >>> sorted(expression_variables("(a + b) / 2"))
    ['a', 'b']
    >>> sorted(expression_variables("[a, b].filter((x) => x !== null).length + Math.max(c)"))
    ['a', 'b', 'c']
    """
    found: set[str] = set()
    _free_names(_parse(expression), frozenset(), found)
    return frozenset(found - _GLOBALS)


# ----------------------------------------------------------------- the exported expression


@dataclass(frozen=True)
class _Term:
    """One item of a score expression."""

    var: str
    values: tuple[float, ...]
    reverse: bool = False
    weight: float = 1.0

    @property
    def offset(self) -> float:
        return self.values[0] + self.values[-1]


@dataclass(frozen=True)
class _Applies:
    """``applies_when``: the context item's variable, its scale values and the codes."""

    var: str
    values: tuple[float, ...]
    codes: tuple[float, ...]


def _js(value: float) -> str:
    """Write a number as JavaScript reads it back to the same double."""
    number = float(value)
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return repr(number)


def _js_list(values: Sequence[float]) -> str:
    return "[" + ", ".join(_js(v) for v in values) + "]"


def _score_expression(
    terms: Sequence[_Term], method: str, min_count: int, applies: _Applies | None
) -> str:
    """Write one subscale as a JavaScript expression over its items' variables.

    Each item contributes its keyed answer (``offset - answer`` when reverse-keyed) when
    the answer is one of its scale's values and ``null`` otherwise; the nulls are dropped;
    with fewer than ``min_count`` answers left the result is ``null``.
    """
    weighted = any(t.weight != 1 for t in terms)
    parts = []
    for t in terms:
        keyed = f"{_js(t.offset)} - {t.var}" if t.reverse else t.var
        if weighted:
            keyed = f"[{_js(t.weight)}, {keyed}]"
        parts.append(f"{_js_list(t.values)}.indexOf({t.var}) >= 0 ? {keyed} : null")
    if weighted:
        total = "_a.reduce((_s, _p) => _s + _p[0] * _p[1], 0)"
        weight = "_a.reduce((_s, _p) => _s + _p[0], 0)"
        full = _js(math.fsum(t.weight for t in terms))
        keep = "(_p) => _p !== null"
    else:
        total = "_a.reduce((_s, _x) => _s + _x, 0)"
        weight = "_a.length"
        full = _js(len(terms))
        keep = "(_x) => _x !== null"
    value = {
        "sum": total,
        "mean": f"{total} / {weight}",
        "prorated_sum": f"{total} / {weight} * {full}",
    }[method]
    listed = "[" + ", ".join(parts) + "]"
    text = f"((_a) => _a.length >= {min_count} ? {value} : null)({listed}.filter({keep}))"
    if applies is None:
        return text
    context = applies.var
    return (
        f"({_js_list(applies.values)}.indexOf({context}) >= 0"
        f" && {_js_list(applies.codes)}.indexOf({context}) < 0) ? null : {text}"
    )


# ------------------------------------------------------------------------------- export


def _variable_names(ids: Sequence[str], taken: set[str]) -> dict[str, str]:
    """Give each id a JavaScript variable name: letters, digits and ``_``, never reserved.

    Names are unique ignoring case (so the item files differ on any file system).
    """
    out: dict[str, str] = {}
    for ident in ids:
        base = re.sub(r"[^A-Za-z0-9_]", "_", ident)
        if base in _RESERVED:
            base += "_"
        name, n = base, 1
        while name.casefold() in taken:
            n += 1
            name = f"{base}_{n}"
        taken.add(name.casefold())
        out[ident] = name
    return out


def _text_map(language: str, text: str) -> dict[str, str]:
    return {language: text}


def _notes(entries: Sequence[tuple[str, Any]]) -> list[dict[str, Any]]:
    return [{"source": _NOTES_SOURCE, "column": key, "value": value} for key, value in entries]


def _uncarried(spec: InstrumentSpec) -> list[str]:
    """List what the activity cannot carry, one sentence each."""
    notes: list[str] = []
    uncarried = find_uncarried(spec)
    features: tuple[tuple[str, ScoreFeature], ...] = (
        ("norms", "norms"),
        ("bands", "bands"),
        ("published reliability", "published"),
        ("change criteria", "change"),
        ("tags", "tags"),
        ("an IRT model (theta scores)", "irt"),
    )
    for sub in spec.subscales:
        lost = [what for what, feature in features if declares(sub, feature)]
        if lost:
            notes.append(f"Subscale '{sub.id}': its {', '.join(lost)} are not carried.")
    for comp in spec.composites:
        how = {True: "of norm z scores", "pomp": "of POMP scores", False: "of raw scores"}[
            comp.standardized
        ]
        parts = ", ".join(p.score for p in comp.parts)
        notes.append(
            f"Composite '{comp.id}' (weighted {comp.method} {how} of {parts}) has no "
            "compute expression: score it with relscales."
        )
    for profile in uncarried.profiles:
        notes.append(
            f"Profile '{profile.id}' ({profile.x.score} x {profile.y.score}) is not carried."
        )
    for flag in uncarried.flags:
        notes.append(f"Flag '{flag.id}' ({flag.kind}, {flag.severity}) is not carried.")
    if uncarried.attention_checks:
        checks = [item.id for item in uncarried.attention_checks]
        notes.append(
            f"Attention-check items ({', '.join(checks)}) are plain items in ReproSchema; "
            "their expected answers are kept only in relscales notes (additionalNotesObj)."
        )
    missing = {name for name, s in spec.response_scales.items() if s.missing_codes}
    if missing:
        notes.append(
            f"Missing-data codes of {', '.join(sorted(missing))} are not choices; the "
            "expressions ignore them like any answer that is not a scale value."
        )
    if not uncarried.wording_included:
        notes.append(
            "The item wording is not included (licence): each question holds the item's "
            "short label; add the wording you are licensed to use."
        )
    if uncarried.other_languages and uncarried.wording_included:
        notes.append(f"Labels of the answers are in {spec.languages[0]} only.")
    return notes


def _activity_description(spec: InstrumentSpec, notes: Sequence[str]) -> str | None:
    parts = [spec.description] if spec.description else []
    if notes:
        parts.append(" ".join([_UNCARRIED_HEADING, *notes]))
    return "\n\n".join(parts) if parts else None


def _dump(document: Mapping[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _subscale_terms(
    spec: InstrumentSpec, sub: SubscaleSpec, names: Mapping[str, str]
) -> list[_Term]:
    items = {item.id: item for item in spec.items}
    terms = []
    for item_id in sub.items:
        item = items[item_id]
        values = tuple(float(v) for v in spec.response_scales[item.scale].values)
        weight = float((sub.weights or {}).get(item_id, 1))
        terms.append(_Term(names[item_id], values, item.reverse, weight))
    return terms


def _applies(spec: InstrumentSpec, sub: SubscaleSpec, names: Mapping[str, str]) -> _Applies | None:
    if sub.applies_when is None:
        return None
    context = next(item for item in spec.items if item.id == sub.applies_when.item)
    values = tuple(float(v) for v in spec.response_scales[context.scale].values)
    codes = tuple(sorted(float(c) for c in sub.applies_when.codes))
    return _Applies(names[context.id], values, codes)


def check_expressions(
    compute: Sequence[Mapping[str, str]], items: Sequence[str], *, file: str | None = None
) -> None:
    """Check that every variable of every ``compute`` expression is an item.

    Parameters
    ----------
    compute
        ``[{"variableName": ..., "jsExpression": ...}, ...]``.
    items
        The variable names of the activity's items.
    file
        The activity file, for the error's location.

    Raises
    ------
    SpecError
        ``unknown-item``, naming each expression's unknown variables.

    Examples
    --------
    >>> check_expressions([{"variableName": "t", "jsExpression": "a + b"}], ["a", "b"])
    >>> check_expressions([{"variableName": "t", "jsExpression": "a + c"}], ["a", "b"])
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    relscales.errors.SpecError: error[unknown-item] compute 't' reads c, not an item of ...
    """
    known = frozenset(items)
    issues = []
    for entry in compute:
        unknown = sorted(expression_variables(entry["jsExpression"]) - known)
        if unknown:
            issues.append(
                Issue(
                    "unknown-item",
                    f"compute '{entry['variableName']}' reads {', '.join(unknown)}, not "
                    f"{'an item' if len(unknown) == 1 else 'items'} of the activity",
                    Location(file=file),
                    hint="check the variable names against the activity's items",
                )
            )
    if issues:
        raise SpecError(issues)


def export_reproschema(instrument: Instrument) -> Exported:
    """Write an instrument as a ReproSchema activity folder (JSON-LD).

    Parameters
    ----------
    instrument
        A loaded instrument.

    Returns
    -------
    Exported
        ``<id>/<id>_schema`` (the activity), ``<id>/items/<variable>`` (one per item and
        one per subscale score) and ``<id>/responseOptions/<scale>``, with the notes on
        what the activity does not carry.

    Examples
    --------
    >>> from relscales.instruments.loader import load_instrument
    >>> out = export_reproschema(load_instrument("rses"))
    >>> sorted(out.files)[:2]
    ['rses/items/rses01', 'rses/items/rses02']
    >>> json.loads(out.files["rses/rses_schema"])["compute"][0]["variableName"]
    'self_esteem'
    """
    spec = instrument.spec
    aid = spec.id
    language = spec.languages[0]
    taken: set[str] = set()
    item_names = _variable_names([item.id for item in spec.items], taken)
    score_names = _variable_names([sub.id for sub in spec.subscales], taken)
    scale_files = {name: name for name in spec.response_scales}  # ids: file-safe already
    files: dict[str, str] = {}

    def header(kind: str, ident: str) -> dict[str, Any]:
        return {"@context": CONTEXT_URL, "category": f"reproschema:{kind}", "id": ident}

    for scale_name, scale in spec.response_scales.items():
        values = list(scale.values)
        whole = all(float(v).is_integer() for v in [*values, *scale.not_applicable])
        choices = [
            {"name": _text_map(language, scale.labels.get(v, _js(v))), "value": v}
            for v in [*values, *scale.not_applicable]
        ]
        files[f"{aid}/responseOptions/{scale_files[scale_name]}"] = _dump(
            {
                **header("ResponseOption", scale_files[scale_name]),
                "valueType": ["xsd:integer" if whole else "xsd:decimal"],
                "minValue": values[0],
                "maxValue": values[-1],
                "multipleChoice": False,
                "choices": choices,
            }
        )
    for item in spec.items:
        scale = spec.response_scales[item.scale]
        var = item_names[item.id]
        question = (
            dict(item.text)
            if spec.license.item_text == "included" and item.text
            else _text_map(language, item.label)
        )
        entries: list[tuple[str, Any]] = []
        if var != item.id:
            entries.append(("id", item.id))
        if item.column is not None:
            entries.append(("column", item.column))
        if item.reverse:
            entries.append(("reverse", True))
        if item.context:
            entries.append(("context", True))
        if item.attention_check is not None:
            expected = item.attention_check.expected
            for code in expected if isinstance(expected, tuple) else (expected,):
                entries.append(("attention_check", code))
        entries.extend(("missing_code", code) for code in scale.missing_codes)
        entries.extend(("not_applicable", code) for code in scale.not_applicable)
        document: dict[str, Any] = {
            **header("Item", var),
            "prefLabel": _text_map(language, item.label),
            "question": question,
        }
        if scale.stem:
            document["preamble"] = dict(scale.stem)
        document.update(
            {
                "schemaVersion": SCHEMA_VERSION,
                "version": spec.version,
                "ui": {"inputType": "radio"},
                "responseOptions": f"../responseOptions/{scale_files[item.scale]}",
            }
        )
        if entries:
            document["additionalNotesObj"] = _notes(entries)
        files[f"{aid}/items/{var}"] = _dump(document)
    compute = []
    for sub in spec.subscales:
        var = score_names[sub.id]
        terms = _subscale_terms(spec, sub, item_names)
        expression = _score_expression(
            terms,
            sub.score,
            min_answered_count(sub.min_answered, len(sub.items)),
            _applies(spec, sub, item_names),
        )
        compute.append({"variableName": var, "jsExpression": expression})
        entries = [("min_answered", sub.min_answered)]
        if var != sub.id:
            entries.insert(0, ("id", sub.id))
        document = {**header("Item", var), "prefLabel": _text_map(language, sub.name)}
        if sub.description:
            document["description"] = _text_map(language, sub.description)
        document.update(
            {
                "schemaVersion": SCHEMA_VERSION,
                "version": spec.version,
                "ui": {"inputType": "number", "readonlyValue": True},
                "responseOptions": {"valueType": ["xsd:decimal"]},
                "additionalNotesObj": _notes(entries),
            }
        )
        files[f"{aid}/items/{var}"] = _dump(document)
    check_expressions(compute, list(item_names.values()), file=f"{aid}/{aid}_schema")
    notes = _uncarried(spec)
    order = [f"items/{item_names[i.id]}" for i in spec.items]
    order += [f"items/{score_names[s.id]}" for s in spec.subscales]
    properties = [
        {"variableName": item_names[i.id], "isAbout": f"items/{item_names[i.id]}", "isVis": True}
        for i in spec.items
    ] + [
        {"variableName": score_names[s.id], "isAbout": f"items/{score_names[s.id]}", "isVis": False}
        for s in spec.subscales
    ]
    activity: dict[str, Any] = {
        **header("Activity", f"{aid}_schema"),
        "prefLabel": _text_map(language, spec.name),
    }
    if spec.abbreviation:
        activity["altLabel"] = _text_map(language, spec.abbreviation)
    description = _activity_description(spec, notes)
    if description:
        activity["description"] = _text_map(language, description)
    if spec.citation:
        activity["citation"] = _text_map(language, spec.citation)
    if spec.instructions:
        activity["preamble"] = dict(spec.instructions)
    activity.update(
        {
            "schemaVersion": SCHEMA_VERSION,
            "version": spec.version,
            "ui": {"order": order, "addProperties": properties, "shuffle": False},
            "compute": compute,
        }
    )
    files[f"{aid}/{aid}_schema"] = _dump(activity)
    return Exported(files=dict(sorted(files.items())), notes=tuple(notes))


# ------------------------------------------------------------------------------- import


def _fail(message: str, file: Path | str, hint: str | None = None) -> SpecError:
    return SpecError(Issue("file-unreadable", message, Location(file=os.fspath(file)), hint=hint))


def _is_url(ref: str) -> bool:
    return re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", ref) is not None


_REMOTE_HINT = (
    "download the activity with its items (git clone of the repository, or save each file) "
    "and import the local folder; relscales never fetches URLs"
)


def _load_json(path: Path) -> dict[str, Any]:
    data = _load_any(path)
    if not isinstance(data, dict):
        raise _fail("not a JSON-LD object", path)
    return data


def _load_any(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(f"cannot read the file ({exc.__class__.__name__})", path) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _fail(f"not JSON: {exc.msg} at line {exc.lineno}", path) from exc
    return data


def _kind(document: Mapping[str, Any]) -> str:
    value = document.get("category", document.get("@type", ""))
    if isinstance(value, list):
        value = value[0] if value else ""
    text = str(value)
    return text.rsplit(":", 1)[-1].rsplit("/", 1)[-1]


def _ident(document: Mapping[str, Any]) -> str:
    return str(document.get("id", document.get("@id", "")))


def _find_activity(path: Path) -> Path:
    if path.is_file():
        return path
    candidates = sorted(
        p
        for p in path.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix in ("", ".jsonld", ".json")
    )
    found = []
    for candidate in candidates:
        try:
            document = _load_json(candidate)
        except SpecError:
            continue
        if _kind(document) == "Activity":
            found.append(candidate)
    if len(found) == 1:
        return found[0]
    if not found:
        raise _fail(
            "no ReproSchema activity schema in this folder (a JSON-LD file whose category "
            "is Activity)",
            path,
            hint="give the activity's schema file itself",
        )
    raise _fail(
        f"{len(found)} activity schemas in this folder: {', '.join(p.name for p in found)}",
        path,
        hint="give the schema file of the activity to import",
    )


def _text(value: Any, language: str | None = None) -> str | None:
    """One text of a language map (the given language, else English, else the first)."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list):
        value = {str(v.get("@language", "en")): v.get("@value", "") for v in value if v}
    if isinstance(value, dict):
        if "@value" in value:
            return str(value["@value"]).strip() or None
        for key in (language, "en", *value):
            if key in value and isinstance(value[key], str) and value[key].strip():
                return str(value[key]).strip()
    return None


def _text_by_language(value: Any) -> dict[str, str]:
    if isinstance(value, str):
        return {"en": value.strip()} if value.strip() else {}
    if isinstance(value, dict) and "@value" not in value:
        return {
            str(k): str(v).strip()
            for k, v in value.items()
            if isinstance(v, str) and v.strip() and _LANGUAGE.fullmatch(str(k))
        }
    text = _text(value)
    return {"en": text} if text else {}


def _number(value: Any) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and math.isfinite(value):
        return value
    if isinstance(value, dict) and "@value" in value:
        return _number(value["@value"])
    return None


def _relscales_notes(document: Mapping[str, Any]) -> list[tuple[str, Any]]:
    notes = document.get("additionalNotesObj") or []
    return [
        (str(n.get("column")), n.get("value"))
        for n in (notes if isinstance(notes, list) else [])
        if isinstance(n, dict) and n.get("source") == _NOTES_SOURCE
    ]


@dataclass
class _Scale:
    name: str
    values: list[int | float]
    labels: dict[int | float, str]
    not_applicable: list[int | float] = field(default_factory=list)
    missing_codes: list[int | float] = field(default_factory=list)

    def key(self) -> str:
        return json.dumps(
            [self.values, sorted(self.labels.items()), self.not_applicable, self.missing_codes]
        )


@dataclass
class _Item:
    var: str
    id: str
    label: str
    text: dict[str, str]
    scale: str
    preamble: dict[str, str]
    notes: list[tuple[str, Any]]


@dataclass
class _Reader:
    """The state of one import: the activity, its items and scales, and the notes."""

    schema: Path
    notes: list[str] = field(default_factory=list)
    items: list[_Item] = field(default_factory=list)
    scales: dict[str, _Scale] = field(default_factory=dict)
    by_key: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    """Variable -> why it is not an item (no numeric choices)."""

    def note(self, text: str) -> None:
        self.notes.append(text)

    def load_ref(self, ref: str, base: Path, what: str) -> tuple[dict[str, Any], Path]:
        target = self.find_ref(ref, base, what)
        return _load_json(target), target

    def find_ref(self, ref: str, base: Path, what: str) -> Path:
        if _is_url(ref):
            raise _fail(
                f"the {what} is a remote URL ({ref}); relscales reads local files only",
                self.schema,
                hint=_REMOTE_HINT,
            )
        target = (base / PurePosixPath(ref)).resolve()
        if not target.is_file():
            for suffix in (".jsonld", ".json"):
                if target.with_name(target.name + suffix).is_file():
                    target = target.with_name(target.name + suffix)
                    break
        if not target.is_file():
            raise _fail(
                f"the {what} '{ref}' is not a file next to the activity",
                self.schema,
                hint="import the whole activity folder, with its items",
            )
        return target

    def scale_of(
        self, options: Any, item_path: Path, item_notes: Sequence[tuple[str, Any]], var: str
    ) -> str | None:
        name_hint: str | None = None
        origin = ""
        if isinstance(options, str):
            document, where = self.load_ref(options, item_path.parent, f"response options of {var}")
            name_hint = _ident(document).rsplit("/", 1)[-1] or where.name
            origin = os.fspath(where)  # one file, one scale (items may add a stem each)
            options = document
        if not isinstance(options, dict):
            self.skipped[var] = "it has no response options"
            return None
        choices = options.get("choices")
        if isinstance(choices, str):  # a file of choices, or of response options
            choices = _load_any(self.find_ref(choices, item_path.parent, f"choices of {var}"))
            if isinstance(choices, dict):
                choices = choices.get("choices")
        if not isinstance(choices, list) or not choices:
            self.skipped[var] = "it has no choices"
            return None
        values: dict[int | float, str | None] = {}
        for choice in choices:
            value = _number(choice.get("value")) if isinstance(choice, dict) else None
            if value is None:
                self.skipped[var] = "a choice value is not a number"
                return None
            label = _text(choice.get("name"))
            values[value] = None if label is None or label == _js(value) else label
        not_applicable = [v for k, v in item_notes if k == "not_applicable" and v in values]
        missing = [v for k, v in item_notes if k == "missing_code" and _number(v) is not None]
        scale_values = sorted(v for v in values if v not in not_applicable)
        if not scale_values:
            self.skipped[var] = "every choice is a 'does not apply' code"
            return None
        scale = _Scale(
            "",
            scale_values,
            {v: text for v, text in values.items() if text is not None},
            sorted(not_applicable),
            sorted(missing),
        )
        key = origin + scale.key()
        if key in self.by_key:
            return self.by_key[key]
        if name_hint and _NAME.fullmatch(name_hint):
            name, n = name_hint, 2
            while name in self.scales:
                name, n = f"{name_hint}_{n}", n + 1
        else:
            n = 1
            while f"scale{n}" in self.scales:
                n += 1
            name = f"scale{n}"
        scale.name = name
        self.scales[name] = scale
        self.by_key[key] = name
        return name


def _item_id(var: str, notes: Sequence[tuple[str, Any]]) -> str:
    for key, value in notes:
        if key == "id" and isinstance(value, str) and _NAME.fullmatch(value):
            return value
    ident = re.sub(r"[^A-Za-z0-9_.]", "_", var)
    return ident if _NAME.fullmatch(ident) else f"v{ident}"


def _order_refs(activity: Mapping[str, Any]) -> list[Any]:
    ui = activity.get("ui") if isinstance(activity.get("ui"), dict) else activity
    order = ui.get("order") if isinstance(ui, dict) else None
    return list(order) if isinstance(order, list) else []


def _add_properties(activity: Mapping[str, Any]) -> list[dict[str, Any]]:
    ui = activity.get("ui") if isinstance(activity.get("ui"), dict) else activity
    props = ui.get("addProperties") if isinstance(ui, dict) else None
    return [p for p in props if isinstance(p, dict)] if isinstance(props, list) else []


def _ref_key(ref: Any) -> str:
    if isinstance(ref, dict):
        ref = ref.get("id", ref.get("@id", ""))
    text = str(ref)
    return text[2:] if text.startswith("./") else text


def _linear(node: Node) -> tuple[float, dict[str, float]] | None:
    """``constant + sum(coef * variable)`` when the expression is linear, else None."""
    kind = node[0]
    if kind == "num":
        return node[1], {}
    if kind == "name":
        return 0.0, {node[1]: 1.0}
    if kind == "unary" and node[1] in "+-":
        inner = _linear(node[2])
        if inner is None:
            return None
        sign = -1.0 if node[1] == "-" else 1.0
        return sign * inner[0], {k: sign * v for k, v in inner[1].items()}
    if kind != "bin" or node[1] not in ("+", "-", "*", "/"):
        return None
    left, right = _linear(node[2]), _linear(node[3])
    if left is None or right is None:
        return None
    op = node[1]
    if op in "+-":
        sign = 1.0 if op == "+" else -1.0
        coefs = dict(left[1])
        for k, v in right[1].items():
            coefs[k] = coefs.get(k, 0.0) + sign * v
        return left[0] + sign * right[0], coefs
    if op == "*":
        if not left[1]:
            left, right = right, left
        if right[1]:
            return None  # a product of two variables
        return left[0] * right[0], {k: v * right[0] for k, v in left[1].items()}
    if right[1] or right[0] == 0:
        return None
    return left[0] / right[0], {k: v / right[0] for k, v in left[1].items()}


def _const(node: Node) -> float | None:
    if node[0] == "num":
        return float(node[1])
    if node[0] == "unary" and node[1] in "+-":
        inner = _const(node[2])
        return None if inner is None else (-inner if node[1] == "-" else inner)
    return None


def _index_test(node: Node) -> tuple[tuple[float, ...], str, str] | None:
    """``[values].indexOf(name) >= 0`` (or ``< 0``) -> (values, name, operator)."""
    if node[0] != "bin" or node[1] not in (">=", "<") or _const(node[3]) != 0:
        return None
    call = node[2]
    if call[0] != "call" or len(call[2]) != 1 or call[2][0][0] != "name":
        return None
    member = call[1]
    if member[0] != "member" or member[2] != "indexOf" or member[1][0] != "array":
        return None
    values = [_const(v) for v in member[1][1]]
    if any(v is None for v in values):
        return None
    return tuple(v for v in values if v is not None), call[2][0][1], node[1]


@dataclass(frozen=True)
class _Rule:
    terms: tuple[tuple[str, bool, float], ...]
    min_count: int
    applies: tuple[str, tuple[float, ...]] | None


def _exported_rule(tree: Node) -> _Rule | None:
    """Read the parameters of an expression of the exported form (loosely: checked later)."""
    applies = None
    if (
        tree[0] == "cond"
        and tree[2] == ("lit", "null")
        and tree[1][0] == "bin"
        and tree[1][1] == "&&"
    ):
        first, second = _index_test(tree[1][2]), _index_test(tree[1][3])
        if first is None or second is None or first[1] != second[1]:
            return None
        applies = (second[1], second[0])
        tree = tree[3]
    if tree[0] != "call" or tree[1][0] != "arrow" or len(tree[2]) != 1:
        return None
    body, arg = tree[1][2], tree[2][0]
    if body[0] != "cond" or body[1][0] != "bin" or body[1][1] != ">=":
        return None
    count = _const(body[1][3])
    if count is None or not count.is_integer():
        return None
    if arg[0] != "call" or arg[1][0] != "member" or arg[1][1][0] != "array":
        return None
    terms = []
    for term in arg[1][1][1]:
        if term[0] != "cond":
            return None
        test = _index_test(term[1])
        if test is None:
            return None
        keyed, weight = term[2], 1.0
        if keyed[0] == "array" and len(keyed[1]) == 2:
            found = _const(keyed[1][0])
            if found is None:
                return None
            weight, keyed = found, keyed[1][1]
        reverse = keyed[0] == "bin" and keyed[1] == "-"
        terms.append((test[1], reverse, weight))
    return _Rule(tuple(terms), int(count), applies)


def _weights_of(terms: Sequence[tuple[str, float]]) -> dict[str, float] | None:
    out = {item: w for item, w in terms if w != 1}
    return {k: (int(v) if float(v).is_integer() else v) for k, v in out.items()} or None


class _Importer:
    def __init__(self, path: Path) -> None:
        self.source = path
        if not path.exists():
            raise SpecError(
                Issue(
                    "file-not-found",
                    "the ReproSchema activity does not exist",
                    Location(file=os.fspath(path)),
                    hint="give the activity's folder or its schema file",
                )
            )
        self.schema = _find_activity(path)
        self.activity = _load_json(self.schema)
        if _kind(self.activity) != "Activity":
            raise _fail(
                f"not a ReproSchema activity (its category is "
                f"'{_kind(self.activity) or 'missing'}')",
                self.schema,
                hint="give the activity's schema file or its folder",
            )
        self.reader = _Reader(self.schema)
        self.score_fields: dict[str, dict[str, Any]] = {}

    def run(self) -> Imported:
        self.read_items()
        subscales = self.read_compute()
        document = self.document(subscales)
        return Imported(document=document, notes=tuple(self.reader.notes))

    def read_items(self) -> None:
        reader = self.reader
        props = {_ref_key(p.get("isAbout")): p for p in _add_properties(self.activity)}
        compute = self.compute_entries()
        targets = {entry["variableName"] for entry in compute}
        remote = []
        refs = _order_refs(self.activity)
        seen = {_ref_key(r) for r in refs}
        refs += [p.get("isAbout") for k, p in props.items() if k not in seen and k]
        for ref in refs:
            prop = props.get(_ref_key(ref), {})
            declared = _text(prop.get("variableName"))
            if declared in targets:  # a score's own field: its name and description only
                try:
                    if isinstance(ref, str) and not _is_url(ref):
                        self.score_fields[declared] = reader.load_ref(
                            ref, self.schema.parent, "score field"
                        )[0]
                    elif isinstance(ref, dict):
                        self.score_fields[declared] = ref
                except SpecError:
                    pass
                continue
            if isinstance(ref, str) and _is_url(ref):
                remote.append(ref)
                continue
            if isinstance(ref, dict):
                document, where = ref, self.schema
            elif isinstance(ref, str):
                document, where = reader.load_ref(ref, self.schema.parent, "item")
            else:
                continue
            var = (declared or _ident(document)).strip().rsplit("/", 1)[-1]
            if not var:
                continue
            if var in targets:
                self.score_fields[var] = document
                continue
            if _kind(document) == "Activity":
                reader.note(f"'{var}' is a nested activity: not imported.")
                continue
            self.read_item(var, document, where)
        if remote:
            raise _fail(
                f"{len(remote)} item(s) of the activity are remote URLs (first: {remote[0]}); "
                "relscales reads local files only",
                self.schema,
                hint=_REMOTE_HINT,
            )
        for var, why in self.reader.skipped.items():
            reader.note(f"Item '{var}' is left out: {why} (relscales scores coded answers).")

    def read_item(self, var: str, document: dict[str, Any], where: Path) -> None:
        notes = _relscales_notes(document)
        scale = self.reader.scale_of(document.get("responseOptions"), where, notes, var)
        if scale is None:
            return
        label = _text(document.get("prefLabel")) or var
        text = _text_by_language(document.get("question"))
        if set(text) <= {"en"} and text.get("en") == label:
            text = {}
        self.reader.items.append(
            _Item(
                var,
                _item_id(var, notes),
                label,
                text,
                scale,
                _text_by_language(document.get("preamble")),
                notes,
            )
        )

    def compute_entries(self) -> list[dict[str, str]]:
        entries = self.activity.get("compute") or []
        out = []
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, dict):
                continue
            var = _text(entry.get("variableName"))
            expression = _text(entry.get("jsExpression"))
            if var and expression:
                out.append({"variableName": var, "jsExpression": expression})
        return out

    def read_compute(self) -> list[dict[str, Any]]:
        reader = self.reader
        items = {item.var: item for item in reader.items}
        targets = {e["variableName"] for e in self.compute_entries()}
        subscales = []
        for entry in self.compute_entries():
            var, expression = entry["variableName"], entry["jsExpression"]
            try:
                tree = _parse(expression)
                names = expression_variables(expression)
            except (ExpressionError, RecursionError) as exc:
                reader.note(
                    f"Compute '{var}' is not read ({exc}); add it by hand if it is a score: "
                    f"{expression}"
                )
                continue
            unknown = sorted(names - set(items) - set(reader.skipped) - targets)
            if unknown:
                reader.note(
                    f"Compute '{var}' names {', '.join(unknown)}, which "
                    f"{'is not an item' if len(unknown) == 1 else 'are not items'} of the "
                    f"activity: not imported. Expression: {expression}"
                )
                continue
            if names & targets:
                reader.note(
                    f"Compute '{var}' combines other scores "
                    f"({', '.join(sorted(names & targets))}): composites are not imported; "
                    f"declare it under `composites` if it is one. Expression: {expression}"
                )
                continue
            unscored = sorted(names & set(reader.skipped))
            if unscored:
                reader.note(
                    f"Compute '{var}' reads {', '.join(unscored)}, which "
                    f"{'has' if len(unscored) == 1 else 'have'} no coded answers: not "
                    f"imported. Expression: {expression}"
                )
                continue
            sub = self.exported_subscale(var, tree, items) or self.linear_subscale(
                var, tree, items, expression
            )
            if sub is not None:
                subscales.append(sub)
        return subscales

    def score_identity(self, var: str) -> tuple[str, str, str | None, dict[str, Any]]:
        """Subscale id, name, description and relscales notes from its score field."""
        document = self.score_fields.get(var, {})
        notes = dict(_relscales_notes(document))
        ident = notes.get("id") if isinstance(notes.get("id"), str) else None
        ident = ident or re.sub(r"[^A-Za-z0-9_.]", "_", var)
        if not _NAME.fullmatch(ident):
            ident = f"s{ident}"
        name = _text(document.get("prefLabel")) or var
        return ident, name, _text(document.get("description")), notes

    def exported_subscale(
        self, var: str, tree: Node, items: Mapping[str, _Item]
    ) -> dict[str, Any] | None:
        rule = _exported_rule(tree)
        if rule is None or any(t[0] not in items for t in rule.terms):
            return None
        if rule.applies is not None and rule.applies[0] not in items:
            return None
        scales = self.reader.scales
        terms = [
            _Term(v, tuple(float(x) for x in scales[items[v].scale].values), rev, w)
            for v, rev, w in rule.terms
        ]
        applies = None
        if rule.applies is not None:
            context = items[rule.applies[0]]
            applies = _Applies(
                context.var,
                tuple(float(x) for x in scales[context.scale].values),
                rule.applies[1],
            )
        for method in ("mean", "sum", "prorated_sum"):
            if _parse(_score_expression(terms, method, rule.min_count, applies)) == tree:
                break
        else:
            return None
        ident, name, description, notes = self.score_identity(var)
        declared = notes.get("min_answered")
        min_answered: int | float = rule.min_count
        if (
            isinstance(declared, int | float)
            and not isinstance(declared, bool)
            and min_answered_count(declared, len(terms)) == rule.min_count
        ):
            min_answered = declared
        if not self.keyed_one_way(var, [(items[t.var], t.reverse) for t in terms]):
            return None
        sub: dict[str, Any] = {"id": ident, "name": name}
        if description:
            sub["description"] = description
        sub["items"] = [items[t.var].id for t in terms]
        sub["score"] = method
        weights = _weights_of([(items[t.var].id, t.weight) for t in terms])
        if weights:
            sub["weights"] = weights
        sub["min_answered"] = min_answered
        if rule.applies is not None:
            context = items[rule.applies[0]]
            sub["applies_when"] = {
                "item": context.id,
                "in": [int(c) if c.is_integer() else c for c in rule.applies[1]],
            }
            context.notes.append(("context", True))
        return sub

    def keyed_one_way(self, var: str, keyed: Sequence[tuple[_Item, bool]]) -> bool:
        """Record each item's keying; False (and a note) when a score keys one another way."""
        clash = [
            item.id
            for item, reverse in keyed
            if any(k == "__keyed" and v != reverse for k, v in item.notes)
        ]
        if clash:
            self.reader.note(
                f"Compute '{var}' keys {', '.join(clash)} the other way round from an earlier "
                "score; relscales keys an item one way in every subscale: not imported."
            )
            return False
        for item, reverse in keyed:
            item.notes.append(("__keyed", reverse))
        return True

    def linear_subscale(
        self, var: str, tree: Node, items: Mapping[str, _Item], expression: str
    ) -> dict[str, Any] | None:
        reader = self.reader
        linear = _linear(tree)
        if linear is None or not linear[1] or any(c == 0 for c in linear[1].values()):
            reader.note(
                f"Compute '{var}' is not a sum or mean of items: not imported. Expression: "
                f"{expression}"
            )
            return None
        constant, coefs = linear
        offsets = {
            v: float(reader.scales[items[v].scale].values[0])
            + float(reader.scales[items[v].scale].values[-1])
            for v in coefs
        }
        expected = sum(-c * offsets[v] for v, c in coefs.items() if c < 0)
        if not math.isclose(constant, expected, rel_tol=1e-9, abs_tol=1e-9):
            reader.note(
                f"Compute '{var}' adds a constant that is not the reverse keying of its "
                f"items on their own scales (min + max - answer): not imported. Expression: "
                f"{expression}"
            )
            return None
        sizes = [abs(c) for c in coefs.values()]
        k = len(coefs)
        if all(math.isclose(s, 1.0) for s in sizes):
            method, weights = "sum", [1.0] * k
        elif all(math.isclose(s, 1.0 / k) for s in sizes):
            method, weights = "mean", [1.0] * k
        elif math.isclose(sum(sizes), 1.0):
            method, weights = "mean", [s / min(sizes) for s in sizes]
        else:
            method, weights = "sum", sizes
        weights = [round(w, 12) for w in weights]
        if not self.keyed_one_way(var, [(items[v], c < 0) for v, c in coefs.items()]):
            return None
        ident, name, description, _ = self.score_identity(var)
        sub: dict[str, Any] = {"id": ident, "name": name}
        if description:
            sub["description"] = description
        sub["items"] = [items[v].id for v in coefs]
        sub["score"] = method
        found = _weights_of([(items[v].id, w) for v, w in zip(coefs, weights, strict=True)])
        if found:
            sub["weights"] = found
        sub["min_answered"] = k
        reader.note(
            f"Compute '{var}' read as a {method} of {k} items that needs every item answered "
            "(in JavaScript a sum with an unanswered item is not a number); it does not leave "
            "out codes that are not scale values, which relscales does."
        )
        return sub

    def identity(self) -> tuple[str, str]:
        raw = _ident(self.activity) or self.schema.stem
        raw = raw.rsplit("/", 1)[-1]
        for suffix in ("_schema", ".jsonld", ".json"):
            raw = raw.removesuffix(suffix)
        ident = re.sub(r"[^a-z0-9-]+", "-", raw.lower()).strip("-") or "imported"
        if ident != raw:
            self.reader.note(f"The instrument id is '{ident}' (from '{raw}').")
        version = _text(self.activity.get("version")) or ""
        if not _SEMVER.fullmatch(version):
            self.reader.note(
                f"The activity's version ('{version or 'none'}') is not MAJOR.MINOR.PATCH: "
                "the file says 1.0.0."
            )
            version = "1.0.0"
        return ident, version

    def document(self, subscales: list[dict[str, Any]]) -> dict[str, Any]:
        reader = self.reader
        ident, version = self.identity()
        name = _text(self.activity.get("prefLabel")) or ident
        doc: dict[str, Any] = {"relscales": 1, "id": ident, "version": version, "name": name}
        abbreviation = _text(self.activity.get("altLabel"))
        if abbreviation:
            doc["abbreviation"] = abbreviation
        doc["domain"] = "other"
        description = _text(self.activity.get("description"))
        if description and _UNCARRIED_HEADING in description:
            description, _, uncarried = description.partition(_UNCARRIED_HEADING)
            description = description.strip() or None
            reader.note(f"The exporting relscales said: {uncarried.strip()}")
        if description:
            doc["description"] = description
        citation = _text(self.activity.get("citation"))
        if citation:
            doc["citation"] = citation
        items = reader.items
        texts = [item.text for item in items]
        included = bool(items) and all(texts)
        languages = sorted(set.intersection(*(set(t) for t in texts)) if included else [])
        if included and not languages:
            included = False
        if included:
            languages.sort(key=lambda lang: (lang != "en", lang))
        elif any(texts):
            reader.note(
                "Some items carry wording and some do not (or not in a common language): "
                "license.item_text is not-included; add the wording in every language or "
                "leave it out."
            )
        doc["license"] = {
            "name": "not stated in the ReproSchema activity",
            "item_text": "included" if included else "not-included",
        }
        doc["validation"] = {"status": "experimental"}
        instructions = _text_by_language(self.activity.get("preamble"))
        if instructions:
            doc["instructions"] = instructions
        if included and languages != ["en"]:
            doc["languages"] = languages
        doc["response_scales"] = self.scales_document(items)
        doc["items"] = [self.item_document(item, languages if included else []) for item in items]
        doc["subscales"] = subscales
        reader.note(
            "ReproSchema states no licence, domain or validation status: the file says "
            "`license.name: not stated in the ReproSchema activity`, `domain: other` and "
            "`validation.status: experimental`; replace them with the instrument's terms of "
            "use (license.name, license.url), its domain and its validation evidence."
        )
        if not subscales:
            reader.note(
                "No compute expression was read as a subscale: add at least one under "
                "`subscales` (id, name, items, score) before the file validates."
            )
        return doc

    def scales_document(self, items: Sequence[_Item]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, scale in self.reader.scales.items():
            entry: dict[str, Any] = {"values": scale.values}
            if scale.labels:
                entry["labels"] = dict(sorted(scale.labels.items()))
            if scale.missing_codes:
                entry["missing_codes"] = scale.missing_codes
            if scale.not_applicable:
                entry["not_applicable"] = scale.not_applicable
            stems = [json.dumps(i.preamble, sort_keys=True) for i in items if i.scale == name]
            if stems and stems[0] != "{}" and len(set(stems)) == 1:
                entry["stem"] = items[[i.scale for i in items].index(name)].preamble
            elif len(set(stems)) > 1:
                self.reader.note(
                    f"Items on response scale '{name}' have different preambles: not kept "
                    "(relscales has one stem per scale)."
                )
            out[name] = entry
        return out

    def item_document(self, item: _Item, languages: Sequence[str]) -> dict[str, Any]:
        notes = item.notes
        out: dict[str, Any] = {"id": item.id, "label": item.label}
        if languages:
            out["text"] = {lang: item.text[lang] for lang in languages}
        out["scale"] = item.scale
        keyed = [v for k, v in notes if k == "__keyed"]
        declared = any(k == "reverse" and v is True for k, v in notes)
        if (keyed and keyed[0]) or (not keyed and declared):
            out["reverse"] = True
        column = next((v for k, v in notes if k == "column" and isinstance(v, str)), None)
        if column:
            out["column"] = column
        expected = [v for k, v in notes if k == "attention_check" and _number(v) is not None]
        if expected:
            out["attention_check"] = {"expected": expected[0] if len(expected) == 1 else expected}
        if any(k == "context" and v is True for k, v in notes):
            out["context"] = True
        return out


def import_reproschema(path: str | os.PathLike[str]) -> Imported:
    """Read a local ReproSchema activity as a relscales instrument document.

    Parameters
    ----------
    path
        The activity's folder or its schema file. Items, response options and choices
        referenced by relative paths are read from next to it; a remote URL is an error
        (nothing is fetched).

    Returns
    -------
    Imported
        The instrument document and the notes: what could not be read (with the
        expression it is about), and what a person must add (licence, domain,
        validation).

    Raises
    ------
    SpecError
        ``file-unreadable``: no activity, unreadable JSON, a missing or remote item file.

    Examples
    --------
    >>> import tempfile
    >>> from relscales.instruments.loader import load_instrument
    >>> out = export_reproschema(load_instrument("rses"))
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     for name, text in out.files.items():
    ...         target = Path(folder, name)
    ...         target.parent.mkdir(parents=True, exist_ok=True)
    ...         _ = target.write_text(text, encoding="utf-8")
    ...     back = import_reproschema(Path(folder, "rses"))
    >>> back.document["subscales"][0]["score"], back.document["subscales"][0]["min_answered"]
    ('sum', 10)
    """
    return _Importer(Path(path)).run()
