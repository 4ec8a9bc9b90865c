"""Every instrument-file problem the loader reports, each at its exact file:line:col.

The fixture files live in tests/data/spec/errors/ and are named after the problem they
show; tests run from tests/data/spec so each issue renders as ``errors/NAME.yaml:L:C``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

import relscales.instruments
from relscales.errors import ERROR_CODES, Issue, SpecError
from relscales.instruments.loader import load_instrument, load_instrument_data, validate_file

SPEC = Path(__file__).resolve().parents[1] / "data" / "spec"

# The codes the loader can report: those the instruments package raises (the response-data,
# scoring, analysis and output codes are out of its reach), found in its source so that
# codes added elsewhere need no entry here. A text overlay's own code is tested with
# overlays (tests/unit/test_rough_instruments_overlays.py).
INSTRUMENTS_SRC = Path(relscales.instruments.__file__).parent
LOADER_CODES = {
    code
    for code in ERROR_CODES
    if any(f'"{code}"' in p.read_text(encoding="utf-8") for p in INSTRUMENTS_SRC.glob("*.py"))
} - {"label-conflict"}

Located = list[tuple[str, str]]


def located(issues: tuple[Issue, ...] | list[Issue]) -> Located:
    """``[(code, 'file:line:col')]``, the shape every table below compares."""
    return [(issue.code, issue.location.prefix()) for issue in issues]


@pytest.fixture(autouse=True)
def _in_spec_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(SPEC)


# (fixture file, expected issues in report order: errors first, then warnings)
CASES: list[tuple[str, Located]] = [
    # YAML syntax and safety
    ("yaml-syntax", [("yaml-syntax", "errors/yaml-syntax.yaml:4:10")]),
    ("yaml-duplicate-key", [("yaml-duplicate-key", "errors/yaml-duplicate-key.yaml:4:1")]),
    ("yaml-tag-custom", [("yaml-tag", "errors/yaml-tag-custom.yaml:3:7")]),
    ("yaml-tag-python", [("yaml-tag", "errors/yaml-tag-python.yaml:3:7")]),
    ("yaml-tag-merge", [("yaml-tag", "errors/yaml-tag-merge.yaml:4:5")]),
    ("yaml-alias-laughs", [("yaml-alias-limit", "errors/yaml-alias-laughs.yaml:2:57")]),
    ("yaml-alias-recursive", [("yaml-alias-limit", "errors/yaml-alias-recursive.yaml:2:14")]),
    ("yaml-not-mapping-list", [("yaml-not-mapping", "errors/yaml-not-mapping-list.yaml:1:1")]),
    ("yaml-not-mapping-empty", [("yaml-not-mapping", "errors/yaml-not-mapping-empty.yaml:1:1")]),
    (
        "yaml-not-mapping-scalar",
        [("yaml-not-mapping", "errors/yaml-not-mapping-scalar.yaml:1:1")],
    ),
    # structure
    ("format-version-missing", [("format-version", "errors/format-version-missing.yaml:1:1")]),
    ("format-version-2", [("format-version", "errors/format-version-2.yaml:1:12")]),
    ("format-version-true", [("format-version", "errors/format-version-true.yaml:1:12")]),
    (
        "unknown-key",
        [
            ("missing-key", "errors/unknown-key.yaml:1:1"),
            ("unknown-key", "errors/unknown-key.yaml:4:1"),
        ],
    ),
    ("missing-key", [("missing-key", "errors/missing-key.yaml:1:1")]),
    (
        "wrong-type",
        [
            ("wrong-type", "errors/wrong-type.yaml:11:13"),
            ("wrong-type", "errors/wrong-type.yaml:15:58"),
        ],
    ),
    (
        "quote-value-yes-no",
        [
            ("quote-value", "errors/quote-value-yes-no.yaml:12:17"),
            ("quote-value", "errors/quote-value-yes-no.yaml:12:24"),
        ],
    ),
    (
        "quote-value-on-off",
        [
            ("quote-value", "errors/quote-value-on-off.yaml:14:21"),
            ("quote-value", "errors/quote-value-on-off.yaml:16:21"),
        ],
    ),
    ("quote-value-010-id", [("quote-value", "errors/quote-value-010-id.yaml:14:10")]),
    ("quote-value-010-label", [("quote-value", "errors/quote-value-010-label.yaml:14:21")]),
    ("quote-value-float-label", [("quote-value", "errors/quote-value-float-label.yaml:14:21")]),
    ("quote-value-version", [("quote-value", "errors/quote-value-version.yaml:3:10")]),
    (
        "invalid-value",
        [
            ("invalid-value", "errors/invalid-value.yaml:2:5"),
            ("invalid-value", "errors/invalid-value.yaml:5:9"),
        ],
    ),
    # PyYAML reads YAML 1.1, where `1e3` (no dot) is text, so an id `1e3` is a bad id, not a number.
    ("invalid-value-1e3-id", [("invalid-value", "errors/invalid-value-1e3-id.yaml:14:10")]),
    # meaning
    ("duplicate-id", [("duplicate-id", "errors/duplicate-id.yaml:16:10")]),
    ("duplicate-column", [("duplicate-column", "errors/duplicate-column.yaml:16:56")]),
    (
        "unknown-item",
        [
            ("unknown-item", "errors/unknown-item.yaml:20:21"),
            ("unused-item", "errors/unknown-item.yaml:16:10"),
        ],
    ),
    ("unknown-score", [("unknown-score", "errors/unknown-score.yaml:24:21")]),
    ("unknown-scale", [("unknown-scale", "errors/unknown-scale.yaml:16:40")]),
    ("scale-values", [("scale-values", "errors/scale-values.yaml:11:13")]),
    ("reverse-needs-range", [("reverse-needs-range", "errors/reverse-needs-range.yaml:16:57")]),
    (
        "min-answered-too-high",
        [("min-answered-too-high", "errors/min-answered-too-high.yaml:21:19")],
    ),
    (
        "bands-invalid",
        [
            ("bands-invalid", "errors/bands-invalid.yaml:23:9"),
            ("bands-invalid", "errors/bands-invalid.yaml:24:9"),
            ("bands-invalid", "errors/bands-invalid.yaml:24:17"),
        ],
    ),
    ("norm-invalid", [("norm-invalid", "errors/norm-invalid.yaml:22:42")]),
    (
        "missing-item-text",
        [
            ("missing-item-text", "errors/missing-item-text.yaml:15:5"),
            ("missing-item-text", "errors/missing-item-text.yaml:16:5"),
        ],
    ),
    (
        "context-item-scored",
        [("context-item-scored", "errors/context-item-scored.yaml:21:25")],
    ),
    ("unknown-instrument", [("unknown-instrument", "errors/unknown-instrument.yaml:2:10")]),
    (
        "unknown-instrument-version",
        [("unknown-instrument-version", "errors/unknown-instrument-version.yaml:2:10")],
    ),
    ("extends-cycle", [("extends-cycle", "errors/cycle/cycle-b.yaml:2:10")]),
    ("extends-unknown-item", [("extends-unknown-item", "errors/extends-unknown-item.yaml:7:5")]),
    (
        "path-outside-folder",
        [("path-outside-folder", "errors/path-outside-folder.yaml:2:10")],
    ),
    (
        "control-character",
        [
            ("control-character", "errors/control-character.yaml:4:7"),
            ("control-character", "errors/control-character.yaml:14:21"),
        ],
    ),
    ("ambiguous-label", [("ambiguous-label", "errors/ambiguous-label.yaml:12:40")]),
    # warnings
    ("unused-item", [("unused-item", "errors/unused-item.yaml:16:10")]),
    (
        "all-items-reversed",
        [
            ("unused-item", "errors/all-items-reversed.yaml:16:10"),
            ("all-items-reversed", "errors/all-items-reversed.yaml:20:12"),
        ],
    ),
    ("duplicate-label", [("duplicate-label", "errors/duplicate-label.yaml:16:21")]),
    ("missing-provenance", [("missing-provenance", "errors/missing-provenance.yaml:8:13")]),
]


@pytest.mark.parametrize(("name", "expected"), CASES, ids=[name for name, _ in CASES])
def test_issue_location(name: str, expected: Located) -> None:
    report = validate_file(f"errors/{name}.yaml")
    assert located(report.issues) == expected
    errors = [code for code, _ in expected if code not in WARNINGS]
    assert report.valid == (not errors)
    assert (report.instrument is None) is bool(errors)


WARNINGS = {"unused-item", "all-items-reversed", "duplicate-label", "missing-provenance"}


def test_every_error_fixture_is_in_the_table() -> None:
    on_disk = sorted(p.stem for p in (SPEC / "errors").glob("*.yaml"))
    assert on_disk == sorted(name for name, _ in CASES)


def test_every_loader_code_is_covered() -> None:
    covered = {code for _, expected in CASES for code, _ in expected}
    covered |= {"file-not-found", "file-unreadable"}  # below, with files made on the fly
    covered |= {"extends-too-deep"}  # tests/unit/test_rough_instruments_extends.py
    assert covered == LOADER_CODES


def test_warnings_are_warnings_and_errors_are_errors() -> None:
    for name, _ in CASES:
        for issue in validate_file(f"errors/{name}.yaml").issues:
            assert (issue.severity == "warning") is (issue.code in WARNINGS), name


# ---------------------------------------------------------------------------- files


def test_file_not_found() -> None:
    report = validate_file("errors/no-such-file.yaml")
    assert located(report.issues) == [("file-not-found", "errors/no-such-file.yaml")]
    assert report.issues[0].render() == (
        "errors/no-such-file.yaml: error[file-not-found] instrument file "
        "'errors/no-such-file.yaml' does not exist (check the path, or give a bundled id "
        "(see `relscales list`))"
    )


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("relscales: 1\nname: Échelle\n".encode("latin-1"))
    [issue] = validate_file(path).issues
    assert (issue.code, issue.location.file, issue.location.line) == (
        "file-unreadable",
        str(path),
        None,
    )
    assert issue.message == "instrument file is not UTF-8 text (byte 19)"


def test_oversized(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as stream:  # sparse: the size check happens before any read
        stream.truncate(5 * 1024 * 1024 + 1)
    [issue] = validate_file(path).issues
    assert issue.code == "file-unreadable"
    assert issue.message == "instrument file is 5242881 bytes; the limit is 5242880"


def test_a_folder_is_unreadable(tmp_path: Path) -> None:
    [issue] = validate_file(tmp_path).issues
    assert issue.code == "file-unreadable"


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + (SPEC / "valid.yaml").read_bytes())
    assert validate_file(path).valid


def test_yes_no_inside_a_quoted_label_is_fine(tmp_path: Path) -> None:
    text = (SPEC / "valid.yaml").read_text().replace("label: first item", "label: 'yes'")
    path = tmp_path / "quoted.yaml"
    path.write_text(text)
    report = validate_file(path)
    assert report.valid
    assert report.instrument is not None
    assert report.instrument.items[0].label == "yes"


def test_1e3_label_is_text() -> None:
    """YAML 1.1 (PyYAML) needs a dot for a float, so `1e3` stays text."""
    inst = load_instrument("label-1e3.yaml")
    assert inst.items[0].label == "1e3"


# ------------------------------------------------------------------ flagship messages

RENDERED = [
    pytest.param(
        "unknown-item",
        "errors/unknown-item.yaml:20:21: error[unknown-item] subscales[0].items[2]: subscale "
        "'total' lists item 'q03', which is not defined (did you mean 'q3'?)",
        id="unknown-item",
    ),
    pytest.param(
        "unknown-key",
        "errors/unknown-key.yaml:4:1: error[unknown-key] nmae: unknown key 'nmae' "
        "(did you mean 'name'?)",
        id="unknown-key",
    ),
    pytest.param(
        "quote-value-yes-no",
        "errors/quote-value-yes-no.yaml:12:17: error[quote-value] "
        "response_scales.agree5.labels[1]: 'no' was read as a boolean (False), but text belongs "
        "here (quote it: 'no')",
        id="quote-value-no",
    ),
    pytest.param(
        "quote-value-010-id",
        "errors/quote-value-010-id.yaml:14:10: error[quote-value] items[0].id: '010' was read as "
        "a number (8), but text belongs here (quote it: '010')",
        id="quote-value-010",
    ),
    pytest.param(
        "invalid-value",
        "errors/invalid-value.yaml:2:5: error[invalid-value] id: 'Mini_Scale' is not a valid "
        "instrument id (use lower-case letters, digits and hyphens, e.g. ecr-r)",
        id="invalid-instrument-id",
    ),
    pytest.param(
        "unknown-scale",
        "errors/unknown-scale.yaml:16:40: error[unknown-scale] items[2].scale: item 'q3': "
        "response scale 'agree7', which is not defined (did you mean 'agree5'?)",
        id="unknown-scale",
    ),
    pytest.param(
        "yaml-duplicate-key",
        "errors/yaml-duplicate-key.yaml:4:1: error[yaml-duplicate-key] id: key 'id' appears "
        "twice in this mapping (first on line 2) (keep one; YAML would silently keep only the "
        "last)",
        id="duplicate-key",
    ),
    pytest.param(
        "format-version-missing",
        "errors/format-version-missing.yaml:1:1: error[format-version] relscales: the file does "
        "not say its format version (add `relscales: 1` as the first key)",
        id="format-version",
    ),
    pytest.param(
        "unknown-instrument",
        "errors/unknown-instrument.yaml:2:10: error[unknown-instrument] extends: "
        "cannot extend: no instrument with id 'rsse' (did you mean 'rses'?)",
        id="extends-unknown-instrument",
    ),
    pytest.param(
        "unused-item",
        "errors/unused-item.yaml:16:10: warning[unused-item] items[2].id: item 'q3' is not used "
        "by any subscale or flag (add it to a subscale, or remove it)",
        id="warning",
    ),
]


@pytest.mark.parametrize(("name", "text"), RENDERED)
def test_rendered_message(name: str, text: str) -> None:
    rendered = [issue.render() for issue in validate_file(f"errors/{name}.yaml").issues]
    assert text in rendered


def test_issue_carries_path_and_enclosing_ids() -> None:
    issue = validate_file("errors/unknown-item.yaml").issues[0]
    assert issue.to_dict() == {
        "severity": "error",
        "code": "unknown-item",
        "message": "subscale 'total' lists item 'q03', which is not defined",
        "hint": "did you mean 'q3'?",
        "location": {
            "file": "errors/unknown-item.yaml",
            "line": 20,
            "column": 21,
            "path": "subscales[0].items[2]",
            "instrument": "mini",
            "object_id": "total",
        },
    }


# ------------------------------------------------------------ all problems at once


def test_all_semantic_problems_in_one_file() -> None:
    report = validate_file("many-errors.yaml")
    assert located(report.issues) == [
        ("scale-values", "many-errors.yaml:11:17"),
        ("scale-values", "many-errors.yaml:12:21"),
        ("unknown-scale", "many-errors.yaml:15:41"),
        ("duplicate-id", "many-errors.yaml:16:10"),
        ("duplicate-column", "many-errors.yaml:16:56"),
        ("unknown-item", "many-errors.yaml:21:21"),
        ("min-answered-too-high", "many-errors.yaml:22:19"),
        ("bands-invalid", "many-errors.yaml:25:9"),
        ("bands-invalid", "many-errors.yaml:25:17"),
        ("norm-invalid", "many-errors.yaml:27:42"),
        ("duplicate-id", "many-errors.yaml:29:9"),
        ("unknown-score", "many-errors.yaml:31:21"),
        ("unused-item", "many-errors.yaml:17:10"),
        ("duplicate-label", "many-errors.yaml:17:21"),
        ("missing-provenance", "many-errors.yaml:7:13"),
    ]


def test_all_structural_problems_in_one_file() -> None:
    report = validate_file("many-structural.yaml")
    assert located(report.issues) == [
        ("quote-value", "many-structural.yaml:3:10"),
        ("invalid-value", "many-structural.yaml:5:9"),
        ("unknown-key", "many-structural.yaml:7:36"),
        ("wrong-type", "many-structural.yaml:10:13"),
        ("quote-value", "many-structural.yaml:12:21"),
        ("missing-key", "many-structural.yaml:13:5"),
        ("wrong-type", "many-structural.yaml:13:38"),
        ("invalid-value", "many-structural.yaml:18:12"),
    ]


def test_load_raises_once_with_every_error() -> None:
    with pytest.raises(SpecError) as info:
        load_instrument("many-errors.yaml")
    assert [issue.code for issue in info.value.issues] == [
        "scale-values",
        "scale-values",
        "unknown-scale",
        "duplicate-id",
        "duplicate-column",
        "unknown-item",
        "min-answered-too-high",
        "bands-invalid",
        "bands-invalid",
        "norm-invalid",
        "duplicate-id",
        "unknown-score",
    ]  # warnings are not raised
    assert str(info.value).count("\n") == 11
    assert info.value.code == "scale-values"


def test_report_to_dict_is_json() -> None:
    report = validate_file("many-errors.yaml")
    data = json.loads(json.dumps(report.to_dict()))
    assert (data["file"], data["valid"], data["instrument"]) == ("many-errors.yaml", False, None)
    assert [issue["code"] for issue in data["issues"]] == [i.code for i in report.issues]


# -------------------------------------------------------------- load_instrument_data


def test_data_locations_carry_the_yaml_path() -> None:
    data = yaml.safe_load((SPEC / "many-structural.yaml").read_text())
    with pytest.raises(SpecError) as info:
        load_instrument_data(data, source="mem")
    # Without the YAML text there is no raw scalar to quote, so quote-value becomes wrong-type.
    assert [(i.code, i.location.path, i.location.line) for i in info.value.issues] == [
        ("wrong-type", "version", None),
        ("invalid-value", "domain", None),
        ("unknown-key", "validation.evidnce", None),
        ("wrong-type", "response_scales.agree5.values", None),
        ("wrong-type", "items[0].label", None),
        ("missing-key", "items[1].label", None),
        ("wrong-type", "items[1].reverse", None),
        ("invalid-value", "subscales[0].score", None),
    ]
    assert {i.location.file for i in info.value.issues} == {"mem"}


@pytest.mark.parametrize(
    "data", [[], "relscales: 1", None, 1], ids=["list", "text", "none", "number"]
)
def test_data_must_be_a_mapping(data: object) -> None:
    with pytest.raises(SpecError) as info:
        load_instrument_data(data)  # type: ignore[arg-type]
    assert info.value.code == "yaml-not-mapping"


def test_json_keys_of_labels_read_as_numbers() -> None:
    """JSON writes mapping keys as text; `show --json` output must load back."""
    data = json.loads(json.dumps(load_instrument("valid.yaml").spec.to_data()))
    assert data["response_scales"]["agree5"]["labels"] == {"1": "Disagree", "5": "Agree"}
    inst = load_instrument_data(data)
    assert inst.spec.response_scales["agree5"].labels == {1: "Disagree", 5: "Agree"}
    assert inst.content_hash == load_instrument("valid.yaml").content_hash


# ---------------------------------------------- structural messages, one edit at a time

VALID = (SPEC / "valid.yaml").read_text()
ITEMS = "    items: [q1, q2, q3]"

# (valid.yaml text, replacement) -> (code, line, col, path, message, hint)
EDITS = [
    pytest.param(
        "values: [1, 2, 3, 4, 5]",
        "values: ['1', 2, 3, 4, 5]",
        (
            "wrong-type",
            11,
            14,
            "response_scales.agree5.values[0]",
            "expected a number, got text",
            "write the number without quotes",
        ),
        id="quoted-number",
    ),
    pytest.param(
        "values: [1, 2, 3, 4, 5]",
        "values: [1, .nan, 3, 4, 5]",
        (
            "invalid-value",
            11,
            17,
            "response_scales.agree5.values[1]",
            "Input should be a finite number (got nan)",
            None,
        ),
        id="nan",
    ),
    pytest.param(
        "labels: {1: Disagree, 5: Agree}",
        "labels: {1: '', 5: Agree}",
        (
            "invalid-value",
            12,
            17,
            "response_scales.agree5.labels[1]",
            "String should have at least 1 character (got '')",
            None,
        ),
        id="empty-label",
    ),
    pytest.param(
        "labels: {1: Disagree, 5: Agree}",
        "labels: {one: Disagree, 5: Agree}",
        (
            "wrong-type",
            12,
            14,
            "response_scales.agree5.labels.one",
            "key 'one' must be a number",
            None,
        ),
        id="label-key-not-a-number",
    ),
    pytest.param(
        "labels: {1: Disagree, 5: Agree}",
        "lables: {1: Disagree, 5: Agree}",
        (
            "unknown-key",
            12,
            5,
            "response_scales.agree5.lables",
            "unknown key 'lables'",
            "did you mean 'labels'?",
        ),
        id="unknown-key-in-a-scale",
    ),
    pytest.param(
        "  agree5:\n",
        "  5agree:\n",
        (
            "invalid-value",
            10,
            3,
            "response_scales.5agree",
            "'5agree' is not a valid id",
            "start with a letter; then letters, digits, '_' or '.', e.g. anx01",
        ),
        id="bad-scale-name",
    ),
    pytest.param(
        "version: 1.0.0",
        "version: 1.0.0.0",
        (
            "invalid-value",
            3,
            10,
            "version",
            "'1.0.0.0' is not a valid version",
            "write a version as three numbers, e.g. '1.0.0'",
        ),
        id="bad-version",
    ),
    pytest.param(
        "domain: other",
        "domain: other\nlanguages: [EN]",
        (
            "invalid-value",
            6,
            13,
            "languages[0]",
            "'EN' is not a valid language tag",
            "write a language tag such as en, fr or pt-BR",
        ),
        id="bad-language-tag",
    ),
    pytest.param(
        "relscales: 1",
        "relscales: '1'",
        (
            "format-version",
            1,
            12,
            "relscales",
            "format version '1' is not supported (this relscales reads version 1)",
            "write `relscales: 1`, or upgrade relscales if the file is newer",
        ),
        id="format-version-as-text",
    ),
    pytest.param(
        "license: {name: CC0, item_text: not-included}",
        "license: {name: CC0, item_text: not-included, uri: x}",
        ("unknown-key", 7, 47, "license.uri", "unknown key 'uri'", "did you mean 'url'?"),
        id="unknown-key-nested",
    ),
    pytest.param(
        "  - {id: q3, label: third item, scale: agree5}",
        "  - q3",
        ("wrong-type", 16, 5, "items[2]", "expected a mapping, got text", None),
        id="item-not-a-mapping",
    ),
    pytest.param(
        "subscales:\n  - id: total\n    name: Total\n" + ITEMS,
        "subscales:",
        ("wrong-type", 17, 11, "subscales", "expected a list, got empty value", None),
        id="empty-value",
    ),
    pytest.param(
        ITEMS,
        "    items: []",
        (
            "invalid-value",
            20,
            12,
            "subscales[0].items",
            "must not be empty",
            "list at least one entry",
        ),
        id="empty-list",
    ),
    pytest.param(
        ITEMS,
        ITEMS + "\n    weights: {q1: two}",
        ("wrong-type", 21, 19, "subscales[0].weights.q1", "expected a number, got text", None),
        id="weight-as-word",
    ),
    pytest.param(
        ITEMS,
        ITEMS + "\n    min_answered: 0",
        (
            "invalid-value",
            21,
            19,
            "subscales[0].min_answered",
            "Input should be greater than 0 (got 0)",
            None,
        ),
        id="min-answered-zero",
    ),
    pytest.param(
        ITEMS,
        ITEMS + "\n    published: {alpha: 1.2}",
        (
            "invalid-value",
            21,
            24,
            "subscales[0].published.alpha",
            "Input should be less than or equal to 1 (got 1.2)",
            None,
        ),
        id="alpha-above-one",
    ),
    pytest.param(
        ITEMS,
        ITEMS + "\nprofiles:\n  - {id: p, name: P, x: {score: total, cut: 1}, "
        "y: {score: total, cut: 2}, regions: {low-low: a, mid: b}}",
        (
            "invalid-value",
            22,
            98,
            "profiles[0].regions.mid",
            "'mid' is not allowed; expected 'low-low', 'low-high', 'high-low' or 'high-high'",
            None,
        ),
        id="bad-region-key",
    ),
    pytest.param(
        ITEMS,
        ITEMS + "\nflags:\n  - {id: f, when: {item: [q1], at_least: 2}, message: {en: m}}",
        (
            "unknown-key",
            22,
            20,
            "flags[0].when.item",
            "unknown key 'item'",
            "did you mean 'items'?",
        ),
        id="unknown-key-in-optional-model",
    ),
]


@pytest.mark.parametrize(("old", "new", "expected"), EDITS)
def test_structural_message(
    old: str, new: str, expected: tuple[object, ...], tmp_path: Path
) -> None:
    assert old in VALID
    path = tmp_path / "edited.yaml"
    path.write_text(VALID.replace(old, new, 1))
    [issue] = validate_file(path).issues
    loc = issue.location
    assert (issue.code, loc.line, loc.column, loc.path, issue.message, issue.hint) == expected


def test_quoted_number_label_keys_are_numbers(tmp_path: Path) -> None:
    """JSON cannot write number keys, so a quoted number key reads as the number."""
    path = tmp_path / "quoted-keys.yaml"
    path.write_text(VALID.replace("labels: {1: Disagree", "labels: {'1': Disagree", 1))
    inst = load_instrument(path)
    assert inst.spec.response_scales["agree5"].labels == {1: "Disagree", 5: "Agree"}


def test_number_as_a_key_is_an_unknown_key_with_a_path() -> None:
    """Regression (found by Hypothesis): a non-text key gave an issue without a path."""
    data = yaml.safe_load((SPEC.parents[2] / "instruments" / "rses.yaml").read_text())
    data[2.5] = False
    with pytest.raises(SpecError) as info:
        load_instrument_data(data)
    (issue,) = info.value.issues
    assert (issue.code, issue.location.path) == ("unknown-key", "2.5")
