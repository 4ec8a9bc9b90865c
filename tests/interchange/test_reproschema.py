"""ReproSchema export and import: files, expressions, round trips, and a JavaScript engine.

The equivalence test evaluates every exported ``compute`` expression with Node.js (V8, not
written by relscales) on random answers, 10% of them not valid (blank, missing codes,
"does not apply" codes, out of range, between two codes), and compares with
``relscales.score`` to 1e-12, null against NaN. ``RELSCALES_JS_ROWS`` sets the number of
answer vectors per instrument (default 10,000).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import time
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from tests.interchange.interchange_helpers import (
    FORMAT_TOUR,
    KERNEL_WARNING,
    instruments,
    random_answers,
    relscales_scores,
)

from relscales.errors import SpecError
from relscales.instruments.instrument import Instrument
from relscales.instruments.loader import load_instrument, load_instrument_data, validate_file
from relscales.interchange.reproschema import (
    CONTEXT_URL,
    ExpressionError,
    check_expressions,
    export_reproschema,
    expression_variables,
    import_reproschema,
)

JS_ROWS = int(os.environ.get("RELSCALES_JS_ROWS", "10000"))
TEXT_ROWS = 500
"""Rows also evaluated the way ReproSchema UI does (names replaced by values in the text)."""

SYNTHETIC: dict[str, Any] = {
    "relscales": 1,
    "id": "synthetic",
    "version": "1.2.0",
    "name": "Synthetic test instrument",
    "abbreviation": "SYN",
    "domain": "other",
    "description": "Every awkward case at once.",
    "license": {"name": "CC0", "item_text": "included"},
    "validation": {"status": "experimental"},
    "instructions": {"en": "Answer each.", "fr": "Répondez."},
    "languages": ["en", "fr"],
    "response_scales": {
        "uneven": {
            "values": [-2, 0, 1, 5],
            "labels": {-2: "strongly no", 5: "yes", 8: "does not apply"},
            "missing_codes": [-99],
            "not_applicable": [8],
            "stem": {"en": "How much?", "fr": "Combien ?"},
        },
        "half": {"values": [0.5, 1, 1.5, 2.5]},
        "status": {"values": [1, 2, 3], "labels": {1: "together", 2: "apart", 3: "never"}},
    },
    "items": [
        {
            "id": "new",
            "label": "reserved word",
            "text": {"en": "One", "fr": "Un"},
            "scale": "uneven",
        },
        {
            "id": "a.b",
            "label": "dotted id",
            "text": {"en": "Two", "fr": "Deux"},
            "scale": "uneven",
            "reverse": True,
        },
        {"id": "length", "label": "template word", "text": {"en": "3", "fr": "3"}, "scale": "half"},
        {
            "id": "q4",
            "label": "own column",
            "text": {"en": "Four", "fr": "Quatre"},
            "scale": "half",
            "reverse": True,
            "column": "Q4_col",
        },
        {
            "id": "ctx",
            "label": "context",
            "text": {"en": "Status?", "fr": "Statut ?"},
            "scale": "status",
            "context": True,
        },
        {
            "id": "att",
            "label": "attention",
            "text": {"en": "Pick yes", "fr": "Oui"},
            "scale": "uneven",
            "attention_check": {"expected": [1, 5]},
        },
        {
            "id": "solo",
            "label": "reversed, in no subscale",
            "text": {"en": "Five", "fr": "Cinq"},
            "scale": "half",
            "reverse": True,
        },
    ],
    "subscales": [
        {
            "id": "weighted",
            "name": "Weighted mean",
            "items": ["new", "a.b", "length", "q4"],
            "score": "mean",
            "weights": {"new": 2, "q4": 0.5},
            "min_answered": 0.75,
            "applies_when": {"item": "ctx", "in": [1, 2]},
        },
        {
            "id": "pro",
            "name": "Prorated",
            "items": ["new", "a.b", "length"],
            "score": "prorated_sum",
            "min_answered": 2,
        },
        {
            "id": "filter",
            "name": "Reserved score id",
            "items": ["length", "q4"],
            "score": "sum",
            "min_answered": 1.0,
        },
        {
            "id": "wpro",
            "name": "Weighted prorated",
            "items": ["new", "q4"],
            "score": "prorated_sum",
            "weights": {"new": 1.5},
        },
    ],
}


INSTRUMENTS = instruments(SYNTHETIC)
IDS = [i.id for i in INSTRUMENTS]


def _write(files: dict[str, str], folder: Path) -> None:
    for name, text in files.items():
        target = folder.joinpath(*name.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def _round_trip(instrument: Instrument, folder: Path) -> tuple[dict[str, Any], tuple[str, ...]]:
    _write(export_reproschema(instrument).files, folder)
    back = import_reproschema(folder / instrument.id)
    return back.document, back.notes


_random_answers = partial(random_answers, blank=0.06, missing=0.07, draw_missing=False)
"""This file's random answers: 6% blank, then 1% the first missing-data code of the scale."""


# --------------------------------------------------------------------------- the files


@pytest.mark.parametrize("instrument", INSTRUMENTS, ids=IDS)
def test_export_writes_json_ld_files(instrument: Instrument) -> None:
    out = export_reproschema(instrument)
    aid = instrument.id
    assert f"{aid}/{aid}_schema" in out.files
    for name, text in out.files.items():
        document = json.loads(text)
        assert document["@context"] == CONTEXT_URL
        assert document["id"] == name.rsplit("/", 1)[-1]
        assert document["category"] in {
            "reproschema:Activity",
            "reproschema:Item",
            "reproschema:ResponseOption",
        }
    activity = json.loads(out.files[f"{aid}/{aid}_schema"])
    assert activity["schemaVersion"] == "1.0.0"
    order = activity["ui"]["order"]
    assert len(order) == len(instrument.spec.items) + len(instrument.spec.subscales)
    for ref in order:  # every reference is a file of the export
        assert f"{aid}/{ref}" in out.files
    names = [p["variableName"] for p in activity["ui"]["addProperties"]]
    assert len(set(names)) == len(names)
    assert [c["variableName"] for c in activity["compute"]] == names[len(instrument.spec.items) :]


@pytest.mark.parametrize("instrument", INSTRUMENTS, ids=IDS)
def test_every_expression_reads_only_items_of_the_activity(instrument: Instrument) -> None:
    out = export_reproschema(instrument)
    activity = json.loads(out.files[f"{instrument.id}/{instrument.id}_schema"])
    visible = {p["variableName"] for p in activity["ui"]["addProperties"] if p["isVis"]}
    scores = {c["variableName"] for c in activity["compute"]}
    for entry in activity["compute"]:
        names = expression_variables(entry["jsExpression"])
        assert names, entry
        assert names <= visible
        assert not names & scores
    check_expressions(activity["compute"], sorted(visible))


def test_the_exporter_check_names_unknown_variables() -> None:
    compute = [
        {"variableName": "total", "jsExpression": "a + b + ghost"},
        {"variableName": "fine", "jsExpression": "((_x) => _x * 2)(a)"},
        {"variableName": "two", "jsExpression": "Math.max(a, ghost, other)"},
    ]
    with pytest.raises(SpecError) as caught:
        check_expressions(compute, ["a", "b"], file="act/act_schema")
    issues = caught.value.issues
    assert [i.code for i in issues] == ["unknown-item", "unknown-item"]
    assert "ghost, not an item" in issues[0].message
    assert "ghost, other, not items" in issues[1].message
    assert issues[0].location.file == "act/act_schema"


def test_expression_variables_leave_out_parameters_properties_and_globals() -> None:
    text = "((_a) => _a.length ? Math.round(_a[0]) : null)([x, y.z].filter((v) => v !== null))"
    assert expression_variables(text) == {"x", "y"}
    assert expression_variables("a ? b : c") == {"a", "b", "c"}
    assert expression_variables("(() => q)() + -r * 2 % 3 || !s && t === 'text'") == {
        "q",
        "r",
        "s",
        "t",
    }
    for bad in ["a +", "a b", "(a", "a # b", "[1, 2", "x.", "?"]:
        with pytest.raises(ExpressionError):
            expression_variables(bad)


def test_not_included_wording_exports_labels_and_says_so() -> None:
    rses = load_instrument("rses")
    out = export_reproschema(rses)
    item = json.loads(out.files["rses/items/rses01"])
    assert item["question"] == {"en": rses.spec.items[0].label}
    assert any("wording is not included" in note for note in out.notes)
    activity = json.loads(out.files["rses/rses_schema"])
    assert "does not carry" in activity["description"]["en"]


def test_rules_that_do_not_cross_are_notes() -> None:
    out = export_reproschema(load_instrument("risi"))
    joined = " ".join(out.notes)
    for expected in ("Composite 'internal_pattern'", "Profile", "Flag", "change criteria"):
        assert expected in joined, expected
    activity = json.loads(out.files["risi/risi_schema"])
    assert "Composite 'internal_pattern'" in activity["description"]["en"]
    tour = load_instrument(FORMAT_TOUR)
    joined = " ".join(export_reproschema(tour).notes)
    assert "its norms, bands, published reliability" in joined
    assert "weighted mean of norm z scores" in joined


# ------------------------------------------------------------------ equivalence in V8

HARNESS = r"""
const fs = require('fs');
const job = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const clean = (v) => ((typeof v === 'number' && Number.isFinite(v)) || v === null ? v : String(v));
const fns = job.computes.map((c) => new Function(...job.variables, 'return (' + c.expr + ');'));
const args = job.rows.map((row, r) =>
  fns.map((f) => clean(f(...row.map((v) => (v === null && r % 2 ? undefined : v))))));
// ReproSchema UI: each variable name replaced by its value in the text, then evaluated
const names = [...job.variables, ...job.computes.map((c) => c.name)];
const text = job.rows.slice(0, job.textRows).map((row) => job.computes.map((c) => {
  let source = c.expr;
  names.forEach((k, j) => {
    const value = j < row.length && row[j] !== null ? row[j] : undefined;
    source = source.replaceAll(new RegExp(`\\b${k}\\b`, 'g'), value);
  });
  return clean(Function('return ' + source)());
}));
fs.writeFileSync(process.argv[3], JSON.stringify({ args, text }));
"""


def _node() -> str:
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        if os.environ.get("RELSCALES_REQUIRE_NODE"):  # CI: the check must run
            pytest.fail("Node.js is required here (RELSCALES_REQUIRE_NODE): apt-get install nodejs")
        pytest.skip("Node.js is not installed (apt-get install nodejs)")
    return node


def _evaluate_in_node(
    instrument: Instrument, answers: np.ndarray, folder: Path
) -> tuple[list[str], dict[str, list[list[Any]]]]:
    out = export_reproschema(instrument)
    activity = json.loads(out.files[f"{instrument.id}/{instrument.id}_schema"])
    variables = [p["variableName"] for p in activity["ui"]["addProperties"] if p["isVis"]]
    rows = [[None if math.isnan(v) else v for v in row] for row in answers.tolist()]
    job = {
        "variables": variables,
        "computes": [
            {"name": c["variableName"], "expr": c["jsExpression"]} for c in activity["compute"]
        ],
        "rows": rows,
        "textRows": TEXT_ROWS,
    }
    (folder / "harness.js").write_text(HARNESS, encoding="utf-8")
    (folder / "job.json").write_text(json.dumps(job), encoding="utf-8")
    subprocess.run(
        [_node(), str(folder / "harness.js"), str(folder / "job.json"), str(folder / "out.json")],
        check=True,
        timeout=300,
    )
    result: dict[str, list[list[Any]]] = json.loads((folder / "out.json").read_text())
    return [c["variableName"] for c in activity["compute"]], result


def _compare(expected: np.ndarray, got: list[Any]) -> tuple[int, float]:
    """Return (disagreements, largest difference) of relscales scores and JS results."""
    bad, worst = 0, 0.0
    for want, have in zip(expected.tolist(), got, strict=False):
        if math.isnan(want):
            bad += have is not None
        elif not isinstance(have, int | float):
            bad += 1
        else:
            diff = abs(want - have)
            worst = max(worst, diff)
            bad += diff > 1e-12 * max(1.0, abs(want))
    return bad, worst


@pytest.mark.filterwarnings(KERNEL_WARNING)
@pytest.mark.parametrize("instrument", INSTRUMENTS, ids=IDS)
def test_expressions_score_like_relscales_in_v8(instrument: Instrument, tmp_path: Path) -> None:
    started = time.perf_counter()
    answers = _random_answers(instrument, JS_ROWS, seed=len(instrument.id))
    expected = relscales_scores(instrument, answers)
    names, result = _evaluate_in_node(instrument, answers, tmp_path)
    largest, scored = 0.0, 0
    for k, sub in enumerate(instrument.spec.subscales):
        want = expected[sub.id]
        assert np.isnan(want).sum() < want.size, sub.id  # some scores ...
        scored += int((~np.isnan(want)).sum())
        for mode in ("args", "text"):
            bad, worst = _compare(want, [row[k] for row in result[mode]])
            assert bad == 0, (sub.id, names[k], mode, worst)
            largest = max(largest, worst)
    print(  # shown with -s: the figures the docs quote
        f"{instrument.id}: {JS_ROWS} vectors x {len(names)} scores agree "
        f"({scored} scores, the rest null; largest difference {largest:.1e}; "
        f"{time.perf_counter() - started:.2f} s)"
    )


def test_null_is_missing_in_v8_as_in_relscales(tmp_path: Path) -> None:
    rses = load_instrument("rses")
    answers = np.full((3, 10), 2.0)
    answers[1, 4] = np.nan  # one blank: the sum needs all ten
    answers[2, 0] = -1  # out of range: not counted either
    expected = relscales_scores(rses, answers)["self_esteem"]
    _, result = _evaluate_in_node(rses, answers, tmp_path)
    assert [row[0] for row in result["args"]] == [15, None, None]
    assert expected[0] == 15
    assert np.isnan(expected[1:]).all()


# --------------------------------------------------------------------------- round trip


def _effective_subscales(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Subscales as scoring reads them: method, items, weights, fewest answers, context."""
    instrument = load_instrument_data(document, source="check")
    out = []
    for sub in instrument.spec.subscales:
        n = len(sub.items)
        count = (
            max(1, math.ceil(sub.min_answered * n - 1e-9))
            if isinstance(sub.min_answered, float)
            else sub.min_answered
        )
        out.append(
            {
                "id": sub.id,
                "name": sub.name,
                "items": list(sub.items),
                "score": sub.score,
                "weights": {i: float((sub.weights or {}).get(i, 1)) for i in sub.items},
                "min_count": count,
                "min_answered": sub.min_answered,
                "applies_when": sub.applies_when,
            }
        )
    return out


@pytest.mark.parametrize("instrument", INSTRUMENTS, ids=IDS)
def test_round_trip_keeps_items_scales_keys_and_subscales(
    instrument: Instrument, tmp_path: Path
) -> None:
    document, notes = _round_trip(instrument, tmp_path)
    original = instrument.spec.to_data()
    assert document["items"] == original["items"]
    assert document["response_scales"] == original["response_scales"]
    assert [i.get("reverse", False) for i in document["items"]] == [
        i.reverse for i in instrument.spec.items
    ]
    assert _effective_subscales(document) == _effective_subscales(original)
    for key in ("name", "version", "abbreviation", "description", "citation", "instructions"):
        assert document.get(key) == original.get(key), key
    assert document.get("languages", ["en"]) == list(instrument.spec.languages)
    assert document["license"]["item_text"] == instrument.spec.license.item_text
    assert any("no licence, domain or validation status" in note for note in notes)


@pytest.mark.filterwarnings(KERNEL_WARNING)
@pytest.mark.parametrize("instrument", INSTRUMENTS, ids=IDS)
def test_imported_file_validates_and_scores_the_same(
    instrument: Instrument, tmp_path: Path
) -> None:
    document, _ = _round_trip(instrument, tmp_path)
    path = tmp_path / "imported.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), "utf-8")
    report = validate_file(path)
    assert report.valid, [issue.render() for issue in report.issues]
    answers = _random_answers(instrument, 2000, seed=7)
    before = relscales_scores(instrument, answers)
    after = relscales_scores(load_instrument(path), answers)
    for sub in instrument.spec.subscales:
        np.testing.assert_array_equal(after[sub.id], before[sub.id])


def test_a_fraction_of_items_crosses_as_declared(tmp_path: Path) -> None:
    synthetic = load_instrument_data(SYNTHETIC, source="synthetic")
    document, _ = _round_trip(synthetic, tmp_path)
    declared = {s["id"]: s.get("min_answered") for s in document["subscales"]}
    assert declared == {"weighted": 0.75, "pro": 2, "filter": 1.0, "wpro": 1}
    assert document["subscales"][0]["weights"] == {"new": 2, "q4": 0.5}
    assert document["subscales"][0]["applies_when"] == {"item": "ctx", "in": [1, 2]}


# ------------------------------------------------------------- other people's activities


def _json(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document), encoding="utf-8")


def _library_activity(folder: Path, compute: list[dict[str, str]], **extra: Any) -> Path:
    """An activity laid out like the ReproSchema library's (GAD-7 style)."""
    context = (
        "https://raw.githubusercontent.com/ReproNim/reproschema/main/releases/1.0.0/reproschema"
    )
    _json(
        folder / "valueConstraints",
        {
            "@context": context,
            "id": "valueConstraints",
            "category": "ResponseOption",
            "minValue": 0,
            "maxValue": 3,
            "choices": [
                {"name": {"en": "Not at all"}, "value": 0},
                {"name": {"en": "Several days"}, "value": 1},
                {"name": {"en": "More than half the days"}, "value": 2},
                {"name": {"en": "Nearly every day"}, "value": 3},
            ],
            "valueType": ["xsd:integer"],
        },
    )
    names = ["q_1", "q_2", "q_3", "q_4"]
    for n, name in enumerate(names, start=1):
        _json(
            folder / "items" / name,
            {
                "@context": context,
                "id": name,
                "category": "Item",
                "question": {"en": f"Question {n}", "es": f"Pregunta {n}"},
                "prefLabel": {"en": f"Q-{n}"},
                "ui": {"inputType": "radio"},
                "responseOptions": "../valueConstraints",
            },
        )
    _json(
        folder / "items" / "notes",
        {
            "@context": context,
            "id": "notes",
            "category": "Item",
            "question": "Anything else?",
            "ui": {"inputType": "text"},
            "responseOptions": {"valueType": "xsd:string"},
        },
    )
    _json(
        folder / "items" / "total",
        {
            "@context": context,
            "id": "total",
            "category": "Item",
            "prefLabel": {"en": "Total score"},
            "ui": {"readonlyValue": True},
            "responseOptions": {"valueType": ["xsd:integer"], "minValue": 0, "maxValue": 12},
        },
    )
    order = [f"items/{n}" for n in [*names, "notes"]]
    activity = {
        "@context": context,
        "id": "LIB-7_schema",
        "category": "Activity",
        "prefLabel": {"en": "Library seven"},
        "description": {"en": "A library-style activity."},
        "preamble": {"en": "Over the last two weeks:"},
        "schemaVersion": "1.0.0",
        "version": "0.0.1",
        "ui": {
            "order": order,
            "addProperties": [
                {"isAbout": ref, "variableName": ref.split("/")[1], "isVis": True} for ref in order
            ]
            + [{"isAbout": "items/total", "variableName": "total", "isVis": False}],
            "shuffle": False,
        },
        "compute": compute,
        **extra,
    }
    _json(folder / "LIB-7_schema", activity)
    return folder


def test_library_sums_means_and_reverse_keys_become_subscales(tmp_path: Path) -> None:
    folder = _library_activity(
        tmp_path / "lib",
        [
            {"variableName": "total", "jsExpression": "q_1 + q_2 + q_3"},
            {"variableName": "avg", "jsExpression": "(q_1 + q_2) / 2"},
            {"variableName": "keyed", "jsExpression": "q_1 + (3 - q_4) + 2 * q_3"},
            {"variableName": "wmean", "jsExpression": "(2 * q_1 + q_2) / 3"},
            {"variableName": "clash", "jsExpression": "(3 - q_1) + q_2"},
        ],
    )
    imported = import_reproschema(folder)
    document = imported.document
    assert document["id"] == "lib-7"
    assert document["version"] == "0.0.1"
    assert document["instructions"] == {"en": "Over the last two weeks:"}
    assert document["response_scales"] == {
        "valueConstraints": {
            "values": [0, 1, 2, 3],
            "labels": {
                0: "Not at all",
                1: "Several days",
                2: "More than half the days",
                3: "Nearly every day",
            },
        }
    }
    assert [i["id"] for i in document["items"]] == ["q_1", "q_2", "q_3", "q_4"]
    assert document["items"][0]["text"] == {"en": "Question 1", "es": "Pregunta 1"}
    assert document["languages"] == ["en", "es"]
    assert [i.get("reverse", False) for i in document["items"]] == [False, False, False, True]
    subs = {s["id"]: s for s in document["subscales"]}
    assert list(subs) == ["total", "avg", "keyed", "wmean"]
    assert subs["total"] == {
        "id": "total",
        "name": "Total score",
        "items": ["q_1", "q_2", "q_3"],
        "score": "sum",
        "min_answered": 3,
    }
    assert subs["avg"]["score"] == "mean"
    assert "weights" not in subs["avg"]
    assert subs["keyed"]["weights"] == {"q_3": 2}
    assert subs["wmean"] == {
        "id": "wmean",
        "name": "wmean",
        "items": ["q_1", "q_2"],
        "score": "mean",
        "weights": {"q_1": 2},
        "min_answered": 2,
    }
    joined = "\n".join(imported.notes)
    assert "Item 'notes' is left out" in joined
    assert "needs every item answered" in joined
    assert "Compute 'clash' keys q_1 the other way round" in joined
    path = tmp_path / "lib.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), "utf-8")
    assert validate_file(path).valid


def test_expressions_that_name_missing_items_are_notes_never_silent(tmp_path: Path) -> None:
    folder = _library_activity(
        tmp_path / "lib",
        [
            {"variableName": "total", "jsExpression": "q_1 + q_2 + q_3 + q_4"},
            {"variableName": "broken", "jsExpression": "q_1 + q_9 + WHODAS_S_13"},
            {"variableName": "peak", "jsExpression": "Math.max(q_1, q_2)"},
            {"variableName": "both", "jsExpression": "total + q_1"},
            {"variableName": "odd", "jsExpression": "q_1 + 7"},
            {"variableName": "words", "jsExpression": "q_1 + notes"},
            {"variableName": "syntax", "jsExpression": "q_1 + + * 2"},
        ],
    )
    imported = import_reproschema(folder)
    assert [s["id"] for s in imported.document["subscales"]] == ["total"]
    joined = "\n".join(imported.notes)
    assert "Compute 'broken' names WHODAS_S_13, q_9, which are not items" in joined
    assert "Math.max(q_1, q_2)" in joined
    assert "Compute 'both' combines other scores (total)" in joined
    assert "Compute 'odd' adds a constant" in joined
    assert "Compute 'words' reads notes, which has no coded answers" in joined
    assert "Compute 'syntax' is not read" in joined


def test_an_activity_without_scores_says_what_to_add(tmp_path: Path) -> None:
    folder = _library_activity(tmp_path / "lib", [])
    imported = import_reproschema(folder / "LIB-7_schema")
    assert imported.document["subscales"] == []
    assert any("add at least one under `subscales`" in note for note in imported.notes)


def test_remote_items_are_an_error_with_what_to_do(tmp_path: Path) -> None:
    folder = _library_activity(tmp_path / "lib", [])
    schema = folder / "LIB-7_schema"
    activity = json.loads(schema.read_text())
    activity["ui"]["order"].append("https://example.org/activities/x/items/q_5")
    schema.write_text(json.dumps(activity))
    with pytest.raises(SpecError) as caught:
        import_reproschema(folder)
    issue = caught.value.issues[0]
    assert "remote URL" in issue.message
    assert issue.hint is not None
    assert "never fetches" in issue.hint


def test_unreadable_inputs_are_spec_errors(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as caught:
        import_reproschema(tmp_path / "nowhere")
    assert caught.value.code == "file-not-found"
    (tmp_path / "empty").mkdir()
    with pytest.raises(SpecError, match="no ReproSchema activity"):
        import_reproschema(tmp_path / "empty")
    bad = tmp_path / "bad_schema"
    bad.write_text("{not json")
    with pytest.raises(SpecError, match="not JSON"):
        import_reproschema(bad)
    item = tmp_path / "item"
    _json(item, {"id": "item", "category": "reproschema:Item"})
    with pytest.raises(SpecError, match="not a ReproSchema activity"):
        import_reproschema(item)
    folder = _library_activity(tmp_path / "lib", [])
    (folder / "items" / "q_3").unlink()
    with pytest.raises(SpecError, match="is not a file next to the activity"):
        import_reproschema(folder)


def test_a_messy_activity_is_read_as_far_as_it_goes(tmp_path: Path) -> None:
    folder = tmp_path / "messy"
    five = [{"name": f"level {v}", "value": v} for v in range(1, 6)]
    _json(folder / "options" / "five.jsonld", {"@id": "five", "choices": five})
    _json(folder / "other" / "five.jsonld", {"@id": "five", "choices": five[:3]})
    _json(folder / "choices.json", [{"name": "no", "value": 0}, {"name": "yes", "value": 1}])
    item = {"@type": ["reproschema:Field"], "ui": {"inputType": "radio"}}
    _json(
        folder / "items" / "a.jsonld",
        {
            **item,
            "@id": "a",
            "question": "Plain text question",
            "preamble": {"en": "Stem A"},
            "responseOptions": "../options/five",
        },
    )
    _json(
        folder / "items" / "b.jsonld",
        {
            **item,
            "@id": "b",
            "prefLabel": [{"@language": "en", "@value": "Bee"}],
            "question": {"@value": "Second"},
            "preamble": {"en": "Stem B"},
            "responseOptions": "../options/five",
        },
    )
    _json(
        folder / "items" / "c",
        {**item, "@id": "c", "responseOptions": "../other/five.jsonld"},
    )
    _json(
        folder / "items" / "yn",
        {**item, "@id": "yn", "responseOptions": {"choices": "../choices.json"}},
    )
    _json(
        folder / "items" / "iri",
        {
            **item,
            "@id": "iri",
            "responseOptions": {"choices": [{"name": "x", "value": {"@id": "http://x.org/1"}}]},
        },
    )
    _json(folder / "items" / "none", {**item, "@id": "none"})
    _json(folder / "items" / "nested", {"@type": "reproschema:Activity", "@id": "nested"})
    embedded = {
        "@id": "d",
        "@type": "reproschema:Field",
        "prefLabel": "Dee",
        "responseOptions": {
            "choices": [{"name": {"fr": "un"}, "value": 1}, {"name": {"fr": "deux"}, "value": 2.5}]
        },
    }
    order = [
        "items/a",
        "./items/b",
        "items/c",
        "items/yn",
        "items/iri",
        "items/none",
        "items/nested",
        embedded,
    ]
    compute = [
        {"variableName": "prod", "jsExpression": "a * b"},
        {"variableName": "ratio", "jsExpression": "a / b"},
        {"variableName": "neg", "jsExpression": "-(a - b) + c"},
        {"variableName": "arrow", "jsExpression": "(x => x)(a)"},
        {"variableName": "ternary", "jsExpression": "a ? b : c"},
        {"variableName": "half", "jsExpression": "(a + c + yn) / 2"},
        {"variableName": "iris", "jsExpression": "iri + a"},
        {"variableName": "mixed", "jsExpression": "[1, 2, 3, 4, 5].indexOf(a) >= 0 ? a : null"},
        {"variableName": "dee", "jsExpression": "d + a / 1"},
        {"variableName": "zero", "jsExpression": "a - a + b"},
        {"variableName": "by0", "jsExpression": "a / 0"},
        {"variableName": "9bad id", "jsExpression": "a + b"},
    ]
    _json(
        folder / "messy.jsonld",
        {
            "@type": "reproschema:Activity",
            "@id": "Messy Thing",
            "version": "v2",
            "prefLabel": "Messy",
            "ui": {"order": order},
            "compute": compute,
        },
    )
    imported = import_reproschema(folder)
    document = imported.document
    assert document["id"] == "messy-thing"
    assert document["version"] == "1.0.0"
    assert document["license"]["item_text"] == "not-included"
    assert list(document["response_scales"]) == ["five", "five_2", "scale1", "scale2"]
    assert document["response_scales"]["scale2"] == {
        "values": [1, 2.5],
        "labels": {1: "un", 2.5: "deux"},
    }
    assert [i["id"] for i in document["items"]] == ["a", "b", "c", "yn", "d"]
    assert document["items"][1]["label"] == "Bee"
    subs = {s["id"]: s for s in document["subscales"]}
    assert sorted(subs) == ["dee", "half", "s9bad_id"]
    assert subs["half"]["weights"] == {"a": 0.5, "c": 0.5, "yn": 0.5}
    assert subs["half"]["score"] == "sum"
    assert subs["dee"]["items"] == ["d", "a"]
    assert "weights" not in subs["dee"]
    joined = "\n".join(imported.notes)
    for expected in (
        "instrument id is 'messy-thing'",
        "version ('v2') is not MAJOR.MINOR.PATCH",
        "Item 'iri' is left out: a choice value is not a number",
        "Item 'none' is left out: it has no response options",
        "'nested' is a nested activity",
        "Compute 'prod' is not a sum or mean",
        "Compute 'ratio' is not a sum or mean",
        "Compute 'arrow' is not a sum or mean",
        "Compute 'ternary' is not a sum or mean",
        "Compute 'mixed' is not a sum or mean",
        "Compute 'by0' is not a sum or mean",
        "Compute 'iris' reads iri",
        "Compute 'neg' adds a constant",
        "Compute 'zero' is not a sum or mean",
        "Some items carry wording and some do not",
        "different preambles",
    ):
        assert expected in joined, expected


def test_only_the_exact_exported_form_is_read_as_it(tmp_path: Path) -> None:
    rses = load_instrument("rses")
    _write(export_reproschema(rses).files, tmp_path)
    schema = tmp_path / "rses" / "rses_schema"
    activity = json.loads(schema.read_text())
    expression = activity["compute"][0]["jsExpression"]
    activity["compute"] = [
        {"variableName": "moved", "jsExpression": expression.replace("3 - rses02", "4 - rses02")},
        {
            "variableName": "spaced",
            "jsExpression": "(" + expression.replace(" ", "  ") + ")",
        },
        {"variableName": "lower", "jsExpression": expression.replace(">= 10", ">= 9")},
    ]
    schema.write_text(json.dumps(activity))
    imported = import_reproschema(schema)
    subs = {s["id"]: s for s in imported.document["subscales"]}
    assert list(subs) == ["spaced", "lower"]
    assert subs["lower"]["min_answered"] == 9
    assert subs["spaced"]["score"] == "sum"
    assert any("Compute 'moved' is not a sum or mean" in note for note in imported.notes)


def test_two_activities_in_one_folder_need_the_file(tmp_path: Path) -> None:
    for name in ("one_schema", "two_schema"):
        _json(tmp_path / name, {"category": "reproschema:Activity", "id": name})
    (tmp_path / "notes.txt").write_text("not json")
    with pytest.raises(SpecError, match="2 activity schemas in this folder"):
        import_reproschema(tmp_path)
    _json(tmp_path / "list.json", [1, 2])
    with pytest.raises(SpecError, match="not a JSON-LD object"):
        import_reproschema(tmp_path / "list.json")
