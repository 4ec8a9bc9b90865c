"""Inline SVG charts for reports, built as text (no JavaScript, fonts or network).

Three charts: a score with its interval against the reference distribution and bands
(:func:`interval_chart`), a two-axis reading with the respondent's point, the interval
cross and the cut lines (:func:`reading_chart`), and a histogram (:func:`histogram`).
Colours are the Okabe-Ito palette, which stays distinguishable with the common forms of
colour blindness; no meaning rests on colour alone (lines are dashed or labelled). Every
chart has a ``<title>`` and a ``<desc>`` referenced by ``aria-labelledby``, so screen
readers read a text alternative. Every text is XML-escaped; the result is a
:class:`markupsafe.Markup` that templates insert as it is.

Examples
--------
>>> svg = interval_chart("c1", "Anxiety", "3.2 on 1 to 7", low=1, high=7, value=3.2)
>>> svg.startswith("<svg") and 'role="img"' in svg and '<title id="c1-title">' in svg
True
>>> str(text_bar(1, 7, 4.0, (3.0, 5.0), width=13))
'1 |---[=o=]---| 7'
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

__all__ = [
    "PALETTE",
    "Band",
    "NormCurve",
    "histogram",
    "interval_chart",
    "nice_ticks",
    "reading_chart",
    "text_bar",
]

PALETTE = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
}
"""Okabe & Ito (2008) colour-blind-safe palette."""

INK = "#222222"
GRID = "#BBBBBB"
BAND_TINTS = ("#F2F2F2", "#E0E0E0")


@dataclass(frozen=True, slots=True)
class Band:
    """An interpretation band for :func:`interval_chart` (``below`` None on the last)."""

    label: str
    below: float | None


@dataclass(frozen=True, slots=True)
class NormCurve:
    """A reference group drawn as a normal density for :func:`interval_chart`."""

    group: str
    mean: float
    sd: float


def _n(value: float) -> str:
    """Format a coordinate."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _num(value: float) -> str:
    """Format an axis label."""
    return f"{value:g}" if abs(value) >= 1e-9 else "0"


def nice_ticks(low: float, high: float, most: int = 8) -> list[float]:
    """Return round tick values covering ``[low, high]``, at most ``most`` of them.

    Examples
    --------
    >>> nice_ticks(1, 7)
    [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]
    >>> nice_ticks(0, 100)
    [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]
    """
    span = high - low
    if not math.isfinite(span) or span <= 0:
        return [float(low)]
    raw = span / max(most - 1, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(low / step - 1e-9) * step
    ticks: list[float] = []
    k = 0
    while first + k * step <= high + 1e-9 * step:
        ticks.append(round(first + k * step, 10))
        k += 1
    return ticks


def _open(chart_id: str, width: float, height: float, title: str, desc: str, kind: str) -> str:
    cid = escape(chart_id)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" id="{cid}" '
        f'width="{_n(width)}" height="{_n(height)}" viewBox="0 0 {_n(width)} {_n(height)}" '
        f'role="img" aria-labelledby="{cid}-title {cid}-desc">'
        f'<title id="{cid}-title">{escape(title)}</title>'
        f'<desc id="{cid}-desc">{escape(desc)}</desc>'
    )


def _text(
    x: float, y: float, text: str, *, anchor: str = "middle", size: int = 11, **attrs: str
) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{escape(v)}"' for k, v in attrs.items())
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" font-size="{size}" '
        f'fill="{INK}"{extra}>{escape(text)}</text>'
    )


def _line(
    x1: float, y1: float, x2: float, y2: float, colour: str, width: float = 1, dash: str = ""
) -> str:
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" stroke="{colour}" '
        f'stroke-width="{_n(width)}"{dashed}/>'
    )


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def interval_chart(
    chart_id: str,
    title: str,
    desc: str,
    *,
    low: float,
    high: float,
    value: float | None,
    ci: tuple[float, float] | None = None,
    bands: Sequence[Band] = (),
    norm: NormCurve | None = None,
    width: float = 480,
) -> Markup:
    """Draw a score with its interval on the scale's range, over bands and a norm curve.

    Parameters
    ----------
    chart_id
        Unique id in the page (prefix of the title and description ids).
    title, desc
        The text alternative: a short name and a sentence with the numbers.
    low, high
        The range of the score (the x axis).
    value, ci
        The respondent's score and interval (either may be missing).
    bands
        Interpretation bands, drawn as a labelled strip.
    norm
        A reference group, drawn as a normal density with its mean dashed.
    """
    pad = 14.0
    x0, x1 = pad, width - pad
    span = (high - low) or 1.0

    def sx(v: float) -> float:
        return x0 + (min(max(v, low), high) - low) / span * (x1 - x0)

    top = 4.0
    curve_h = 40.0 if norm is not None else 0.0
    strip_y = top + curve_h + 4
    strip_h = 16.0
    axis_y = strip_y + strip_h + 4
    height = axis_y + 18
    parts = [_open(chart_id, width, height, title, desc, "interval")]
    if norm is not None and norm.sd > 0:
        points = [low + span * i / 80 for i in range(81)]
        dens = [math.exp(-0.5 * ((p - norm.mean) / norm.sd) ** 2) for p in points]
        peak = max(dens) or 1.0
        base = top + curve_h
        path = f"M{_n(sx(low))},{_n(base)} " + " ".join(
            f"L{_n(sx(p))},{_n(base - d / peak * (curve_h - 2))}"
            for p, d in zip(points, dens, strict=True)
        )
        path += f" L{_n(sx(high))},{_n(base)} Z"
        parts.append(
            f'<path d="{path}" fill="{PALETTE["sky"]}" fill-opacity="0.35" '
            f'stroke="{PALETTE["blue"]}" stroke-width="1"><title>{escape(norm.group)}: mean '
            f"{norm.mean:g}, SD {norm.sd:g}</title></path>"
        )
        if low <= norm.mean <= high:
            parts.append(_line(sx(norm.mean), top, sx(norm.mean), base, PALETTE["black"], 1, "3 2"))
    start = low
    for k, band in enumerate(bands):
        end = high if band.below is None else min(float(band.below), high)
        if end > start:
            bx, bw = sx(start), sx(end) - sx(start)
            parts.append(
                f'<rect x="{_n(bx)}" y="{_n(strip_y)}" width="{_n(bw)}" height="{_n(strip_h)}" '
                f'fill="{BAND_TINTS[k % 2]}" stroke="#FFFFFF"><title>{escape(band.label)}</title>'
                "</rect>"
            )
            if len(band.label) * 5.6 < bw - 4:
                parts.append(
                    _text(
                        bx + bw / 2, strip_y + strip_h - 4, band.label, size=9, fill_opacity="0.8"
                    )
                )
        start = max(start, end)
    if not bands:
        parts.append(
            f'<rect x="{_n(x0)}" y="{_n(strip_y)}" width="{_n(x1 - x0)}" height="{_n(strip_h)}" '
            f'fill="{BAND_TINTS[0]}"/>'
        )
    parts.append(_line(x0, axis_y, x1, axis_y, INK))
    for tick in nice_ticks(low, high):
        parts.append(_line(sx(tick), axis_y, sx(tick), axis_y + 3, INK))
        parts.append(_text(sx(tick), axis_y + 14, _num(tick), size=10))
    mid = strip_y + strip_h / 2
    if ci is not None and _finite(ci[0]) and _finite(ci[1]):
        a, b = sx(ci[0]), sx(ci[1])
        blue = PALETTE["blue"]
        ends = []
        for x, past, step in ((a, ci[0] < low, -1), (b, ci[1] > high, 1)):
            if past:  # runs past the end of the scale: an arrowhead, not a cap
                ends.append(
                    f'<path d="M{_n(x + step * 7)},{_n(mid)} L{_n(x)},{_n(mid - 5)} '
                    f'L{_n(x)},{_n(mid + 5)} Z" fill="{blue}" stroke="none"/>'
                )
            else:
                ends.append(_line(x, mid - 6, x, mid + 6, blue, 2))
        parts.append(
            '<g class="interval">' + _line(a, mid, b, mid, blue, 3) + "".join(ends) + "</g>"
        )
    if _finite(value):
        assert value is not None
        parts.append(
            f'<circle class="point" cx="{_n(sx(value))}" cy="{_n(mid)}" r="5" '
            f'fill="{PALETTE["vermillion"]}" stroke="{PALETTE["black"]}" stroke-width="1"/>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def wrap_label(text: str, width: float, *, char_width: float = 6.6, most: int = 3) -> list[str]:
    """Split an axis label into lines that fit ``width`` pixels at 12 px (at most ``most``).

    >>> wrap_label("Internal pattern (mean of five facets)", 300)
    ['Internal pattern (mean of five facets)']
    >>> wrap_label("Internal pattern, combined (RISI internal pattern, ECR-R anxiety)", 200)
    ['Internal pattern, combined', '(RISI internal pattern, ECR-R', 'anxiety)']
    """
    fits = max(int(width / char_width), 8)
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= fits:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) > most:
        lines = [*lines[: most - 1], " ".join(lines[most - 1 :])]
    return lines or [""]


def reading_chart(
    chart_id: str,
    title: str,
    desc: str,
    *,
    x_label: str,
    y_label: str,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    point: tuple[float, float] | None,
    x_ci: tuple[float, float] | None = None,
    y_ci: tuple[float, float] | None = None,
    cut_x: float | None = None,
    cut_y: float | None = None,
    regions: Mapping[str, str] | None = None,
    active: str | None = None,
    size: float = 320,
) -> Markup:
    """Draw a two-axis reading: the point, its interval cross and box, and the cut lines.

    ``regions`` maps ``"low-low"``, ``"low-high"``, ``"high-low"``, ``"high-high"`` (x level
    first) to region names, written in each quadrant; the ``active`` one is shaded.
    """
    x_lines = wrap_label(x_label, size - 56.0)
    y_lines = wrap_label(y_label, size - 48.0)
    left = 32.0 + 14.0 * len(y_lines)
    bottom, top, right = 26.0 + 14.0 * len(x_lines), 8.0, 10.0
    side = size - left - right
    width, height = size, top + side + bottom
    (xl, xh), (yl, yh) = x_range, y_range

    def sx(v: float) -> float:
        return left + (min(max(v, xl), xh) - xl) / ((xh - xl) or 1.0) * side

    def sy(v: float) -> float:
        return top + side - (min(max(v, yl), yh) - yl) / ((yh - yl) or 1.0) * side

    parts = [_open(chart_id, width, height, title, desc, "reading")]
    parts.append(
        f'<rect x="{_n(left)}" y="{_n(top)}" width="{_n(side)}" height="{_n(side)}" '
        f'fill="#FFFFFF" stroke="{INK}"/>'
    )
    if cut_x is not None and cut_y is not None:
        cx, cy = sx(cut_x), sy(cut_y)
        quads = {
            "low-low": (left, cy, cx - left, top + side - cy),
            "low-high": (left, top, cx - left, cy - top),
            "high-low": (cx, cy, left + side - cx, top + side - cy),
            "high-high": (cx, top, left + side - cx, cy - top),
        }
        for key, (qx, qy, qw, qh) in quads.items():
            if key == active:
                parts.append(
                    f'<rect class="active-region" x="{_n(qx)}" y="{_n(qy)}" width="{_n(qw)}" '
                    f'height="{_n(qh)}" fill="{PALETTE["orange"]}" fill-opacity="0.18"/>'
                )
            name = (regions or {}).get(key)
            if name:
                tx = qx + 6 if key.startswith("low") else qx + qw - 6
                ty = qy + 14 if key.endswith("high") else qy + qh - 6
                parts.append(
                    _text(
                        tx,
                        ty,
                        name,
                        anchor="start" if key.startswith("low") else "end",
                        size=11,
                        font_style="italic",
                    )
                )
        parts.append(_line(cx, top, cx, top + side, INK, 1.2, "5 3"))
        parts.append(_line(left, cy, left + side, cy, INK, 1.2, "5 3"))
    for tick in nice_ticks(xl, xh):
        parts.append(_line(sx(tick), top + side, sx(tick), top + side + 4, INK))
        parts.append(_text(sx(tick), top + side + 15, _num(tick), size=10))
    for tick in nice_ticks(yl, yh):
        parts.append(_line(left - 4, sy(tick), left, sy(tick), INK))
        parts.append(_text(left - 7, sy(tick) + 3.5, _num(tick), anchor="end", size=10))
    for i, line in enumerate(x_lines):
        parts.append(_text(left + side / 2, top + side + 30 + 14 * i, line, size=12))
    ymid = top + side / 2
    for i, line in enumerate(y_lines):
        lx = 14 + 14 * i
        parts.append(
            f'<text x="{_n(lx)}" y="{_n(ymid)}" text-anchor="middle" font-size="12" '
            f'fill="{INK}" transform="rotate(-90 {_n(lx)} {_n(ymid)})">{escape(line)}</text>'
        )
    if point is not None and _finite(point[0]) and _finite(point[1]):
        px, py = sx(point[0]), sy(point[1])
        blue = PALETTE["blue"]
        if x_ci is not None and y_ci is not None and all(map(_finite, (*x_ci, *y_ci))):
            bx0, bx1, by0, by1 = sx(x_ci[0]), sx(x_ci[1]), sy(y_ci[1]), sy(y_ci[0])
            parts.append(
                f'<rect class="interval-box" x="{_n(bx0)}" y="{_n(by0)}" width="{_n(bx1 - bx0)}" '
                f'height="{_n(by1 - by0)}" fill="{blue}" fill-opacity="0.08" stroke="{blue}" '
                'stroke-dasharray="2 2"/>'
            )
        if x_ci is not None and _finite(x_ci[0]) and _finite(x_ci[1]):
            parts.append(_line(sx(x_ci[0]), py, sx(x_ci[1]), py, blue, 2.5))
        if y_ci is not None and _finite(y_ci[0]) and _finite(y_ci[1]):
            parts.append(_line(px, sy(y_ci[0]), px, sy(y_ci[1]), blue, 2.5))
        parts.append(
            f'<circle class="point" cx="{_n(px)}" cy="{_n(py)}" r="5.5" '
            f'fill="{PALETTE["vermillion"]}" stroke="{PALETTE["black"]}" stroke-width="1.2"/>'
        )
    else:
        parts.append(_text(left + side / 2, top + side / 2, "no reading: a score is missing"))
    parts.append("</svg>")
    return Markup("".join(parts))


def histogram(
    chart_id: str,
    title: str,
    desc: str,
    *,
    values: Sequence[float],
    low: float,
    high: float,
    x_label: str,
    bins: int = 12,
    width: float = 480,
    height: float = 170,
) -> Markup:
    """Draw a histogram of ``values`` (missing values are left out) over ``[low, high]``."""
    left, bottom, top, right = 40.0, 34.0, 14.0, 10.0
    plot_w, plot_h = width - left - right, height - top - bottom
    counts = bin_counts(values, low, high, bins)
    peak = max(counts) if counts and max(counts) > 0 else 1
    parts = [_open(chart_id, width, height, title, desc, "histogram")]
    bar_w = plot_w / bins
    for k, count in enumerate(counts):
        h = count / peak * plot_h
        x = left + k * bar_w
        parts.append(
            f'<rect x="{_n(x + 0.5)}" y="{_n(top + plot_h - h)}" width="{_n(bar_w - 1)}" '
            f'height="{_n(h)}" fill="{PALETTE["blue"]}"><title>{count}</title></rect>'
        )
        if count:
            parts.append(_text(x + bar_w / 2, top + plot_h - h - 2, str(count), size=9))
    parts.append(_line(left, top + plot_h, left + plot_w, top + plot_h, INK))
    span = (high - low) or 1.0
    for tick in nice_ticks(low, high):
        tx = left + (tick - low) / span * plot_w
        parts.append(_line(tx, top + plot_h, tx, top + plot_h + 4, INK))
        parts.append(_text(tx, top + plot_h + 15, _num(tick), size=10))
    parts.append(_line(left, top, left, top + plot_h, INK))
    parts.append(_text(left - 6, top + 4, str(peak), anchor="end", size=10))
    parts.append(_text(left - 6, top + plot_h, "0", anchor="end", size=10))
    parts.append(_text(left + plot_w / 2, height - 4, x_label, size=11))
    parts.append("</svg>")
    return Markup("".join(parts))


def bin_counts(values: Sequence[float], low: float, high: float, bins: int) -> list[int]:
    """Count finite values in ``bins`` equal bins over ``[low, high]`` (the last is closed).

    Examples
    --------
    >>> bin_counts([1, 1.5, 2, 3, float("nan")], 1, 3, 2)
    [2, 2]
    """
    counts = [0] * bins
    span = (high - low) or 1.0
    for v in values:
        if not math.isfinite(v):
            continue
        k = int((v - low) / span * bins)
        counts[min(max(k, 0), bins - 1)] += 1
    return counts


def text_bar(
    low: float, high: float, value: float | None, ci: tuple[float, float] | None, width: int = 41
) -> Markup:
    """Draw a score and its interval as one line of text, for Markdown and plain text.

    ``o`` is the score, ``[`` and ``]`` the ends of the interval, ``=`` the interval;
    ``<`` or ``>`` mark an interval that runs past the end of the scale.
    """
    inner = width - 2
    cells = ["-"] * inner

    def at(v: float) -> int:
        frac = (min(max(v, low), high) - low) / ((high - low) or 1.0)
        return round(frac * (inner - 1))

    if ci is not None and _finite(ci[0]) and _finite(ci[1]):
        a, b = at(ci[0]), at(ci[1])
        for k in range(a, b + 1):
            cells[k] = "="
        cells[a] = "<" if ci[0] < low else "["
        cells[b] = ">" if ci[1] > high else "]"
    if _finite(value):
        assert value is not None
        cells[at(value)] = "o"
    return Markup(f"{_num(low)} |{''.join(cells)}| {_num(high)}")
