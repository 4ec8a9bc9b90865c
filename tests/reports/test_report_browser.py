"""The HTML reports in headless Chromium: they render, charts are visible, nothing runs.

Needs Debian's ``chromium`` at /usr/bin/chromium (``apt-get install -y chromium``) and the
``playwright`` package (a test dependency); ``playwright install`` is never used. One
browser serves the whole module. Set ``RELSCALES_SCREENSHOT_DIR`` to keep the screenshots.
"""

from __future__ import annotations

import datetime
import os
import shutil
import struct
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from relscales.reports.render import ReportInput, render_person_report, render_study_report

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
Clock = Callable[[], datetime.datetime]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian chromium at /usr/bin/chromium (apt-get install chromium)",
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


class Visit:
    """A page opened from a file, with everything it logged, requested or popped up."""

    def __init__(self, browser: Any, path: Path, width: int = 1000) -> None:
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.page = self.context.new_page()
        self.page.on(
            "console", lambda m: m.type in ("error", "warning") and self.errors.append(m.text)
        )
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", self._dialog)
        self.page.route("**/*", self._route)
        self.page.goto(path.as_uri())

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith("file://"):
            route.continue_()
        else:  # nothing may be fetched from the network
            self.requests.append(url)
            route.abort()

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser: Any) -> Iterator[Callable[..., Visit]]:
    opened: list[Visit] = []

    def open_(path: Path, width: int = 1000) -> Visit:
        opened.append(Visit(browser, path, width))
        return opened[-1]

    yield open_
    for v in opened:
        v.close()


CHARTS = """
Array.from(document.querySelectorAll('svg.chart')).map(svg => {
  const box = svg.getBoundingClientRect();
  const style = getComputedStyle(svg);
  const ids = (svg.getAttribute('aria-labelledby') || '').split(' ');
  return {
    title: svg.querySelector('title') ? svg.querySelector('title').textContent : '',
    visible: box.width > 0 && box.height > 0 && style.visibility === 'visible'
      && style.display !== 'none',
    width: box.width, height: box.height, role: svg.getAttribute('role'),
    titles: svg.querySelectorAll(':scope > title').length,
    descs: svg.querySelectorAll(':scope > desc').length,
    labelled: ids.length === 2 && ids.every(id => document.getElementById(id) !== null),
  };
})
"""


def write_person(
    tmp_path: Path, inp: ReportInput, row: int, clock: Clock, name: str = "person.html"
) -> Path:
    path = tmp_path / name
    path.write_text(
        render_person_report(inp.result, inp.compiled, row, battery=inp.battery, clock=clock),
        encoding="utf-8",
    )
    return path


def png_pixels(data: bytes) -> tuple[int, int, list[tuple[int, ...]]]:
    """Decode an 8-bit RGB or RGBA PNG (what Chromium writes) into pixels."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    width = height = channels = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8
            assert colour in (2, 6)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytearray] = []
    prev = bytearray(stride)
    for y in range(height):
        ftype, line = (
            raw[y * (stride + 1)],
            bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]),
        )
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 255
            elif ftype == 2:
                line[i] = (line[i] + b) & 255
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pred) & 255
        rows.append(line)
        prev = line
    pixels = [tuple(row[x * channels : x * channels + 3]) for row in rows for x in range(width)]
    return width, height, pixels


def keep(path: Path, name: str) -> None:
    folder = os.environ.get("RELSCALES_SCREENSHOT_DIR")
    if folder:
        shutil.copy(path, Path(folder) / name)


@pytest.fixture(scope="module")
def p001(
    browser: Any, battery_input: ReportInput, clock: Clock, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Visit]:
    """The report of P-001 (safety flag raised), opened once for the tests that only read it."""
    v = Visit(browser, write_person(tmp_path_factory.mktemp("p001"), battery_input, 0, clock))
    yield v
    v.close()


def test_person_report_renders_with_visible_charts_and_nothing_else(p001: Visit) -> None:
    v = p001
    page = v.page
    charts = page.evaluate(CHARTS)  # one round trip for every chart
    # 23 scores (the RISI safety screen has no chart) and 1 reading: with the safety flag
    # raised, the two insecurity-source readings draw no chart (safety first, no region)
    assert len(charts) == 24
    for chart in charts:
        assert chart["visible"], chart["title"]
        assert chart["width"] > 150
        assert chart["height"] > 30
        assert chart["role"] == "img"
        assert chart["titles"] == 1
        assert chart["descs"] == 1
        assert chart["labelled"]
    assert page.locator("svg.chart-reading circle.point").count() == 1
    assert page.locator("section.reading.safety-first").count() == 2
    assert page.locator("section.reading.safety-first svg").count() == 0
    assert page.locator("section.reading.safety-first .reading-body ul").count() == 0
    # safety first: above the banners and every reading
    safety = page.locator("section.safety").bounding_box()
    banner = page.locator("p.banner").first.bounding_box()
    reading = page.locator("section.reading").first.bounding_box()
    assert safety is not None
    assert banner is not None
    assert reading is not None
    assert safety["y"] < banner["y"] < reading["y"]
    assert page.locator("section.safety").get_attribute("role") == "alert"
    assert "1-800-799-7233" in page.locator("section.safety").inner_text()
    assert v.errors == []
    assert v.requests == []
    assert page.evaluate("document.querySelectorAll('script').length") == 0


def test_safety_that_could_not_be_checked_is_said_before_any_score(
    tmp_path: Path, battery_input: ReportInput, clock: Clock, visit: Callable[..., Visit]
) -> None:
    v = visit(write_person(tmp_path, battery_input, 5, clock))  # P-006 skipped a safety item
    page = v.page
    notice = page.locator("section.safety-unknown")
    assert notice.count() == 1
    assert notice.is_visible()
    assert page.locator("section.safety").count() == 0
    text = notice.inner_text()
    assert "Safety could not be checked" in text
    assert "1-800-799-7233" in text
    assert "browser history" in text
    box = notice.bounding_box()
    banner = page.locator("p.banner").first.bounding_box()
    assert box is not None
    assert banner is not None
    assert box["y"] < banner["y"]
    assert page.locator("svg.chart-reading circle.point").count() == 3  # readings still drawn
    assert v.errors == []


def test_screenshots_are_real_pages_and_charts(tmp_path: Path, p001: Visit) -> None:
    v = p001
    shot = tmp_path / "person.png"
    v.page.screenshot(path=str(shot))
    keep(shot, "person.png")
    width, height = struct.unpack(">II", shot.read_bytes()[16:24])
    assert (width, height) == (1000, 900)
    assert v.page.evaluate("document.documentElement.scrollHeight") > 3000  # the whole report
    chart = tmp_path / "reading.png"
    v.page.locator("svg.chart-reading").first.screenshot(path=str(chart))
    keep(chart, "reading.png")
    width, height, pixels = png_pixels(chart.read_bytes())
    assert width >= 250
    assert height >= 250
    non_white = sum(1 for p in pixels if p != (255, 255, 255))
    assert non_white / len(pixels) > 0.05
    vermillion = sum(1 for r, g, b in pixels if r > 190 and 70 < g < 110 and b < 40)
    assert vermillion > 30  # the respondent's point
    blue = sum(1 for r, g, b in pixels if r < 40 and 90 < g < 140 and b > 150)
    assert blue > 30  # the interval cross
    assert len(set(pixels)) > 20


def test_script_in_a_respondent_id_stays_text(
    tmp_path: Path, battery_input: ReportInput, clock: Clock, visit: Callable[..., Visit]
) -> None:
    v = visit(write_person(tmp_path, battery_input, 4, clock))
    page = v.page
    assert page.locator(".respondent-id").inner_text() == "<script>alert(1)</script>"
    assert "<script>alert(1)</script>" in page.title()
    assert page.evaluate("document.querySelectorAll('script').length") == 0
    assert v.dialogs == []
    assert v.errors == []


def test_print_gives_one_page_for_one_instrument(
    tmp_path: Path, ecr_input: ReportInput, clock: Clock, visit: Callable[..., Visit]
) -> None:
    v = visit(write_person(tmp_path, ecr_input, 0, clock))
    page = v.page
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") == 1
    # several people in one document (a custom template): each starts on a new page
    page.evaluate(
        "document.body.appendChild(document.querySelector('main.person').cloneNode(true))"
    )
    style = "getComputedStyle(document.querySelectorAll('main.person')[0]).breakAfter"
    assert page.evaluate(style) == "page"
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") == 2


def test_study_report_renders(
    tmp_path: Path, battery_input: ReportInput, clock: Clock, visit: Callable[..., Visit]
) -> None:
    from relscales.pipeline.analysis import analyze

    analyses = [
        analyze(c, battery_input.result.metadata["input"]["name"])
        for c in battery_input.compiled
        if c.id == "rses"
    ]  # ECR-R's omega on 6 people is slow
    path = tmp_path / "study.html"
    path.write_text(
        render_study_report(
            battery_input.result,
            battery_input.compiled,
            analyses=analyses,
            battery=battery_input.battery,
            clock=clock,
        ),
        encoding="utf-8",
    )
    v = visit(path)
    histograms = v.page.locator("svg.chart-histogram")
    assert histograms.count() == 24  # every score of RISI, ECR-R, RSES and the battery
    assert all(histograms.nth(i).is_visible() for i in range(histograms.count()))
    assert "indeterminate" in v.page.locator("main").inner_text()
    assert v.errors == []
    assert v.requests == []
