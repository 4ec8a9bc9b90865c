"""The SVG chart builders: well-formed, accessible, escaped, colour-blind-safe."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest

from relscales.reports import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_every_chart_is_well_formed_with_a_text_alternative() -> None:
    made = [
        charts.interval_chart("a", "T", "D", low=1, high=7, value=3.0, ci=(2.0, 4.0)),
        charts.reading_chart(
            "b",
            "T",
            "D",
            x_label="x",
            y_label="y",
            x_range=(1, 5),
            y_range=(1, 5),
            point=(2.0, 4.0),
            x_ci=(1.5, 2.5),
            y_ci=(3.5, 4.5),
            cut_x=3,
            cut_y=3,
        ),
        charts.histogram("c", "T", "D", values=[1.0, 2.0, 2.5], low=1, high=7, x_label="x"),
    ]
    for chart_id, svg in zip("abc", made, strict=True):
        root = parse(svg)
        assert root.get("role") == "img"
        assert root.get("aria-labelledby") == f"{chart_id}-title {chart_id}-desc"
        assert root.find(f"{SVG}title").get("id") == f"{chart_id}-title"
        assert root.find(f"{SVG}desc").text == "D"
        assert "<script" not in svg
        assert "href" not in svg


def test_text_is_escaped() -> None:
    svg = charts.reading_chart(
        "x",
        "<b>t</b>",
        "a & b",
        x_label="<script>",
        y_label='"y"',
        x_range=(0, 1),
        y_range=(0, 1),
        point=None,
        regions={"low-low": "<i>"},
    )
    root = parse(svg)  # would fail on raw markup
    assert root.find(f"{SVG}title").text == "<b>t</b>"
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert "no reading: a score is missing" in svg


def test_palette_is_okabe_ito() -> None:
    assert set(charts.PALETTE.values()) == {
        "#000000",
        "#E69F00",
        "#56B4E9",
        "#009E73",
        "#F0E442",
        "#0072B2",
        "#D55E00",
        "#CC79A7",
    }


def test_interval_chart_draws_norm_bands_and_arrowheads_past_the_scale() -> None:
    svg = charts.interval_chart(
        "n",
        "T",
        "D",
        low=1,
        high=5,
        value=4.8,
        ci=(4.0, 5.6),
        bands=[charts.Band("low", 2.5), charts.Band("moderate", 3.5), charts.Band("high", None)],
        norm=charts.NormCurve("students", 3.0, 0.8),
    )
    root = parse(svg)
    paths = root.findall(f"{SVG}path") + root.findall(f"{SVG}g/{SVG}path")
    assert any("students: mean 3, SD 0.8" in (p.findtext(f"{SVG}title") or "") for p in paths)
    assert [r.findtext(f"{SVG}title") for r in root.findall(f"{SVG}rect")] == [
        "low",
        "moderate",
        "high",
    ]
    interval = root.find(f"{SVG}g[@class='interval']")
    assert interval is not None
    assert len(interval.findall(f"{SVG}path")) == 1  # the upper end runs past 5
    assert len(interval.findall(f"{SVG}line")) == 2  # the bar and the lower cap
    assert root.find(f"{SVG}circle[@class='point']") is not None


def test_interval_chart_without_a_value_has_no_point() -> None:
    svg = charts.interval_chart("m", "T", "D", low=0, high=30, value=None, ci=None)
    assert 'class="point"' not in svg
    assert 'class="interval"' not in svg


def test_reading_chart_shades_the_active_region_and_draws_the_cross() -> None:
    svg = charts.reading_chart(
        "r",
        "T",
        "D",
        x_label="x",
        y_label="y",
        x_range=(1, 5),
        y_range=(1, 5),
        point=(4.0, 2.0),
        x_ci=(3.5, 4.5),
        y_ci=(1.5, 2.5),
        cut_x=3,
        cut_y=3,
        regions={
            "low-low": "neither",
            "high-low": "internal",
            "low-high": "relational",
            "high-high": "both",
        },
        active="high-low",
    )
    root = parse(svg)
    active = root.find(f"{SVG}rect[@class='active-region']")
    assert active is not None
    # the internal quadrant: right of the cut x = 3, below the cut y = 3
    assert float(active.get("x")) > 100
    assert float(active.get("y")) > 100
    dashed = [line for line in root.findall(f"{SVG}line") if line.get("stroke-dasharray")]
    assert len(dashed) == 2  # both cut lines
    assert root.find(f"{SVG}rect[@class='interval-box']") is not None
    texts = [t.text for t in root.findall(f"{SVG}text")]
    assert {"neither", "internal", "relational", "both", "x", "y"} <= set(texts)


def test_reading_chart_without_cuts_draws_no_regions() -> None:
    svg = charts.reading_chart(
        "f",
        "T",
        "D",
        x_label="x",
        y_label="y",
        x_range=(1, 7),
        y_range=(1, 7),
        point=(2.0, 2.0),
        regions={"low-low": "secure"},
    )
    assert "secure" not in svg
    assert "stroke-dasharray" not in svg


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (1, 7, [1, 2, 3, 4, 5, 6, 7]),
        (0, 30, [0, 5, 10, 15, 20, 25, 30]),
        (0, 100, [0, 20, 40, 60, 80, 100]),
        (-2.5, 2.5, [-2, -1, 0, 1, 2]),
        (3, 3, [3]),
    ],
    ids=["1-7", "0-30", "0-100", "negative", "empty"],
)
def test_nice_ticks(low: float, high: float, expected: list[float]) -> None:
    assert charts.nice_ticks(low, high) == expected


def test_histogram_counts_every_finite_value() -> None:
    values = [1.0, 1.0, 4.0, 7.0, math.nan, 9.0, -1.0]
    assert charts.bin_counts(values, 1, 7, 3) == [3, 1, 2]
    svg = charts.histogram("h", "T", "D", values=values, low=1, high=7, x_label="x", bins=3)
    bars = parse(svg).findall(f"{SVG}rect")
    assert [b.findtext(f"{SVG}title") for b in bars] == ["3", "1", "2"]


def test_histogram_of_no_values() -> None:
    svg = charts.histogram("e", "T", "D", values=[], low=0, high=1, x_label="x", bins=4)
    assert [float(r.get("height")) for r in parse(svg).findall(f"{SVG}rect")] == [0.0] * 4


@pytest.mark.parametrize(
    ("value", "ci", "expected"),
    [
        (4.0, (3.0, 5.0), "1 |---[=o=]---| 7"),
        (1.5, (0.0, 3.0), "1 |<o=]-------| 7"),
        (6.5, (5.0, 8.0), "1 |-------[=o>| 7"),
        (None, None, "1 |-----------| 7"),
        (2.0, None, "1 |--o--------| 7"),
    ],
    ids=["inside", "past-low", "past-high", "missing", "no-interval"],
)
def test_text_bar(value: float | None, ci: tuple[float, float] | None, expected: str) -> None:
    assert str(charts.text_bar(1, 7, value, ci, width=13)) == expected
