"""Batteries: validated with located errors, scored in one pass like their members."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

import relscales
from relscales.cli import app
from relscales.errors import SpecError
from relscales.instruments.battery import Battery, load_battery
from relscales.spec import InstrumentSpec

HERE = Path(__file__).resolve().parents[1]
DATA = HERE / "data" / "battery"
BATTERY = "relationship-insecurity-battery"
KEPT = f"{BATTERY}@0.1.1"
GOLDEN = HERE / "golden" / "_kept" / "relationship-insecurity-battery-0.1.1" / "responses.csv"
"""Battery 0.1.1 data (RISI 0.1.1, ECR-R, RSES), frozen with their hand-worked scores."""


def current_battery_data(n: int = 40, seed: int = 3) -> dict[str, list[Any]]:
    """Random valid answers to every item of the current battery's members (RISI 0.2 with
    its context questions and "does not apply" codes, ECR-R, RSES), some left blank."""
    rng = np.random.default_rng(seed)
    data: dict[str, list[Any]] = {"id": [f"c{i}" for i in range(n)]}
    for member in ("risi", "ecr-r", "rses"):
        spec = relscales.load_instrument(member).spec
        assert isinstance(spec, InstrumentSpec)
        for item in spec.items:
            scale = spec.response_scales[item.scale]
            codes: list[Any] = [*scale.values, *scale.not_applicable, None]
            data[item.id] = [codes[k] for k in rng.integers(0, len(codes), n)]
    for item_id in [k for k in data if k.startswith("sf_")]:
        data[item_id][: n // 2] = [1] * (n // 2)  # half the respondents raise no safety flag
    for item_id in data:
        if item_id.startswith("rses"):
            data[item_id][: n // 2] = [2] * (n // 2)  # RSES is a sum: needs every answer
    return data


def test_bundled_battery_loads_with_its_members() -> None:
    battery = load_battery(
        Path(relscales.list_instruments()[0].source).parent / "relationship-insecurity-battery.yaml"
    )
    assert [m.id for m in battery.members] == ["risi", "ecr-r", "rses"]
    assert battery.content_hash.startswith("sha256:")


def test_mistakes_are_all_reported_with_places() -> None:
    report = relscales.validate_file(DATA / "bad.yaml")
    found = [(i.code, i.location.line, i.hint) for i in report.issues]
    assert found == [
        ("unknown-score", 11, "did you mean 'ecr-r.anxiety'?"),
        ("invalid-value", 13, None),
        ("missing-key", 19, None),
    ]


def test_unknown_member_is_located() -> None:
    report = relscales.validate_file(DATA / "missing-member.yaml")
    (issue,) = report.issues
    assert (issue.code, issue.location.line, issue.hint) == (
        "unknown-instrument",
        6,
        "did you mean 'ecr-r'?",
    )
    with pytest.raises(SpecError):
        load_battery(DATA / "missing-member.yaml")


def test_the_bundled_battery_uses_risi_0_2_and_the_kept_one_risi_0_1_1() -> None:
    current = load_battery(Path(relscales.list_instruments()[0].source).parent / f"{BATTERY}.yaml")
    assert current.spec.version.startswith("0.2.")
    assert current.members[0].spec.version.startswith("0.2.")
    kept = relscales.load_instrument(KEPT)
    assert isinstance(kept, Battery)
    assert (kept.members[0].id, kept.members[0].spec.version) == ("risi", "0.1.1")


def test_current_battery_scores_equal_the_members_scored_alone() -> None:
    data = current_battery_data()
    together = relscales.score(BATTERY, data)
    for member in ("risi", "ecr-r", "rses"):
        alone = relscales.score(member, data)
        for name, values in alone.scores.items():
            np.testing.assert_array_equal(together.scores[name], values)
        for name in alone.columns:
            if name.startswith("flag_") or name in ("insecurity_source", "attachment_style"):
                assert together.columns[name].tolist() == alone.columns[name].tolist(), name
    # the safety flag governs both source readings, and no one else reads safety-first
    flagged = together.columns["flag_safety"] == True  # noqa: E712 (object array)
    for name in ("insecurity_source", "insecurity_source_combined"):
        labels = together.columns[name]
        assert (labels[flagged] == "safety-first").all(), name
        assert not (labels[~flagged] == "safety-first").any(), name
    assert flagged.any()
    assert not flagged.all()


def test_battery_scores_equal_the_members_scored_alone() -> None:
    """The kept battery 0.1.1 on its frozen data: members RISI 0.1.1, ECR-R, RSES."""
    together = relscales.score(KEPT, GOLDEN)
    for member in ("risi@0.1.1", "ecr-r", "rses"):
        alone = relscales.score(member, GOLDEN)
        for name, values in alone.scores.items():
            np.testing.assert_array_equal(together.scores[name], values)
    assert together.scores["internal_combined"].tolist() == [50.0, 100.0, 0.0]
    # b1 and b3 raise the RISI safety flag, which governs both source readings
    assert together.columns["insecurity_source_combined"].tolist() == [
        "safety-first",
        "internal",
        "safety-first",
    ]
    assert together.columns["insecurity_source"].tolist() == [
        "safety-first",
        "internal",
        "safety-first",
    ]


def test_cli_scores_and_shows_a_battery(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "b.csv"
    result = runner.invoke(app, ["score", str(GOLDEN), "-i", KEPT, "-o", str(out)])
    assert result.exit_code == 0, result.output
    header = out.read_text().splitlines()[0]
    assert header.endswith(
        "flag_safety,insecurity_source,attachment_style,insecurity_source_combined"
    )
    # the current battery: RISI 0.2's context and seek-help flags come after the safety flag
    data = current_battery_data()
    path = tmp_path / "current.csv"
    rows = [",".join(data)] + [
        ",".join("" if data[k][i] is None else str(data[k][i]) for k in data)
        for i in range(len(data["id"]))
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "c.csv"
    result = runner.invoke(app, ["score", str(path), "-i", BATTERY, "-o", str(out)])
    assert result.exit_code == 0, result.output
    header = out.read_text().splitlines()[0]
    assert header.endswith(
        "flag_safety,flag_early_days,flag_apart,flag_help_persistent,flag_help_regret,"
        "flag_help_sleep_health,flag_help_never_eases,flag_help_older_hurts,"
        "insecurity_source,attachment_style,insecurity_source_combined"
    )
    shown = runner.invoke(app, ["show", "relationship-insecurity-battery"])
    assert shown.exit_code == 0
    assert "internal_combined: weighted mean of POMP scores" in shown.output
    as_json = runner.invoke(app, ["show", "relationship-insecurity-battery", "--json"])
    assert '"relscales_battery": 1' in as_json.output


def test_two_batteries_in_one_run_are_refused() -> None:
    with pytest.raises(SpecError) as info:
        relscales.score(
            ["relationship-insecurity-battery", "relationship-insecurity-battery"], GOLDEN
        )
    assert info.value.code == "invalid-option"


def _same(a: relscales.ScoreResult, b: relscales.ScoreResult) -> None:
    assert list(a.columns) == list(b.columns)
    for name, values in a.columns.items():
        assert values.tolist() == b.columns[name].tolist() or np.array_equal(
            values, b.columns[name], equal_nan=True
        ), name


def test_a_loaded_or_compiled_battery_scores_as_its_id() -> None:
    from relscales.scoring.compile import compile_battery

    data = current_battery_data(12)
    by_id = relscales.score(BATTERY, data)
    loaded = relscales.load_instrument(BATTERY)
    assert isinstance(loaded, Battery)
    _same(relscales.score(loaded, data), by_id)
    _same(relscales.score([compile_battery(loaded)], data), by_id)


def test_an_instrument_given_twice_is_scored_once() -> None:
    data = current_battery_data(12)
    by_id = relscales.score(BATTERY, data)
    battery = relscales.load_instrument(BATTERY)
    member = relscales.load_instrument("rses")
    # a battery and one of its members, by id or loaded: the member is not scored twice
    _same(relscales.score([BATTERY, "rses"], data), by_id)
    _same(relscales.score([battery, member], data), by_id)
    _same(relscales.score(["rses", battery], data), by_id)
    _same(relscales.score(["rses", "rses"], data), relscales.score("rses", data))
    assert list(relscales.score(["rses", member], data).scores) == ["self_esteem"]


def test_two_definitions_with_one_id_are_refused(tmp_path: Path) -> None:
    import yaml

    from relscales.instruments.registry import resolve_instrument

    doc = yaml.safe_load(resolve_instrument("rses").read_text(encoding="utf-8"))
    doc["name"] = doc["name"] + " (a local copy)"
    local = tmp_path / "rses-local.yaml"
    local.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    data = current_battery_data(4)
    for refs in (["rses", local], [BATTERY, local]):
        with pytest.raises(SpecError) as info:
            relscales.score(refs, data)
        assert info.value.code == "invalid-option"
        message = str(info.value)
        assert "two different instruments have the id 'rses'" in message
        assert str(local) in message
        assert "separate runs" in message
    result = CliRunner().invoke(
        app, ["score", str(GOLDEN), "-i", "rses", "-i", str(local), "-o", str(tmp_path / "o.csv")]
    )
    assert result.exit_code == 2, result.output
    assert "two different instruments have the id 'rses'" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "o.csv").exists()


def test_two_loaded_batteries_are_refused() -> None:
    battery = relscales.load_instrument(BATTERY)
    with pytest.raises(SpecError) as info:
        relscales.score([battery, BATTERY], GOLDEN)
    assert info.value.code == "invalid-option"
    assert "only one battery" in str(info.value)


def test_load_instrument_loads_every_bundled_id_batteries_included() -> None:
    from relscales.instruments.battery import Battery

    for summary in relscales.list_instruments():
        loaded = relscales.load_instrument(summary.id)
        assert loaded.id == summary.id
    battery = relscales.load_instrument("relationship-insecurity-battery")
    assert isinstance(battery, Battery)
    assert [m.id for m in battery.members] == ["risi", "ecr-r", "rses"]


def test_the_instrument_loader_refuses_a_battery_with_a_clear_issue() -> None:
    from relscales.instruments.loader import validate_file
    from relscales.instruments.registry import resolve_instrument

    report = validate_file(resolve_instrument("relationship-insecurity-battery"))
    (issue,) = report.issues
    assert "battery file, not an instrument" in issue.message
    assert issue.hint is not None
    assert "relscales.load_instrument" in issue.hint
