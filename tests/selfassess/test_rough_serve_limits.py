"""``serve`` under hostile requests: ``?lang=`` values and ``Content-Length`` headers.

First through the app (:meth:`SelfAssessApp.handle`, headers as received, repeats
included), then over a real socket on 127.0.0.1, where :class:`_Handler` reads the
length before it reads the body.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from relscales.selfassess.server import SelfAssessApp, ServeOptions, allowed_hosts, make_server

OverlayWriter = Callable[..., Path]
HOST = "127.0.0.1:8765"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def app() -> SelfAssessApp:
    app = SelfAssessApp(ServeOptions(only=("rrss",)), secret=b"k" * 32)
    app.hosts = allowed_hosts("127.0.0.1", 8765)
    return app


# -- ?lang= ---------------------------------------------------------------------------


def test_500_languages_leave_the_cache_bounded(app: SelfAssessApp) -> None:
    languages = app.entries["rrss"].languages
    for n in range(500):
        response = app.handle("GET", f"/take/rrss?lang=zz-x{n}", {"Host": HOST})
        assert response.status == 200
    assert len(app._cache) <= len(languages)
    for n in range(50):  # submissions name their language in a form field
        body = f"lang=q{n % 10}{'abc'[n % 3]}-{n}".encode()
        app.handle("POST", "/take/rrss", {"Host": HOST, "Content-Type": FORM}, body)
    assert len(app._cache) <= len(languages)


def test_only_offered_languages_are_used(write_overlay: OverlayWriter) -> None:
    overlay = write_overlay("rrss", "fr", prefix="Énoncé")
    app = SelfAssessApp(ServeOptions(texts=(overlay,), only=("rrss",)))
    assert app.entries["rrss"].languages == ("en", "fr")
    for lang in ("fr", "FR", "fr-CA", "fr-x-private", "en", "en-GB", "de", "zz", "<b>", ""):
        app.handle("GET", f"/take/rrss?lang={lang}", {})
    assert {language for _, language in app._cache} <= {None, "en", "fr"}
    assert len(app._cache) <= 3  # the two languages, and the default (None: the first)
    page = app.handle("GET", "/take/rrss?lang=fr-CA", {}).body.decode()
    assert '<html lang="fr">' in page
    assert "Énoncé 1." in page
    page = app.handle("GET", "/take/rrss?lang=de", {}).body.decode()
    assert '<html lang="en">' in page  # not offered: the default
    index = app.handle("GET", "/?lang=zz-top", {}).body.decode()
    assert '<html lang="en">' in index


def test_the_default_language_stays_the_default(write_overlay: OverlayWriter) -> None:
    overlay = write_overlay("rrss", "fr", prefix="Énoncé")
    app = SelfAssessApp(ServeOptions(texts=(overlay,), language="fr", only=("rrss",)))
    page = app.handle("GET", "/take/rrss?lang=nl", {}).body.decode()
    assert '<html lang="fr">' in page
    assert app.questionnaire("rrss", "xx-unknown").language == "fr"
    assert {language for _, language in app._cache} == {"fr"}


# -- Content-Length, through the app ----------------------------------------------------

BAD_LENGTHS = ["+5", "-5", "6_5", " 5", "5 ", "٥", "５", "0x5", "5.0", "", "1e3"]


@pytest.mark.parametrize("value", BAD_LENGTHS)
def test_a_content_length_that_is_not_digits_is_refused(app: SelfAssessApp, value: str) -> None:
    headers = {"Host": HOST, "Content-Type": FORM, "Content-Length": value}
    response = app.handle("POST", "/take/rrss", headers, b"a=123")
    assert response.status == 400
    assert b"Content-Length" in response.body


def test_repeated_content_length_is_refused(app: SelfAssessApp) -> None:
    pairs = [("Host", HOST), ("Content-Length", "5"), ("content-length", "5")]
    assert app.handle("POST", "/take/rrss", pairs, b"a=123").status == 400
    pairs = [("Host", HOST), ("Content-Length", "5"), ("Content-Length", "50")]
    assert app.handle("POST", "/take/rrss", pairs, b"a=123").status == 400


@pytest.mark.parametrize("name", ["Host", "Origin", "Referer", "Content-Type"])
def test_other_repeated_single_headers_are_refused(app: SelfAssessApp, name: str) -> None:
    pairs = [("Host", HOST), (name, "http://127.0.0.1:8765"), (name, "http://evil.example")]
    if name == "Host":
        pairs = pairs[1:]
    assert app.handle("GET", "/", pairs).status == 400


def test_a_length_that_does_not_match_the_body_is_refused(app: SelfAssessApp) -> None:
    headers = {"Host": HOST, "Content-Type": FORM, "Content-Length": "4"}
    assert app.handle("POST", "/take/rrss", headers, b"a=123").status == 400
    assert app.handle("GET", "/", {"Host": HOST, "Content-Length": "5"}).status == 400


def test_a_large_length_is_413_and_a_good_one_goes_on(app: SelfAssessApp) -> None:
    headers = {"Host": HOST, "Content-Type": FORM, "Content-Length": "99999999"}
    assert app.handle("POST", "/take/rrss", headers, b"").status == 413
    headers["Content-Length"] = "9" * 5000  # longer than int() converts: still 413, no crash
    assert app.handle("POST", "/take/rrss", headers, b"").status == 413
    headers["Content-Length"] = "005"
    assert app.handle("POST", "/take/rrss", headers, b"a=123").status == 403  # no token
    assert app.handle("GET", "/", {"Host": HOST, "Content-Length": "0"}).status == 200


# -- Content-Length, over a socket ------------------------------------------------------


@pytest.fixture
def address(app: SelfAssessApp) -> Iterator[tuple[str, int]]:
    httpd = make_server(app, "127.0.0.1", 0)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield "127.0.0.1", httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def _exchange(address: tuple[str, int], head: bytes, body: bytes = b"a=123") -> bytes:
    """Send one request and read until the server closes the connection."""
    host = f"{address[0]}:{address[1]}".encode()
    request = b"POST /take/rrss HTTP/1.1\r\nHost: " + host + b"\r\n" + head + b"\r\n" + body
    with socket.create_connection(address, timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def _status(reply: bytes) -> bytes:
    return reply.split(b"\r\n", 1)[0].split(b" ")[1]


@pytest.mark.parametrize(
    "line",
    [
        pytest.param(b"Content-Length: +5\r\n", id="plus"),
        pytest.param(b"Content-Length: -5\r\n", id="minus"),
        pytest.param(b"Content-Length: 6_5\r\n", id="underscore"),
        pytest.param(b"Content-Length: 5 \r\n", id="trailing-space"),
        pytest.param(b"Content-Length: 5\x0b\r\n", id="vertical-tab"),
        pytest.param("Content-Length: ٥\r\n".encode(), id="arabic-indic-digit"),
        pytest.param(b"Content-Length: \xd9\xa5\r\n", id="arabic-indic-latin1"),
        pytest.param(b"Content-Length:\r\n", id="empty"),
        pytest.param(b"Content-Length: 5\r\nContent-Length: 5\r\n", id="repeated-same"),
        pytest.param(b"Content-Length: 5\r\nContent-Length: 0\r\n", id="repeated-differs"),
    ],
)
def test_bad_content_length_over_a_socket(address: tuple[str, int], line: bytes) -> None:
    reply = _exchange(address, b"Content-Type: " + FORM.encode() + b"\r\n" + line)
    assert _status(reply) == b"400"
    assert b"X-Frame-Options: DENY" in reply  # the security headers as on every response
    assert b"Connection: close" in reply


def test_too_large_over_a_socket_is_not_read(address: tuple[str, int]) -> None:
    assert _status(_exchange(address, b"Content-Length: 99999999\r\n")) == b"413"
    assert _status(_exchange(address, b"Content-Length: " + b"9" * 5000 + b"\r\n")) == b"413"


def test_a_strict_length_is_still_served(address: tuple[str, int]) -> None:
    head = b"Content-Type: " + FORM.encode() + b"\r\nContent-Length: 5\r\nConnection: close\r\n"
    assert _status(_exchange(address, head)) == b"403"  # read, then refused for its token
