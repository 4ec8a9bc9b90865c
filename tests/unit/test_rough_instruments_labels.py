"""Two values of one response scale may not carry labels that read alike.

A data cell holding such a label could mean either value; before, the file validated and
the answer was decoded as whichever label came last. Labels are compared by
`label_key`: NFKC, invisible characters dropped, case folded, Cyrillic and Greek
look-alikes read as Latin letters, spacing collapsed (docs/authoring.md).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from relscales.errors import SpecError
from relscales.instruments.lint import ambiguous_labels, label_key
from relscales.instruments.loader import load_instrument_data
from relscales.labels import normalize_label

SPEC = Path(__file__).resolve().parents[1] / "data" / "spec"
BASE: dict[str, Any] = yaml.safe_load((SPEC / "valid.yaml").read_text())


def with_labels(labels: dict[int, str]) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data["response_scales"]["agree5"]["labels"] = labels
    return data


TWINS = [
    pytest.param("Agree", "Agree", id="same-text"),
    pytest.param("Agree", "  AGREE ", id="case-and-spacing"),
    pytest.param("Agree", "Agree\u200b", id="zero-width-space"),
    pytest.param("Agree", "Ag\u00adree", id="soft-hyphen"),
    pytest.param("Agree", "\u200fAgree", id="right-to-left-mark"),
    pytest.param("Agree", "Agr\u2060ee", id="word-joiner"),
    pytest.param("Agree", "\ufeffAgree", id="byte-order-mark"),
    pytest.param("Agree", "\uff21gree", id="fullwidth-letter"),
    pytest.param("Strongly agree", "Strongly\u00a0agree", id="no-break-space"),
    pytest.param("Agree", "\u0410gree", id="cyrillic-capital-a"),
    pytest.param("Often", "\u039fften", id="greek-capital-omicron"),
    pytest.param("Never", "N\u0435ver", id="cyrillic-small-e"),
    pytest.param("Mostly", "\u039costly", id="greek-capital-mu"),
]


@pytest.mark.parametrize(("label", "twin"), TWINS)
def test_labels_that_read_alike_make_the_scale_invalid(label: str, twin: str) -> None:
    data = with_labels({1: "Disagree", 4: label, 5: twin})
    with pytest.raises(SpecError) as info:
        load_instrument_data(data, source="mem")
    [issue] = info.value.issues
    assert issue.code == "ambiguous-label"
    assert issue.location.path == "response_scales.agree5.labels[5]"
    assert "4" in issue.message
    assert "5" in issue.message


def test_the_message_shows_what_tells_the_labels_apart() -> None:
    with pytest.raises(SpecError) as info:
        load_instrument_data(with_labels({1: "Agree", 5: "\u0410gree\u200b"}))
    message = info.value.issues[0].message
    assert "U+0410 (cyrillic capital letter a), which looks like 'A'" in message
    assert "U+200B (zero width space)" in message
    assert "<U+200B>" in message  # the invisible character is shown, not printed


@pytest.mark.parametrize(
    "labels",
    [
        pytest.param({1: "Agree", 5: "Disagree"}, id="different-words"),
        pytest.param({1: "\u0414\u0430", 5: "\u041d\u0435\u0442"}, id="cyrillic-words"),
        pytest.param({1: "Often", 5: "Often!"}, id="punctuation"),
        pytest.param({1: "\u00e9t\u00e9", 5: "ete"}, id="accents-count"),
    ],
)
def test_labels_that_differ_visibly_are_fine(labels: dict[int, str]) -> None:
    load_instrument_data(with_labels(labels))


def test_a_not_applicable_label_counts_too() -> None:
    data = with_labels({0: "Does not apply", 3: "does not  apply"})
    data["response_scales"]["agree5"]["not_applicable"] = [0]
    with pytest.raises(SpecError) as info:
        load_instrument_data(data)
    assert info.value.code == "ambiguous-label"


def test_label_key_is_at_least_as_coarse_as_cell_matching() -> None:
    """Labels a data cell would match alike are always ambiguous, whatever the key says."""
    pairs = [("Μ", "μ"), ("ǅ", "ǆ"), ("ß", "SS"), ("Agree", "agree")]
    for a, b in pairs:
        assert normalize_label(a) == normalize_label(b)
        assert list(ambiguous_labels({1: a, 2: b})), (a, b)
    assert label_key("Ａｇｒｅｅ\u200d") == label_key("agree")
