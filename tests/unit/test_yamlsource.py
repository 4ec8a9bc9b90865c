"""YAML text -> plain data + source map (relscales.instruments.yamlsource)."""

from __future__ import annotations

import time

import pytest

from relscales.errors import SpecError
from relscales.instruments.yamlsource import (
    MAX_ALIAS_NODES,
    MAX_DEPTH,
    Mark,
    format_path,
    parse_yaml,
)

DOC = """\
relscales: 1
id: mini
items:
  - {id: q1, label: yes, reverse: true}
  - id: "010"
    label: 010
when: 2024-01-01
"""


def test_plain_data() -> None:
    parsed = parse_yaml(DOC, "doc.yaml")
    assert parsed.data == {
        "relscales": 1,
        "id": "mini",
        "items": [
            {"id": "q1", "label": True, "reverse": True},
            {"id": "010", "label": 8},
        ],
        "when": "2024-01-01",  # a date-like scalar stays text
    }


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param((), Mark("doc.yaml", 1, 1), id="root"),
        pytest.param(("relscales",), Mark("doc.yaml", 1, 12, "1", True), id="top-level-int"),
        pytest.param(("items", 0), Mark("doc.yaml", 4, 5), id="flow-mapping"),
        pytest.param(("items", 0, "label"), Mark("doc.yaml", 4, 21, "yes", True), id="plain-yes"),
        pytest.param(("items", 1, "id"), Mark("doc.yaml", 5, 9, "010", False), id="quoted-010"),
        pytest.param(("items", 1, "label"), Mark("doc.yaml", 6, 12, "010", True), id="plain-010"),
        pytest.param(("when",), Mark("doc.yaml", 7, 7, "2024-01-01", True), id="date-as-text"),
    ],
)
def test_value_marks(path: tuple[str | int, ...], expected: Mark) -> None:
    assert parse_yaml(DOC, "doc.yaml").values[path] == expected


@pytest.mark.parametrize(
    ("path", "line_col"),
    [
        pytest.param(("relscales",), (1, 1), id="top-level"),
        pytest.param(("items", 0, "reverse"), (4, 26), id="flow-key"),
        pytest.param(("items", 1, "label"), (6, 5), id="block-key"),
    ],
)
def test_key_marks(path: tuple[str | int, ...], line_col: tuple[int, int]) -> None:
    mark = parse_yaml(DOC, "doc.yaml").keys[path]
    assert (mark.line, mark.column) == line_col


def test_empty_document_is_none() -> None:
    parsed = parse_yaml("# nothing but a comment\n", "empty.yaml")
    assert (parsed.data, parsed.values, parsed.keys) == (None, {}, {})


def test_small_aliases_are_allowed() -> None:
    text = "scale: &s [1, 2, 3]\nother: *s\n"
    assert parse_yaml(text, "a.yaml").data == {"scale": [1, 2, 3], "other": [1, 2, 3]}


def _errors(text: str) -> list[tuple[str, int | None, int | None]]:
    with pytest.raises(SpecError) as info:
        parse_yaml(text, "x.yaml")
    return [(i.code, i.location.line, i.location.column) for i in info.value.issues]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("a: [1, 2\nb: 3\n", [("yaml-syntax", 2, 2)], id="unclosed-flow-list"),
        pytest.param("a: 1\n  b: 2\n", [("yaml-syntax", 2, 4)], id="bad-indentation"),
        pytest.param("a: 'open\n", [("yaml-syntax", 2, 1)], id="unclosed-quote"),
        pytest.param("a: 1\n---\nb: 2\n", [("yaml-syntax", 2, 1)], id="two-documents"),
        pytest.param("? [a, b]\n: 1\n", [("yaml-syntax", 1, 3)], id="complex-key"),
        pytest.param("a: 1\nb: 2\na: 3\n", [("yaml-duplicate-key", 3, 1)], id="duplicate-key"),
        pytest.param(
            "x:\n  - {k: 1, k: 2}\n", [("yaml-duplicate-key", 2, 12)], id="duplicate-nested"
        ),
        pytest.param("1: a\n'1': b\n", [], id="int-and-text-keys-differ"),
        pytest.param("a: !foo bar\n", [("yaml-tag", 1, 4)], id="custom-tag"),
        pytest.param("a: !!python/object:os.system {}\n", [("yaml-tag", 1, 4)], id="python-tag"),
        pytest.param("a: !!binary aGk=\n", [("yaml-tag", 1, 4)], id="binary-tag"),
        pytest.param("a: !!set {x}\n", [("yaml-tag", 1, 4)], id="set-tag"),
        pytest.param("!foo k: 1\n", [("yaml-tag", 1, 1)], id="tag-on-key"),
        pytest.param("d: &d {a: 1}\ne:\n  <<: *d\n", [("yaml-tag", 3, 3)], id="merge-key"),
        pytest.param("a: &a [1, *a]\n", [("yaml-alias-limit", 1, 8)], id="recursive-alias"),
        pytest.param(
            "a: " + "[" * (MAX_DEPTH + 2) + "]" * (MAX_DEPTH + 2) + "\n",
            [("yaml-alias-limit", 1, 4 + MAX_DEPTH)],
            id="too-deep",
        ),
    ],
)
def test_refused(text: str, expected: list[tuple[str, int, int]]) -> None:
    if not expected:
        parse_yaml(text, "x.yaml")
        return
    assert _errors(text) == expected


def test_syntax_error_message() -> None:
    with pytest.raises(SpecError) as info:
        parse_yaml("a: [1, 2\nb: 3\n", "x.yaml")
    assert str(info.value) == (
        "x.yaml:2:2: error[yaml-syntax] YAML syntax error: the list opened with '[' on line 1 "
        "is not closed, or two of its entries have no comma between them (close it with ']', "
        "separate entries with ', ', and quote entries that hold ',', '#', ':', '[', ']', '{' "
        "or '}')\n  1 | a: [1, 2\n    |    ^\n  2 | b: 3\n    |  ^"
    )


def test_duplicate_key_message() -> None:
    with pytest.raises(SpecError) as info:
        parse_yaml("items:\n  - id: q1\n    id: q2\n", "x.yaml")
    assert str(info.value) == (
        "x.yaml:3:5: error[yaml-duplicate-key] items[0].id: key 'id' appears twice in this "
        "mapping (first on line 2) (keep one; YAML would silently keep only the last)"
    )


def _laughs(levels: int, width: int = 9) -> str:
    lines = ['a0: &a0 ["lol"]']
    for n in range(1, levels):
        refs = ", ".join([f"*a{n - 1}"] * width)
        lines.append(f"a{n}: &a{n} [{refs}]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_refused_fast() -> None:
    text = _laughs(10)  # 9**9, about 387 million strings if expanded
    start = time.perf_counter()
    with pytest.raises(SpecError) as info:
        parse_yaml(text, "laughs.yaml")
    elapsed = time.perf_counter() - start
    assert info.value.code == "yaml-alias-limit"
    assert elapsed < 1.0
    assert f"more than {MAX_ALIAS_NODES} extra values" in info.value.issues[0].message


def test_aliases_just_under_the_limit_are_allowed() -> None:
    items = ", ".join(["*a"] * (MAX_ALIAS_NODES // 2 - 1))
    parsed = parse_yaml(f"a: &a [1]\nb: [{items}]\n", "ok.yaml")
    assert len(parsed.data["b"]) == MAX_ALIAS_NODES // 2 - 1


@pytest.mark.parametrize(
    ("path", "text"),
    [
        pytest.param((), "", id="root"),
        pytest.param(("id",), "id", id="key"),
        pytest.param(("items", 3, "label"), "items[3].label", id="list-then-key"),
        pytest.param(("items", 0, ""), "items[0]['']", id="empty-key"),
        pytest.param(("subscales", 0, "items", 2), "subscales[0].items[2]", id="nested-lists"),
        pytest.param(
            ("response_scales", "agree5", "values"),
            "response_scales.agree5.values",
            id="mapping-keys",
        ),
    ],
)
def test_format_path(path: tuple[str | int, ...], text: str) -> None:
    assert format_path(path) == text
