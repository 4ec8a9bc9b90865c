"""`extends`: a file that starts from another instrument and changes only what differs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from relscales.errors import SpecError
from relscales.instruments.loader import load_instrument, load_instrument_data, validate_file

SPEC = Path(__file__).resolve().parents[1] / "data" / "spec"


@pytest.fixture(autouse=True)
def _in_spec_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(SPEC)


# -------------------------------------------------------------------- bundled child


def test_bundled_child_changes_scale_and_columns() -> None:
    parent = load_instrument("rses")
    child = load_instrument("rses-order-b")
    scale = child.spec.response_scales["agree4"]
    assert (scale.values, scale.missing_codes) == ((1, 2, 3, 4), (0,))
    assert scale.labels == {1: "Strongly disagree", 2: "Disagree", 3: "Agree", 4: "Strongly agree"}
    assert {item.id: item.column for item in child.items} == {
        "rses01": "Q7",
        "rses02": "Q10",
        "rses03": "Q2",
        "rses04": "Q4",
        "rses05": "Q5",
        "rses06": "Q9",
        "rses07": "Q1",
        "rses08": "Q8",
        "rses09": "Q3",
        "rses10": "Q6",
    }
    # keys that the child does not mention are the parent's
    assert [(i.id, i.label, i.reverse, i.scale) for i in child.items] == [
        (i.id, i.label, i.reverse, i.scale) for i in parent.items
    ]
    assert child.subscales == parent.subscales
    assert (child.spec.citation, child.spec.license) == (parent.spec.citation, parent.spec.license)
    assert child.spec.name != parent.spec.name


def test_bundled_child_provenance() -> None:
    parent = load_instrument("rses")
    child = load_instrument("rses-order-b")
    assert child.parents == (("rses", "1.0.0", parent.content_hash),)
    assert child.content_hash != parent.content_hash
    assert child.provenance()["extends"] == [
        {"id": "rses", "version": "1.0.0", "content_hash": parent.content_hash}
    ]
    # the resolved definition stands alone: provenance lives in `parents`, not in the spec
    assert child.spec.extends is None
    assert "extends" not in child.spec.to_data()


# ---------------------------------------------------------------- local child


def test_local_child_by_relative_path() -> None:
    parent = load_instrument("extends/parent.yaml")
    child = load_instrument("extends/child.yaml")
    scale = child.spec.response_scales["agree5"]
    # response_scales merge by name: the child's agree5 replaces the parent's, labels and all
    assert (scale.values, scale.labels, scale.missing_codes) == ((1, 2, 3, 4, 5, 6, 7), {}, (-99,))
    assert [(i.id, i.column, i.reverse) for i in child.items] == [
        ("a1", "Q1", False),
        ("a2", None, True),
        ("v1", None, True),
        ("v2", "Q4", False),
    ]
    assert child.subscales == parent.subscales
    assert [s.score for s in child.subscales] == ["mean", "sum"]
    assert child.parents == (("local-parent", "2.1.0", parent.content_hash),)
    assert child.source == "extends/child.yaml"


def test_relative_parent_is_found_from_any_working_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    child = load_instrument(SPEC / "extends" / "child.yaml")
    assert child.parents[0][0] == "local-parent"


def test_grandchild_records_every_parent_nearest_first() -> None:
    child = load_instrument("extends/child.yaml")
    grandchild = load_instrument("extends/grandchild.yaml")
    assert [p[:2] for p in grandchild.parents] == [
        ("local-child", "1.0.0"),
        ("local-parent", "2.1.0"),
    ]
    assert grandchild.parents[0][2] == child.content_hash
    assert grandchild.parents[1:] == child.parents
    assert [(i.id, i.column) for i in grandchild.items] == [
        ("a1", "Q1"),
        ("a2", "Q2"),
        ("v1", None),
        ("v2", "Q4"),
    ]


def test_child_can_reset_a_field_to_its_default() -> None:
    inst = load_instrument("extends/child-unreverse.yaml")
    assert [i.reverse for i in inst.items] == [False, False, True, False]
    # and the resolved definition loads back without its parent
    again = load_instrument_data(inst.spec.to_data())
    assert again.spec == inst.spec
    assert again.content_hash == inst.content_hash


def test_parent_found_in_an_extra_instruments_folder(tmp_path: Path) -> None:
    lab = tmp_path / "lab"
    lab.mkdir()
    shutil.copy(SPEC / "extends" / "parent.yaml", lab / "local-parent.yaml")
    child = tmp_path / "child.yaml"
    child.write_text(
        "relscales: 1\nextends: local-parent\nid: lab-child\nversion: 1.0.0\n"
        "items:\n  - {id: a1, column: X1}\n"
    )
    with pytest.raises(SpecError) as info:
        load_instrument(child)
    assert info.value.code == "unknown-instrument"
    inst = load_instrument(child, instruments_dir=[lab])
    assert inst.parents[0][:2] == ("local-parent", "2.1.0")


def test_extends_from_data() -> None:
    inst = load_instrument_data(
        {"relscales": 1, "extends": "rses", "id": "rses-mine", "version": "0.1.0"}
    )
    assert inst.parents[0][:2] == ("rses", "1.0.0")
    assert len(inst.items) == 10


# --------------------------------------------------------------------- errors

ERRORS = [
    pytest.param(
        "child-of-broken",
        [("unknown-item", "extends/broken-parent.yaml:13:42")],
        id="error-in-parent-names-parent-file",
    ),
    pytest.param(
        "child-narrow-scale",
        [
            ("reverse-needs-range", "extends/parent.yaml:15:66"),
            ("reverse-needs-range", "extends/parent.yaml:16:67"),
        ],
        id="merged-value-keeps-parent-file",
    ),
    pytest.param("cycle-a", [("extends-cycle", "extends/cycle-b.yaml:2:10")], id="cycle-a-b-a"),
    pytest.param("self", [("extends-cycle", "extends/self.yaml:2:10")], id="cycle-self"),
    pytest.param(
        "child-unknown-item",
        [
            ("extends-unknown-item", "extends/child-unknown-item.yaml:7:5"),
            ("missing-key", "extends/child-unknown-item.yaml:8:5"),
        ],
        id="unknown-item-and-item-without-id",
    ),
    pytest.param(
        "child-same-id",
        [("duplicate-id", "extends/child-same-id.yaml:3:5")],
        id="same-id-as-parent",
    ),
    pytest.param("child-no-id", [("missing-key", "extends/child-no-id.yaml:2:10")], id="no-own-id"),
    pytest.param(
        "child-missing-parent",
        [("file-not-found", "extends/child-missing-parent.yaml:2:10")],
        id="parent-file-missing",
    ),
    pytest.param(
        "child-no-format-version",
        [("format-version", "extends/child-no-format-version.yaml:1:1")],
        id="child-states-its-own-format-version",
    ),
    pytest.param(
        "child-format-version-2",
        [("format-version", "extends/child-format-version-2.yaml:1:12")],
        id="format-version-checked-before-the-parent",
    ),
    pytest.param(
        "child-bad-extends",
        [("wrong-type", "extends/child-bad-extends.yaml:2:10")],
        id="extends-not-text",
    ),
]


@pytest.mark.parametrize(("name", "expected"), ERRORS)
def test_extends_errors(name: str, expected: list[tuple[str, str]]) -> None:
    report = validate_file(f"extends/{name}.yaml")
    assert [(i.code, i.location.prefix()) for i in report.issues] == expected
    assert report.instrument is None


@pytest.mark.parametrize(
    ("name", "message"),
    [
        pytest.param(
            "cycle-a",
            "extends/cycle-b.yaml:2:10: error[extends-cycle] extends: `extends` forms a cycle: "
            "cycle-a.yaml -> cycle-b.yaml -> cycle-a.yaml (an instrument cannot extend itself, "
            "directly or through others)",
            id="cycle",
        ),
        pytest.param(
            "child-same-id",
            "extends/child-same-id.yaml:3:5: error[duplicate-id] id: an instrument that extends "
            "'local-parent' needs an id of its own (add for example `id: local-parent-local`)",
            id="own-id",
        ),
    ],
)
def test_extends_messages(name: str, message: str) -> None:
    assert validate_file(f"extends/{name}.yaml").issues[0].render() == message


def test_extends_unknown_bundled_id() -> None:
    with pytest.raises(SpecError) as info:
        load_instrument_data({"relscales": 1, "extends": "ecr-rr", "id": "x", "version": "1.0.0"})
    [issue] = info.value.issues
    assert (issue.code, issue.location.path, issue.hint) == (
        "unknown-instrument",
        "extends",
        "did you mean 'ecr-r'?",
    )
