"""Render reports from Jinja templates in a sandbox.

The public entry points:

- :func:`render_person_report` - one respondent, as HTML, Markdown or plain text;
- :func:`render_study_report` - a whole sample, as HTML or Markdown;

Templates are looked up first in ``template_dir`` (when given), then among the packaged
templates (``relscales/reports/templates``), so a folder may override any one of them,
including the shared style sheet. They run in Jinja's sandboxed environment (immutable
variant) with ``StrictUndefined``: a template sees only the documented report context
(:mod:`relscales.reports.views`) as ``report``, cannot reach Python internals
(``__class__``, ``__subclasses__``, ...), and a misspelt name is an error, not an empty
string. HTML templates are autoescaped; Markdown output escapes Markdown and HTML
characters in every value; charts are inline SVG built by :mod:`relscales.reports.charts`.
Every template failure is a :class:`~relscales.errors.ReportError` with a stable code
(``template-not-found``, ``template-error``, ``template-unsafe``).

Jinja2 is imported inside these functions, so importing this module is cheap.
"""

from __future__ import annotations

import functools
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from relscales.errors import Issue, Location, ReportError

if TYPE_CHECKING:
    from jinja2 import Environment

    from relscales.analysis_results import AnalysisResult
    from relscales.reports.common import Clock
    from relscales.reports.study_views import StudyReport
    from relscales.reports.views import PersonReport
    from relscales.scoring.compile import CompiledBattery, CompiledInstrument
    from relscales.scoring.results import ScoreResult

__all__ = [
    "FORMATS",
    "PERSON_FORMATS",
    "STUDY_FORMATS",
    "ReportFormat",
    "ReportInput",
    "format_for",
    "render_context",
    "render_person_report",
    "render_study_report",
    "render_template",
]

ReportFormat = Literal["html", "md", "txt"]

FORMATS: dict[str, ReportFormat] = {
    ".html": "html",
    ".htm": "html",
    ".md": "md",
    ".markdown": "md",
    ".txt": "txt",
}
"""Output suffix -> report format (the registry behind ``-o OUT.<suffix>``)."""

PERSON_FORMATS: tuple[ReportFormat, ...] = ("html", "md", "txt")
STUDY_FORMATS: tuple[ReportFormat, ...] = ("html", "md")

TEMPLATE_PACKAGE = "relscales.reports"
TEMPLATE_FOLDER = "templates"


def format_for(name: str) -> ReportFormat | None:
    """Return the report format of a path or a format name (``html``, ``md``, ``txt``).

    Examples
    --------
    >>> format_for("out/p1.HTML"), format_for("md"), format_for("x.pdf")
    ('html', 'md', None)
    """
    if name in PERSON_FORMATS:
        return name
    return FORMATS.get(Path(name).suffix.lower())


# --------------------------------------------------------------------------------------
# Scoring for a report
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportInput:
    """What a report is rendered from: scores, the instruments, the battery if any."""

    result: ScoreResult
    compiled: tuple[CompiledInstrument, ...]
    battery: CompiledBattery | None = None


# --------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------


def render_person_report(
    result: ScoreResult,
    compiled: Sequence[CompiledInstrument],
    row: int,
    *,
    fmt: ReportFormat = "html",
    template_dir: str | os.PathLike[str] | None = None,
    lang: str = "en",
    locale: str = "en-US",
    battery: CompiledBattery | None = None,
    clock: Clock | None = None,
    version: str | None = None,
    self_assessment: bool = False,
) -> str:
    """Render one respondent's report and return it as text.

    Parameters
    ----------
    result
        Scores (one or more respondents), scored with ``ScoreOptions(details=True)`` (as
        :func:`score_for_report` does) so that every score carries its interval and every
        reading its axis levels; without details, only scores with a classical SEM get
        an interval, and the report says so for the others.
    compiled
        The compiled instruments the result was scored with.
    row
        0-based index of the respondent (see :func:`relscales.reports.explain.find_row`
        to turn an id or a 1-based row number into it).
    fmt
        ``"html"``, ``"md"`` or ``"txt"``.
    template_dir
        A folder whose templates override the packaged ones (``person.html.j2``,
        ``person.md.j2``, ``person.txt.j2``, ``report.css``, ...).
    lang, locale
        Language of flag messages; locale of the help resources shown with flags
        (``en-US``; ``default`` keeps only the instrument's default resources).
    battery
        The compiled battery, when the result was scored with one.
    clock, version
        The date and relscales version printed on the report; injectable so that the
        output is reproducible (defaults: now, or ``SOURCE_DATE_EPOCH``; the installed
        version).
    self_assessment
        A person's own sitting (``take``, ``serve``): the report speaks to them and shows
        no respondent id or data row.

    Returns
    -------
    str
        The report. HTML is one self-contained page: inline CSS and SVG, no scripts, no
        fonts, images or anything else fetched from the network.

    Raises
    ------
    ReportError
        ``template-not-found``, ``template-error`` or ``template-unsafe``.
    IndexError
        When ``row`` is not a respondent of ``result``.
    """
    from relscales.reports.person import person_context

    report = person_context(
        result,
        compiled,
        row,
        battery=battery,
        lang=lang,
        locale=locale,
        clock=clock,
        version=version,
        self_assessment=self_assessment,
    )
    return render_context(report, fmt=fmt, template_dir=template_dir)


def render_study_report(
    result: ScoreResult,
    compiled: Sequence[CompiledInstrument],
    *,
    fmt: ReportFormat = "html",
    analyses: Sequence[AnalysisResult] = (),
    battery: CompiledBattery | None = None,
    template_dir: str | os.PathLike[str] | None = None,
    clock: Clock | None = None,
    version: str | None = None,
) -> str:
    """Render a study report: sample, score distributions, reliability, items, quality.

    Parameters
    ----------
    result
        Scores of every respondent.
    compiled
        The compiled instruments the result was scored with.
    fmt
        ``"html"`` or ``"md"``.
    analyses
        :func:`relscales.pipeline.analysis.analyze` results of the instruments (reliability, item
        analysis and the data-quality screen); instruments without one get no tables.
    battery, template_dir, clock, version
        As for :func:`render_person_report`.
    """
    from relscales.reports.study import study_context

    report = study_context(
        result, compiled, analyses=analyses, battery=battery, clock=clock, version=version
    )
    return render_context(report, fmt=fmt, template_dir=template_dir)


def render_context(
    report: PersonReport | StudyReport,
    *,
    fmt: ReportFormat = "html",
    template_dir: str | os.PathLike[str] | None = None,
) -> str:
    """Render a report context with the template ``<kind>.<fmt>.j2``.

    Raises
    ------
    ReportError
        When the template is missing, broken, or unsafe.
    """
    allowed = PERSON_FORMATS if report.kind == "person" else STUDY_FORMATS
    return render_template(report, report.kind, fmt=fmt, template_dir=template_dir, allowed=allowed)


def render_template(
    report: Any,
    kind: str,
    *,
    fmt: ReportFormat,
    template_dir: str | os.PathLike[str] | None,
    allowed: Sequence[str],
) -> str:
    """Render any report context with the template ``<kind>.<fmt>.j2``.

    The one way every report is rendered: first from ``template_dir``, then from the
    packaged templates, in the sandbox, with the filters above. ``allowed`` names the
    formats the kind of report has.

    Raises
    ------
    ReportError
        When the folder or template is missing, the format is not allowed, or the
        template is broken or unsafe.
    """
    name = f"{kind}.{fmt}.j2"
    folder = str(Path(template_dir).resolve()) if template_dir is not None else None
    if folder is not None and not Path(folder).is_dir():
        raise ReportError(
            Issue(
                "template-not-found",
                f"the template folder '{template_dir}' does not exist",
                Location(file=str(template_dir)),
                hint="give --template a folder of .j2 files",
            )
        )
    if fmt not in allowed:
        raise _not_found(name, template_dir, allowed)
    env = _environment(folder, fmt)
    return _render(env, name, report, template_dir, allowed)


def _not_found(
    name: str, template_dir: str | os.PathLike[str] | None, allowed: Sequence[str]
) -> ReportError:
    where = (
        f"{template_dir} or the packaged templates" if template_dir else "the packaged templates"
    )
    return ReportError(
        Issue(
            "template-not-found",
            f"no template '{name}' in {where} (report formats: {', '.join(allowed)})",
            Location(file=str(template_dir) if template_dir else None),
            hint="write the report as "
            + " or ".join(f".{f}" for f in allowed)
            + ", or add the template to your --template folder",
        )
    )


def _render(
    env: Environment,
    name: str,
    report: Any,
    template_dir: str | os.PathLike[str] | None,
    allowed: Sequence[str],
) -> str:
    import jinja2
    from jinja2.exceptions import SecurityError

    try:
        template = env.get_template(name)
        return template.render(report=report)
    except jinja2.TemplateNotFound as exc:
        missing = exc.name if isinstance(exc.name, str) else name
        raise _not_found(missing, template_dir, allowed) from None
    except (SecurityError, jinja2.UndefinedError) as exc:
        file, line = _template_position(exc)
        if not isinstance(exc, SecurityError) and not _INTERNALS.search(str(exc)):
            raise ReportError(
                Issue(
                    "template-error",
                    str(exc),
                    Location(file=file or name, line=line),
                    hint="the template context is documented in docs/reports.md",
                )
            ) from None
        raise ReportError(
            Issue(
                "template-unsafe",
                f"the template tried something the sandbox does not allow: {exc}",
                Location(file=file, line=line),
                hint="templates can only read the documented report context",
            )
        ) from None
    except jinja2.TemplateSyntaxError as exc:
        raise ReportError(
            Issue(
                "template-error",
                f"template syntax: {exc.message}",
                Location(file=exc.filename or exc.name or name, line=exc.lineno),
                hint="see https://jinja.palletsprojects.com/templates/ for the syntax",
            )
        ) from None
    except (jinja2.TemplateError, ArithmeticError, LookupError, TypeError, ValueError) as exc:
        file, line = _template_position(exc)
        raise ReportError(
            Issue(
                "template-error",
                str(exc) or type(exc).__name__,
                Location(file=file or name, line=line),
                hint="the template context is documented in docs/reports.md",
            )
        ) from None
    except RecursionError:
        raise ReportError(
            Issue(
                "template-error",
                "the template calls itself without end",
                Location(file=name),
                hint="check recursive macros and includes",
            )
        ) from None


_INTERNALS = re.compile(r"'(__\w+__|mro|func_globals|f_globals|gi_frame|tb_frame)'")
"""Names that only matter to someone reaching for Python internals from a template."""


def _template_position(exc: BaseException) -> tuple[str | None, int | None]:
    """Return the template file and line where a rendering error happened, if known."""
    tb = exc.__traceback__
    found: tuple[str | None, int | None] = (None, None)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".j2", ".css")):
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


# --------------------------------------------------------------------------------------
# The environment
# --------------------------------------------------------------------------------------


def _packaged(name: str) -> tuple[str, str, Any] | None:
    """Load a packaged template through importlib.resources (works from a wheel or zip)."""
    if "/" in name or "\\" in name or name.startswith("."):
        return None
    node = resources.files(TEMPLATE_PACKAGE).joinpath(TEMPLATE_FOLDER).joinpath(name)
    if not node.is_file():
        return None
    source = node.read_text(encoding="utf-8")
    return source, f"{TEMPLATE_FOLDER}/{name}", lambda: True


def num(value: Any, digits: int = 2) -> str:
    """Format a number for a report; missing (None or NaN) becomes ``-``.

    Examples
    --------
    >>> num(3.14159), num(None), num(float("nan")), num(2, 0), num(0.5, 1)
    ('3.14', '-', '-', '2', '0.5')
    """
    if value is None:
        return "-"
    number = float(value)
    if math.isnan(number):
        return "-"
    if math.isinf(number):
        return "infinite"
    return f"{number:.{int(digits)}f}"


def percent(value: Any, digits: int = 0) -> str:
    """Format a share (0-1) as a percentage.

    Examples
    --------
    >>> percent(0.256), percent(None)
    ('26%', '-')
    """
    text = num(None if value is None else float(value) * 100, digits)
    return text if text == "-" else f"{text}%"


def sentence(text: Any) -> str:
    """Upper-case the first letter of a text and leave the rest as it is.

    Unlike Jinja's ``capitalize``, quoted answers keep their case.

    Examples
    --------
    >>> sentence('missing: you answered "No, this is my first partner"')
    'Missing: you answered "No, this is my first partner"'
    """
    value = str(text)
    return value[:1].upper() + value[1:]


def wrap(text: Any, width: int = 78, indent: int = 0, hanging: int = 0) -> str:
    """Wrap text for plain-text reports, never breaking words at hyphens.

    Examples
    --------
    >>> print(wrap("- one two three four", 14, 2, 2))
      - one two
        three four
    """
    import textwrap

    return textwrap.fill(
        str(text),
        width=width,
        initial_indent=" " * indent,
        subsequent_indent=" " * (indent + hanging),
        break_on_hyphens=False,
        break_long_words=False,
    )


_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}|#~!])")
_MD_ENTITY = re.compile(r"&(?=#?\w+;)")


def markdown_escape(value: Any) -> Any:
    r"""Escape a value for Markdown: HTML characters as entities, Markdown ones by backslash.

    Values that are already markup (charts, text bars) pass unchanged.

    Examples
    --------
    >>> markdown_escape("<script>alert(1)</script> *x* [a](b)")
    '&lt;script&gt;alert(1)&lt;/script&gt; \\*x\\* \\[a\\](b)'
    """
    from markupsafe import Markup

    if isinstance(value, Markup):
        return value
    if isinstance(value, bool | int | float) or value is None:
        return value
    text = _MD_ENTITY.sub("&amp;", str(value)).replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def _autoescape(name: str | None) -> bool:
    return name is not None and name.endswith((".html.j2", ".html", ".htm", ".svg.j2"))


@functools.lru_cache(maxsize=16)
def _environment(folder: str | None, fmt: str) -> Environment:
    """Return the sandboxed environment for a template folder and an output format."""
    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    loaders: list[jinja2.BaseLoader] = []
    if folder is not None:
        loaders.append(jinja2.FileSystemLoader(folder))
    loaders.append(jinja2.FunctionLoader(_packaged))
    options: dict[str, Any] = {}
    if fmt == "md":
        options["finalize"] = markdown_escape
    env = ImmutableSandboxedEnvironment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=_autoescape if fmt == "html" else False,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        **options,
    )
    env.filters["num"] = num
    env.filters["percent"] = percent
    env.filters["wrap"] = wrap
    env.filters["sentence"] = sentence
    return env
