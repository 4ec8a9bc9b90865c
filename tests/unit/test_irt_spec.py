"""The `irt` block of a subscale: structure (spec) and cross-checks (lint)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from relscales.errors import RelscalesError
from relscales.instruments.definitions import load_definition

BASE = {
    "relscales": 1,
    "id": "irt-demo",
    "version": "0.1.0",
    "name": "IRT demo",
    "domain": "other",
    "license": {"name": "test", "item_text": "not-included"},
    "validation": {"status": "experimental"},
    "response_scales": {"agree5": {"values": [1, 2, 3, 4, 5]}},
    "items": [
        {"id": "i1", "label": "one", "scale": "agree5"},
        {"id": "i2", "label": "two", "scale": "agree5", "reverse": True},
        {"id": "i3", "label": "three", "scale": "agree5"},
    ],
}
GOOD = {
    "model": "graded",
    "items": {
        "i1": {"slope": 1.2, "thresholds": [-1.5, -0.5, 0.5, 1.5]},
        "i2": {"slope": 0.9, "thresholds": [-1.0, 0.0, 1.0, 2.0], "slope_se": 0.05},
        "i3": {"slope": 2.0, "thresholds": [-2.0, -1.0, 0.0, 1.0]},
    },
    "calibration": {"source": "simulated", "licence": "CC0", "n": 5000},
}


def write(tmp_path: Path, irt: dict[str, object]) -> Path:
    doc = {**BASE, "subscales": [{"id": "s", "name": "S", "items": ["i1", "i2", "i3"], "irt": irt}]}
    path = tmp_path / "irt-demo.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def codes_of(path: Path) -> list[str]:
    with pytest.raises(RelscalesError) as info:
        load_definition(str(path))
    return [issue.code for issue in info.value.issues]


def test_a_complete_model_loads_with_its_defaults(tmp_path: Path) -> None:
    inst = load_definition(str(write(tmp_path, GOOD)))
    irt = inst.spec.subscales[0].irt
    assert irt is not None
    assert irt.method == "eap"
    assert (irt.prior.mean, irt.prior.sd) == (0, 1)
    assert irt.items["i2"].slope_se == 0.05


def test_every_item_needs_parameters_and_no_other(tmp_path: Path) -> None:
    items = {k: v for k, v in GOOD["items"].items() if k != "i3"}  # type: ignore[attr-defined]
    items["i9"] = {"slope": 1.0, "thresholds": [-1.0, 0.0, 1.0, 2.0]}
    assert codes_of(write(tmp_path, {**GOOD, "items": items})) == ["invalid-value", "unknown-item"]


def test_thresholds_fit_the_scale_and_increase(tmp_path: Path) -> None:
    items = dict(GOOD["items"])  # type: ignore[call-overload]
    items["i1"] = {"slope": 1.2, "thresholds": [-1.5, -0.5, 0.5]}
    items["i3"] = {"slope": 2.0, "thresholds": [-2.0, 0.0, -1.0, 1.0]}
    assert codes_of(write(tmp_path, {**GOOD, "items": items})) == ["invalid-value", "invalid-value"]


@pytest.mark.parametrize(
    "change",
    [
        {"model": "rasch"},
        {"method": "wle"},
        {"prior": {"mean": 0, "sd": 0}},
        {"calibration": {"source": "x"}},
    ],
)
def test_structure_is_checked(tmp_path: Path, change: dict[str, object]) -> None:
    assert codes_of(write(tmp_path, {**GOOD, **change}))


def test_a_non_positive_slope_is_refused(tmp_path: Path) -> None:
    items = dict(GOOD["items"])  # type: ignore[call-overload]
    items["i1"] = {"slope": 0, "thresholds": [-1.5, -0.5, 0.5, 1.5]}
    assert codes_of(write(tmp_path, {**GOOD, "items": items}))
