"""Control characters in any text of a definition are refused, naming the field and the character.

ESC (and the escape and OSC sequences it starts), the other C0 controls, DEL, C1
controls, bidi overrides and isolates, and the Unicode line separators are refused in
every text; a line break or a tab only in one-line texts (names, labels, keys).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from relscales.errors import SpecError
from relscales.instruments.battery import validate_battery
from relscales.instruments.loader import load_instrument_data, validate_file

SPEC = Path(__file__).resolve().parents[1] / "data" / "spec"
VALID = (SPEC / "valid.yaml").read_text()
BASE: dict[str, Any] = yaml.safe_load(VALID)


def refused(data: dict[str, Any]) -> list[tuple[str, str | None, str]]:
    with pytest.raises(SpecError) as info:
        load_instrument_data(data, source="mem")
    return [(i.code, i.location.path, i.message) for i in info.value.issues]


FIELDS = [
    pytest.param(("name",), id="name"),
    pytest.param(("items", 0, "label"), id="item-label"),
    pytest.param(("response_scales", "agree5", "labels", 5), id="scale-label"),
    pytest.param(("subscales", 0, "name"), id="subscale-name"),
    pytest.param(("license", "name"), id="licence"),
    pytest.param(("citation",), id="citation"),
]
CHARS = [
    pytest.param("\x1b[2J", "U+001B (escape)", id="escape-sequence"),
    pytest.param("\x1b]52;c;aGk=\x07", "U+001B (escape)", id="osc-52"),
    pytest.param("\x9b31m", "U+009B (control sequence introducer)", id="c1-csi"),
    pytest.param("\x9d0;title\x9c", "U+009D (operating system command)", id="c1-osc"),
    pytest.param("\x00", "U+0000 (null)", id="nul"),
    pytest.param("\r", "U+000D (carriage return)", id="carriage-return"),
    pytest.param("\x7f", "U+007F (delete)", id="delete"),
    pytest.param("\u202e", "U+202E (right-to-left override)", id="bidi-override"),
    pytest.param("\u2066", "U+2066 (left-to-right isolate)", id="bidi-isolate"),
    pytest.param("\u2028", "U+2028 (line separator)", id="line-separator"),
]


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize(("char", "named"), CHARS)
def test_a_control_character_is_refused_naming_the_field_and_the_character(
    field: tuple[Any, ...], char: str, named: str
) -> None:
    data = copy.deepcopy(BASE)
    parent: Any = data
    for part in field[:-1]:
        parent = parent[part]
    parent[field[-1]] = "text " + char + " here"
    found = refused(data)
    path = ".".join(str(p) for p in field).replace(".0.", "[0].").replace(".5", "[5]")
    assert ("control-character", path) in [(code, where) for code, where, _ in found]
    message = next(m for code, _, m in found if code == "control-character")
    assert named in message
    assert all(char not in m for _, _, m in found)  # never repeated raw in a message


def test_line_breaks_and_tabs_belong_in_long_texts_only() -> None:
    data = copy.deepcopy(BASE)
    data["description"] = "First paragraph.\n\n\tSecond, indented."
    data["items"][0]["text"] = {"en": "Line one\nline two"}
    data["license"]["item_text"] = "included"
    for item in data["items"][1:]:
        item["text"] = {"en": "x"}
    load_instrument_data(data)
    data["items"][1]["label"] = "second\nitem"
    data["subscales"][0]["name"] = "To\ttal"
    assert [(c, p) for c, p, _ in refused(data)] == [
        ("control-character", "items[1].label"),
        ("control-character", "subscales[0].name"),
    ]


def test_a_key_holding_a_control_character_is_refused() -> None:
    data = copy.deepcopy(BASE)
    data["flags"] = [
        {
            "id": "f",
            "when": {"items": ["q1"], "at_least": 4},
            "message": {"en": "m"},
            "resources": {"en-US\x1b]0;x\x07": [{"name": "help"}]},
        }
    ]
    [(code, path, message)] = refused(data)
    assert code == "control-character"
    assert path is not None
    assert path.startswith("flags[0].resources.en-US\\x1b]0;x\\x07")  # shown escaped
    assert message.startswith("key contains U+001B (escape)")


def test_ids_are_restricted_by_their_patterns(tmp_path: Path) -> None:
    """Ids never hold a control character: their patterns are ASCII, anchored at both ends."""
    data = copy.deepcopy(BASE)
    data["items"][0]["id"] = "q1\n"
    data["subscales"][0]["id"] = "total\x1b"
    data["id"] = "mini\u202e"
    codes = {(code, path) for code, path, _ in refused(data)}
    assert ("invalid-value", "items[0].id") in codes
    assert ("invalid-value", "subscales[0].id") in codes
    assert ("invalid-value", "id") in codes


def test_a_control_character_written_into_the_file_is_located(tmp_path: Path) -> None:
    """YAML refuses a raw ESC; the loader says which character, where, and in which text."""
    path = tmp_path / "raw.yaml"
    path.write_text(VALID.replace("name: Minimal test", "name: Minimal\x1b[8m test"))
    [issue] = validate_file(path).issues
    assert issue.code == "control-character"
    assert (issue.location.line, issue.location.column, issue.location.path) == (4, 14, "name")
    assert "U+001B (escape)" in issue.message
    path.write_text(VALID.replace("label: second item", "label: second\x9b31m item"))
    [issue] = validate_file(path).issues
    assert (issue.location.line, issue.location.column, issue.location.path) == (
        15,
        27,
        "items[1].label",
    )
    assert "U+009B (control sequence introducer)" in issue.message


def test_every_problem_of_the_file_is_reported_with_the_characters(tmp_path: Path) -> None:
    text = VALID.replace("name: Minimal test instrument", 'name: "Minimal\\e[8m"')
    text = text.replace("scale: agree5, reverse: true", "scale: agree5, reverse: yes please")
    text = text.replace("items: [q1, q2, q3]", "items: [q1, q2, q4]")
    path = tmp_path / "mixed.yaml"
    path.write_text(text)
    codes = [issue.code for issue in validate_file(path).issues]
    assert codes == ["control-character", "wrong-type", "unknown-item"]


def test_a_battery_with_a_control_character_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "b.yaml"
    path.write_text(
        "relscales_battery: 1\nid: b\nversion: 1.0.0\n"
        'name: "Battery\\e]8;;https://example.org\\e\\\\"\n'
        "validation: {status: experimental}\ninstruments: [rses]\n"
    )
    battery, issues = validate_battery(path)
    assert battery is None
    assert [(i.code, i.location.path, i.location.line) for i in issues] == [
        ("control-character", "name", 4)
    ]
