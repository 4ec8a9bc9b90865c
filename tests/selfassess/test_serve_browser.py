"""`relscales serve` end to end in headless Chromium (Debian's), with JavaScript turned off.

The server runs in a thread on a free port; the browser is Playwright driving
/usr/bin/chromium (never a downloaded browser). Skipped, with the reason, when Chromium
or Playwright is absent.
"""

from __future__ import annotations

import http.server
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from relscales.selfassess.server import SelfAssessApp, ServeOptions, make_server

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

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
)
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="needs playwright (pip install playwright)"
)
expect = sync_api.expect


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


def _start(server: http.server.HTTPServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    folder = tmp_path / "submissions"
    folder.mkdir()
    return folder


@pytest.fixture
def site(saved: Path) -> Iterator[str]:
    app = SelfAssessApp(ServeOptions(save_dir=saved))
    httpd = make_server(app, "127.0.0.1", 0)
    thread = _start(httpd)
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.console_problems = []  # type: ignore[attr-defined]
    page.on(
        "console",
        lambda message: (
            page.console_problems.append(message.text)  # type: ignore[attr-defined]
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    yield page
    context.close()


def _open(page: Any, site: str, name: str) -> None:
    page.goto(site + "/")
    expect(page.get_by_role("heading", name="Questionnaires", exact=True)).to_be_visible()
    page.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()


def _question(page: Any, number: int) -> Any:
    return page.get_by_role("group", name=re.compile(rf"^{number}\. "))


def test_fill_risi_and_read_the_report(page: Any, site: str, saved: Path) -> None:
    _open(page, site, "Relationship Insecurity Sources Inventory")
    # the accessible way, for a few: the group is named by its legend, each radio by its label
    first = _question(page, 1)
    expect(first).to_contain_text("The worries I have in this relationship")
    first.get_by_role("radio", name="2 A little true").check()
    _question(page, 2).get_by_role("radio", name="Skip this question").check()
    # the keyboard: arrow keys move the choice inside a group, Tab leaves it
    page.locator("#q3-1").focus()
    page.keyboard.press("ArrowDown")
    expect(page.locator("#q3-2")).to_be_checked()
    expect(page.locator("#q3-2")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#q4-1")).to_be_focused()
    page.keyboard.press("Space")
    expect(page.locator("#q4-1")).to_be_checked()
    for number in range(5, 58):
        page.locator(f"#q{number}-1").check()
    _question(page, 54).get_by_role("radio", name="4 Mostly true").check()  # a safety item
    page.get_by_role("button", name="See my results").click()
    safety = page.get_by_role("alert")
    expect(safety).to_contain_text("National Domestic Violence Hotline")
    reading = page.get_by_role(
        "heading", name=re.compile("Where the insecurity seems to come from")
    )
    expect(reading).to_be_visible()
    assert safety.bounding_box()["y"] < reading.bounding_box()["y"]
    expect(page.locator("p.finding").first).to_contain_text(re.compile(r"Reading: \w+"))
    expect(page.get_by_role("navigation", name="Self-assessment")).to_contain_text(
        "saved on the computer running relscales"
    )
    assert len(list(saved.iterdir())) == 1
    assert page.console_problems == []  # no CSP violation: styles allowed by hash, no scripts


def test_invalid_submission_shows_the_problems(page: Any, site: str, saved: Path) -> None:
    _open(page, site, "Relationship Reassurance-Seeking Scale")
    _question(page, 1).get_by_role("radio", name="3 Somewhat true").check()
    for number in range(3, 12):
        page.locator(f"#q{number}-5").check()
    with page.expect_response(re.compile(r"/take/rrss$")) as answer:
        page.get_by_role("button", name="See my results").click()
    assert answer.value.status == 422
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()  # autofocus: keyboard and screen reader users start here
    expect(summary.get_by_role("heading")).to_have_text("2 questions need an answer")
    links = summary.get_by_role("link")
    expect(links).to_have_text(
        [
            "Question 2: Choose an answer, or choose to skip this question.",
            "Question 12: Choose an answer, or choose to skip this question.",
        ]
    )
    expect(_question(page, 2)).to_have_accessible_description(
        re.compile("Choose an answer, or choose to skip this question.")
    )
    expect(page.locator("#q1-3")).to_be_checked()  # earlier answers are kept
    expect(page.locator("#q11-5")).to_be_checked()
    links.first.click()
    assert page.url.endswith("#q2")
    _question(page, 2).get_by_role("radio", name="Skip this question").check()
    page.locator("#q12-1").check()
    page.get_by_role("button", name="See my results").click()
    expect(
        page.get_by_role("heading", name="Relationship Reassurance-Seeking Scale").first
    ).to_be_visible()
    expect(page.get_by_role("navigation", name="Self-assessment")).to_be_visible()
    assert len(list(saved.iterdir())) == 1
    assert page.console_problems == []


class _Attacker(http.server.BaseHTTPRequestHandler):
    target = ""

    def do_GET(self) -> None:
        page = (
            "<!DOCTYPE html><html><body><form method='post' action='"
            + self.target
            + "'><input type='hidden' name='rrss.rr_frq1' value='5'>"
            "<button type='submit'>Win a prize</button></form></body></html>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_cross_site_post_without_token_is_refused(page: Any, site: str, saved: Path) -> None:
    _open(page, site, "Relationship Reassurance-Seeking Scale")  # the browser holds our cookie
    handler = type("Attacker", (_Attacker,), {"target": f"{site}/take/rrss"})
    evil = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = _start(evil)
    try:
        page.goto(f"http://localhost:{evil.server_address[1]}/")  # another site
        with page.expect_response(re.compile(r"/take/rrss$")) as answer:
            page.get_by_role("button", name="Win a prize").click()
        assert answer.value.status == 403
        expect(page.get_by_role("heading", name="This form cannot be accepted")).to_be_visible()
        expect(page.get_by_text("Nothing was stored", exact=False)).to_be_visible()
    finally:
        evil.shutdown()
        evil.server_close()
        thread.join(5)
    assert list(saved.iterdir()) == []
