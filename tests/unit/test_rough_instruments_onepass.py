"""Every problem of a file in one pass, and hints that point where a key belongs.

Before, cross-reference errors (an unknown item in a subscale) showed only once every
structural error (a wrong type) was fixed. Now the entries that validate structurally are
checked in the same pass; those that do not are left out, and references to them are not
reported as unknown.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from relscales.errors import SpecError
from relscales.instruments.loader import load_instrument_data, validate_file

SPEC = Path(__file__).resolve().parents[1] / "data" / "spec"
BASE: dict[str, Any] = yaml.safe_load((SPEC / "valid.yaml").read_text())


@pytest.fixture(autouse=True)
def _in_spec_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(SPEC)


def test_structural_and_cross_reference_errors_in_one_pass() -> None:
    report = validate_file("one-pass.yaml")
    assert [(i.code, i.location.prefix(), i.location.path) for i in report.issues] == [
        ("wrong-type", "one-pass.yaml:14:58", "items[1].reverse"),
        ("quote-value", "one-pass.yaml:16:41", "items[3].scale"),
        ("unknown-key", "one-pass.yaml:21:5", "subscales[0].reverse"),
        ("wrong-type", "one-pass.yaml:25:19", "subscales[1].min_answered"),
        ("unknown-item", "one-pass.yaml:20:25", "subscales[0].items[3]"),
        ("unknown-score", "one-pass.yaml:29:52", "composites[0].parts[2].score"),
        ("unknown-item", "one-pass.yaml:32:24", "flags[0].when.items[1]"),
    ]
    unknown = report.issues[4]
    assert unknown.message == "subscale 'total' lists item 'q5', which is not defined"
    assert unknown.location.object_id == "total"
    assert unknown.hint == "known items: q1, q2, q3, q4"  # q4 is left out, but an item
    assert report.issues[5].hint == "did you mean 'part'?"


def test_references_to_entries_left_out_are_not_reported() -> None:
    data = copy.deepcopy(BASE)
    data["items"][1]["scale"] = ["agree5"]  # q2 left out: its scale cannot be read
    data["subscales"].append({"id": "broken", "name": "B", "items": "q1"})  # not a list
    data["composites"] = [{"id": "c", "name": "C", "parts": [{"score": "broken"}]}]
    data["subscales"][0]["items"] = ["q1", "q2", "q3", "nope"]
    with pytest.raises(SpecError) as info:
        load_instrument_data(data)
    assert [(i.code, i.location.path) for i in info.value.issues] == [
        ("wrong-type", "items[1].scale"),
        ("wrong-type", "subscales[1].items"),
        ("unknown-item", "subscales[0].items[3]"),  # 'nope'; not q2, not 'broken'
    ]


def test_an_entry_with_an_unreadable_id_hides_every_reference_of_its_kind() -> None:
    data = copy.deepcopy(BASE)
    data["items"][0]["id"] = "1st"  # meant as q1, surely
    with pytest.raises(SpecError) as info:
        load_instrument_data(data)
    assert [i.code for i in info.value.issues] == ["invalid-value"]


def test_warnings_wait_for_a_structurally_valid_file(tmp_path: Path) -> None:
    data = copy.deepcopy(BASE)
    data["subscales"][0]["items"] = ["q1", "q2"]  # q3 unused: a warning, once valid
    data["version"] = 1.0
    path = tmp_path / "warn.yaml"
    path.write_text(yaml.safe_dump(data))
    assert [i.code for i in validate_file(path).issues] == ["quote-value"]
    data["version"] = "1.0.0"
    path.write_text(yaml.safe_dump(data))
    assert [i.code for i in validate_file(path).issues] == ["unused-item"]


# ------------------------------------------------------------ where a key belongs


def test_reverse_on_a_subscale_says_reverse_keys_go_on_items() -> None:
    data = copy.deepcopy(BASE)
    data["subscales"][0]["reverse"] = ["q2", "q3"]
    with pytest.raises(SpecError) as info:
        load_instrument_data(data)
    [issue] = info.value.issues
    assert (issue.code, issue.location.path) == ("unknown-key", "subscales[0].reverse")
    assert issue.hint is not None
    assert "reverse keys go on items" in issue.hint
    assert "items[].reverse" in issue.hint
    assert "items q2, q3" in issue.hint


@pytest.mark.parametrize("key", ["reverse", "reversed", "reverse_items", "reverse_keyed"])
def test_spellings_of_reverse_on_a_subscale_get_the_same_hint(key: str) -> None:
    data = copy.deepcopy(BASE)
    data["subscales"][0][key] = True
    with pytest.raises(SpecError) as info:
        load_instrument_data(data)
    assert info.value.issues[0].hint is not None
    assert "reverse keys go on items" in info.value.issues[0].hint


def test_reverse_on_a_composite_says_parts_are_reversed() -> None:
    data = copy.deepcopy(BASE)
    data["composites"] = [{"id": "c", "name": "C", "parts": [{"score": "total"}], "reverse": 1}]
    with pytest.raises(SpecError) as info:
        load_instrument_data(data)
    assert info.value.issues[0].hint is not None
    assert "parts[].reverse" in info.value.issues[0].hint


def test_did_you_mean_suggests_items_for_a_subscale_and_scores_for_a_composite() -> None:
    data = copy.deepcopy(BASE)
    data["items"].append({"id": "avo01", "label": "fourth", "scale": "agree5"})
    data["subscales"] = [
        {"id": "anxiety", "name": "A", "items": ["q1", "q2", "anxiety2"]},
        {"id": "avoidance", "name": "V", "items": ["avo01", "avoidanc", "anxiety"]},
    ]
    data["composites"] = [
        {"id": "c", "name": "C", "parts": [{"score": "anxiety1"}, {"score": "avo01"}]}
    ]
    with pytest.raises(SpecError) as info:
        load_instrument_data(data)
    found = [(i.location.path, i.message, i.hint) for i in info.value.issues]
    hints = {path: hint for path, _, hint in found}
    # an unknown item in a subscale: never the id of a subscale, however close
    assert hints["subscales[1].items[1]"] == "known items: q1, q2, q3, avo01"
    assert hints["subscales[1].items[2]"] == "known items: q1, q2, q3, avo01"
    assert "is a score, and a subscale lists item ids" in found[2][1]
    assert hints["subscales[0].items[2]"] == "known items: q1, q2, q3, avo01"
    # an unknown score in a composite: score ids only
    assert hints["composites[0].parts[0].score"] == "did you mean 'anxiety'?"
    assert hints["composites[0].parts[1].score"] == "known scores: anxiety, avoidance"
    assert "is an item, and a composite combines scores" in found[4][1]
