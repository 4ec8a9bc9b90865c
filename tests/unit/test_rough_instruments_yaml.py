"""YAML the loader refuses: alias expansion by size, and syntax errors explained at their line."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from relscales.errors import SpecError
from relscales.instruments.loader import validate_file
from relscales.instruments.yamlsource import MAX_ALIAS_CHARS, MAX_ALIAS_NODES, parse_yaml

SPEC = Path(__file__).resolve().parents[1] / "data" / "spec"

# ------------------------------------------------------------------ alias expansion


def _long_anchor(length: int, aliases: int) -> str:
    refs = ", ".join(["*a"] * aliases)
    return f"a: &a {'x' * length}\nb: [{refs}]\n"


def test_a_long_text_aliased_many_times_is_refused_by_its_size() -> None:
    """Few aliases (far under the node limit), each copying 100,000 characters."""
    text = _long_anchor(100_000, 5_000)  # 500 million characters if expanded
    assert MAX_ALIAS_NODES > 5_000
    start = time.perf_counter()
    with pytest.raises(SpecError) as info:
        parse_yaml(text, "big.yaml")
    assert time.perf_counter() - start < 1.0
    [issue] = info.value.issues
    assert issue.code == "yaml-alias-limit"
    assert f"more than {MAX_ALIAS_CHARS} extra characters" in issue.message
    assert (issue.location.line, issue.location.column) == (1, 4)  # the anchored text


def test_an_instrument_file_with_a_long_aliased_text_is_invalid(tmp_path: Path) -> None:
    label = "x" * 200_000
    text = (
        (SPEC / "valid.yaml")
        .read_text()
        .replace("citation: Test", f"description: &d {label}\ncitation: Test")
    )
    text += "flags:\n" + "".join(
        f"  - {{id: f{i}, when: {{items: [q1], at_least: 5}}, message: {{en: *d}}}}\n"
        for i in range(10)
    )
    path = tmp_path / "aliases.yaml"
    path.write_text(text)
    assert [i.code for i in validate_file(path).issues] == ["yaml-alias-limit"]


def test_aliases_under_the_size_limit_are_allowed() -> None:
    length = 100_000
    parsed = parse_yaml(_long_anchor(length, MAX_ALIAS_CHARS // length - 1), "ok.yaml")
    assert len(parsed.data["b"]) == MAX_ALIAS_CHARS // length - 1
    keys = "{" + ", ".join(f"k{i}: 1" for i in range(50)) + "}"
    parse_yaml(f"a: &a {keys}\nb: [{', '.join(['*a'] * 100)}]\n", "keys.yaml")


def test_keys_of_an_aliased_mapping_count_too() -> None:
    keys = "{" + ", ".join(f"{'k' * 990}{i:03d}: 1" for i in range(100)) + "}"
    with pytest.raises(SpecError) as info:
        parse_yaml(f"a: &a {keys}\nb: [{', '.join(['*a'] * 20)}]\n", "keys.yaml")
    assert info.value.code == "yaml-alias-limit"
    assert "characters" in info.value.issues[0].message


# ------------------------------------------------------------------ syntax errors

SYNTAX = [
    pytest.param(
        "id: x\nname: Scale: short\n",
        (2, 12),
        "a colon followed by a space inside an unquoted text starts a new key",
        'put the text in quotes: name: "Scale: short"',
        ["  2 | name: Scale: short", "    |            ^"],
        id="colon-in-value",
    ),
    pytest.param(
        "labels: {1: Strongly: agree}\n",
        (1, 21),
        "a colon inside an unquoted text in a '{...}' mapping starts a new key",
        'put the text in quotes: "Strongly: agree"',
        ["  1 | labels: {1: Strongly: agree}", "    |                     ^"],
        id="colon-in-flow-value",
    ),
    pytest.param(
        "items:\n  - id: q1\n\t label: x\n",
        (3, 1),
        "a tab is used for indentation",
        "indent with spaces only",
        ["  3 |   label: x", "    | ^"],
        id="tab",
    ),
    pytest.param(
        "name: 'Partner's scale\nid: x\n",
        (1, 16),
        "text follows the closing quote of a value",
        "write an apostrophe as two",
        ["  1 | name: 'Partner's scale", "    |                ^"],
        id="apostrophe-in-single-quotes",
    ),
    pytest.param(
        'name: "unclosed\nid: x\n',
        (3, 1),
        "the quote opened on line 1 is never closed",
        "end the text with the quote it starts with",
        ['  1 | name: "unclosed', "    |       ^"],
        id="unclosed-quote",
    ),
    pytest.param(
        "a: 1\n  b: 2\n",
        (2, 4),
        "this line is indented further than the line above, which already has a value",
        "keys of one mapping start in the same column",
        ["  2 |   b: 2", "    |    ^"],
        id="indented-too-far",
    ),
    pytest.param(
        "a:\n    b: 1\n  c: 2\n",
        (3, 3),
        "this line does not line up with the lines above it",
        "compare this line's indentation with the line above",
        ["  3 |   c: 2", "    |   ^"],
        id="indented-too-little",
    ),
    pytest.param(
        "items: [q1, q2\nsubscales: []\n",
        (2, 10),
        "the list opened with '[' on line 1 is not closed, or two of its entries have no "
        "comma between them",
        "close it with ']'",
        ["  1 | items: [q1, q2", "    |        ^", "  2 | subscales: []", "    |          ^"],
        id="unclosed-list",
    ),
    pytest.param(
        "a: *nowhere\n",
        (1, 4),
        "the alias '*nowhere' refers to no anchor '&nowhere' defined above it",
        "define the anchor",
        ["  1 | a: *nowhere", "    |    ^"],
        id="undefined-alias",
    ),
    pytest.param(
        "a: @home\n",
        (1, 4),
        "a value cannot start with '@' unless it is in quotes",
        'put the value in quotes: "@home"',
        ["  1 | a: @home", "    |    ^"],
        id="reserved-character",
    ),
]


@pytest.mark.parametrize(("text", "where", "message", "hint", "excerpt"), SYNTAX)
def test_a_syntax_error_is_explained_and_shown_at_its_line(
    text: str, where: tuple[int, int], message: str, hint: str, excerpt: list[str]
) -> None:
    with pytest.raises(SpecError) as info:
        parse_yaml(text, "x.yaml")
    [issue] = info.value.issues
    assert issue.code == "yaml-syntax"
    assert (issue.location.line, issue.location.column) == where
    assert issue.message == f"YAML syntax error: {message}"
    assert issue.hint is not None
    assert hint in issue.hint
    lines = issue.render().split("\n")
    assert lines[0].startswith(f"x.yaml:{where[0]}:{where[1]}: error[yaml-syntax] ")
    assert lines[1:] == excerpt
    assert issue.to_dict()["excerpt"] == excerpt
    json.dumps(issue.to_dict())


def test_validate_shows_the_offending_line_of_the_file() -> None:
    [issue] = validate_file(SPEC / "errors" / "yaml-syntax.yaml").issues
    rendered = issue.render()
    assert "  3 | items: [q1, q2" in rendered
    assert "  4 | subscales: []" in rendered


def test_an_excerpt_of_a_long_line_keeps_the_caret_under_the_column() -> None:
    text = "name: " + "word " * 60 + "and: more\n"
    with pytest.raises(SpecError) as info:
        parse_yaml(text, "x.yaml")
    issue = info.value.issues[0]
    shown, caret = issue.render().split("\n")[1:]
    column = issue.location.column
    assert column is not None
    assert shown.startswith("  1 | ...")
    assert shown[caret.index("^")] == text[column - 1] == ":"
