"""Text overlays: validated like instruments, applied wherever wording is needed."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import relscales
from relscales.cli import app
from relscales.errors import SpecError
from relscales.instruments.kinds import file_kind
from relscales.instruments.texts import apply_overlays, apply_texts, load_texts

TEXTS = Path(__file__).resolve().parents[1] / "data" / "texts"


def test_a_good_overlay_validates_with_a_warning_for_items_left_without_text() -> None:
    report = relscales.validate_file(TEXTS / "ecr-r-en.yaml")
    assert report.valid
    assert [(i.code, i.severity) for i in report.issues] == [("missing-item-text", "warning")]
    assert "34 items have no text" in report.issues[0].message


def test_a_bad_overlay_reports_every_problem_with_its_place() -> None:
    report = relscales.validate_file(TEXTS / "bad.yaml")
    found = [(i.code, i.severity, i.location.line) for i in report.issues]
    assert found == [
        ("invalid-value", "warning", 3),
        ("unknown-item", "error", 10),
        ("unknown-item", "error", 11),
        ("missing-item-text", "warning", 9),
        ("unknown-scale", "error", 6),
        ("scale-values", "error", 7),
    ]
    typo = report.issues[1]
    assert (typo.location.line, typo.location.column, typo.location.path) == (10, 3, "items.ecrr1")
    assert typo.hint is not None
    assert "ecrr" in typo.hint


def test_structural_problems_are_located() -> None:
    report = relscales.validate_file(TEXTS / "structural.yaml")
    codes = {(i.code, i.location.line) for i in report.issues}
    assert ("unknown-key", 3) in codes  # langauge (did you mean language?)
    assert ("quote-value", 5) in codes  # yes read as a boolean
    assert ("missing-key", None) not in codes


def test_apply_fills_texts_labels_and_instructions_without_changing_the_key() -> None:
    base = relscales.load_instrument("ecr-r")
    inst = apply_texts(base, load_texts(TEXTS / "ecr-r-en.yaml"))
    assert inst.items[0].text == {"en": "Placeholder wording one."}
    assert inst.items[2].text is None
    assert inst.spec.response_scales["agree7"].labels[2] == "Disagree"
    assert inst.spec.instructions == {"en": "Rate each statement."}
    assert inst.content_hash == base.content_hash  # scoring definition unchanged
    both = apply_overlays(base, [TEXTS / "ecr-r-en.yaml", TEXTS / "ecr-r-fr.yaml"])
    assert both.items[0].text == {"en": "Placeholder wording one.", "fr": "Texte fictif un."}
    assert "fr" in both.spec.languages


def test_an_overlay_for_another_instrument_is_refused() -> None:
    with pytest.raises(SpecError) as info:
        apply_texts(relscales.load_instrument("rses"), load_texts(TEXTS / "ecr-r-en.yaml"))
    assert info.value.code == "unknown-instrument"


def test_overlay_detection_and_missing_file(tmp_path: Path) -> None:
    assert file_kind(TEXTS / "ecr-r-en.yaml") == "texts"
    assert file_kind(Path(relscales.load_instrument("rses").source)) == "instrument"
    with pytest.raises(SpecError) as info:
        load_texts(tmp_path / "nope.yaml")
    assert info.value.code == "file-not-found"


def test_show_and_score_take_texts(tmp_path: Path) -> None:
    runner = CliRunner()
    shown = runner.invoke(app, ["show", "ecr-r", "--texts", str(TEXTS / "ecr-r-en.yaml")])
    assert shown.exit_code == 0
    assert "[en] Placeholder wording one." in shown.output
    # French choice text in the data reads through the overlay's labels
    data = tmp_path / "fr.csv"
    header = ",".join(f"ecrr{i:02d}" for i in range(1, 37))
    data.write_text(header + "\n" + ",".join(["Tout à fait d'accord"] + ["4"] * 35) + "\n")
    out = tmp_path / "s.csv"
    result = runner.invoke(
        app,
        [
            "score",
            str(data),
            "-i",
            "ecr-r",
            "--texts",
            str(TEXTS / "ecr-r-fr.yaml"),
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "invalid" not in result.output
    row = out.read_text().splitlines()[1].split(",")
    assert float(row[1]) == pytest.approx((7 + 4 * 17) / 18)
