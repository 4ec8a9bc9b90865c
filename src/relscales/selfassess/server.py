"""``relscales serve``: a small local web app for self-assessment.

Built on the standard library's :class:`http.server.ThreadingHTTPServer`: no new
dependency, no framework, a surface small enough to read in one sitting. The app
(:class:`SelfAssessApp`) is a plain function of (method, target, headers, body) to a
:class:`Response`, so it is tested without sockets; :class:`_Handler` only moves bytes.

Security measures (docs/self-assessment.md explains each):

- binds 127.0.0.1 by default; on a loopback address the ``Host`` header must name the
  server (defeats DNS rebinding);
- every form carries a CSRF token, the HMAC of a random per-browser cookie
  (``SameSite=Strict``, ``HttpOnly``) under a per-process secret (double submit), and a
  POST whose ``Origin`` (or ``Referer``) is another site is refused with 403;
- request bodies over :data:`MAX_BODY` bytes are refused (413) before they are read;
  ``Content-Length`` must be ASCII digits and given once (:func:`content_length`), and a
  request that repeats ``Host``, ``Content-Length``, ``Content-Type``, ``Origin``,
  ``Referer`` or ``Transfer-Encoding`` is refused (400);
- ``?lang=`` only picks one of the questionnaire's languages (anything else gets the
  default), so the questionnaires kept in memory are bounded by construction;
- a strict Content-Security-Policy (one script only, the quick exit's, allowed by its
  hash; styles from the app itself or by hash), ``X-Content-Type-Options``,
  ``X-Frame-Options``, ``Referrer-Policy``, ``Cache-Control: no-store``;
- every value in a page is HTML-escaped (Jinja autoescape);
- answers are never logged, and nothing is written unless ``--save DIR`` was given; then
  each file is created ``0600`` (the umask is never changed) and says what it holds;
- log lines show any control character of the request as an escape
  (:func:`relscales.textsafe.printable`).

Every page has a "Leave this site quickly" link to ``/leave``: a neutral blank page
sent with ``Clear-Site-Data`` (cache, cookies, storage), so that the browser keeps
nothing of the app. With JavaScript on, the link replaces the current history entry
(``location.replace``), so the Back button does not return to the page it left.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import hashlib
import hmac
import html
import http.server
import ipaddress
import json
import re
import secrets
import socket
import sys
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from relscales.errors import RelscalesError
from relscales.selfassess.questionnaire import (
    Question,
    Questionnaire,
    TakeableEntry,
    load_questionnaire,
    safety_intro,
    takeable,
)
from relscales.textsafe import printable

__all__ = [
    "CSRF_COOKIE",
    "CSRF_FIELD",
    "LEAVE_PATH",
    "MAX_BODY",
    "QUICK_EXIT_SCRIPT",
    "Response",
    "SelfAssessApp",
    "ServeOptions",
    "content_length",
    "is_loopback",
    "make_server",
]

MAX_BODY = 64 * 1024
"""Largest request body accepted, in bytes (a 100-item form is under 4 KiB)."""

CSRF_COOKIE = "relscales_csrf"
CSRF_FIELD = "csrf_token"
SKIP = "skip"
"""Form value of the explicit "skip this question" answer."""

_NONCE = re.compile(r"^[A-Za-z0-9_-]{32,128}$")
_DIGITS = re.compile(r"[0-9]+")  # not \d, which also takes the digits of other scripts
SINGLE_HEADERS = frozenset(
    ("host", "content-length", "content-type", "transfer-encoding", "origin", "referer")
)
"""Headers a request may send once only: with two, which one counts is ambiguous."""
_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$")
_TAKE = re.compile(r"^/take/([a-z0-9][a-z0-9-]*)$")
_STYLE_ELEMENT = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL | re.IGNORECASE)
_STYLE_ATTR = re.compile(r"""\sstyle\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = {
    f"/static/{name}": (HERE / "static" / name, "text/css; charset=utf-8")
    for name in ("selfassess.css", "shell.css")
}

LEAVE_PATH = "/leave"
"""The quick exit: a neutral blank page that clears what the browser kept of the app."""

QUICK_EXIT_SCRIPT = (
    'document.querySelectorAll("a[data-quick-exit]").forEach(function (link) {'
    ' link.addEventListener("click", function (event) {'
    " event.preventDefault(); document.body.textContent = '';"
    " window.location.replace(link.href); }); });"
)
"""The only script of the app: the quick-exit link replaces the current history entry,
so that Back does not lead to the page it left (and the page is emptied at once). It is
allowed by its SHA-256 hash; without JavaScript the link works as a plain link."""

BASE_HEADERS: tuple[tuple[str, str], ...] = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    # same-origin, not no-referrer: with no-referrer, browsers send `Origin: null` on
    # form posts, and the Origin check could not tell our own form from a sandboxed frame.
    ("Referrer-Policy", "same-origin"),
    ("Cache-Control", "no-store"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)

DEFAULT_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
"""The policy of everything without a script (stylesheets, raw errors)."""


def _sha256_source(text: str) -> str:
    value = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()
    return f"'sha256-{value}'"


PAGE_CSP = f"{DEFAULT_CSP}; script-src {_sha256_source(QUICK_EXIT_SCRIPT)}"
"""The policy of the app's pages: :data:`DEFAULT_CSP` plus the quick-exit script by hash."""

LEAVE_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
"""The policy of the blank quick-exit page: nothing at all."""

LEAVE_PAGE = (
    b'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
    b'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
    b'<meta name="color-scheme" content="light dark">\n'
    b"<title>New Tab</title>\n</head>\n<body></body>\n</html>\n"
)
"""A neutral empty page: nothing on it says what was open before."""

LEAVE_HEADERS: tuple[tuple[str, str], ...] = (
    ("Clear-Site-Data", '"cache", "cookies", "storage"'),
    ("Referrer-Policy", "no-referrer"),
    # for browsers without Clear-Site-Data: at least the form cookie goes
    ("Set-Cookie", f"{CSRF_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"),
)
"""What ``/leave`` sends besides :data:`BASE_HEADERS` (whose ``Referrer-Policy`` it
overrides)."""


def content_length(values: Sequence[str]) -> int:
    """Read the ``Content-Length`` header(s) of a request, strictly.

    Exactly one value of ASCII digits only: no sign, no ``_``, no space, no digits of
    other scripts (which :class:`int` would all accept). A value too long to matter is
    returned as :data:`sys.maxsize` (it is over :data:`MAX_BODY` anyway).

    Raises
    ------
    ValueError
        For no value, several values or a value that is not ASCII digits.

    Examples
    --------
    >>> content_length(["42"]), content_length(["007"])
    (42, 7)
    >>> for bad in (["+5"], ["6_5"], [" 5"], ["\u0665"], [""], ["5", "5"]):
    ...     try:
    ...         content_length(bad)
    ...     except ValueError:
    ...         pass
    ...     else:
    ...         print("accepted", bad)
    """
    if len(values) != 1:
        raise ValueError("Content-Length must be given exactly once")
    value = values[0]
    if not _DIGITS.fullmatch(value):
        raise ValueError("Content-Length must be ASCII digits")
    digits = value.lstrip("0") or "0"
    return int(digits) if len(digits) <= 18 else sys.maxsize


def _match_language(available: Sequence[str], wanted: str) -> str | None:
    """Return the language of ``available`` that ``wanted`` asks for, or None.

    As :func:`~relscales.selfassess.questionnaire.pick_language` picks (exact, its base
    language, a regional one), but without falling back to the first.
    """
    folded = wanted.casefold()
    base = folded.split("-", 1)[0]
    for lang in available:  # exact
        if lang.casefold() == folded:
            return lang
    for lang in available:  # its base language: pt for pt-BR
        if lang.casefold() == base:
            return lang
    for lang in available:  # a regional one: pt-BR for pt
        if lang.casefold().split("-", 1)[0] == base:
            return lang
    return None


def is_loopback(host: str) -> bool:
    """Tell whether ``host`` is a loopback name or address (only this machine can reach it).

    Examples
    --------
    >>> [is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "0.0.0.0", "192.168.1.5")]
    [True, True, True, False, False]
    """
    if host.casefold() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def allowed_hosts(host: str, port: int) -> frozenset[str] | None:
    """Return the ``Host`` header values a server bound to ``host:port`` accepts.

    ``None`` (any) for a non-loopback bind, whose names the server cannot know.
    """
    if not is_loopback(host):
        return None
    names = {"127.0.0.1", "localhost", "[::1]", host.casefold()}
    if ":" in host and not host.startswith("["):
        names.add(f"[{host}]")
    return frozenset(names | {f"{n}:{port}" for n in names})


@dataclass(frozen=True)
class Response:
    """What the app answers: status, body, content type, extra headers and its CSP."""

    status: int
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()
    csp: str = DEFAULT_CSP


@dataclass(frozen=True)
class ServeOptions:
    """Settings of one ``relscales serve`` process.

    Attributes
    ----------
    save_dir
        Folder for one JSON file per submission; ``None``: nothing is stored.
    language
        Default respondent language (a page may ask for another with ``?lang=``).
    locale
        Locale of the help resources shown with flags.
    texts, instruments_dir
        Text overlays and extra instrument folders.
    only
        Offer only these ids (default: everything that can be taken).
    """

    save_dir: Path | None = None
    language: str | None = None
    locale: str = "en-US"
    texts: tuple[Path, ...] = ()
    instruments_dir: tuple[Path, ...] = ()
    only: tuple[str, ...] = ()


def _style_csp(document: str) -> str:
    """Return the page CSP, allowing exactly the inline styles of ``document``, by hash."""
    sources = ["'self'"]
    sources += sorted({_sha256_source(m) for m in _STYLE_ELEMENT.findall(document)})
    attributes = {html.unescape(a or b) for a, b in _STYLE_ATTR.findall(document)}
    if attributes:
        sources += ["'unsafe-hashes'", *sorted(_sha256_source(a) for a in attributes)]
    return PAGE_CSP.replace("style-src 'self'", "style-src " + " ".join(sources))


class SelfAssessApp:
    """The web app, independent of sockets: :meth:`handle` maps a request to a response.

    Parameters
    ----------
    options
        Settings of the process.
    secret
        Key of the CSRF tokens (default: 32 random bytes, new for each process).
    """

    def __init__(self, options: ServeOptions, *, secret: bytes | None = None) -> None:
        import jinja2

        self.options = options
        self.secret = secret if secret is not None else secrets.token_bytes(32)
        self.entries: dict[str, TakeableEntry] = {
            e.id: e
            for e in takeable(
                texts=options.texts, instruments_dir=options.instruments_dir, only=options.only
            )
        }
        self._cache: dict[tuple[str, str | None], Questionnaire] = {}
        """Loaded questionnaires by (id, language): the language is always one the
        questionnaire offers or the default (:meth:`language_for`), so the cache holds at
        most (languages + 1) entries per id, whatever the requests ask for."""
        self._lock = threading.Lock()
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.saved = 0
        self.hosts: frozenset[str] | None = None
        """Accepted ``Host`` header values (``None``: any); set by :func:`make_server`."""

    # -- helpers -------------------------------------------------------------------------

    def language_for(self, ref: str | None, wanted: str | None) -> str | None:
        """Return the language to show ``ref`` in when ``wanted`` is asked for.

        One of the languages ``ref`` offers (for the first page, ``ref`` None: any
        questionnaire's), matched as :func:`_match_language` does; anything else, and
        nothing asked, gives the default language (``--lang``, else None).
        """
        if wanted and _LANG.match(wanted):
            if ref is None:
                offered = [lang for e in self.entries.values() for lang in e.languages]
            else:
                entry = self.entries.get(ref)
                offered = list(entry.languages) if entry is not None else []
            found = _match_language(offered, wanted)
            if found is not None:
                return found
        return self.options.language

    def questionnaire(self, ref: str, language: str | None) -> Questionnaire:
        """Load (once) what ``ref`` names, in ``language`` (see :meth:`language_for`)."""
        if language != self.options.language:
            language = self.language_for(ref, language)
        key = (ref, language)
        with self._lock:
            if key not in self._cache:
                self._cache[key] = load_questionnaire(
                    ref,
                    texts=self.options.texts,
                    language=language,
                    instruments_dir=self.options.instruments_dir,
                )
            return self._cache[key]

    def token(self, nonce: str) -> str:
        """Return the CSRF token that goes with a cookie nonce."""
        return hmac.new(self.secret, nonce.encode("ascii"), hashlib.sha256).hexdigest()

    def _page(
        self, template: str, status: int = 200, headers: Sequence[tuple[str, str]] = (), **ctx: Any
    ) -> Response:
        context = {
            "saving": self.options.save_dir is not None,
            "lang": ctx.pop("lang", None) or self.options.language or "en",
            "quick_exit_script": QUICK_EXIT_SCRIPT,
            **ctx,
        }
        body = self.env.get_template(template).render(**context)
        return Response(status, body.encode("utf-8"), headers=tuple(headers), csp=PAGE_CSP)

    def _message(self, status: int, title: str, text: str, **ctx: Any) -> Response:
        return self._page("message.html.j2", status, title=title, text=text, **ctx)

    def _language(self, ref: str | None, values: Sequence[str] | None) -> str | None:
        return self.language_for(ref, values[0] if values else None)

    def _head_problem(self, pairs: Sequence[tuple[str, str]], body: bytes) -> Response | None:
        """Refuse repeated single headers and a ``Content-Length`` that is not strict."""
        names = [name.lower() for name, _ in pairs]
        for name in SINGLE_HEADERS:
            if names.count(name) > 1:
                return self._message(
                    HTTPStatus.BAD_REQUEST, "Bad request", "The request repeats a header."
                )
        lengths = [value for name, value in pairs if name.lower() == "content-length"]
        if not lengths:
            return None
        try:
            length = content_length(lengths)
        except ValueError:
            return self._message(
                HTTPStatus.BAD_REQUEST, "Bad request", "The request's Content-Length is not valid."
            )
        if length > MAX_BODY:
            return self._message(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "Too large", "The form sent was too large."
            )
        if length != len(body):
            return self._message(
                HTTPStatus.BAD_REQUEST, "Bad request", "The request's Content-Length is not valid."
            )
        return None

    # -- dispatch ------------------------------------------------------------------------

    def handle(
        self,
        method: str,
        target: str,
        headers: Mapping[str, str] | Iterable[tuple[str, str]],
        body: bytes = b"",
    ) -> Response:
        """Answer one request.

        ``headers`` is a mapping, or the (name, value) pairs as received, repeats
        included; names in any case.
        """
        pairs = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
        problem = self._head_problem(pairs, body)
        if problem is not None:
            return problem
        head = {k.lower(): v for k, v in pairs}
        hosts = self.hosts
        if hosts is not None and head.get("host", "").casefold() not in hosts:
            return self._message(
                HTTPStatus.MISDIRECTED_REQUEST,
                "Wrong address",
                "This server only answers requests addressed to it by its own address.",
            )
        parts = urlsplit(target)
        try:
            path, query = parts.path, parse_qs(parts.query, max_num_fields=20)
        except ValueError:
            return self._message(HTTPStatus.BAD_REQUEST, "Bad address", "The address is too long.")
        method = method.upper()
        if path in STATIC:
            if method not in ("GET", "HEAD"):
                return self._not_allowed("GET, HEAD")
            file, kind = STATIC[path]
            return Response(200, file.read_bytes(), kind)
        if path == "/favicon.ico":  # browsers ask; there is none, and a 404 is noise
            return Response(HTTPStatus.NO_CONTENT, content_type="image/x-icon")
        if path == LEAVE_PATH:
            if method not in ("GET", "HEAD"):
                return self._not_allowed("GET, HEAD")
            return self.leave()
        if path == "/":
            if method not in ("GET", "HEAD"):
                return self._not_allowed("GET, HEAD")
            return self.index(self._language(None, query.get("lang")))
        match = _TAKE.match(path)
        if match is None or match.group(1) not in self.entries:
            return self._message(
                HTTPStatus.NOT_FOUND,
                "Not found",
                "There is no such page. The list of questionnaires is on the first page.",
            )
        ref = match.group(1)
        if method in ("GET", "HEAD"):
            return self.form(ref, self._language(ref, query.get("lang")), head)
        if method == "POST":
            return self.submit(ref, head, body)
        return self._not_allowed("GET, HEAD, POST")

    def _not_allowed(self, allow: str) -> Response:
        response = self._message(
            HTTPStatus.METHOD_NOT_ALLOWED, "Not allowed", "This page cannot be used that way."
        )
        return dataclasses.replace(response, headers=(("Allow", allow),))

    def leave(self) -> Response:
        """Answer the quick exit: a blank page.

        The browser is told to drop the app's cache, cookies and storage, and to send no
        referrer from it.
        """
        return Response(HTTPStatus.OK, LEAVE_PAGE, headers=LEAVE_HEADERS, csp=LEAVE_CSP)

    # -- pages ---------------------------------------------------------------------------

    def index(self, language: str | None) -> Response:
        """Show the list of what can be taken."""
        return self._page("index.html.j2", entries=list(self.entries.values()), lang=language)

    def _nonce(self, head: Mapping[str, str]) -> str | None:
        cookie = SimpleCookie()
        cookie.load(head.get("cookie", ""))  # skips what it cannot parse; never raises
        morsel = cookie.get(CSRF_COOKIE)
        if morsel is None or not _NONCE.match(morsel.value):
            return None
        return morsel.value

    def form(
        self,
        ref: str,
        language: str | None,
        head: Mapping[str, str],
        *,
        values: Mapping[str, str] | None = None,
        errors: Mapping[str, str] | None = None,
    ) -> Response:
        """Show the questionnaire as one form (again with ``errors`` marked, when invalid)."""
        nonce = self._nonce(head)
        headers: list[tuple[str, str]] = []
        if nonce is None:
            nonce = secrets.token_urlsafe(32)
            headers.append(
                ("Set-Cookie", f"{CSRF_COOKIE}={nonce}; Path=/; HttpOnly; SameSite=Strict")
            )
        q = self.questionnaire(ref, language)
        errors = dict(errors or {})
        return self._page(
            "form.html.j2",
            422 if errors else 200,
            headers,
            q=q,
            entry=self.entries[ref],
            token=self.token(nonce),
            csrf_field=CSRF_FIELD,
            skip=SKIP,
            values=dict(values or {}),
            errors=errors,
            problems=[q.question(key) for key in errors],
            chosen_lang=language or "",
            lang=q.language,
            safety_intro=safety_intro(q),
            safety_first_key=q.safety_questions[0].key if q.safety_questions else "",
        )

    def _same_origin(self, head: Mapping[str, str]) -> bool:
        host = head.get("host", "").casefold()
        origin = head.get("origin")
        if origin is not None:
            return bool(host) and origin.casefold() == f"http://{host}"
        referer = head.get("referer")
        if referer is not None:
            parts = urlsplit(referer)
            return bool(host) and parts.scheme == "http" and parts.netloc.casefold() == host
        return True  # not sent by a browser page; the token still decides

    def _forbidden(self, ref: str, why: str) -> Response:
        return self._message(
            HTTPStatus.FORBIDDEN,
            "This form cannot be accepted",
            f"{why} Nothing was stored. Open the questionnaire again from this app and "
            "submit it from there.",
            back=f"/take/{ref}",
        )

    def submit(self, ref: str, head: Mapping[str, str], body: bytes) -> Response:
        """Check, validate and score a submission; show the report or the form again."""
        if len(body) > MAX_BODY:
            return self._message(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "Too large", "The form sent was too large."
            )
        if not self._same_origin(head):
            return self._forbidden(ref, "The form was sent from another site.")
        kind = head.get("content-type", "").split(";", 1)[0].strip().lower()
        if kind != "application/x-www-form-urlencoded":
            return self._message(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                "Unsupported form",
                "The form must be sent as application/x-www-form-urlencoded.",
            )
        try:
            fields = parse_qs(
                body.decode("utf-8"),
                keep_blank_values=True,
                max_num_fields=2000,
                strict_parsing=False,
            )
        except (UnicodeDecodeError, ValueError):
            return self._message(HTTPStatus.BAD_REQUEST, "Bad form", "The form could not be read.")
        nonce = self._nonce(head)
        sent = fields.get(CSRF_FIELD, [""])
        if (
            nonce is None
            or len(sent) != 1
            or not hmac.compare_digest(sent[0].encode(), self.token(nonce).encode())
        ):
            return self._forbidden(
                ref,
                "The form's security token is missing or out of date (the app may have been "
                "restarted, or cookies are blocked).",
            )
        language = self._language(ref, fields.get("lang"))
        q = self.questionnaire(ref, language)
        values, answers, errors = validate_answers(q, fields)
        if errors:
            return self.form(ref, language, head, values=values, errors=errors)
        return self.report(q, answers)

    def report(self, q: Questionnaire, answers: Mapping[str, float | None]) -> Response:
        """Score the answers and show the person report (saving a record when asked).

        The report's own first section is any raised flag, or that safety could not be
        checked (a page has no scrollback, so unlike ``take`` the shell does not repeat
        it). Around it the shell adds the quick exit at the top and, after the report,
        where the answers went.
        """
        from relscales.selfassess.outcome import (
            render_report,
            safety_check,
            score_answers,
            submission_record,
        )

        result = score_answers(q, answers)
        check = safety_check(q, result, locale=self.options.locale)
        document = render_report(q, result, "html", locale=self.options.locale)
        stored = "Nothing was stored: when you close this page, your answers are gone."
        if self.options.save_dir is not None:
            record = submission_record(q, answers, result, via="serve")
            try:
                self._save(self.options.save_dir, q, record)
                stored = (
                    "Your answers and results were saved in a file on the computer running "
                    "relscales. Anyone who can use that computer, or reach its files, could "
                    "read them."
                )
            except (RelscalesError, OSError) as exc:
                why = printable(str(exc))
                sys.stderr.write(f"relscales serve: could not save a submission: {why}\n")
                stored = "Your answers could NOT be saved (the folder is not writable)."
        top = self.env.get_template("quick_exit.html.j2").render()
        nav = self.env.get_template("report_nav.html.j2").render(
            stored=stored, q=q, safety_first=check.safety_first, quick_exit_script=QUICK_EXIT_SCRIPT
        )
        link = '<link rel="stylesheet" href="/static/shell.css">\n'
        document = _insert(document, _HEAD_END, link, before=True)
        # the quick exit first of all; any flag stays the first thing of the report itself
        document = _insert(document, _BODY_START, top, before=False)
        document = _insert(document, _BODY_END, nav, before=True)
        return Response(200, document.encode("utf-8"), csp=_style_csp(document))

    def _save(self, folder: Path, q: Questionnaire, record: Mapping[str, Any]) -> Path:
        """Write one submission atomically, ``0600``, without touching the process umask.

        Several threads save at once: :func:`relscales.io.atomic.atomic_text` gives the
        mode when it creates the file, and never changes the umask of the process.
        """
        from relscales.io.atomic import atomic_text

        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
        target = folder / f"{stamp}-{q.id}-{secrets.token_hex(4)}.json"
        with atomic_text(target, private=True) as stream:
            json.dump(record, stream, indent=2, ensure_ascii=False)
            stream.write("\n")
        with self._lock:
            self.saved += 1
        return target


_HEAD_END = re.compile(r"</head\s*>", re.IGNORECASE)
_BODY_START = re.compile(r"<body\b[^>]*>", re.IGNORECASE)
_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)


def _insert(document: str, where: re.Pattern[str], text: str, *, before: bool) -> str:
    """Put ``text`` before or after the first match of ``where`` (at the end without one)."""
    match = where.search(document)
    if match is None:
        return document + text
    at = match.start() if before else match.end()
    return document[:at] + text + document[at:]


def validate_answers(
    q: Questionnaire, fields: Mapping[str, Sequence[str]]
) -> tuple[dict[str, str], dict[str, float | None], dict[str, str]]:
    """Read the answers of a submitted form.

    Every question needs one answer: a response code it offers, or the explicit
    ``skip``. Fields that name no question are ignored.

    Returns
    -------
    values, answers, errors
        The submitted value per question key (to fill the form again), the answers
        (code, or ``None`` when skipped), and a message per question with a problem.
    """
    values: dict[str, str] = {}
    answers: dict[str, float | None] = {}
    errors: dict[str, str] = {}
    for question in q.questions:
        sent = fields.get(question.key, [])
        if len(sent) > 1:
            errors[question.key] = "Choose one answer only."
            continue
        if not sent or not sent[0]:
            errors[question.key] = "Choose an answer, or choose to skip this question."
            continue
        value = sent[0]
        values[question.key] = value
        if value == SKIP:
            answers[question.key] = None
            continue
        choice = _choice(question, value)
        if choice is None:
            errors[question.key] = "That is not one of the answers; choose one of them."
            values.pop(question.key)
            continue
        answers[question.key] = choice
    return values, answers, errors


def _choice(question: Question, code: str) -> float | None:
    for choice in question.choices:
        if choice.code == code:
            return choice.value
    return None


class _Handler(http.server.BaseHTTPRequestHandler):
    """Moves bytes between the socket and :class:`SelfAssessApp`."""

    app: SelfAssessApp
    protocol_version = "HTTP/1.1"
    timeout = 30  # seconds a connection may stay silent

    def version_string(self) -> str:
        """Name the server without Python's version."""
        return "relscales"

    def _respond(self, response: Response, *, head_only: bool = False) -> None:
        self._csp = response.csp
        self._own = frozenset(name.lower() for name, _ in response.headers)
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:  # say so: the client must not send another request here
            self.send_header("Connection", "close")
        for name, value in response.headers:
            self.send_header(name, value)
        self.end_headers()
        if not head_only:
            self.wfile.write(response.body)

    def end_headers(self) -> None:
        """Add the security headers to every response, errors included.

        A header the response sets itself (``/leave``'s ``Referrer-Policy``) replaces the
        base one.
        """
        own: frozenset[str] = getattr(self, "_own", frozenset())
        self.send_header("Content-Security-Policy", getattr(self, "_csp", DEFAULT_CSP))
        for name, value in BASE_HEADERS:
            if name.lower() not in own:
                self.send_header(name, value)
        self._csp, self._own = DEFAULT_CSP, frozenset()  # not carried to the next response
        super().end_headers()

    def _headers(self) -> list[tuple[str, str]]:
        return list(self.headers.items())  # every line, repeats included

    def _answer(self, method: str, body: bytes = b"") -> Response:
        """Ask the app; an unexpected error becomes a 500 page and one log line (no answers)."""
        try:
            response = self.app.handle(method, self.path, self._headers(), body)
            if response.status in (HTTPStatus.BAD_REQUEST, HTTPStatus.REQUEST_ENTITY_TOO_LARGE):
                self.close_connection = True  # what follows on the connection is suspect
            return response
        except Exception as exc:
            self.log_message("internal error: %s", type(exc).__name__)
            self.close_connection = True
            return self.app._message(
                HTTPStatus.INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "This is a bug in relscales; nothing was stored. Please report it, with the "
                "command that started this app.",
            )

    def do_GET(self) -> None:
        """Answer a GET."""
        self._respond(self._answer("GET"))

    def do_HEAD(self) -> None:
        """Answer a HEAD (a GET without the body)."""
        self._respond(self._answer("HEAD"), head_only=True)

    def do_POST(self) -> None:
        """Answer a POST, refusing a body that is chunked, unmeasured, mismeasured or too large.

        ``Content-Length`` is read strictly (:func:`content_length`): a value that is not
        ASCII digits, or two of them, is refused with 400 before anything is read.
        """
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            self._respond(self.app._message(411, "Length required", "Send a Content-Length."))
            return
        lengths = self.headers.get_all("Content-Length") or []
        if not lengths:
            self.close_connection = True
            self._respond(self.app._message(411, "Length required", "Send a Content-Length."))
            return
        try:
            length = content_length(lengths)
        except ValueError:
            self.close_connection = True
            self._respond(
                self.app._message(400, "Bad request", "The request's Content-Length is not valid.")
            )
            return
        if length > MAX_BODY:
            self.close_connection = True
            self._respond(
                self.app._message(
                    413, "Too large", "The form sent was too large; nothing was read."
                )
            )
            return
        body = self.rfile.read(length)
        if len(body) != length:
            self.close_connection = True
            return
        self._respond(self._answer("POST", body))

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Log method, path (without the query) and status; never a body or answers."""
        status = code.value if isinstance(code, HTTPStatus) else code
        self.log_message("%s %s %s", self.command, urlsplit(self.path).path, status)

    def log_message(self, format: str, *args: Any) -> None:
        """Write one log line to standard error, any control character in it escaped.

        The request line comes from the network: printed raw, an escape sequence in a
        path would drive the terminal of whoever runs ``serve``.
        """
        sys.stderr.write(printable(f"{self.address_string()} - {format % args}") + "\n")


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


class _Server6(_Server):
    address_family = socket.AF_INET6


def make_server(app: SelfAssessApp, host: str, port: int) -> http.server.ThreadingHTTPServer:
    """Bind a threading HTTP server for ``app`` (``port`` 0 picks a free port).

    Raises
    ------
    OSError
        When the address cannot be bound (in use, not an address of this machine).
    """
    handler = type("Handler", (_Handler,), {"app": app})
    cls = _Server6 if ":" in host else _Server
    server = cls((host.strip("[]"), port), handler)
    app.hosts = allowed_hosts(host, server.server_address[1])
    return server
