"""Text overlays that would change what answers mean are refused wherever they are loaded.

An overlay's `scale_labels` are read as answers. A label given to another value than the
instrument gives it ("Strongly agree" on 1 where ecr-r has it on 7) would reverse every
answer written as that label; two values labelled alike would be decoded arbitrarily.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import relscales
from relscales.errors import SpecError
from relscales.instruments.definitions import validate_definition
from relscales.instruments.texts import apply_overlays, apply_texts, check_texts, load_texts

TEXTS = Path(__file__).resolve().parents[1] / "data" / "texts"
REVERSED = TEXTS / "ecr-r-en-reversed.yaml"
LOOKALIKE = TEXTS / "ecr-r-en-lookalike.yaml"


def errors(issues: object) -> list[tuple[str, int | None, str | None]]:
    return [
        (i.code, i.location.line, i.location.path)
        for i in issues  # type: ignore[attr-defined]
        if i.severity == "error"
    ]


def test_validate_refuses_labels_given_to_other_values_than_the_instrument_gives() -> None:
    report = validate_definition(REVERSED)
    assert not report.valid
    assert errors(report.issues) == [
        ("label-conflict", 6, "scale_labels.agree7[1]"),
        ("label-conflict", 6, "scale_labels.agree7[7]"),
    ]
    first = next(i for i in report.issues if i.code == "label-conflict")
    assert first.location.file == str(REVERSED)
    assert (first.location.line, first.location.column) == (6, 12)
    assert "'agree7'" in first.message
    assert "'Strongly agree'" in first.message
    assert "labels 1" in first.message
    assert "to 7" in first.message
    assert first.hint is not None
    assert "the other way round" in first.hint


def test_the_same_label_on_the_same_value_is_fine() -> None:
    report = validate_definition(TEXTS / "ecr-r-en.yaml")  # labels 2 and 3, new to ecr-r
    assert report.valid
    agreeing = relscales.load_instrument("ecr-r")
    assert not errors(check_texts(load_texts(TEXTS / "ecr-r-en-other-way.yaml"), agreeing))


@pytest.mark.parametrize(
    "apply",
    [
        pytest.param(lambda inst, path: apply_texts(inst, load_texts(path)), id="apply_texts"),
        pytest.param(lambda inst, path: apply_overlays(inst, [path]), id="apply_overlays"),
    ],
)
def test_applying_a_conflicting_overlay_raises(apply: object) -> None:
    with pytest.raises(SpecError) as info:
        apply(relscales.load_instrument("ecr-r"), REVERSED)  # type: ignore[operator]
    assert [i.code for i in info.value.issues] == ["label-conflict", "label-conflict"]


def test_scoring_with_a_conflicting_overlay_is_refused() -> None:
    """`relscales score --texts` (and reports) compile through apply_overlays."""
    from relscales.pipeline.score import compile_with_texts

    with pytest.raises(SpecError) as info:
        compile_with_texts("ecr-r", (), [REVERSED])
    assert info.value.code == "label-conflict"


def test_take_and_serve_refuse_a_conflicting_overlay() -> None:
    """`relscales take` and `serve` load questionnaires through apply_overlays."""
    from relscales.selfassess.questionnaire import load_questionnaire, takeable

    with pytest.raises(SpecError) as info:
        load_questionnaire("ecr-r", texts=[REVERSED])
    assert info.value.code == "label-conflict"
    assert "ecr-r" not in [entry.id for entry in takeable(texts=[REVERSED], only=["ecr-r"])]


def test_an_overlay_conflicting_with_an_earlier_overlay_is_refused() -> None:
    """The first overlay gives 'Agree' to 6; the second gives it to 2."""
    inst = relscales.load_instrument("ecr-r")
    both = [TEXTS / "ecr-r-en-other-way.yaml", TEXTS / "ecr-r-en-against-earlier.yaml"]
    with pytest.raises(SpecError) as info:
        apply_overlays(inst, both)
    [issue] = info.value.issues
    assert issue.code == "label-conflict"
    assert issue.location.file == str(both[1])
    assert "ecr-r-en-other-way.yaml" in issue.message
    # each alone fits the instrument
    for path in both:
        apply_overlays(inst, [path])


def test_overlay_labels_that_only_look_alike_are_ambiguous_or_conflicting() -> None:
    report = validate_definition(LOOKALIKE)
    assert errors(report.issues) == [
        ("ambiguous-label", 6, "scale_labels.agree7[5]"),  # ' agree' and 'Agree'
        ("label-conflict", 6, "scale_labels.agree7[2]"),  # Cyrillic а: ecr-r's 7
    ]
    conflict = report.issues[-1]
    assert "U+0430" in conflict.message


def test_control_characters_in_an_overlay_are_refused_in_one_pass() -> None:
    report = validate_definition(TEXTS / "ecr-r-en-control.yaml")
    assert errors(report.issues) == [
        ("control-character", 4, "instructions"),
        ("control-character", 6, "items.ecrr01"),
    ]
    assert "U+001B (escape)" in report.issues[0].message
    assert "U+202E (right-to-left override)" in report.issues[1].message
    assert [i.code for i in report.issues if i.severity == "warning"] == ["missing-item-text"]
    with pytest.raises(SpecError):
        apply_overlays(relscales.load_instrument("ecr-r"), [TEXTS / "ecr-r-en-control.yaml"])
