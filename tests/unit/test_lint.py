"""Semantic checks (relscales.instruments.lint): cross-references, keys, bands, norms, style."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from relscales.instruments.lint import check_instrument, did_you_mean
from relscales.spec import InstrumentSpec

SPEC = Path(__file__).resolve().parents[1] / "data" / "spec"
BASE: dict[str, Any] = yaml.safe_load((SPEC / "valid.yaml").read_text())

Edit = Callable[[dict[str, Any]], object]
Found = list[tuple[str, str, str]]


def findings(edit: Edit) -> Found:
    data = copy.deepcopy(BASE)
    edit(data)
    spec = InstrumentSpec.model_validate(data)
    return [(f.code, ".".join(str(p) for p in f.path), f.severity) for f in check_instrument(spec)]


def sub(data: dict[str, Any], **changes: Any) -> dict[str, Any]:
    data["subscales"][0].update(changes)
    return data


def item(data: dict[str, Any], index: int, **changes: Any) -> dict[str, Any]:
    data["items"][index].update(changes)
    return data


def add(data: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    data[key] = value
    return data


NORM = {"group": "students", "mean": 3.0, "sd": 1.0}
REGIONS = {"low-low": "a", "low-high": "b", "high-low": "c", "high-high": "d"}

CASES: list[Any] = [
    pytest.param(lambda d: None, [], id="valid"),
    # items
    pytest.param(
        lambda d: (item(d, 2, id="q1"), sub(d, items=["q1", "q2"])),
        [("duplicate-id", "items.2.id", "error")],
        id="duplicate-item-id",
    ),
    pytest.param(
        lambda d: item(d, 0, column="q2"),
        [("duplicate-column", "items.1.id", "error")],
        id="column-taken-by-later-item-id",
    ),
    pytest.param(
        lambda d: (item(d, 0, column="Q"), item(d, 1, column="Q")),
        [("duplicate-column", "items.1.column", "error")],
        id="two-items-one-column",
    ),
    pytest.param(
        lambda d: item(d, 0, scale="agree6"),
        [("unknown-scale", "items.0.scale", "error")],
        id="unknown-scale",
    ),
    pytest.param(
        lambda d: (
            add(d, "languages", ["en", "fr"]),
            d["license"].update(item_text="included"),
            [item(d, i, text={"en": "x"}) for i in range(3)],
            item(d, 1, text={"en": "x", "fr": "y"}),
        ),
        [
            ("missing-item-text", "items.0.text", "error"),
            ("missing-item-text", "items.2.text", "error"),
        ],
        id="missing-text-in-second-language",
    ),
    # subscales
    pytest.param(
        lambda d: sub(d, items=["q1", "q2", "q3", "q1"]),
        [("duplicate-id", "subscales.0.items.3", "error")],
        id="item-listed-twice",
    ),
    pytest.param(
        lambda d: sub(d, weights={"q1": 2, "q9": 1}),
        [("unknown-item", "subscales.0.weights.q9", "error")],
        id="weight-for-unknown-item",
    ),
    pytest.param(
        lambda d: sub(d, weights={"q1": 0}),
        [("invalid-value", "subscales.0.weights.q1", "error")],
        id="weight-not-positive",
    ),
    pytest.param(lambda d: sub(d, min_answered=3), [], id="min-answered-all"),
    pytest.param(lambda d: sub(d, min_answered=1.0), [], id="min-answered-fraction-one"),
    pytest.param(
        lambda d: sub(d, min_answered=1.5),
        [("invalid-value", "subscales.0.min_answered", "error")],
        id="min-answered-fraction-above-one",
    ),
    pytest.param(
        lambda d: sub(d, min_answered=4),
        [("min-answered-too-high", "subscales.0.min_answered", "error")],
        id="min-answered-count-too-high",
    ),
    pytest.param(
        lambda d: sub(d, bands=[{"below": 2, "label": "low"}, {"label": "high"}]),
        [],
        id="bands-ok",
    ),
    pytest.param(
        lambda d: sub(d, bands=[{"label": "only"}]),
        [],
        id="single-open-band",
    ),
    pytest.param(
        lambda d: sub(
            d, bands=[{"below": 2, "label": "low"}, {"below": 2, "label": "mid"}, {"label": "high"}]
        ),
        [("bands-invalid", "subscales.0.bands.1.below", "error")],
        id="bands-equal-bounds",
    ),
    pytest.param(
        lambda d: sub(d, norms=[NORM, NORM]),
        [("norm-invalid", "subscales.0.norms.1.group", "error")],
        id="norm-group-twice",
    ),
    pytest.param(
        lambda d: sub(
            d,
            norms=[
                {
                    **NORM,
                    "percentiles": [
                        {"score": 1, "percentile": 10},
                        {"score": 2, "percentile": 5},
                        {"score": 1.5, "percentile": 50},
                    ],
                }
            ],
        ),
        [("norm-invalid", "subscales.0.norms.0.percentiles.1", "error")],
        id="percentiles-not-ascending-reported-once",
    ),
    # composites
    pytest.param(
        lambda d: add(
            d, "composites", [{"id": "total", "name": "T", "parts": [{"score": "total"}]}]
        ),
        [("duplicate-id", "composites.0.id", "error")],
        id="composite-id-taken",
    ),
    pytest.param(
        lambda d: add(
            d,
            "composites",
            [
                {"id": "c1", "name": "C1", "parts": [{"score": "c2"}]},
                {"id": "c2", "name": "C2", "parts": [{"score": "c1"}, {"score": "total"}]},
            ],
        ),
        [("unknown-score", "composites.0.parts.0.score", "error")],
        id="composite-uses-a-later-composite",
    ),
    pytest.param(
        lambda d: add(
            d,
            "composites",
            [{"id": "z", "name": "Z", "standardized": True, "parts": [{"score": "total"}]}],
        ),
        [("norm-invalid", "composites.0.parts.0.score", "error")],
        id="standardized-without-norms",
    ),
    pytest.param(
        lambda d: (
            sub(d, norms=[NORM]),
            add(
                d,
                "composites",
                [
                    {
                        "id": "z",
                        "name": "Z",
                        "standardized": True,
                        "parts": [{"score": "total"}],
                        "bands": [{"label": "a"}, {"label": "b"}],
                        "norms": [{**NORM, "sd": 0}],
                    }
                ],
            ),
        ),
        [
            ("bands-invalid", "composites.0.bands.0", "error"),
            ("norm-invalid", "composites.0.norms.0.sd", "error"),
        ],
        id="composite-bands-and-norms",
    ),
    # profiles
    pytest.param(
        lambda d: add(
            d,
            "profiles",
            [
                {
                    "id": "p",
                    "name": "P",
                    "x": {"score": "total", "cut": 3},
                    "y": {"score": "totl", "cut": 3},
                    "regions": REGIONS,
                }
            ],
        ),
        [("unknown-score", "profiles.0.y.score", "error")],
        id="profile-unknown-score",
    ),
    pytest.param(
        lambda d: add(
            d,
            "profiles",
            [
                {
                    "id": "total",
                    "name": "P",
                    "x": {"score": "total", "cut": 3},
                    "y": {"score": "total", "cut": 3},
                    "regions": {"low-low": "a", "high-high": "d"},
                }
            ],
        ),
        [
            ("duplicate-id", "profiles.0.id", "error"),
            ("missing-key", "profiles.0.regions", "error"),
        ],
        id="profile-id-taken-and-regions-missing",
    ),
    # flags
    pytest.param(
        lambda d: add(
            d,
            "flags",
            [
                {"id": "f", "when": {"items": ["q1", "q9"], "at_least": 4}, "message": {"en": "m"}},
                {"id": "f", "when": {"score": "totl", "at_least": 4}, "message": {"en": "m"}},
            ],
        ),
        [
            ("unknown-item", "flags.0.when.items.1", "error"),
            ("duplicate-id", "flags.1.id", "error"),
            ("unknown-score", "flags.1.when.score", "error"),
        ],
        id="flags-references",
    ),
    pytest.param(
        lambda d: add(
            d,
            "flags",
            [
                {
                    "id": "both",
                    "when": {"items": ["q1"], "score": "total", "at_least": 4},
                    "message": {"en": "m"},
                },
                {"id": "neither", "when": {"at_least": 4}, "message": {"en": "m"}},
            ],
        ),
        [("invalid-value", "flags.0.when", "error"), ("invalid-value", "flags.1.when", "error")],
        id="flag-when-both-or-neither",
    ),
    # style warnings, always after the errors
    pytest.param(
        lambda d: (
            sub(d, items=["q1", "q2"]),
            add(
                d,
                "flags",
                [{"id": "f", "when": {"items": ["q3"], "at_least": 4}, "message": {"en": "m"}}],
            ),
        ),
        [],
        id="item-used-only-by-a-flag",
    ),
    pytest.param(
        lambda d: sub(d, items=["q2"]),
        [("unused-item", "items.0.id", "warning"), ("unused-item", "items.2.id", "warning")],
        id="one-reversed-item-is-not-all-reversed",
    ),
    pytest.param(
        lambda d: item(d, 2, label="SECOND  item"),
        [("duplicate-label", "items.2.label", "warning")],
        id="duplicate-label-ignores-case-and-spaces",
    ),
    pytest.param(
        lambda d: d["validation"].update(status="published"),
        [("missing-provenance", "validation", "warning")],
        id="published-with-citation-but-no-evidence",
    ),
    pytest.param(
        lambda d: d["validation"].update(status="published", evidence=[{"source": "S"}]),
        [],
        id="published-with-evidence",
    ),
    pytest.param(
        lambda d: (item(d, 2, scale="nope"), sub(d, items=["q1", "q2"])),
        [("unknown-scale", "items.2.scale", "error"), ("unused-item", "items.2.id", "warning")],
        id="errors-before-warnings",
    ),
]


@pytest.mark.parametrize(("edit", "expected"), CASES)
def test_check_instrument(edit: Edit, expected: Found) -> None:
    assert findings(edit) == expected


@pytest.mark.parametrize(
    ("word", "candidates", "expected"),
    [
        pytest.param("anx1O", ["anx01", "anx10", "avo01"], "did you mean 'anx10'?", id="typo"),
        pytest.param("nmae", ["name", "id", "version"], "did you mean 'name'?", id="swap"),
        pytest.param("q4", ["q1", "q2"], None, id="too-far"),
        pytest.param("x", [], None, id="no-candidates"),
    ],
)
def test_did_you_mean(word: str, candidates: list[str], expected: str | None) -> None:
    assert did_you_mean(word, candidates) == expected


def test_unknown_hint_lists_known_names_when_nothing_is_close() -> None:
    data = copy.deepcopy(BASE)
    data["items"] = [
        {"id": f"item{n:02d}", "label": f"item {n}", "scale": "agree5"} for n in range(10)
    ]
    data["subscales"][0]["items"] = [f"item{n:02d}" for n in range(10)] + ["zzz"]
    [finding] = [
        f for f in check_instrument(InstrumentSpec.model_validate(data)) if f.severity == "error"
    ]
    assert finding.hint == (
        "known items: item00, item01, item02, item03, item04, item05, item06, item07, ..."
    )


def test_bundled_instruments_are_clean() -> None:
    root = Path(__file__).resolve().parents[2] / "instruments"
    for path in sorted(root.glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        if "extends" in data or "relscales_battery" in data:
            continue  # checked whole by test_schema_file
        assert check_instrument(InstrumentSpec.model_validate(data)) == [], path.name
