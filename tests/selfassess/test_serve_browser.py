"""`relscales serve` end to end in headless Chromium (Debian's), with JavaScript turned off
(and on, for the quick exit's one script).

The server runs in a thread on a free port; the browser is Playwright driving
/usr/bin/chromium (never a downloaded browser). Skipped, with the reason, when Chromium
or Playwright is absent.
"""

from __future__ import annotations

import contextlib
import http.server
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from relscales.selfassess.questionnaire import load_questionnaire
from relscales.selfassess.server import CSRF_FIELD, SelfAssessApp, ServeOptions, make_server

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


def _new_page(browser: Any, *, javascript: bool) -> Any:
    context = browser.new_context(java_script_enabled=javascript)
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
    return page


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    page = _new_page(browser, javascript=False)
    yield page
    page.context.close()


@pytest.fixture
def js_page(browser: Any) -> Iterator[Any]:
    page = _new_page(browser, javascript=True)
    yield page
    page.context.close()


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
    first = _question(page, 1)  # a context question, asked like the others
    expect(first).to_contain_text("Have you had a partner before this one?")
    first.get_by_role("radio", name="2 Yes, one").check()
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
    for number in range(5, 98):
        page.locator(f"#q{number}-1").check()
    # the time frame heads its questions, and a screen reader hears it with each of them
    past = "Across your past relationships, how true is each statement for you?"
    expect(page.get_by_role("heading", name=past)).to_be_visible()
    expect(_question(page, 5)).to_have_accessible_description(past)
    # "Does not apply": one more choice, without a number
    _question(page, 61).get_by_role("radio", name="Does not apply", exact=True).check()
    _question(page, 94).get_by_role("radio", name="4 Mostly true").check()  # a safety item
    page.get_by_role("button", name="See my results").click()
    safety = page.get_by_role("alert")
    expect(safety).to_contain_text("National Domestic Violence Hotline")
    leave = page.get_by_role("link", name="Leave this site quickly")
    expect(leave).to_be_visible()
    assert leave.bounding_box()["y"] < safety.bounding_box()["y"]  # the quick exit, then safety
    first_score = page.get_by_text("Recurrence across partners").first
    assert safety.bounding_box()["y"] < first_score.bounding_box()["y"]
    # safety first: no "is it me or the relationship?" reading anywhere on the page
    body = page.locator("body").inner_text()
    assert not re.search(r"Reading: (internal|relational|both|neither|indeterminate)\b", body)
    expect(page.get_by_role("navigation", name="Self-assessment")).to_contain_text(
        "saved in a file on the computer running relscales"
    )
    page.keyboard.press("End")  # the quick exit stays on screen when scrolled
    expect(leave).to_be_in_viewport()
    assert len(list(saved.iterdir())) == 1
    assert page.console_problems == []  # no CSP violation: styles allowed by hash


def test_invalid_submission_shows_the_problems(page: Any, site: str, saved: Path) -> None:
    _open(page, site, "Relationship Reassurance-Seeking Scale")
    _question(page, 1).get_by_role("radio", name="3 Sometimes").check()
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


def _fill_rrss(page: Any, site: str) -> str:
    """Fill and send the RRSS; return the form's CSRF token."""
    _open(page, site, "Relationship Reassurance-Seeking Scale")
    token = page.locator(f"input[name={CSRF_FIELD}]").get_attribute("value")
    for number in range(1, 13):
        page.locator(f"#q{number}-2").check()
    page.get_by_role("button", name="See my results").click()
    expect(page.get_by_role("navigation", name="Self-assessment")).to_be_visible()
    return str(token)


def _expect_blank(page: Any, site: str) -> None:
    expect(page).to_have_url(f"{site}/leave")
    expect(page).to_have_title("New Tab")
    assert page.locator("body").inner_text().strip() == ""
    assert page.context.cookies() == []  # Clear-Site-Data took the form cookie


def test_quick_exit_without_javascript(page: Any, site: str, saved: Path) -> None:
    token = _fill_rrss(page, site)
    assert page.context.cookies() != []
    page.locator("body").focus()
    page.keyboard.press("Tab")  # the first stop of the keyboard
    leave = page.get_by_role("link", name="Leave this site quickly")
    expect(leave).to_be_focused()
    page.keyboard.press("Enter")
    _expect_blank(page, site)
    # Back: Chromium does not show a no-store POST result again without sending it again
    # (ERR_CACHE_MISS), and one step further the form comes back empty (autocomplete=off)
    with contextlib.suppress(sync_api.Error):
        page.go_back()
    page.wait_for_timeout(300)
    expect(page.get_by_role("navigation", name="Self-assessment")).to_have_count(0)
    expect(page.get_by_text("National Domestic Violence Hotline")).to_have_count(0)
    page.go_back()
    expect(page).to_have_url(f"{site}/take/rrss")
    expect(page.locator("input[type=radio]").first).to_be_visible()
    expect(page.locator("input[type=radio]:checked")).to_have_count(0)
    # ...and sent again, it is refused: the cookie its token goes with is gone
    fields = {x.key: "2" for x in load_questionnaire("rrss").questions} | {CSRF_FIELD: token}
    again = page.request.post(f"{site}/take/rrss", form=fields, headers={"Origin": site})
    assert again.status == 403
    assert len(list(saved.iterdir())) == 1
    assert page.console_problems == []


def test_quick_exit_with_javascript_replaces_the_history_entry(js_page: Any, site: str) -> None:
    page = js_page
    _fill_rrss(page, site)
    page.get_by_role("link", name="Leave this site quickly").click()
    _expect_blank(page, site)
    page.go_back()  # the results were replaced: Back leads to the (empty) form before them
    expect(page).to_have_url(f"{site}/take/rrss")
    expect(
        page.get_by_role("heading", name="Relationship Reassurance-Seeking Scale", level=1)
    ).to_be_visible()
    expect(page.get_by_role("navigation", name="Self-assessment")).to_have_count(0)
    expect(page.locator("input[type=radio]:checked")).to_have_count(0)
    page.go_back()
    expect(page).to_have_url(f"{site}/")
    assert page.console_problems == []  # the one script is allowed by its hash


class _Attacker(http.server.BaseHTTPRequestHandler):
    target = ""

    def do_GET(self) -> None:
        page = (
            "<!DOCTYPE html><html><body><form method='post' action='"
            + self.target
            + "'><input type='hidden' name='rrss.rr_frq4' value='5'>"
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
