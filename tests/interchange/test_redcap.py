"""REDCap data dictionaries: export, import, round trip, and an independent check of the formulas.

The independent check evaluates the exported calc formulas with a small evaluator written
here, apart from relscales' own reader, following REDCap's rules for blanks as its source
code has them (a blank field reads as NaN through ``chkNull``; arithmetic with NaN is NaN;
``sum()`` and ``mean()`` skip blanks; ``[x] = ""`` tests for a blank; ``>=`` with a blank is
false; a result that is not a number leaves the field blank). It runs a second time with
the opposite reading, blanks as zeros everywhere except ``= ""``, to show that the formulas
do not depend on it. On random answers (10% blank, some missing-data and "does not apply"
codes) every calc field must equal relscales' score to 1e-12, blank where the score is
missing. ``RELSCALES_REDCAP_N`` sets the number of answer vectors (default 10,000).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import warnings
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pytest
import yaml
from tests.interchange.interchange_helpers import BUNDLED, FORMAT_TOUR, IRT_DEMO

import relscales
from relscales.errors import SpecError
from relscales.instruments.loader import load_instrument, load_instrument_data
from relscales.interchange import Exported, Imported
from relscales.interchange.redcap import HEADERS, export_redcap, import_redcap

EXAMPLES = [str(FORMAT_TOUR), str(IRT_DEMO)]
N = int(os.environ.get("RELSCALES_REDCAP_N", "10000"))

REDCAP_HEADERS = [
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
]

# A made-up instrument using what the bundled ones do not: weights, a prorated sum, a scale
# with uneven codes and a missing code inside its range, a context item coded from 0,
# composites on POMP and raw metrics with reversed, weighted and optional parts.
SYNTHETIC = """
relscales: 1
id: rc-synthetic
version: 0.1.0
name: Synthetic instrument for the REDCap tests
domain: other
license: {name: CC0, item_text: included}
validation: {status: experimental}
languages: [en]
response_scales:
  agree5:
    values: [1, 2, 3, 4, 5]
    labels: {1: Strongly disagree, 5: Strongly agree, 9: Does not apply}
    missing_codes: [-99]
    not_applicable: [9]
  uneven:
    values: [0, 1, 3, 4]
    missing_codes: [2]
    not_applicable: [7]
  ctx:
    values: [0, 1, 2]
    labels: {0: 'No', 1: 'Yes', 2: Not sure}
items:
  - {id: Q1, label: first, text: {en: "First <b>question</b> & more"}, scale: agree5}
  - {id: q.2, label: second, text: {en: Second question}, scale: agree5, reverse: true}
  - {id: q3, label: third, text: {en: Third question}, scale: uneven}
  - {id: q4, label: fourth, text: {en: Fourth question}, scale: uneven, reverse: true}
  - {id: q5, label: fifth, text: {en: Fifth question}, scale: agree5}
  - {id: cx, label: in a relationship, text: {en: Are you in a relationship?}, scale: ctx,
     context: true}
  - {id: ac, label: attention, text: {en: Choose 4 here}, scale: agree5,
     attention_check: {expected: 4}}
subscales:
  - id: a
    name: Weighted mean
    items: [Q1, q.2, q3]
    weights: {q3: 2.5}
    min_answered: 2
    norms: [{group: g, mean: 3, sd: 1}, {group: h, mean: 2, sd: 1}]
    irt:
      model: graded
      items:
        Q1: {slope: 1.2, thresholds: [-2, -1, 0, 1]}
        q.2: {slope: 0.8, thresholds: [-1.5, -0.5, 0.5, 1.5]}
        q3: {slope: 1.0, thresholds: [-1, 0, 1]}
      calibration: {source: made up, licence: CC0}
  - {id: b, name: Prorated, items: [q3, q4, q5], score: prorated_sum, weights: {q5: 0.3},
     min_answered: 0.6, norms: [{group: g, mean: 9, sd: 2}]}
  - {id: c, name: Sum, items: [Q1, q4, q5], score: sum, min_answered: 1.0,
     applies_when: {item: cx, in: [1]}}
composites:
  - id: pomp_mix
    name: POMP mix
    parts: [{score: a}, {score: b, reverse: true, weight: 2}, {score: c, optional: true}]
    standardized: pomp
  - id: raw_diff
    name: Raw difference
    parts: [{score: a, weight: 1}, {score: b, weight: -0.5}, {score: c, reverse: true}]
    method: sum
  - id: raw_mean
    name: Raw mean with an optional part
    parts: [{score: a}, {score: c, optional: true, weight: 2}]
"""


# --------------------------------------------------------------------------------------
# an independent evaluator of REDCap calc formulas (numpy, whole columns at once)


class V(NamedTuple):
    value: np.ndarray  # float
    blank: np.ndarray  # bool


_TOKEN = re.compile(
    r'\s*(\[[a-z][a-z0-9_]*\]|\d+\.?\d*(?:[eE][-+]?\d+)?|"[^"]*"|[a-z_]+|<>|<=|>=|[-+*/=<>(),])'
)


def tokenize(text: str) -> list[str]:
    out, at = [], 0
    while at < len(text.rstrip()):
        match = _TOKEN.match(text, at)
        assert match, f"cannot read {text[at : at + 20]!r}"
        out.append(match.group(1))
        at = match.end()
    return out


class Parser:
    """Recursive descent over the subset relscales writes: or/and, comparisons, + - * /."""

    def __init__(self, text: str) -> None:
        self.toks, self.i = tokenize(text), 0

    def peek(self) -> str:
        return self.toks[self.i] if self.i < len(self.toks) else ""

    def eat(self, tok: str | None = None) -> str:
        got = self.peek()
        assert tok is None or got == tok, f"expected {tok}, got {got}"
        self.i += 1
        return got

    def parse(self) -> tuple:
        node = self.orx()
        assert self.i == len(self.toks)
        return node

    def orx(self) -> tuple:
        node = self.andx()
        while self.peek() == "or":
            self.eat()
            node = ("or", node, self.andx())
        return node

    def andx(self) -> tuple:
        node = self.cmp()
        while self.peek() == "and":
            self.eat()
            node = ("and", node, self.cmp())
        return node

    def cmp(self) -> tuple:
        node = self.add()
        if self.peek() in ("=", "<>", "<", ">", "<=", ">="):
            op = self.eat()
            node = ("cmp", op, node, self.add())
        return node

    def add(self) -> tuple:
        node = self.mul()
        while self.peek() in ("+", "-"):
            op = self.eat()
            node = ("op", op, node, self.mul())
        return node

    def mul(self) -> tuple:
        node = self.unary()
        while self.peek() in ("*", "/"):
            op = self.eat()
            node = ("op", op, node, self.unary())
        return node

    def unary(self) -> tuple:
        if self.peek() == "-":
            self.eat()
            return ("neg", self.unary())
        return self.atom()

    def atom(self) -> tuple:
        tok = self.eat()
        if tok == "(":
            node = self.orx()
            self.eat(")")
            return node
        if tok.startswith("["):
            return ("var", tok[1:-1])
        if tok.startswith('"'):
            assert tok == '""', tok
            return ("blank",)
        if re.fullmatch(r"[a-z_]+", tok):
            self.eat("(")
            args = [self.orx()]
            while self.peek() == ",":
                self.eat()
                args.append(self.orx())
            self.eat(")")
            return ("call", tok, args)
        return ("num", float(tok))


def evaluate(node: tuple, env: dict[str, np.ndarray], n: int, mode: str) -> V:
    """Evaluate over columns; ``mode`` 'nan' is REDCap's reading, 'zero' the adversarial one."""
    kind = node[0]
    with np.errstate(all="ignore"):
        if kind == "num":
            return V(np.full(n, node[1]), np.zeros(n, bool))
        if kind == "blank":
            return V(np.full(n, np.nan if mode == "nan" else 0.0), np.ones(n, bool))
        if kind == "var":
            raw = env[node[1]]
            blank = np.isnan(raw)
            return V(raw.copy() if mode == "nan" else np.where(blank, 0.0, raw), blank)
        if kind == "neg":
            a = evaluate(node[1], env, n, mode)
            return V(-a.value, a.blank.copy())
        if kind == "op":
            a, b = evaluate(node[2], env, n, mode), evaluate(node[3], env, n, mode)
            value = {
                "+": a.value + b.value,
                "-": a.value - b.value,
                "*": a.value * b.value,
                "/": a.value / b.value,
            }[node[1]]
            return V(value, ~np.isfinite(value))
        if kind == "cmp":
            a, b = evaluate(node[2], env, n, mode), evaluate(node[3], env, n, mode)
            op = node[1]
            if op in ("=", "<>") and (node[2][0] == "blank" or node[3][0] == "blank"):
                other = b if node[2][0] == "blank" else a
                result = other.blank if op == "=" else ~other.blank
            else:
                result = {
                    "=": a.value == b.value,
                    "<>": a.value != b.value,
                    "<": a.value < b.value,
                    ">": a.value > b.value,
                    "<=": a.value <= b.value,
                    ">=": a.value >= b.value,
                }[op]
            return V(result.astype(float), np.zeros(n, bool))
        if kind in ("and", "or"):
            a, b = evaluate(node[1], env, n, mode), evaluate(node[2], env, n, mode)
            ta, tb = truthy(a), truthy(b)
            result = (ta & tb) if kind == "and" else (ta | tb)
            return V(result.astype(float), np.zeros(n, bool))
        assert kind == "call", kind
        name, args = node[1], node[2]
        if name == "if":
            cond, yes, no = (evaluate(a, env, n, mode) for a in args)
            pick = truthy(cond)
            return V(np.where(pick, yes.value, no.value), np.where(pick, yes.blank, no.blank))
        vals = [evaluate(a, env, n, mode) for a in args]
        stack = np.vstack([v.value for v in vals])
        if mode == "nan":
            present = ~np.vstack([v.blank for v in vals]) & np.isfinite(stack)
        else:
            present = np.ones_like(stack, dtype=bool)
        total = np.where(present, stack, 0.0).sum(axis=0)
        count = present.sum(axis=0)
        if name == "sum":
            value = np.where(count > 0, total, np.nan)
        elif name == "mean":
            value = np.where(count > 0, total / np.maximum(count, 1), np.nan)
        elif name == "round":  # JavaScript's Math.round on value * 10^places
            scale = 10.0 ** vals[1].value
            value = np.floor(vals[0].value * scale + 0.5) / scale
        else:
            raise AssertionError(f"function {name} is not in the subset")
        return V(value, ~np.isfinite(value))


def truthy(v: V) -> np.ndarray:
    return (~v.blank) & np.isfinite(v.value) & (v.value != 0)


def result(v: V) -> np.ndarray:
    return np.where(v.blank | ~np.isfinite(v.value), np.nan, v.value)


# --------------------------------------------------------------------------------------
# helpers


def dictionary_rows(text: str) -> list[dict[str, str]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    assert header == REDCAP_HEADERS
    rows = []
    for row in reader:
        assert len(row) == 18
        rows.append(dict(zip(header, row, strict=True)))
    return rows


def meta(row: dict[str, str]) -> dict[str, Any]:
    found = re.search(r"relscales:(\{.*\})", row["Field Annotation"])
    return json.loads(found.group(1)) if found else {}


def the_file(out: Exported) -> str:
    assert len(out.files) == 1
    return next(iter(out.files.values()))


def random_answers(inst: Any, n: int, seed: int, codes: bool = True) -> dict[str, np.ndarray]:
    """Item id -> answer codes: 10% blank, and 5% missing or 'does not apply' codes."""
    rng = np.random.default_rng(seed)
    out = {}
    for item in inst.spec.items:
        scale = inst.spec.response_scales[item.scale]
        x = rng.choice(np.array(scale.values, dtype=float), n)
        other = np.array([*scale.missing_codes, *scale.not_applicable], dtype=float)
        if codes and other.size:
            coded = rng.random(n) < 0.05
            x[coded] = rng.choice(other, int(coded.sum()))
        x[rng.random(n) < 0.10] = np.nan
        out[item.id] = x
    return out


def relscales_scores(inst: Any, answers: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    data = {item.column or item.id: answers[item.id] for item in inst.spec.items}
    with warnings.catch_warnings():  # inf * 0 in relscales' person SE of a blank sum
        warnings.simplefilter("ignore", RuntimeWarning)
        res = relscales.score(inst, data)
    return {k: np.asarray(v, dtype=float) for k, v in res.scores.items()}


def load(ref: str) -> Any:
    return load_instrument(ref)


def write(tmp_path: Path, text: str, name: str = "dict.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = tmp_path_factory.mktemp("synthetic") / "rc-synthetic.yaml"
    path.write_text(SYNTHETIC, encoding="utf-8")
    return load_instrument(str(path))


# --------------------------------------------------------------------------------------
# export: the file itself


@pytest.mark.parametrize("ref", BUNDLED + EXAMPLES)
def test_export_is_a_redcap_dictionary(ref: str) -> None:
    inst = load(ref)
    out = export_redcap(inst)
    assert isinstance(out, Exported)
    assert list(HEADERS) == REDCAP_HEADERS
    rows = dictionary_rows(the_file(out))
    assert rows[0]["Variable / Field Name"] == "record_id"
    names = [r["Variable / Field Name"] for r in rows]
    assert len(set(names)) == len(names)
    form = rows[0]["Form Name"]
    assert re.fullmatch(r"[a-z][a-z0-9_]*", form)
    assert {r["Form Name"] for r in rows} == {form}
    for row in rows:
        assert re.fullmatch(r"[a-z][a-z0-9_]{0,25}", row["Variable / Field Name"])
        assert not row["Variable / Field Name"].endswith("_complete")
        assert "@" not in row["Field Annotation"].split("relscales:", 1)[-1]
    radios = [r for r in rows if r["Field Type"] == "radio"]
    assert [meta(r)["item"] for r in radios] == [i.id for i in inst.spec.items]
    for row, item in zip(radios, inst.spec.items, strict=True):
        scale = inst.spec.response_scales[item.scale]
        codes = [c.split(",", 1)[0].strip() for c in row[REDCAP_HEADERS[5]].split("|")]
        expected = [*scale.values, *scale.not_applicable, *scale.missing_codes]
        assert [float(c) for c in codes] == [float(v) for v in expected]
        if scale.missing_codes:
            assert "@HIDECHOICE=" in row["Field Annotation"]
    calcs = [r for r in rows if r["Field Type"] == "calc"]
    scored = [s.id for s in inst.spec.subscales] + [c.id for c in inst.spec.composites]
    exported = [meta(r)["score"] for r in calcs]
    assert exported == [s for s in scored if s in exported]
    assert [s.id for s in inst.spec.subscales] == exported[: len(inst.spec.subscales)]
    assert out.notes
    assert all(isinstance(n, str) and n for n in out.notes)
    intro = rows[1]["Field Annotation"]
    for note in out.notes:  # every note is also in the file
        assert note in intro


def test_export_wording_only_when_included(synthetic: Any) -> None:
    rows = dictionary_rows(the_file(export_redcap(load("ecr-r"))))
    labels = {meta(r)["item"]: r["Field Label"] for r in rows if r["Field Type"] == "radio"}
    inst = load("ecr-r")
    assert inst.spec.license.item_text == "not-included"
    assert labels == {i.id: i.label for i in inst.spec.items}
    assert any("wording is not included" in n for n in export_redcap(inst).notes)
    rows = dictionary_rows(the_file(export_redcap(synthetic)))
    first = next(r for r in rows if r["Field Type"] == "radio")
    assert first["Field Label"] == "First &lt;b&gt;question&lt;/b&gt; &amp; more"
    assert first["Variable / Field Name"] == "q1"
    assert meta(first)["item"] == "Q1"


def test_export_notes_name_what_does_not_cross() -> None:
    notes = " ".join(export_redcap(load("risi")).notes)
    for word in ("Flags", "Profiles", "Missing-data codes", "'Does not apply' codes", "Context"):
        assert word in notes
    notes = " ".join(export_redcap(load(EXAMPLES[0])).notes)
    for word in ("Norms", "Interpretation bands", "Attention-check", "data column"):
        assert word in notes


def test_export_leaves_out_a_composite_it_cannot_calculate(tmp_path: Path) -> None:
    text = SYNTHETIC.replace("id: rc-synthetic", "id: rc-z") + (
        "  - id: z_mix\n    name: z mix\n    parts: [{score: a}, {score: b, reverse: true}]\n"
        "    standardized: true\n"
        "  - id: on_z\n    name: on z\n    parts: [{score: z_mix}, {score: a}]\n"
        "    standardized: pomp\n"
        "  - id: z_h\n    name: z h\n    parts: [{score: a}, {score: b}]\n"
        "    standardized: true\n    norm_group: h\n"
    )
    inst = load_instrument(str(write(tmp_path, text, "rc-z.yaml")))
    out = export_redcap(inst)
    rows = {r["Variable / Field Name"]: r for r in dictionary_rows(the_file(out))}
    assert rows["rc_z_z_mix"]["Field Type"] == "calc"
    for name in ("rc_z_on_z", "rc_z_z_h"):
        assert rows[name]["Field Type"] == "descriptive"
        assert "not calculated" in rows[name]["Field Note"]
    assert sum("is not calculated in REDCap" in n for n in out.notes) == 2
    assert check_formulas(inst, 2000, seed=5) == 2 * 7
    notes = " ".join(import_redcap(write(tmp_path, the_file(out))).notes)
    assert "Composite on_z is not calculated in REDCap" in notes
    assert "Calc field rc_z_z_mix is not imported: it combines standardized scores" in notes


# --------------------------------------------------------------------------------------
# the independent check: calc fields equal relscales' scores


def check_formulas(inst: Any, n: int, seed: int) -> int:
    rows = dictionary_rows(the_file(export_redcap(inst)))
    answers = random_answers(inst, n, seed)
    env = {}
    for row in rows:
        if row["Field Type"] == "radio":
            env[row["Variable / Field Name"]] = answers[meta(row)["item"]]
    expected = relscales_scores(inst, answers)
    checked = 0
    for mode in ("nan", "zero"):
        scores = dict(env)
        for row in rows:
            if row["Field Type"] != "calc":
                continue
            tree = Parser(row[REDCAP_HEADERS[5]]).parse()
            got = result(evaluate(tree, scores, n, mode))
            scores[row["Variable / Field Name"]] = got
            want = expected[meta(row)["score"]]
            assert np.array_equal(np.isnan(got), np.isnan(want)), (mode, meta(row)["score"])
            ok = ~np.isnan(want)
            np.testing.assert_allclose(got[ok], want[ok], rtol=1e-12, atol=1e-12)
            assert ok.mean() > 0.05 or meta(row)["score"] in ("c", "safety")
            checked += 1
    return checked


@pytest.mark.parametrize("ref", BUNDLED + EXAMPLES)
def test_calc_fields_give_relscales_scores(ref: str) -> None:
    inst = load(ref)
    checked = check_formulas(inst, N, seed=len(ref))
    assert checked == 2 * (len(inst.spec.subscales) + len(inst.spec.composites))


def test_calc_fields_give_relscales_scores_synthetic(synthetic: Any) -> None:
    assert check_formulas(synthetic, N, seed=7) == 2 * 6


def test_blank_semantics_of_the_evaluator() -> None:
    env = {"a": np.array([1.0, np.nan]), "b": np.array([2.0, 2.0])}

    def run(text: str, mode: str = "nan") -> list[float]:
        return result(evaluate(Parser(text).parse(), env, 2, mode)).tolist()

    assert str(run("[a] + [b]")) == "[3.0, nan]"  # a blank makes arithmetic blank
    assert run("sum([a], [b])") == [3.0, 2.0]  # sum() skips blanks
    assert run("mean([a], [b])") == [1.5, 2.0]
    assert run('if([a] = "", 1, 0)') == [0.0, 1.0]
    assert run("if([a] >= 0, 1, 0)") == [1.0, 0.0]  # a comparison with a blank is false
    assert run("[a] + [b]", "zero") == [3.0, 2.0]  # the other reading
    assert run("mean([a], [b])", "zero") == [1.5, 1.0]


# --------------------------------------------------------------------------------------
# round trip


def comparable(spec: Any) -> dict[str, Any]:
    items = []
    for item in spec.items:
        scale = spec.response_scales[item.scale]
        items.append(
            (
                item.id,
                item.label,
                item.text,
                item.scale,
                scale.values,
                dict(scale.labels),
                scale.missing_codes,
                scale.not_applicable,
                scale.stem,
                item.reverse,
                item.context,
                item.attention_check,
            )
        )
    subscales = [
        (
            s.id,
            s.name,
            s.items,
            s.score,
            s.min_answered,
            type(s.min_answered),
            {k: v for k, v in (s.weights or {}).items() if v != 1},
            s.applies_when,
        )
        for s in spec.subscales
    ]
    composites = [
        (c.id, c.method, [(p.score, p.weight, p.optional, p.reverse) for p in c.parts])
        for c in spec.composites
        if c.standardized is False and not any(p.reverse for p in c.parts)
    ]
    return {
        "items": items,
        "subscales": subscales,
        "composites": composites,
        "instructions": spec.instructions,
    }


def round_trip(inst: Any, tmp_path: Path) -> tuple[Imported, Any]:
    path = write(tmp_path, the_file(export_redcap(inst)))
    imported = import_redcap(path)
    assert isinstance(imported, Imported)
    text = yaml.safe_dump(imported.document, sort_keys=False, allow_unicode=True)
    yaml_path = write(tmp_path, text, f"{imported.document['id']}.yaml")
    return imported, load_instrument(str(yaml_path))


@pytest.mark.parametrize("ref", BUNDLED + EXAMPLES)
def test_round_trip(ref: str, tmp_path: Path) -> None:
    inst = load(ref)
    imported, back = round_trip(inst, tmp_path)
    assert comparable(back.spec) == comparable(inst.spec)
    for key in ("id", "version", "name", "domain", "license", "validation", "citation"):
        assert getattr(back.spec, key) == getattr(inst.spec, key), key
    answers = random_answers(inst, 2000, seed=3)
    want, got = relscales_scores(inst, answers), relscales_scores(back, answers)
    for name in [c[0] for c in comparable(inst.spec)["subscales"]] + [
        c[0] for c in comparable(inst.spec)["composites"]
    ]:
        np.testing.assert_allclose(got[name], want[name], rtol=1e-12, atol=1e-12)
    assert not any(n.startswith("To fix") for n in imported.notes)


def test_round_trip_synthetic(synthetic: Any, tmp_path: Path) -> None:
    imported, back = round_trip(synthetic, tmp_path)
    assert comparable(back.spec) == comparable(synthetic.spec)
    assert [i.id for i in back.spec.items] == ["Q1", "q.2", "q3", "q4", "q5", "cx", "ac"]
    assert back.spec.items[0].column == "q1"  # REDCap data name it after the variable
    assert back.spec.items[0].text == {"en": "First <b>question</b> & more"}
    assert [c.id for c in back.spec.composites] == ["raw_mean"]
    notes = " ".join(imported.notes)
    assert "rc_synthetic_pomp_mix is not imported" in notes
    assert "rc_synthetic_raw_diff is not imported" in notes


# --------------------------------------------------------------------------------------
# import of ordinary dictionaries

ORDINARY = """\ufeffVariable / Field Name,Form Name,Section Header,Field Type,Field Label,\
"Choices, Calculations, OR Slider Labels",Field Note,Text Validation Type OR Show Slider Number,\
Text Validation Min,Text Validation Max,Identifier?,Branching Logic (Show field only if...),\
Required Field?,Custom Alignment,Question Number (surveys only),Matrix Group Name,\
Matrix Ranking?,Field Annotation
study_id,mood,,text,Study ID,,,,,,,,,,,,,
age,mood,,text,Age,,,integer,18,99,,,,,,,,
intro,mood,,descriptive,<p>Please answer.</p>,,,,,,,,,,,,,
partner,mood,,yesno,Do you have a partner?,,,,,,,,,,,,,
m1,mood,Over the last week,radio,I felt <b>low</b>,"0, Not at all | 1, Some days | \
2, Most days | 3, Every day | -9, Refused",,,,,,,,,,,,
m2,mood,,radio,I felt calm,"0, Not at all | 1, Some days | 2, Most days | 3, Every day | \
-9, Refused",,,,,,,,,,,,
m3,mood,,dropdown,I slept badly,"0, Not at all | 1, Some days | 2, Most days | 3, Every day | \
8, Not applicable | -9, Refused",,,,,,[partner] = '1',,,,,,
m4,mood,,radio,My partner was kind,"1, 1 | 2, 2 | 3, 3 | 4, 4 | 5, 5",,,,,,[partner] = '1',,,,,,
total,mood,,calc,Total,[m1]+(3-[m2])+[m3],,,,,,,,,,,,
any_sum,mood,,calc,Sum of the answered,"sum([m1], 3-[m2], [m3])",,,,,,,,,,,,
avg,mood,,calc,Average,"mean([m1],[m3])",,,,,,,,,,,,
avg2,mood,,calc,Average of two,([m1]+[m3])/2,,,,,,,,,,,,
kind,mood,,calc,Kindness if partnered,"if([partner] = 0, '', [m4])",,,,,,,,,,,,
both,mood,,calc,Both,([avg2]+[kind])/2,,,,,,,,,,,,
rounded,mood,,calc,Rounded,"round(mean([m1],[m3]),1)",,,,,,,,,,,,
agecalc,mood,,calc,Age in months,[age]*12,,,,,,,,,,,,
other_a,other,,radio,Other form item,"1, A | 2, B",,,,,,,,,,,,
"""


def test_import_ordinary_dictionary(tmp_path: Path) -> None:
    path = write(tmp_path, ORDINARY)
    with pytest.raises(SpecError) as err:
        import_redcap(path)
    assert err.value.code == "invalid-option"
    assert "mood, other" in (err.value.issues[0].hint or "")
    imported = import_redcap(path, form="Mood")
    doc, notes = imported.document, " | ".join(imported.notes)
    spec = load_instrument_data(doc).spec
    assert doc["id"] == "mood"
    assert [i.id for i in spec.items] == ["partner", "m1", "m2", "m3", "m4"]
    m1 = spec.response_scales[spec.items[1].scale]
    assert m1.values == (0, 1, 2, 3)
    assert m1.missing_codes == (-9,)
    assert m1.labels[3] == "Every day"
    assert m1.stem is None
    m3 = spec.response_scales[spec.items[3].scale]
    assert m3.not_applicable == (8,)
    assert m3.missing_codes == (-9,)
    assert spec.response_scales[spec.items[4].scale].labels == {}
    assert spec.items[1].text == {"en": "I felt low"}
    subs = {s.id: s for s in spec.subscales}
    assert (subs["total"].score, subs["total"].min_answered) == ("sum", 3)
    assert subs["total"].items == ("m1", "m2", "m3")
    assert (subs["any_sum"].score, subs["any_sum"].min_answered) == ("sum", 1)
    assert [i.reverse for i in spec.items] == [False, False, True, False, False]
    assert (subs["avg"].score, subs["avg"].min_answered) == ("mean", 1)
    assert (subs["avg2"].score, subs["avg2"].min_answered) == ("mean", 2)
    assert subs["kind"].applies_when is not None
    assert subs["kind"].applies_when.item == "partner"
    assert subs["kind"].applies_when.codes == (1,)
    assert spec.items[0].context
    assert [(p.score, p.weight, p.optional) for p in spec.composites[0].parts] == [
        ("avg2", 1, False),
        ("kind", 1, False),
    ]
    for text in (
        "study_id is the record identifier",
        "Not an item: age (text)",
        "Not an item: intro (descriptive): Please answer.",
        "Item m3 is shown in REDCap only when [partner] = '1'",
        "Calc field rounded rounds its result in REDCap",
        "Section header before m1 is not kept",
        "Calc field total: REDCap's formula counts codes -9 of m1, -9 of m2, -9 of m3, 8 of m3",
        "Calc field agecalc is not imported",
        "read as missing-data code",
        "Set license.name",
        "Set domain",
    ):
        assert text in notes, text
    assert "other_a" not in notes


def test_import_scores_like_redcap(tmp_path: Path) -> None:
    """The imported subscales score as the REDCap formulas do (by the evaluator above)."""
    path = write(tmp_path, ORDINARY)
    doc = import_redcap(path, form="mood").document
    spec_path = write(tmp_path, yaml.safe_dump(doc), "mood.yaml")
    inst = load_instrument(str(spec_path))
    answers = random_answers(inst, 4000, seed=11, codes=False)
    got = relscales_scores(inst, answers)
    rows = list(csv.DictReader(io.StringIO(ORDINARY.lstrip("\ufeff"))))
    env = dict(answers)
    for row in rows:
        name = row["Variable / Field Name"]
        if row["Field Type"] != "calc" or name not in got:
            continue
        text = row[REDCAP_HEADERS[5]].replace("'", '"')
        env[name] = result(evaluate(Parser(text).parse(), env, 4000, "nan"))
        want = env[name]
        assert np.array_equal(np.isnan(got[name]), np.isnan(want)), name
        ok = ~np.isnan(want)
        np.testing.assert_allclose(got[name][ok], want[ok], rtol=1e-12, atol=1e-12)


def test_import_older_headers_and_api_names(tmp_path: Path) -> None:
    old = (
        "Variable / Field Name,Form Name,Field Units,Section Header,Field Type,Field Label,"
        "Choices OR Calculations,Field Note,Text Validation Type,Text Validation Min,"
        "Text Validation Max,Identifier?,Branching Logic (Show field only if...),"
        "Required Field?\n"
        "record_id,f,,,text,ID,,,,,,,,\n"
        'a,f,,,radio,A,"1, Low | 2 , Mid | 3, High",,,,,,,\n'
        'b,f,,,radio,B,"1, Low | 2 , Mid | 3, High",,,,,,,\n'
        "s,f,,,calc,S,mean([a]; [b]),,,,,,,\n"
        "t,f,,,calc,T,[a]+[b],,,,,,,\n"
    )
    imported = import_redcap(write(tmp_path, old))
    spec = load_instrument_data(imported.document).spec
    assert [s.id for s in spec.subscales] == ["t"]
    assert "Calc field s is not imported: the formula cannot be read" in " ".join(imported.notes)
    api = (
        "field_name,form_name,section_header,field_type,field_label,"
        "select_choices_or_calculations,field_note,text_validation_type_or_show_slider_number,"
        "branching_logic,field_annotation\n"
        'x1,f,,radio,X1,"1, a | 2, b",,,,\n'
        'x2,f,,radio,X2,"1, a | 2, b",,,,\n'
        "tot,f,,calc,Tot,sum([x1]; [x2]),,,,\n"
        "tot2,f,,calc,Tot,[x1]*2+[x2],,,,\n"
    )
    imported = import_redcap(write(tmp_path, api, "api.csv"))
    spec = load_instrument_data(imported.document).spec
    assert spec.subscales[0].id == "tot2"
    assert spec.subscales[0].weights == {"x1": 2}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("not,a,dictionary\n1,2,3\n", "unsupported-format"),
        ("", "data-empty"),
        ("Variable / Field Name,Form Name,Field Type\nx,,text\n", "missing-key"),
    ],
)
def test_import_refuses_what_is_not_a_dictionary(tmp_path: Path, text: str, code: str) -> None:
    with pytest.raises(SpecError) as err:
        import_redcap(write(tmp_path, text))
    assert err.value.code == code


def test_import_file_errors(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as err:
        import_redcap(tmp_path / "nosuch.csv")
    assert err.value.code == "file-not-found"
    with pytest.raises(SpecError) as err:
        import_redcap(tmp_path)
    assert err.value.code == "input-not-a-file"
    with pytest.raises(SpecError) as err:
        import_redcap(write(tmp_path, ORDINARY), form="nosuch")
    assert err.value.code == "invalid-option"
    latin = tmp_path / "latin.csv"
    latin.write_bytes(
        "Variable / Field Name,Form Name,Field Type,Field Label,"
        '"Choices, Calculations, OR Slider Labels"\n'
        'a,f,radio,Caf\xe9,"1, Oui | 2, Non"\n'
        'b,f,radio,B,"1, Oui | 2, Non"\n'
        "s,f,calc,S,[a]+[b]\n".encode("cp1252")
    )
    imported = import_redcap(latin)
    assert imported.document["items"][0]["label"] == "Café"
    assert "Windows-1252" in imported.notes[0]
    assert imported.document["subscales"][0]["min_answered"] == 2


def test_import_notes_what_it_cannot_read(tmp_path: Path) -> None:
    text = (
        "Variable / Field Name,Form Name,Field Type,Field Label,"
        '"Choices, Calculations, OR Slider Labels",Field Annotation\n'
        'a,f,radio,A,"1, x | 2, y",\n'
        'b,f,radio,B,"1, x | 2, y",\n'
        'c,f,radio,C,"x, one | y, two",\n'
        "d,f,radio,D,no choices,\n"
        'e,f,checkbox,E,"1, x | 2, y",\n'
        "p,f,calc,P,[a]*[b],\n"
        "q,f,calc,Q,[a]+[b]+5,\n"
        'r,f,calc,R,"if([a] = 1, [b], 2*[b])",\n'
        "s,f,calc,S,[a]+[zz],\n"
        "t,f,calc,T,([a]+[b]))),\n"
        'u,f,calc,U,"datediff([a],[b],""y"")",\n'
        "v,f,calc,V,[a]+[b],@CALCTEXT([a])\n"
        'w,f,calc,W,"sum([a],[b],if([a]=1,5,0))",\n'
    )
    imported = import_redcap(write(tmp_path, text))
    notes = " | ".join(imported.notes)
    for name in "pqrstuw":
        assert f"Calc field {name} is not imported" in notes, name
    assert "Not an item: c (radio) has a choice code that is not a number" in notes
    assert "Not an item: d (radio) has no readable choices" in notes
    assert "Not an item: e (checkbox)" in notes
    assert "Not an item: v (calc)" in notes
    assert "No calc field could be read as a score" in notes
    assert "To fix before the file validates" in notes


READER = (
    "Variable / Field Name,Form Name,Field Type,Field Label,"
    '"Choices, Calculations, OR Slider Labels",Branching Logic (Show field only if...)\n'
    'a,f,radio,A,"1, x | 2, y | 3, z",\n'
    'b,f,radio,B,"1, x | 2, y | 3, z",\n'
    "t,f,truefalse,T,,\n"
    'one,f,dropdown,One,"1, Only",\n'
    'g,f,radio,G,"1, In | 2, Out | -9, Refused",\n'
    'h,f,radio,H,"1, In | 2, Out",\n'
    "note,f,descriptive,Shown sometimes,,[a] = 1\n"
    "late,f,calc,Late,([x1]+[x2])/2,\n"
    "x1,f,calc,X1,\"if([a] <> '' and [b] <> '', ([a]+[b])/2, '')\",[t] = 1\n"
    "x2,f,calc,X2,[a:value]+[t],\n"
    "single,f,calc,Single,[one]+[a],\n"
    "power,f,calc,Power,[a]^2,\n"
    'mn,f,calc,Min,"min([a],[b])",\n'
    'mx,f,calc,Max,"max([a],[b])",\n'
    'ab,f,calc,Abs,"abs([a]-[b])",\n'
    'sq,f,calc,Sqrt,"sqrt([a])",\n'
    "blankish,f,calc,Blankish,\"if([a] = 1, '', [a]+[b])\",\n"
    'which,f,calc,Which,"if(isblankormissingcode([a]), 0, [a]) + [b]",\n'
    'zero,f,calc,Zero,"if(isnumber([a]), [a], 0) + if(isnumber([b]), [b], 0)",\n'
    'logic,f,calc,Logic,"if([a] = 1 || [a] = 2 && true, [b], [b])",\n'
    "allout,f,calc,All out,\"if([h] = 1 or [h] = 2, '', [a])\",\n"
    "two,f,calc,Two,\"if([g] = 2, '', if([h] = 2, '', [a]))\",\n"
    "refused,f,calc,Refused,\"if([g] = -9, '', [a])\",\n"
    "oncalc,f,calc,On calc,\"if([x1] > 2, '', [a])\",\n"
    'neg,f,calc,Neg,"-(0-[a]) + -(-[b])",\n'
    "cmean,f,calc,Composite,([x1] + 2*[x2])/3,\n"
    "cbad,f,calc,Bad composite,[x1]*[x2],\n"
    "onbad,f,calc,On bad,[cbad]+[x1],\n"
    "loop1,f,calc,Loop 1,[loop2]+[x1],\n"
    "loop2,f,calc,Loop 2,[loop1]+[x1],\n"
    'iff,f,calc,If,"if([a] = 1, [b])",\n'
    "rev,f,calc,Reversed,[a]+(4-[b]),\n"
    "onb,f,calc,On b,\"if([b] = 3, '', [a])\",\n"
    "onh,f,calc,On h,\"if([h] = 2, '', [a])\",\n"
    "scoresh,f,calc,Scores h,[h]+[a],\n"
)


def test_import_reads_formulas_by_trying_them(tmp_path: Path) -> None:
    imported = import_redcap(write(tmp_path, READER))
    notes = " | ".join(imported.notes)
    spec = load_instrument_data(imported.document).spec
    subs = {s.id: s for s in spec.subscales}
    assert (subs["x1"].score, subs["x1"].min_answered) == ("mean", 2)
    assert subs["x2"].items == ("a", "t")
    assert (subs["logic"].items, subs["neg"].items) == (("b",), ("a", "b"))
    assert subs["zero"].score == "sum"
    assert "Calc field zero: REDCap's formula gives 0 when no item is answered" in notes
    assert [c.id for c in spec.composites] == ["late", "cmean"]
    assert [(p.score, p.weight) for p in spec.composites[1].parts] == [("x1", 1), ("x2", 2)]
    expected = {
        "single": "has a single answer code",
        "power": "is not a sum or mean",
        "mn": "is not a sum or mean",
        "mx": "is not a sum or mean",
        "ab": "is not a sum or mean",
        "sq": "is not a sum or mean",
        "blankish": "blank when every item is answered",
        "which": "depends on which items are answered",
        "allout": "blank whatever h is answered",
        "two": "more than one condition",
        "refused": "a non-answer to g changes it",
        "oncalc": "it tests x1, which is not an item",
        "cbad": "not a weighted sum or mean",
        "onbad": "uses scores that could not be read (cbad)",
        "loop1": "depends on a score that could not be read",
        "iff": "if() with other than three arguments",
        "rev": "it keys b in the other direction than an earlier score",
    }
    for name, why in expected.items():
        assert f"Calc field {name} is not imported: " in notes, name
        assert why in notes.split(f"Calc field {name} is not imported: ")[1].split(" | ")[0], name
    assert "Score x1 has branching logic in REDCap ([t] = 1)" in notes
    assert "onb: its condition on b is dropped, since that item is scored" in notes
    assert subs["onb"].applies_when is None
    assert "onh: its condition on h is dropped" in notes
    assert subs["onh"].applies_when is None
    assert not any(i.context for i in spec.items)
    assert "Not an item: note (descriptive): Shown sometimes." in notes


def test_variable_and_form_names() -> None:
    from relscales.interchange.redcap import _form_name, _var_name

    taken: set[str] = set()
    assert [_var_name(x, taken) for x in ("Q1", "q1", "q.1", "x" * 30)] == [
        "q1",
        "q1_2",
        "q_1",
        "x" * 26,
    ]
    assert _var_name("redcap_event_name", taken) == "redcap_event_name_v"
    assert _var_name("form_complete", taken) == "form_complete_v"
    assert _var_name("9lives", taken) == "v_9lives"
    assert _form_name("16pf-short") == "f_16pf_short"


# --------------------------------------------------------------------------------------
# an independent reader: the reproschema package's REDCap converter


def test_reproschema_reads_the_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_ET", "1")  # etelemetry: no network
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rs = pytest.importorskip("reproschema.redcap2reproschema")
    for ref in ("risi", "ecr-rs", "rses-order-b"):
        inst = load(ref)
        csv_path = write(tmp_path, the_file(export_redcap(inst)), f"{inst.id}.csv")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            activities, order = rs.process_csv(csv_path)
        form = re.sub(r"[^a-z0-9_]", "_", inst.id)
        assert order == [form]
        activity = activities[form]
        items = {i["id"]: i for i in activity["items"]}
        for item in inst.spec.items:
            scale = inst.spec.response_scales[item.scale]
            choices = items[item.id]["responseOptions"]["choices"]
            assert [c["value"] for c in choices] == [
                *scale.values,
                *scale.not_applicable,
                *scale.missing_codes,
            ]
        computed = {c["variableName"] for c in activity["compute"]}
        scores = [f"{form}_{s.id}" for s in inst.spec.subscales]
        scores += [f"{form}_{c.id}" for c in inst.spec.composites]
        assert computed == set(scores)
        assert all(c["jsExpression"] for c in activity["compute"])
        yaml_path = write(
            tmp_path,
            "protocol_name: redcap_test\nprotocol_display_name: t\n"
            "protocol_description: t\nsource_version: '1'\n",
            "protocol.yaml",
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rs.redcap2reproschema(csv_path, yaml_path, tmp_path / f"out-{inst.id}")
        written = tmp_path / f"out-{inst.id}" / "redcap_test" / "activities" / form / "items"
        assert {p.name for p in written.iterdir()} >= {i.id for i in inst.spec.items}
        assert math.isfinite(len(list(written.iterdir())))
