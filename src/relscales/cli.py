"""The ``relscales`` command line: a thin shell over the public API.

Exit codes (docs/cli.md): 0 success; 1 finished, but found problems the user asked
to be strict about; 2 bad input or usage; 3 an unexpected internal error.
Heavy modules (numpy, pyarrow, scipy, jinja2, pydantic) are imported inside the
commands, so ``relscales --help`` starts fast.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    from relscales.errors import RelscalesError
    from relscales.instruments.instrument import Instrument

__all__ = ["app", "main"]

EXIT_OK, EXIT_STRICT, EXIT_INPUT, EXIT_BUG = 0, 1, 2, 3

app = typer.Typer(
    name="relscales",
    help="Score, check and report self-report questionnaires on relationship insecurity, "
    "reassurance seeking and adult attachment (published instruments and the project's own "
    "experimental ones).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

_state: dict[str, bool] = {"debug": False}

Texts = Annotated[
    list[Path] | None,
    typer.Option(
        "--texts",
        help="Text overlay with item wording (repeatable); see docs/authoring.md#text-overlays.",
        dir_okay=False,
    ),
]

InstrumentsDir = Annotated[
    list[Path] | None,
    typer.Option(
        "--instruments-dir",
        help="Extra folder of instrument YAML files (repeatable), searched before bundled ones.",
        file_okay=False,
    ),
]


def _input_formats() -> str:
    from relscales.io.formats import READERS

    return ", ".join(READERS)


InputFormat = Annotated[
    str | None,
    typer.Option(
        "--input-format",
        help=f"Format of the data: {_input_formats()}. Default: detected from the content "
        "and the file name.",
    ),
]
Sheet = Annotated[
    str | None, typer.Option("--sheet", help="Excel: the sheet to read (default: the first).")
]
Long = Annotated[
    bool,
    typer.Option(
        "--long",
        help="The data are long: one row per respondent, item and value (default: detected "
        "from the column names).",
    ),
]
IdColumn = Annotated[
    str | None, typer.Option("--id-column", help="Respondent id column (default: detected).")
]
ColumnMap = Annotated[
    Path | None,
    typer.Option("--map", help="File mapping data columns to item ids (YAML or CSV)."),
]
CiLevel = Annotated[float, typer.Option("--ci-level", help="Confidence level of the intervals.")]
NormGroup = Annotated[str | None, typer.Option("--norm-group", help="Reference group for norms.")]
Reliability = Annotated[
    list[str] | None,
    typer.Option("--reliability", help="SCORE=R: reliability for the SEM (repeatable)."),
]
Delimiter = Annotated[
    str | None, typer.Option("--delimiter", help="Field delimiter (default: detected).")
]
Encoding = Annotated[
    str | None, typer.Option("--encoding", help="Text encoding (default: detected).")
]
DATA_HELP = "Response data: CSV/TSV, a Qualtrics or REDCap export, .sav, .xlsx, JSON or Parquet."


def _version(value: bool) -> None:
    if value:
        from relscales._version import __version__

        typer.echo(f"relscales {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show Python tracebacks for errors.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    _state["debug"] = debug


def _err(text: str) -> None:
    typer.echo(text, err=True)


def _fail(exc: RelscalesError) -> NoReturn:
    if _state["debug"]:
        raise exc
    for issue in exc.issues:
        _err(issue.render())
    raise typer.Exit(EXIT_INPUT)


def _dirs(dirs: list[Path] | None) -> list[Path]:
    return list(dirs or [])


def _load(ref: str, dirs: list[Path] | None, texts: list[Path] | None = None) -> Instrument:
    from relscales.errors import RelscalesError
    from relscales.instruments.loader import load_instrument

    try:
        instrument = load_instrument(ref, instruments_dir=_dirs(dirs))
        return _with_texts(instrument, texts)
    except RelscalesError as exc:
        _fail(exc)


def _with_texts(instrument: Instrument, texts: list[Path] | None) -> Instrument:
    """Apply every overlay in ``texts`` written for this instrument."""
    from relscales.instruments.texts import apply_overlays

    return apply_overlays(instrument, texts or [])


def _write_text(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    from relscales.errors import RelscalesError
    from relscales.io.atomic import atomic_text

    try:
        with atomic_text(output) as stream:
            stream.write(text)
    except RelscalesError as exc:
        _fail(exc)


@app.command("list")
def list_command(
    instruments_dir: InstrumentsDir = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the available instruments: id, name, domain, items and validation status."""
    from relscales.errors import RelscalesError
    from relscales.instruments.catalog import list_instruments

    try:
        entries = list_instruments(instruments_dir=_dirs(instruments_dir))
    except RelscalesError as exc:
        _fail(exc)
    if as_json:
        typer.echo(json.dumps([entry.to_dict() for entry in entries], indent=2))
        return
    rows = [(e.id, e.name, e.domain, str(e.n_items), e.status) for e in entries]
    header = ("id", "name", "domain", "items", "status")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    widths[1] = min(widths[1], 60)
    for row in [header, *rows]:
        cells = [row[i][: widths[i]].ljust(widths[i]) for i in range(len(header))]
        typer.echo("  ".join(cells).rstrip())
    broken = [e for e in entries if e.problem]
    for entry in broken:
        _err(f"warning: {entry.source}: {entry.problem}")


@app.command("show")
def show_command(
    instrument: Annotated[str, typer.Argument(help="A bundled id or a path to a YAML file.")],
    instruments_dir: InstrumentsDir = None,
    texts: Texts = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the resolved instrument as JSON (YAML keys).")
    ] = False,
) -> None:
    """Show an instrument's structure: subscales, items (reverse keys marked), provenance."""
    if _show_battery(instrument, instruments_dir, as_json):
        return
    inst = _load(instrument, instruments_dir, texts)
    if as_json:
        data = inst.spec.to_data()
        data["_provenance"] = inst.provenance()
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
        return
    from relscales.instruments.describe import describe

    typer.echo(describe(inst))


def _show_battery(ref: str, dirs: list[Path] | None, as_json: bool) -> bool:
    """Show a battery when ``ref`` names one; return False for an instrument."""
    from relscales.errors import RelscalesError
    from relscales.instruments.battery import load_battery
    from relscales.instruments.kinds import file_kind
    from relscales.instruments.registry import resolve_instrument

    try:
        path = resolve_instrument(ref, extra_dirs=_dirs(dirs))
        if file_kind(path) != "battery":
            return False
        battery = load_battery(path, instruments_dir=_dirs(dirs))
    except RelscalesError as exc:
        _fail(exc)
    spec = battery.spec
    if as_json:
        from relscales.spec import _plain

        data = _plain(spec.model_dump(mode="python", exclude_defaults=True, exclude_none=True))
        data["_provenance"] = {
            "content_hash": battery.content_hash,
            "source": battery.source,
            "members": [m.provenance() for m in battery.members],
        }
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
        return True
    lines = [
        f"{spec.name} (battery {spec.id} {spec.version}; validation: {spec.validation.status})",
        "",
        "Instruments:",
    ]
    lines += [f"  {m.id}: {m.name} ({len(m.items)} items)" for m in battery.members]
    if spec.composites:
        lines += ["", "Composites:"]
        for comp in spec.composites:
            parts = ", ".join(
                ("reversed " if p.reverse else "") + f"{p.weight} x {p.score}" for p in comp.parts
            )
            metric = {True: "z", "pomp": "POMP"}.get(comp.standardized, "raw")
            lines.append(f"  {comp.id}: weighted {comp.method} of {metric} scores: {parts}")
    for prof in spec.profiles:
        lines.append(
            f"  {prof.id}: {prof.x.score} at {prof.x.cut} x {prof.y.score} at "
            f"{prof.y.cut} -> {', '.join(prof.regions.values())}"
        )
    lines += ["", f"Content hash: {battery.content_hash}", f"Source: {battery.source}"]
    typer.echo("\n".join(lines))
    return True


@app.command("validate")
def validate_command(
    files: Annotated[list[Path], typer.Argument(help="Instrument YAML files to check.")],
    instruments_dir: InstrumentsDir = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON report.")] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 when there are warnings.")
    ] = False,
) -> None:
    """Check instrument files and text overlays; report every problem with file:line:col."""
    from relscales.instruments.definitions import validate_definition

    reports = [validate_definition(f, instruments_dir=_dirs(instruments_dir)) for f in files]
    if as_json:
        typer.echo(json.dumps([r.to_dict() for r in reports], indent=2, ensure_ascii=False))
    else:
        for report in reports:
            for issue in report.issues:
                _err(issue.render())
            n_err = sum(i.severity == "error" for i in report.issues)
            n_warn = len(report.issues) - n_err
            status = "valid" if report.valid else "INVALID"
            counts = f"{n_err} error{'s' * (n_err != 1)}, {n_warn} warning{'s' * (n_warn != 1)}"
            typer.echo(f"{report.file}: {status} ({counts})")
    if not all(r.valid for r in reports):
        raise typer.Exit(EXIT_INPUT)
    if strict and any(r.warnings for r in reports):
        raise typer.Exit(EXIT_STRICT)


@app.command("schema")
def schema_command(
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write to this file, not stdout.")
    ] = None,
    kind: Annotated[
        str,
        typer.Option("--kind", help="instrument, battery or texts (text overlay)."),
    ] = "instrument",
) -> None:
    """Print the JSON Schema of the instrument format, for editors."""
    from relscales.instruments.schema import instrument_schema

    if kind not in ("instrument", "battery", "texts"):
        raise typer.BadParameter(f"'{kind}': use instrument, battery or texts", param_hint="--kind")
    text = json.dumps(instrument_schema(kind), indent=2, ensure_ascii=False) + "\n"
    _write_text(text, output)


@app.command("analyze")
def analyze_command(
    data: Annotated[Path, typer.Argument(help=DATA_HELP)],
    instrument: Annotated[
        str, typer.Option("-i", "--instrument", help="A bundled id or a YAML path.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (contract in docs).")] = False,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write the JSON report to this file.")
    ] = None,
    ci: Annotated[str, typer.Option("--ci", help="Alpha interval: feldt or bootstrap.")] = "feldt",
    n_boot: Annotated[int, typer.Option("--n-boot", help="Bootstrap resamples.")] = 1000,
    seed: Annotated[int | None, typer.Option("--seed", help="Bootstrap seed.")] = None,
    ci_level: Annotated[float, typer.Option("--ci-level", help="Interval level.")] = 0.95,
    no_quality: Annotated[
        bool, typer.Option("--no-quality", help="Skip the careless-responding screen.")
    ] = False,
    duration_column: Annotated[
        str | None,
        typer.Option("--duration-column", help="Completion time in seconds, for the screen."),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 when there are warnings or problems.")
    ] = False,
    instruments_dir: InstrumentsDir = None,
    input_format: InputFormat = None,
    sheet: Sheet = None,
    long: Long = False,
) -> None:
    """Reliability (alpha, omega, lambda 6), item analysis and data quality of a sample."""
    from relscales.errors import RelscalesError
    from relscales.reports.analysis_text import analysis_table

    if ci not in ("feldt", "bootstrap"):
        raise typer.BadParameter(f"'{ci}': use feldt or bootstrap", param_hint="--ci")
    try:
        from relscales.analysis import analyze
        from relscales.io.readsource import input_notes
        from relscales.io.tabular import open_source

        source = open_source(data, format=input_format, sheet=sheet, long=long)
        result = analyze(
            instrument,
            source,
            ci="bootstrap" if ci == "bootstrap" else "feldt",
            n_boot=n_boot,
            seed=seed,
            confidence_level=ci_level,
            quality=not no_quality,
            duration_column=duration_column,
            instruments_dir=_dirs(instruments_dir),
        )
    except RelscalesError as exc:
        _fail(exc)
    for note in input_notes(source):
        _err(note)
    document = json.dumps(result.to_dict(), indent=2, ensure_ascii=False, default=float) + "\n"
    if output is not None:
        _write_text(document, output)
    if as_json:
        sys.stdout.write(document)
    else:
        typer.echo(analysis_table(result))
    for warning in result.warnings:
        _err(warning.render())
    if strict and (result.warnings or result.problems):
        raise typer.Exit(EXIT_STRICT)


@app.command("report")
def report_command(
    data: Annotated[Path, typer.Argument(help="Response data: a CSV or TSV file.")],
    instrument: Annotated[
        list[str],
        typer.Option("-i", "--instrument", help="A bundled id or a YAML path (repeatable)."),
    ],
    output: Annotated[
        Path,
        typer.Option(
            "-o", "--output", help="Report file (.html, .md, .txt); with --all, a folder."
        ),
    ],
    respondent: Annotated[
        str | None,
        typer.Option("--respondent", help="The respondent: an id, or a row number from 1."),
    ] = None,
    all_respondents: Annotated[
        bool, typer.Option("--all", help="One report per respondent, in the folder -o.")
    ] = False,
    study: Annotated[
        bool,
        typer.Option("--study", help="A study report: distributions, reliability, quality."),
    ] = False,
    fmt: Annotated[
        str | None, typer.Option("--format", help="html, md or txt, overriding the suffix.")
    ] = None,
    template: Annotated[
        Path | None,
        typer.Option(
            "--template", help="Folder of templates overriding the packaged ones.", file_okay=False
        ),
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="Language of flag messages.")] = "en",
    locale: Annotated[
        str, typer.Option("--locale", help="Locale of the help resources shown with flags.")
    ] = "en-US",
    id_column: IdColumn = None,
    column_map: ColumnMap = None,
    ci_level: CiLevel = 0.95,
    norm_group: NormGroup = None,
    reliability: Reliability = None,
    no_quality: Annotated[
        bool, typer.Option("--no-quality", help="Study report: skip the careless screen.")
    ] = False,
    duration_column: Annotated[
        str | None,
        typer.Option("--duration-column", help="Completion time in seconds, for the screen."),
    ] = None,
    delimiter: Delimiter = None,
    encoding: Encoding = None,
    input_format: InputFormat = None,
    sheet: Sheet = None,
    long: Long = False,
    instruments_dir: InstrumentsDir = None,
    texts: Texts = None,
) -> None:
    """Render a report for one respondent, every respondent (--all) or the sample (--study)."""
    from relscales.errors import RelscalesError
    from relscales.reports.cli_report import ReportJob, run_report

    job = ReportJob(
        data=data,
        instruments=instrument,
        output=output,
        respondent=respondent,
        all_respondents=all_respondents,
        study=study,
        fmt=fmt,
        template_dir=template,
        lang=lang,
        locale=locale,
        id_column=id_column,
        column_map=column_map,
        ci_level=ci_level,
        norm_group=norm_group,
        reliability=_parse_reliability(reliability),
        delimiter=delimiter,
        encoding=encoding,
        instruments_dir=_dirs(instruments_dir),
        texts=texts or [],
        quality=not no_quality,
        duration_column=duration_column,
        input_format=input_format,
        sheet=sheet,
        long=long,
    )
    try:
        code = run_report(job, _err)
    except RelscalesError as exc:
        _fail(exc)
    raise typer.Exit(code)


@app.command("catalogue")
def catalogue_command(
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Folder for the pages.", file_okay=False)
    ] = Path("docs/instruments"),
    check: Annotated[
        bool, typer.Option("--check", help="Only report out-of-date pages (exit 1 if any).")
    ] = False,
    instruments_dir: InstrumentsDir = None,
) -> None:
    """Write one Markdown page per instrument (structure, keys, provenance, licence)."""
    from relscales.errors import RelscalesError
    from relscales.io.catalogue import write_catalogue

    try:
        stale = write_catalogue(output, check=check, instruments_dir=_dirs(instruments_dir))
    except RelscalesError as exc:
        _fail(exc)
    if check:
        for name in stale:
            _err(f"{output / name}: out of date; run `relscales catalogue -o {output}`")
        raise typer.Exit(EXIT_STRICT if stale else EXIT_OK)
    typer.echo(
        f"wrote {len(stale)} page{'s' * (len(stale) != 1)} in {output}"
        if stale
        else f"{output}: already current"
    )


def _parse_reliability(pairs: list[str] | None) -> dict[str, float]:
    out: dict[str, float] = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not sep or not name or not (0 < number < 1):
            raise typer.BadParameter(
                f"'{pair}' is not SCORE=R with R between 0 and 1 (e.g. anxiety=0.91)",
                param_hint="--reliability",
            )
        out[name] = number
    return out


@app.command("score")
def score_command(
    data: Annotated[Path, typer.Argument(help=DATA_HELP)],
    instrument: Annotated[
        list[str],
        typer.Option("-i", "--instrument", help="A bundled id or a YAML path (repeatable)."),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="Output file; .csv, .tsv, .json, .jsonl or .parquet. Default: CSV on stdout.",
        ),
    ] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help="Output format, overriding the suffix.")
    ] = None,
    id_column: IdColumn = None,
    column_map: ColumnMap = None,
    with_ci: Annotated[bool, typer.Option("--with-ci", help="Add confidence intervals.")] = False,
    with_norms: Annotated[
        bool, typer.Option("--with-norms", help="Add z, T and percentile columns.")
    ] = False,
    with_counts: Annotated[
        bool, typer.Option("--with-counts", help="Add answered-item counts.")
    ] = False,
    with_bands: Annotated[
        bool, typer.Option("--with-bands", help="Add interpretation band columns.")
    ] = False,
    ci_level: CiLevel = 0.95,
    norm_group: NormGroup = None,
    reliability: Reliability = None,
    problems: Annotated[
        Path | None,
        typer.Option("--problems", help="Write every invalid cell to this CSV or JSON file."),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 when any problem or warning was found.")
    ] = False,
    delimiter: Delimiter = None,
    encoding: Encoding = None,
    instruments_dir: InstrumentsDir = None,
    texts: Texts = None,
    explain: Annotated[
        str | None,
        typer.Option(
            "--explain",
            help="Print how one respondent's readings were reached (id or row number); "
            "writes nothing.",
        ),
    ] = None,
    locale: Annotated[
        str, typer.Option("--locale", help="Locale of the help resources shown with flags.")
    ] = "en-US",
    with_quality: Annotated[
        bool,
        typer.Option("--with-quality", help="Add a `quality` column (careless-responding screen)."),
    ] = False,
    exclude_careless: Annotated[
        bool,
        typer.Option(
            "--exclude-careless",
            help="Leave the scores of respondents flagged as careless empty (rows are kept).",
        ),
    ] = False,
    duration_column: Annotated[
        str | None,
        typer.Option("--duration-column", help="Completion time in seconds, for the screen."),
    ] = None,
    input_format: InputFormat = None,
    sheet: Sheet = None,
    long: Long = False,
    excel_safe: Annotated[
        bool,
        typer.Option(
            "--excel-safe",
            help="CSV/TSV: put ' before text cells a spreadsheet would run as a formula "
            "(=, +, -, @). Off by default, so ids stay exact.",
        ),
    ] = False,
) -> None:
    """Score every respondent; write one row per respondent, in input order."""
    from relscales.errors import RelscalesError
    from relscales.io.scorejob import run_score

    try:
        code = run_score(
            data=data,
            instruments=instrument,
            output=output,
            fmt=fmt,
            id_column=id_column,
            column_map=column_map,
            with_ci=with_ci,
            with_norms=with_norms,
            with_counts=with_counts,
            with_bands=with_bands,
            ci_level=ci_level,
            norm_group=norm_group,
            reliability=_parse_reliability(reliability),
            problems=problems,
            strict=strict,
            delimiter=delimiter,
            encoding=encoding,
            instruments_dir=_dirs(instruments_dir),
            echo=_err,
            texts=texts or [],
            explain=explain,
            locale=locale,
            with_quality=with_quality,
            exclude_careless=exclude_careless,
            duration_column=duration_column,
            input_format=input_format,
            sheet=sheet,
            long=long,
            excel_safe=excel_safe,
        )
    except RelscalesError as exc:
        if _state["debug"]:
            raise
        _fail(exc)
    raise typer.Exit(code)


Lang = Annotated[
    str | None,
    typer.Option(
        "--lang", help="The respondent's language (en, fr, pt-BR); default: the instrument's."
    ),
]
Locale = Annotated[
    str, typer.Option("--locale", help="Locale of the help resources shown with flags.")
]


@app.command("take")
def take_command(
    instrument: Annotated[str, typer.Argument(help="An instrument or battery id, or a YAML path.")],
    texts: Texts = None,
    lang: Lang = None,
    save: Annotated[
        Path | None,
        typer.Option(
            "--save", help="Also save the report: .html, .md, .txt or .json.", dir_okay=False
        ),
    ] = None,
    locale: Locale = "en-US",
    instruments_dir: InstrumentsDir = None,
) -> None:
    """Answer a questionnaire in the terminal, then read your own report."""
    from relscales.errors import RelscalesError
    from relscales.selfassess.commands import take

    try:
        code = take(
            instrument,
            texts=texts or [],
            language=lang,
            save=save,
            locale=locale,
            instruments_dir=_dirs(instruments_dir),
            echo=_err,
        )
    except RelscalesError as exc:
        _fail(exc)
    raise typer.Exit(code)


@app.command("serve")
def serve_command(
    instrument: Annotated[
        list[str] | None, typer.Argument(help="Offer only these ids (default: all takeable).")
    ] = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port; 0 picks a free one.")] = 8765,
    save: Annotated[
        Path | None,
        typer.Option(
            "--save", help="Save each submission as JSON in this folder.", file_okay=False
        ),
    ] = None,
    texts: Texts = None,
    lang: Lang = None,
    locale: Locale = "en-US",
    instruments_dir: InstrumentsDir = None,
) -> None:
    """Serve a local web app where questionnaires are taken in a browser."""
    from relscales.errors import RelscalesError
    from relscales.selfassess.commands import serve

    try:
        code = serve(
            instrument or [],
            host=host,
            port=port,
            save_dir=save,
            language=lang,
            locale=locale,
            texts=texts or [],
            instruments_dir=_dirs(instruments_dir),
            echo=_err,
        )
    except RelscalesError as exc:
        _fail(exc)
    raise typer.Exit(code)


def _command_named(args: list[str]) -> str | None:
    """Return the command that ``args`` name (their first word not an option), if any."""
    return next((a for a in args if not a.startswith("-")), None)


def _app_for(args: list[str]) -> typer.Typer:
    """Return the app, holding only the command that ``args`` name when they name one.

    Typer inspects every option of every command when it builds the command line; with
    one command it skips the others' (about 0.07 s of start-up for ``score``). Help
    without a command, and unknown commands, get the whole app.
    """
    wanted = _command_named(args)
    chosen = [c for c in app.registered_commands if c.name == wanted]
    if not chosen:
        return app
    slim = typer.Typer(
        name=app.info.name,
        help=app.info.help,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    slim.registered_callback = app.registered_callback
    slim.registered_commands = chosen
    return slim


def main(argv: list[str] | None = None) -> None:
    """Run the command line, mapping outcomes to the documented exit codes."""
    args = sys.argv[1:] if argv is None else argv
    from relscales import _startup

    _startup.begin(_command_named(args))
    try:
        _app_for(args)(args=args, prog_name="relscales", standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        _err("interrupted")
        raise SystemExit(130) from None
    except Exception as exc:
        from relscales.errors import RelscalesError

        if isinstance(exc, RelscalesError):
            for issue in exc.issues:
                _err(issue.render())
            if "--debug" in args:
                raise
            raise SystemExit(EXIT_INPUT) from None
        if "--debug" in args:
            raise
        _bug(exc)
    finally:
        _startup.end()


def run() -> NoReturn:
    """Run :func:`main` as the ``relscales`` program, and end the process at once.

    By the time :func:`main` returns, every output is written and closed, so Python's
    clean-up at exit (freeing every object, one by one; 0.03 s after a large ``score``)
    does nothing the user can see; the process ends without it once standard output and
    error are flushed, as mypy does. Inside another program, call :func:`main` instead.
    """
    import os

    code = 0
    try:
        main()
    except SystemExit as stop:
        if stop.code is None or isinstance(stop.code, int):
            code = stop.code or 0
        else:  # a message, as Python itself would show it
            sys.stderr.write(f"{stop.code}\n")
            code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):  # a reader that went away, or a closed stream
        code = code or 1
    os._exit(code)


def _bug(exc: BaseException) -> NoReturn:
    import platform

    from relscales._version import __version__

    _err(
        f"internal error: {type(exc).__name__}: {exc}\n"
        "This is a bug in relscales; please report it with the command you ran and these "
        f"versions: relscales {__version__}, Python {platform.python_version()}, "
        f"{platform.platform()}. Run again with --debug to see the traceback."
    )
    raise SystemExit(EXIT_BUG)
