"""The web app as a function (request -> response), then over a real socket on port 0."""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import http.client
import json
import re
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from relscales.errors import RelscalesError
from relscales.selfassess import commands
from relscales.selfassess.server import (
    CSRF_COOKIE,
    CSRF_FIELD,
    LEAVE_CSP,
    MAX_BODY,
    PAGE_CSP,
    QUICK_EXIT_SCRIPT,
    SelfAssessApp,
    ServeOptions,
    _style_csp,
    allowed_hosts,
    is_loopback,
    make_server,
)

OverlayWriter = Callable[..., Path]
SECRET = b"k" * 32
NONCE = "n" * 43
HOST = "127.0.0.1:8765"
TOKEN = hmac.new(SECRET, NONCE.encode(), hashlib.sha256).hexdigest()
FORM = "application/x-www-form-urlencoded"


@pytest.fixture(scope="module")
def app() -> SelfAssessApp:
    app = SelfAssessApp(ServeOptions(), secret=SECRET)
    app.hosts = allowed_hosts("127.0.0.1", 8765)
    return app


def _headers(**extra: str) -> dict[str, str]:
    base = {"Host": HOST, "Cookie": f"{CSRF_COOKIE}={NONCE}", "Content-Type": FORM}
    base.update({k.replace("_", "-"): v for k, v in extra.items()})
    return base


def _answers(app: SelfAssessApp, ref: str, value: str = "2", **override: str) -> dict[str, str]:
    q = app.questionnaire(ref, None)
    fields = {question.key: value for question in q.questions}
    fields.update(override)
    fields[CSRF_FIELD] = TOKEN
    return fields


def _post(app: SelfAssessApp, ref: str, fields: dict[str, str], **headers: str) -> tuple[int, str]:
    response = app.handle(
        "POST", f"/take/{ref}", _headers(**headers), urlencode(fields).encode("utf-8")
    )
    return response.status, response.body.decode("utf-8")


# -- pages ----------------------------------------------------------------------------


def test_index_lists_what_can_be_taken(app: SelfAssessApp) -> None:
    response = app.handle("GET", "/", {"Host": HOST})
    page = response.body.decode()
    assert response.status == 200
    assert response.content_type == "text/html; charset=utf-8"
    assert '<a href="/take/risi">Relationship Insecurity Sources Inventory</a>' in page
    assert '<a href="/take/rrss">' in page
    assert "ecr-r" not in page
    assert "Nothing you enter here is stored." in page
    assert app.handle("HEAD", "/?lang=fr", {"Host": HOST}).status == 200


def test_static_and_unknown_paths(app: SelfAssessApp) -> None:
    css = app.handle("GET", "/static/selfassess.css", {"Host": HOST})
    assert (css.status, css.content_type) == (200, "text/css; charset=utf-8")
    assert b"fieldset.question" in css.body
    for method, path, allow in (
        ("POST", "/static/selfassess.css", "GET, HEAD"),
        ("POST", "/", "GET, HEAD"),
        ("PUT", "/take/risi", "GET, HEAD, POST"),
    ):
        response = app.handle(method, path, {"Host": HOST})
        assert (response.status, dict(response.headers)) == (405, {"Allow": allow})
    for path in ("/nope", "/take/ecr-r", "/take/../etc/passwd", "/take/RISI"):
        assert app.handle("GET", path, {"Host": HOST}).status == 404


@pytest.mark.parametrize(
    ("host", "status"),
    [
        pytest.param(HOST, 200, id="bound-address"),
        pytest.param("localhost:8765", 200, id="localhost"),
        pytest.param("LOCALHOST:8765", 200, id="case"),
        pytest.param("[::1]:8765", 200, id="ipv6-loopback"),
        pytest.param("evil.example:8765", 421, id="dns-rebinding"),
        pytest.param("127.0.0.1:9999", 421, id="other-port"),
        pytest.param("", 421, id="no-host"),
    ],
)
def test_host_header_is_checked_on_loopback(app: SelfAssessApp, host: str, status: int) -> None:
    assert app.handle("GET", "/", {"Host": host} if host else {}).status == status


def test_hosts() -> None:
    assert is_loopback("127.0.0.2")
    assert is_loopback("[::1]")
    assert not is_loopback("example.org")
    assert allowed_hosts("0.0.0.0", 80) is None
    assert "[::1]:81" in (allowed_hosts("::1", 81) or set())
    open_app = SelfAssessApp(ServeOptions(only=("rrss",)))
    assert open_app.hosts is None
    assert open_app.handle("GET", "/", {"Host": "my-laptop.lan:8765"}).status == 200


def test_form_is_accessible_and_sets_the_csrf_cookie(app: SelfAssessApp) -> None:
    response = app.handle("GET", "/take/rrss", {"Host": HOST})
    page = response.body.decode()
    [(name, cookie)] = response.headers
    assert name == "Set-Cookie"
    nonce = re.fullmatch(
        rf"{CSRF_COOKIE}=([A-Za-z0-9_-]+); Path=/; HttpOnly; SameSite=Strict", cookie
    )
    assert nonce is not None
    assert f'name="{CSRF_FIELD}" value="{app.token(nonce.group(1))}"' in page
    assert page.count("<fieldset") == page.count("<legend>") == 12
    radios = re.findall(
        r'<input type="radio" id="([^"]+)" name="rrss.rr_frq4" value="([^"]+)"', page
    )
    assert radios == [
        ("q1-1", "1"),
        ("q1-2", "2"),
        ("q1-3", "3"),
        ("q1-4", "4"),
        ("q1-5", "5"),
        ("q1-skip", "skip"),
    ]
    for radio_id, _ in radios:
        assert f'<label for="{radio_id}">' in page
    # "Does not apply" where the scale declares it: last, without a number, sent as "n"
    not_applicable = re.findall(
        r'<input type="radio" id="([^"]+)" name="rrss.rr_rel4" value="([^"]+)"', page
    )
    assert [value for _, value in not_applicable] == ["1", "2", "3", "4", "5", "n", "skip"]
    assert '<div class="choice not-applicable">' in page
    assert '<label for="q4-6">Does not apply</label>' in page
    assert page.count('<div class="choice not-applicable">') == 5  # the five items offering it
    # the stem (time frame) heads its questions, and each question names it
    often = "In the past four weeks, how often did you do this?"
    assert f'<h3 class="stem" id="stem-1">{often}</h3>' in page
    assert page.index('id="stem-1"') < page.index('<fieldset id="q1"')
    assert '<fieldset id="q2" class="question" aria-describedby="stem-1">' in page
    assert '<fieldset id="q3" class="question" aria-describedby="stem-3">' in page
    assert page.count('<h3 class="stem"') == 4  # often, true, often (rr_esc5), true
    assert re.findall(r"<script[^>]*>(.*?)</script>", page, re.DOTALL) == [QUICK_EXIT_SCRIPT]
    assert response.csp == PAGE_CSP
    # the browser must not fill the answers in again when Back returns to the form
    assert (
        '<form method="post" action="/take/rrss" accept-charset="utf-8" autocomplete="off">' in page
    )
    again = app.handle("GET", "/take/rrss", _headers())
    assert again.headers == ()
    assert f'value="{TOKEN}"' in again.body.decode()


@pytest.mark.parametrize(
    "cookie",
    [
        pytest.param(f"{CSRF_COOKIE}=short", id="too-short"),
        pytest.param(f"{CSRF_COOKIE}={'x' * 40}!", id="bad-characters"),
        pytest.param('a="unterminated', id="malformed"),
        pytest.param("other=1", id="absent"),
    ],
)
def test_unusable_cookie_gets_a_new_one(app: SelfAssessApp, cookie: str) -> None:
    response = app.handle("GET", "/take/rrss", {"Host": HOST, "Cookie": cookie})
    assert response.status == 200
    assert response.headers[0][0] == "Set-Cookie"


# -- submissions ----------------------------------------------------------------------


def test_complete_submission_shows_the_report(app: SelfAssessApp) -> None:
    fields = _answers(app, "risi", "1", **{"risi.ip_rec4": "skip"})
    response = app.handle(
        "POST", "/take/risi", _headers(Origin=f"http://{HOST}"), urlencode(fields).encode()
    )
    page = response.body.decode()
    assert response.status == 200
    assert "Where the insecurity seems to come from" in page
    assert 'class="reading"' in page
    assert "relscales-serve-unchecked" not in page  # safety was checked: not raised
    assert page.index("</main>") < page.index('<nav class="relscales-serve"')
    assert "Nothing was stored" in page
    assert "style-src 'self' 'sha256-" in response.csp
    assert response.csp.endswith(PAGE_CSP.split("; ")[-1])  # the quick-exit script only
    assert re.findall(r"<script[^>]*>(.*?)</script>", page, re.DOTALL) == [QUICK_EXIT_SCRIPT]


SOURCE_READING = re.compile(
    r"Reading: (internal|relational|both|neither|indeterminate|safety-first)\b", re.IGNORECASE
)


def test_safety_first_report(app: SelfAssessApp) -> None:
    fields = _answers(app, "risi", "1", **{"risi.sf_fear": "3", "risi.ip_rec4": "skip"})
    status, page = _post(app, "risi", fields, Origin=f"http://{HOST}")
    assert status == 200
    assert "National Domestic Violence Hotline" in page
    body = page[page.index("<body") :]
    # the quick exit, then the safety section: before any score
    assert body.index('href="/leave"') < body.index('class="safety"') < body.index("Recurrence")
    assert SOURCE_READING.search(page) is None  # no "is it me or the relationship?" reading
    assert "relscales-serve-unchecked" not in page
    nav = page[page.index('<nav class="relscales-serve"') :]
    assert "Your results stay on this screen until you close this tab" in nav


@pytest.mark.parametrize(
    ("skipped", "locale", "resources"),
    [
        pytest.param(
            "all", "en-US", ["National Domestic Violence Hotline", "Local emergency"], id="all"
        ),
        pytest.param("one", "en-US", ["National Domestic Violence Hotline"], id="one-skipped"),
        pytest.param("all", "fr-FR", ["Local emergency services"], id="other-locale"),
    ],
)
def test_safety_unchecked_comes_first(skipped: str, locale: str, resources: list[str]) -> None:
    # the report's own first section says it (a page has no scrollback: the shell does
    # not repeat it); the shell puts only the quick exit above it
    app = SelfAssessApp(ServeOptions(locale=locale, only=("risi",)), secret=SECRET)
    q = app.questionnaire("risi", None)
    keys = [x.key for x in q.safety_questions]
    override = dict.fromkeys(keys if skipped == "all" else keys[:1], "skip")
    status, page = _post(app, "risi", _answers(app, "risi", "1", **override))
    assert status == 200
    body = page[page.index("<body") :]
    said = body.index("Safety could not be checked")
    assert body.index('href="/leave"') < said < body.index("Recurrence across partners")
    before_scores = body[said : body.index("Recurrence across partners")]
    for resource in resources:
        assert resource in before_scores
    if locale != "en-US":
        assert "1-800-799-7233" not in page
    assert "Your safety comes first" not in page  # nothing was raised


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        pytest.param({"Origin": "http://evil.example"}, "another site", id="cross-origin"),
        pytest.param({"Origin": "null"}, "another site", id="opaque-origin"),
        pytest.param({"Origin": "http://127.0.0.1:9999"}, "another site", id="other-port"),
        pytest.param({"Referer": "http://evil.example/x"}, "another site", id="cross-referer"),
        pytest.param({"Referer": f"https://{HOST}/take/rrss"}, "another site", id="https-referer"),
        pytest.param({"Cookie": ""}, "security token", id="no-cookie"),
        pytest.param({"Cookie": f"{CSRF_COOKIE}={'m' * 43}"}, "security token", id="other-cookie"),
    ],
)
def test_cross_site_and_tokenless_posts_are_refused(
    app: SelfAssessApp, headers: dict[str, str], why: str
) -> None:
    status, page = _post(app, "rrss", _answers(app, "rrss"), **headers)
    assert status == 403
    assert why in page
    assert "Nothing was stored" in page
    assert "relscales-serve" not in page  # no report


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(None, id="missing"),
        pytest.param("0" * 64, id="wrong"),
        pytest.param("", id="empty"),
    ],
)
def test_token_must_match(app: SelfAssessApp, token: str | None) -> None:
    fields = _answers(app, "rrss")
    if token is None:
        del fields[CSRF_FIELD]
    else:
        fields[CSRF_FIELD] = token
    assert _post(app, "rrss", fields, Origin=f"http://{HOST}")[0] == 403


def test_two_tokens_are_refused(app: SelfAssessApp) -> None:
    body = urlencode(_answers(app, "rrss")) + f"&{CSRF_FIELD}={TOKEN}"
    assert app.handle("POST", "/take/rrss", _headers(), body.encode()).status == 403


def test_same_origin_referer_is_accepted(app: SelfAssessApp) -> None:
    status, _ = _post(app, "rrss", _answers(app, "rrss"), Referer=f"http://{HOST}/take/rrss")
    assert status == 200


@pytest.mark.parametrize(
    ("content_type", "body", "status"),
    [
        pytest.param("text/plain", b"a=1", 415, id="content-type"),
        pytest.param(FORM, b"x" * (MAX_BODY + 1), 413, id="too-large"),
        pytest.param(FORM, b"a=\xff\xfe", 400, id="not-utf8"),
        pytest.param(FORM, b"&".join([b"a=1"] * 2001), 400, id="too-many-fields"),
    ],
)
def test_malformed_bodies(app: SelfAssessApp, content_type: str, body: bytes, status: int) -> None:
    headers = _headers(Content_Type=content_type)
    assert app.handle("POST", "/take/rrss", headers, body).status == status


def test_invalid_submission_shows_the_form_with_the_problems(app: SelfAssessApp) -> None:
    fields = _answers(app, "rrss", "3")
    del fields["rrss.rr_frq5"]
    fields["rrss.rr_rel4"] = "9"  # the code of "Does not apply" is not a form value
    fields["rrss.rr_esc4"] = ""
    fields["stray"] = "ignored"
    body = urlencode(fields) + "&rrss.rr_frq6=4"
    response = app.handle("POST", "/take/rrss", _headers(), body.encode())
    page = response.body.decode()
    assert response.status == 422
    assert "4 questions need an answer" in page
    links = re.findall(r'<li><a href="#(q\d+)">Question \d+: ([^<]+)</a></li>', page)
    assert links == [
        ("q2", "Choose an answer, or choose to skip this question."),
        ("q3", "Choose one answer only."),
        ("q4", "That is not one of the answers; choose one of them."),
        ("q7", "Choose an answer, or choose to skip this question."),
    ]
    assert 'id="q2" class="question invalid" aria-describedby="stem-1 q2-error"' in page
    assert '<p class="error-message" id="q2-error">' in page
    assert 'id="q1-3" name="rrss.rr_frq4" value="3" checked' in page
    assert "checked" not in page.split('id="q4"')[1].split("</fieldset>")[0]
    assert response.headers == ()


def test_single_problem_heading(app: SelfAssessApp) -> None:
    fields = _answers(app, "rrss")
    del fields["rrss.rr_frq4"]
    assert "One question needs an answer" in _post(app, "rrss", fields)[1]


def test_language_of_the_form_and_the_report(write_overlay: OverlayWriter) -> None:
    french = write_overlay("rrss", "fr", prefix="Énoncé", instructions="Répondez.")
    app = SelfAssessApp(ServeOptions(texts=(french,)), secret=SECRET)
    index = app.handle("GET", "/", {}).body.decode()
    assert 'href="/take/rrss?lang=fr" hreflang="fr" lang="fr">fr</a>' in index
    page = app.handle("GET", "/take/rrss?lang=fr", _headers()).body.decode()
    assert '<html lang="fr">' in page
    assert "Énoncé 1." in page
    assert '<input type="hidden" name="lang" value="fr">' in page
    assert '<h3 class="stem" id="stem-1" lang="en">' in page  # no stem in the overlay
    assert '<html lang="en">' in app.handle("GET", "/take/rrss?lang=<b>", _headers()).body.decode()
    fields = _answers(app, "rrss", lang="fr")
    del fields["rrss.rr_frq4"]
    status, page = _post(app, "rrss", fields)
    assert status == 422
    assert "Énoncé 1." in page
    status, page = _post(app, "rrss", _answers(app, "rrss", lang="fr"))
    assert status == 200
    assert '<html lang="fr">' in page


def test_text_is_escaped(write_overlay: OverlayWriter) -> None:
    nasty = write_overlay("rrss", prefix="<script>alert(1)</script> & <b>bold</b>")
    app = SelfAssessApp(ServeOptions(texts=(nasty,)), secret=SECRET)
    page = app.handle("GET", "/take/rrss", _headers()).body.decode()
    assert page.count("<script>") == 1  # the quick exit's, and no other
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt; 1." in page


def test_saving_submissions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app = SelfAssessApp(ServeOptions(save_dir=tmp_path, only=("rrss",)), secret=SECRET)
    index = app.handle("GET", "/", {}).body.decode()
    assert "Each submitted form is saved as a file, with its answers and results" in index
    assert "anyone who can use that computer, or reach its files, could read it" in index
    form = app.handle("GET", "/take/rrss", _headers()).body.decode()
    note = form[: form.index('<button type="submit">')]
    assert "When you send this form, your answers and results are saved in a file" in note
    assert "Anyone who can use that computer, or reach its files, could read them." in note
    fields = _answers(app, "rrss", "4", **{"rrss.rr_frq4": "skip", "rrss.rr_rel4": "n"})
    status, page = _post(app, "rrss", fields)
    assert status == 200
    nav = page[page.index('<nav class="relscales-serve"') :]
    assert "Your answers and results were saved in a file on the computer running" in nav
    assert "Anyone who can use that computer, or reach its files, could read them." in nav
    [saved] = list(tmp_path.iterdir())
    assert re.fullmatch(r"\d{8}T\d{6}Z-rrss-[0-9a-f]{8}\.json", saved.name)
    record = json.loads(saved.read_text("utf-8"))
    assert record["via"] == "serve"
    assert record["answers"]["rrss.rr_frq4"] is None
    assert record["answers"]["rrss.rr_frq5"] == 4
    assert record["answers"]["rrss.rr_rel4"] == 9  # "Does not apply", as the scale's code
    assert record["scores"]["fading_relief_n_not_applicable"] == 1
    assert app.saved == 1
    invalid = dict(fields)
    del invalid["rrss.rr_frq5"]
    assert _post(app, "rrss", invalid)[0] == 422
    assert len(list(tmp_path.iterdir())) == 1  # invalid submissions are never stored
    gone = SelfAssessApp(ServeOptions(save_dir=tmp_path / "gone", only=("rrss",)), secret=SECRET)
    status, page = _post(gone, "rrss", fields)
    assert status == 200
    assert "could NOT be saved" in page
    assert "could not save a submission" in capsys.readouterr().err


def test_style_csp_hashes_inline_styles() -> None:
    document = "<style>p{}</style><p style=\"color: red\">x</p><p style='a&amp;b'>"
    csp = _style_csp(document)
    style = next(d for d in csp.split("; ") if d.startswith("style-src "))
    assert "'unsafe-hashes'" in style
    assert style.count("'sha256-") == 3
    assert "unsafe-inline" not in csp
    assert _style_csp("<p>plain</p>").startswith("default-src 'none'; style-src 'self';")
    assert _style_csp("<p>plain</p>") == PAGE_CSP


# -- the quick exit -------------------------------------------------------------------

QUICK_EXIT = (
    '<a href="/leave" class="relscales-quick-exit-link" data-quick-exit rel="noreferrer">'
    "Leave this site quickly</a>"
)


def _pages(app: SelfAssessApp) -> dict[str, tuple[int, str]]:
    """One of every kind of page the app shows."""

    def get(path: str, **headers: str) -> tuple[int, str]:
        response = app.handle("GET", path, _headers(**headers))
        return response.status, response.body.decode()

    invalid = _answers(app, "rrss")
    del invalid["rrss.rr_frq4"]
    risi = _answers(app, "risi", "1")
    return {
        "list": get("/"),
        "questionnaire": get("/take/risi"),
        "questionnaire with problems": _post(app, "rrss", invalid),
        "results": _post(app, "rrss", _answers(app, "rrss")),
        "results, safety first": _post(app, "risi", {**risi, "risi.sf_harm": "2"}),
        "results, safety unchecked": _post(app, "risi", {**risi, "risi.sf_harm": "skip"}),
        "not found": get("/nope"),
        "refused": _post(app, "rrss", _answers(app, "rrss"), Origin="http://evil.example"),
        "wrong address": get("/", Host="evil.example"),
        "not allowed": (lambda r: (r.status, r.body.decode()))(
            app.handle("DELETE", "/", _headers())
        ),
    }


def _first_link(page: str) -> str:
    body = page[page.index("<body") :]
    match = re.search(r"<a\b[^>]*>[^<]*</a>", body)
    assert match is not None
    return match.group(0)


def test_quick_exit_on_every_page(app: SelfAssessApp, tmp_path: Path) -> None:
    saving = SelfAssessApp(ServeOptions(save_dir=tmp_path), secret=SECRET)
    pages = {**_pages(app), "saved results": _post(saving, "rrss", _answers(saving, "rrss"))}
    assert "saved in a file" in pages["saved results"][1]
    assert {status for status, _ in pages.values()} == {200, 403, 404, 405, 421, 422}
    for name, (_, page) in pages.items():
        assert page.count(QUICK_EXIT) == 1, name
        # the first thing to Tab to, so that Tab and Enter leave at once
        assert _first_link(page) == QUICK_EXIT, name
        assert 'href="/static/shell.css"' in page, name  # its style, also on the report
        scripts = re.findall(r"<script[^>]*>(.*?)</script>", page, re.DOTALL)
        assert scripts == [QUICK_EXIT_SCRIPT], name


def test_quick_exit_script_is_allowed_by_its_hash_only(app: SelfAssessApp) -> None:
    digest = base64.b64encode(hashlib.sha256(QUICK_EXIT_SCRIPT.encode()).digest()).decode()
    assert PAGE_CSP.endswith(f"; script-src 'sha256-{digest}'")
    risi = _answers(app, "risi", "1")
    responses = [
        app.handle("GET", "/", _headers()),
        app.handle("GET", "/take/rrss", _headers()),
        app.handle("POST", "/take/risi", _headers(), urlencode(risi).encode()),
    ]
    for response in responses:
        scripts = [d for d in response.csp.split("; ") if d.startswith("script-src")]
        assert scripts == [f"script-src 'sha256-{digest}'"]
        assert "unsafe" not in scripts[0]
        assert "'self'" not in scripts[0]


def test_leave_is_a_blank_page_that_clears_the_site(app: SelfAssessApp) -> None:
    response = app.handle("GET", "/leave", {"Host": HOST, "Cookie": f"{CSRF_COOKIE}={NONCE}"})
    assert response.status == 200
    assert response.content_type == "text/html; charset=utf-8"
    headers = dict(response.headers)
    assert headers["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Set-Cookie"] == f"{CSRF_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"
    assert response.csp == LEAVE_CSP
    page = response.body.decode()
    assert "<title>New Tab</title>" in page
    assert re.search(r"<body>\s*</body>", page)
    for trace in ("relscales", "questionnaire", "<a", "<script", "<link", "safety", "/take"):
        assert trace not in page.lower()
    head = app.handle("HEAD", "/leave", {"Host": HOST})
    assert dict(head.headers)["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    refused = app.handle("POST", "/leave", _headers(), b"")
    assert (refused.status, dict(refused.headers)) == (405, {"Allow": "GET, HEAD"})


def test_questionnaire_makes_it_safe_to_skip_the_safety_questions(app: SelfAssessApp) -> None:
    page = app.handle("GET", "/take/risi", _headers()).body.decode()
    instructions = page.index('<p class="instructions">')
    assert "The last questions ask about your safety." in page[instructions:]
    intro = page.index('<p class="safety-intro" id="safety-intro">')
    first = page.index('<fieldset id="q91"')
    assert page.index('<fieldset id="q90"') < intro < first
    text = page[intro : page.index("</p>", intro)]
    assert "The next 7 questions ask about your safety with your partner." in text
    assert "You can skip any of them" in text
    assert "safety could not be checked" in text
    assert "Leave this site quickly" in text
    assert page.count('class="safety-intro"') == 1
    assert "safety-intro" not in app.handle("GET", "/take/rrss", _headers()).body.decode()


# -- over a socket --------------------------------------------------------------------


@pytest.fixture
def server(app: SelfAssessApp, capsys: pytest.CaptureFixture[str]) -> Iterator[tuple[str, int]]:
    httpd = make_server(app, "127.0.0.1", 0)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield "127.0.0.1", httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)
        app.hosts = allowed_hosts("127.0.0.1", 8765)


def _raw(address: tuple[str, int], request: bytes) -> bytes:
    with socket.create_connection(address, timeout=5) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_over_a_socket(server: tuple[str, int], capsys: pytest.CaptureFixture[str]) -> None:
    host, port = server
    conn = http.client.HTTPConnection(host, port, timeout=5)
    conn.request("GET", "/take/rrss")
    response = conn.getresponse()
    page = response.read().decode()
    assert response.status == 200
    headers = dict(response.getheaders())
    assert headers["Server"] == "relscales"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cache-Control"] == "no-store"
    assert headers["Content-Security-Policy"].startswith("default-src 'none';")
    cookie = headers["Set-Cookie"].split(";")[0]
    token = re.search(rf'name="{CSRF_FIELD}" value="([0-9a-f]+)"', page)
    assert token is not None
    fields = {f"rrss.{item}": "5" for item in re.findall(r'name="rrss\.(\w+)" value="1"', page)}
    fields[CSRF_FIELD] = token.group(1)
    conn.request(
        "POST",
        "/take/rrss",
        urlencode(fields),
        {"Content-Type": FORM, "Cookie": cookie, "Origin": f"http://{host}:{port}"},
    )
    response = conn.getresponse()
    body = response.read().decode()
    assert response.status == 200
    assert "QUESTIONNAIRE REPORT" in body.upper() or "Relationship Reassurance-Seeking" in body
    assert response.getheader("Cache-Control") == "no-store"  # the results are never cached
    assert response.getheader("Content-Security-Policy") == _style_csp(body)
    conn.request("HEAD", "/")
    response = conn.getresponse()
    assert response.status == 200
    assert response.read() == b""
    conn.close()
    log = capsys.readouterr().err
    assert "GET /take/rrss 200" in log
    assert "POST /take/rrss 200" in log
    assert "rr_frq" not in log
    assert token.group(1) not in log


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        pytest.param(b"POST /take/rrss HTTP/1.1\r\nHost: {host}\r\n\r\n", b"411", id="no-length"),
        pytest.param(
            b"POST /take/rrss HTTP/1.1\r\nHost: {host}\r\nContent-Length: abc\r\n\r\n",
            b"400",  # given, but not a length: a bad request (none at all is 411)
            id="bad-length",
        ),
        pytest.param(
            b"POST /take/rrss HTTP/1.1\r\nHost: {host}\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"3\r\na=1\r\n0\r\n\r\n",
            b"411",
            id="chunked",
        ),
        pytest.param(
            b"POST /take/rrss HTTP/1.1\r\nHost: {host}\r\nContent-Length: 99999999\r\n\r\nabc",
            b"413",
            id="too-large-not-read",
        ),
        pytest.param(b"PUT / HTTP/1.1\r\nHost: {host}\r\n\r\n", b"501", id="unsupported-method"),
        pytest.param(
            b"GET / HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n",
            b"421",
            id="rebinding",
        ),
    ],
)
def test_raw_requests(server: tuple[str, int], request_bytes: bytes, status: bytes) -> None:
    host = f"{server[0]}:{server[1]}".encode()
    reply = _raw(server, request_bytes.replace(b"{host}", host) + b"")
    head = reply.split(b"\r\n\r\n", 1)[0]
    assert head.split(b" ")[1] == status
    assert b"X-Frame-Options: DENY" in head
    assert b"Content-Security-Policy: default-src 'none'" in head


def test_leave_over_a_socket(server: tuple[str, int]) -> None:
    conn = http.client.HTTPConnection(*server, timeout=5)
    conn.request("GET", "/leave")
    response = conn.getresponse()
    response.read()
    assert response.status == 200
    assert response.getheader("Clear-Site-Data") == '"cache", "cookies", "storage"'
    assert response.getheader("Cache-Control") == "no-store"
    assert response.msg.get_all("Referrer-Policy") == ["no-referrer"]  # replaces the base one
    assert response.getheader("Content-Security-Policy") == LEAVE_CSP
    assert response.getheader("X-Frame-Options") == "DENY"
    conn.request("GET", "/")  # the same connection: the override is not carried over
    response = conn.getresponse()
    response.read()
    assert response.msg.get_all("Referrer-Policy") == ["same-origin"]
    assert response.getheader("Content-Security-Policy") == PAGE_CSP
    assert response.getheader("Clear-Site-Data") is None
    conn.close()


def test_truncated_body_closes_the_connection(server: tuple[str, int]) -> None:
    host = f"{server[0]}:{server[1]}".encode()
    with socket.create_connection(server, timeout=5) as sock:
        sock.sendall(
            b"POST /take/rrss HTTP/1.1\r\nHost: " + host + b"\r\nContent-Length: 50\r\n\r\nab"
        )
        sock.shutdown(socket.SHUT_WR)
        assert sock.recv(100) == b""


# -- the serve command ----------------------------------------------------------------


def _serve_in_thread(**options: object) -> tuple[list[str], list[str], int]:
    messages: list[str] = []
    urls: list[str] = []
    codes: list[int] = []
    ready = threading.Event()
    box: list[object] = []

    def on_ready(httpd: object) -> None:
        box.append(httpd)
        ready.set()

    def run() -> None:
        codes.append(
            commands.serve(echo=messages.append, out=urls.append, on_ready=on_ready, **options)  # type: ignore[arg-type]
        )

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(20)
    box[0].shutdown()  # type: ignore[attr-defined]
    thread.join(10)
    return messages, urls, codes[0]


def test_serve_command(tmp_path: Path) -> None:
    messages, urls, code = _serve_in_thread(refs=["rrss"], port=0, save_dir=tmp_path / "subs")
    assert code == 0
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", urls[0])
    assert "Offering: rrss" in messages
    assert f"Each submission is saved as a JSON file in {tmp_path / 'subs'}" in messages
    assert (
        "Each file holds a person's answers and results: anyone who can use this computer, "
        "or reach that folder, could read them." in messages
    )
    assert (tmp_path / "subs").is_dir()
    assert (tmp_path / "subs").stat().st_mode & 0o777 == 0o700


@pytest.mark.parametrize(
    ("host", "url"), [("0.0.0.0", "http://127.0.0.1:"), ("::", "http://[::1]:")], ids=["v4", "v6"]
)
def test_serve_on_all_interfaces_warns(host: str, url: str) -> None:
    try:
        socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET).close()
    except OSError:  # pragma: no cover - a machine without IPv6
        pytest.skip("no IPv6 here")
    messages, urls, code = _serve_in_thread(host=host, port=0)
    assert code == 0
    assert messages[0].startswith(f"warning: listening on {host}, not only on this computer")
    assert urls[0].startswith(url)
    assert "Nothing is stored" in messages[2]


def test_serve_refusals(tmp_path: Path) -> None:
    messages: list[str] = []
    assert commands.serve(["ecr-r"], echo=messages.append) == 2
    assert messages[0].endswith(
        "cannot be administered (give the wording in a text overlay, "
        "--texts FILE; see docs/authoring.md#text-overlays)"
    )
    assert messages[1] == "Questionnaires that can be taken:"
    with pytest.raises(RelscalesError) as info:
        commands.serve(["no-such-id"], echo=messages.append)
    assert info.value.code == "unknown-instrument"
    afile = tmp_path / "afile"
    afile.write_text("x", "utf-8")
    with pytest.raises(RelscalesError) as info:
        commands.serve(save_dir=afile)
    assert info.value.code == "output-unwritable"
    with pytest.raises(RelscalesError) as info:
        commands.serve(save_dir=afile / "sub")
    assert info.value.code == "output-unwritable"
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        with pytest.raises(RelscalesError) as info:
            commands.serve(port=busy.getsockname()[1], echo=messages.append)
    assert info.value.code == "invalid-option"
    assert "cannot listen on 127.0.0.1:" in str(info.value)


def test_long_query_is_refused(app: SelfAssessApp) -> None:
    query = "&".join(f"a{n}=1" for n in range(30))
    assert app.handle("GET", f"/?{query}", {"Host": HOST}).status == 400


def test_unexpected_error_is_a_500_page(
    server: tuple[str, int],
    app: SelfAssessApp,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(app, "handle", broken)
    conn = http.client.HTTPConnection(*server, timeout=5)
    conn.request("GET", "/")
    response = conn.getresponse()
    page = response.read().decode()
    conn.close()
    assert response.status == 500
    assert "Something went wrong" in page
    assert "secret detail" not in page
    log = capsys.readouterr().err
    assert "internal error: RuntimeError" in log
    assert "secret detail" not in log
    assert "Traceback" not in log


def test_a_report_with_not_applicable_answers_and_seek_help_criteria(app: SelfAssessApp) -> None:
    fields = _answers(
        app,
        "risi",
        "3",
        **{"risi.cx_past": "1", "risi.rs_oth4": "n", "risi.sh_long": "5"},
        **{f"risi.sf_{k}": "1" for k in ("fear", "control", "money", "isolate", "threat")},
        **{"risi.sf_harm": "1", "risi.sf_sex": "1"},
    )
    status, page = _post(app, "risi", fields)
    assert status == 200
    flat = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    assert "2 of 3 items answered; 1 did not apply to you" in flat
    assert 'you answered "No, this is my first partner"' in flat
    assert 'role="alert"' not in page  # seek-help criteria are not alerts
    section = flat[flat.index("When to seek professional help") :]
    assert "From your answers, these apply to you now:" in section
    assert "Your worries about the relationship have gone on for months." in section


def test_form_says_when_recurrence_applies(app: SelfAssessApp) -> None:
    page = app.handle("GET", "/take/risi", {"Host": HOST}).body.decode()
    conditions = re.findall(r'<p class="condition">([^<]+)</p>', page)
    assert len(conditions) == 3  # the three recurrence questions, nothing else
    assert all("Have you had a partner before this one?" in c for c in conditions)
