"""Inline SVG charts of the change and couple reports, built as text like :mod:`.charts`.

Two charts: a score over time with its interval at each wave and the reliable change band
shaded around the first score (:func:`change_chart`), and two partners' scores on one scale
(:func:`pair_chart`). They follow :mod:`relscales.reports.charts`: the Okabe-Ito palette, no
meaning in colour alone (the band is labelled, the partners are a circle and a square with
their numbers), a ``<title>`` and ``<desc>`` referenced by ``aria-labelledby``, every text
XML-escaped, and a :class:`markupsafe.Markup` result that templates insert as it is. Reports
put a data table next to each chart, for readers who cannot see it.

Examples
--------
>>> svg = change_chart("c1", "Anxiety over time", "3.0 then 2.0", low=1, high=7,
...                    waves=["T1", "T2"], values=[3.0, 2.0], intervals=[None, None],
...                    band=(2.5, 3.5), base=3.0)
>>> '<title id="c1-title">' in svg and 'class="band"' in svg
True
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from markupsafe import Markup, escape

from relscales.reports.charts import INK, PALETTE, _line, _n, _num, _open, _text, nice_ticks

__all__ = ["change_chart", "pair_chart"]

BAND_FILL = PALETTE["sky"]
GRID = "#DDDDDD"


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def _short(label: str, most: int = 14) -> str:
    return label if len(label) <= most else label[: most - 1] + "…"


def change_chart(
    chart_id: str,
    title: str,
    desc: str,
    *,
    low: float,
    high: float,
    waves: Sequence[str],
    values: Sequence[float | None],
    intervals: Sequence[tuple[float, float] | None],
    band: tuple[float, float] | None,
    base: float | None,
    width: float = 480,
    height: float = 210,
) -> Markup:
    """Draw one score at each wave, its intervals, and the reliable change band.

    Parameters
    ----------
    chart_id
        Unique id in the page (prefix of the title and description ids).
    title, desc
        The text alternative: a short name and a sentence with the numbers.
    low, high
        The range drawn (the y axis).
    waves, values, intervals
        The wave labels in order, the score at each (None: missing) and its interval
        (None: no interval).
    band, base
        The reliable change band (``base`` +/- the band's half-width), shaded, and the score
        it is drawn around (dashed); None when there is no band.
    """
    left, right, top, bottom = 40.0, 14.0, 10.0, 34.0
    plot_w, plot_h = width - left - right, height - top - bottom
    span = (high - low) or 1.0
    n = len(waves)

    def sx(k: int) -> float:
        inner = 24.0
        if n <= 1:
            return left + plot_w / 2
        return left + inner + k * (plot_w - 2 * inner) / (n - 1)

    def sy(v: float) -> float:
        return top + plot_h - (min(max(v, low), high) - low) / span * plot_h

    parts = [_open(chart_id, width, height, title, desc, "change")]
    for tick in nice_ticks(low, high, 6):
        parts.append(_line(left, sy(tick), left + plot_w, sy(tick), GRID))
        parts.append(_text(left - 6, sy(tick) + 3.5, _num(tick), anchor="end", size=10))
    if band is not None and _finite(band[0]) and _finite(band[1]):
        y0, y1 = sy(band[1]), sy(band[0])
        parts.append(
            f'<rect class="band" x="{_n(left)}" y="{_n(y0)}" width="{_n(plot_w)}" '
            f'height="{_n(max(y1 - y0, 0.5))}" fill="{BAND_FILL}" fill-opacity="0.3">'
            f"<title>Reliable change band: {escape(f'{band[0]:.2f}')} to "
            f"{escape(f'{band[1]:.2f}')}</title></rect>"
        )
        parts.append(
            _text(left + plot_w - 4, y0 + 10, "reliable change band", anchor="end", size=9)
        )
        if _finite(base):
            assert base is not None
            parts.append(_line(left, sy(base), left + plot_w, sy(base), INK, 1, "4 3"))
    parts.append(_line(left, top, left, top + plot_h, INK))
    parts.append(_line(left, top + plot_h, left + plot_w, top + plot_h, INK))
    blue = PALETTE["blue"]
    for k, ci in enumerate(intervals):
        if ci is None or not (_finite(ci[0]) and _finite(ci[1])):
            continue
        x, a, b = sx(k), sy(ci[0]), sy(ci[1])
        parts.append(
            '<g class="interval">'
            + _line(x, a, x, b, blue, 2)
            + _line(x - 5, a, x + 5, a, blue, 2)
            + _line(x - 5, b, x + 5, b, blue, 2)
            + "</g>"
        )
    present = [k for k, v in enumerate(values) if _finite(v)]
    for i, j in itertools.pairwise(present):
        vi, vj = values[i], values[j]
        assert vi is not None
        assert vj is not None
        parts.append(_line(sx(i), sy(vi), sx(j), sy(vj), INK, 1.5, "" if j == i + 1 else "2 3"))
    for k, wave in enumerate(waves):
        value = values[k] if k < len(values) else None
        parts.append(_text(sx(k), top + plot_h + 15, _short(wave), size=10))
        if _finite(value):
            assert value is not None
            parts.append(
                f'<circle class="point" cx="{_n(sx(k))}" cy="{_n(sy(value))}" r="4.5" '
                f'fill="{PALETTE["vermillion"]}" stroke="{PALETTE["black"]}" stroke-width="1">'
                f"<title>{escape(wave)}: {escape(f'{value:.2f}')}</title></circle>"
            )
        else:
            parts.append(_text(sx(k), top + plot_h - 6, "missing", size=9, font_style="italic"))
    parts.append(_text(left + plot_w / 2, height - 4, "wave", size=10))
    parts.append("</svg>")
    return Markup("".join(parts))


def pair_chart(
    chart_id: str,
    title: str,
    desc: str,
    *,
    low: float,
    high: float,
    first: float | None,
    second: float | None,
    width: float = 480,
) -> Markup:
    """Draw two partners' scores on the score's range: 1 a circle, 2 a square."""
    pad = 14.0
    x0, x1 = pad, width - pad
    span = (high - low) or 1.0

    def sx(v: float) -> float:
        return x0 + (min(max(v, low), high) - low) / span * (x1 - x0)

    mid, axis_y = 26.0, 50.0
    height = axis_y + 18
    parts = [_open(chart_id, width, height, title, desc, "pair")]
    parts.append(
        f'<rect x="{_n(x0)}" y="{_n(mid - 8)}" width="{_n(x1 - x0)}" height="16" fill="#F2F2F2"/>'
    )
    parts.append(_line(x0, axis_y, x1, axis_y, INK))
    for tick in nice_ticks(low, high):
        parts.append(_line(sx(tick), axis_y, sx(tick), axis_y + 3, INK))
        parts.append(_text(sx(tick), axis_y + 14, _num(tick), size=10))
    if _finite(first) and _finite(second):
        assert first is not None
        assert second is not None
        parts.append(_line(sx(first), mid, sx(second), mid, INK, 1.5))
    if _finite(first):
        assert first is not None
        parts.append(
            f'<circle class="partner-1" cx="{_n(sx(first))}" cy="{_n(mid)}" r="5.5" '
            f'fill="{PALETTE["vermillion"]}" stroke="{PALETTE["black"]}" stroke-width="1"/>'
        )
        parts.append(_text(sx(first), mid - 9, "1", size=10))
    if _finite(second):
        assert second is not None
        parts.append(
            f'<rect class="partner-2" x="{_n(sx(second) - 5)}" y="{_n(mid - 5)}" width="10" '
            f'height="10" fill="{PALETTE["blue"]}" stroke="{PALETTE["black"]}" stroke-width="1"/>'
        )
        parts.append(_text(sx(second), mid + 16, "2", size=10))
    parts.append("</svg>")
    return Markup("".join(parts))
