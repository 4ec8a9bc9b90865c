"""Commands about instrument files: ``list``, ``show``, ``validate``, ``schema``, ``catalogue``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from relscales.cli.errors import EXIT_INPUT, EXIT_OK, EXIT_STRICT
from relscales.cli.options import InstrumentsDir, Texts, checked_texts, dirs
from relscales.cli.output import echo_err, write_text

if TYPE_CHECKING:
    from relscales.instruments.battery import Battery
    from relscales.instruments.instrument import Instrument

__all__ = [
    "catalogue_command",
    "list_command",
    "schema_command",
    "show_command",
    "validate_command",
]


def list_command(
    instruments_dir: InstrumentsDir = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    all_versions: Annotated[
        bool,
        typer.Option(
            "--all-versions",
            help="Also list kept earlier versions, as ID@VERSION (what -i takes to select one).",
        ),
    ] = False,
) -> None:
    """List the available instruments: id, name, domain, items and validation status."""
    from relscales.instruments.catalog import list_instruments

    entries = list_instruments(instruments_dir=dirs(instruments_dir), all_versions=all_versions)
    if as_json:
        typer.echo(json.dumps([entry.to_dict() for entry in entries], indent=2))
        return
    rows: list[tuple[str, ...]] = [
        (e.id, e.name, e.domain, str(e.n_items), e.status) for e in entries
    ]
    typer.echo(_table(("id", "name", "domain", "items", "status"), rows))
    broken = [e for e in entries if e.problem]
    for entry in broken:
        echo_err(f"warning: {entry.source}: {entry.problem}")


NAME_WIDTH = 60
"""Longer names are shortened, at a word boundary, with "..." (``--json`` has them whole)."""


def _shortened(name: str, width: int = NAME_WIDTH) -> str:
    """Cut a name at the last word boundary that leaves room for "...".

    >>> _shortened("Rosenberg Self-Esteem Scale (PhenX / openpsychometrics item order)", 40)
    'Rosenberg Self-Esteem Scale (PhenX...'
    >>> _shortened("Short name")
    'Short name'
    """
    if len(name) <= width:
        return name
    head = name[: width - 2]  # one more than fits, to see whether a word ends there
    cut = head.rfind(" ")
    head = head[:cut] if cut > 0 else head[: width - 3]
    return head.rstrip(" -/,;:(") + "..."


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """Align the rows in columns, one line each; a long name (column 1) is shortened."""
    rows = [(row[0], _shortened(row[1]), *row[2:]) for row in rows]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    )


def show_command(
    instrument: Annotated[str, typer.Argument(help="A bundled id or a path to a YAML file.")],
    instruments_dir: InstrumentsDir = None,
    texts: Texts = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the resolved instrument as JSON (YAML keys).")
    ] = False,
    sum_table: Annotated[
        bool,
        typer.Option(
            "--sum-table",
            help="Print, for paper administration, theta for every possible sum score (EAP "
            "given the sum) of each subscale with a graded response model.",
        ),
    ] = False,
    subscale: Annotated[
        list[str] | None,
        typer.Option("--subscale", help="With --sum-table: only this subscale (repeatable)."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", help="With --sum-table: write it as CSV to this file.", dir_okay=False
        ),
    ] = None,
) -> None:
    """Show an instrument's structure: subscales, items (reverse keys marked), provenance."""
    if sum_table:
        if as_json:
            raise typer.BadParameter("give --json or --sum-table, not both", param_hint="--json")
        _show_sum_table(instrument, instruments_dir, texts, subscale or [], output)
        return
    if subscale or output is not None:
        hint = "--subscale" if subscale else "-o"
        raise typer.BadParameter(f"{hint} goes with --sum-table", param_hint=hint)
    battery = _battery_named(instrument, instruments_dir)
    if battery is not None:
        if as_json:
            typer.echo(_battery_json(battery))
            return
        versions = _versions_line(battery.id, battery.spec.version, instruments_dir)
        typer.echo(_battery_text(battery) + versions)
        return
    inst = _load(instrument, instruments_dir, texts)
    if as_json:
        data = inst.spec.to_data()
        data["_provenance"] = inst.provenance()
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
        return
    from relscales.instruments.describe import describe

    typer.echo(describe(inst) + _versions_line(inst.id, inst.version, instruments_dir))


def _show_sum_table(
    ref: str,
    given: list[Path] | None,
    texts: list[Path] | None,
    subscales: list[str],
    output: Path | None,
) -> None:
    """Print or write the sum-score-to-theta tables of the instrument ``ref`` names."""
    from relscales.pipeline.sumtable import battery_error, sum_tables, write_sum_tables

    battery = _battery_named(ref, given)
    if battery is not None:
        raise battery_error(battery.id, [m.id for m in battery.members])
    inst = _load(ref, given, texts)
    tables = sum_tables(inst, subscales=subscales, ref=ref)
    for note in tables.notes():
        echo_err(note)
    if output is None:
        typer.echo(tables.to_text())
        return
    inputs = [("instrument", inst.source), *(("--texts", str(t)) for t in texts or [])]
    write_sum_tables(tables, output, inputs)
    n = len(tables.tables)
    echo_err(f"wrote the sum-score table of {n} subscale{'s' * (n != 1)} -> {output}")


def _versions_line(ident: str, shown: str, given: list[Path] | None) -> str:
    """Return the closing line about kept earlier versions (empty when there are none)."""
    from relscales.instruments.registry import current_version, kept_versions

    current = current_version(ident, dirs(given))
    kept = [k for k in kept_versions(ident, dirs(given)) if k.version != current]
    listed = ", ".join(f"{k.version} (`-i {k.ref}`)" for k in kept if k.version != shown)
    if shown != current and any(k.version == shown for k in kept):
        now = f"the current version is {current} (`-i {ident}`)" if current else "none is current"
        others = f"; other kept versions: {listed}" if listed else ""
        return (
            f"\n\nThis is a kept earlier version of {ident}; {now}{others}. See docs/versions.md."
        )
    if not listed:
        return ""
    return f"\n\nEarlier versions kept: {listed}. See docs/versions.md."


def _load(ref: str, given: list[Path] | None, texts: list[Path] | None) -> Instrument:
    """Load an instrument and apply every overlay in ``texts`` written for it."""
    from relscales.instruments.loader import load_instrument
    from relscales.instruments.texts import apply_overlays

    instrument = load_instrument(ref, instruments_dir=dirs(given))
    return apply_overlays(instrument, checked_texts(texts))


def _battery_named(ref: str, given: list[Path] | None) -> Battery | None:
    """Return the battery ``ref`` names, or None when it names an instrument."""
    from relscales.instruments.battery import load_battery
    from relscales.instruments.kinds import file_kind
    from relscales.instruments.registry import resolve_instrument

    path = resolve_instrument(ref, extra_dirs=dirs(given))
    if file_kind(path) != "battery":
        return None
    return load_battery(path, instruments_dir=dirs(given))


def _battery_json(battery: Battery) -> str:
    """Return the battery as JSON with its file's keys, and its provenance."""
    # JSON writes the model's tuples as arrays, as it writes lists
    data = battery.spec.model_dump(mode="python", exclude_defaults=True, exclude_none=True)
    data["_provenance"] = {
        "content_hash": battery.content_hash,
        "source": battery.source,
        "members": [m.provenance() for m in battery.members],
    }
    return json.dumps(data, indent=2, ensure_ascii=False, default=str)


def _battery_text(battery: Battery) -> str:
    """Return the battery's members, composites and profiles, for reading."""
    spec = battery.spec
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
    return "\n".join(lines)


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
    from relscales.instruments.loader import ValidationReport
    from relscales.io.special import not_a_file_issue

    reports = []
    for f in files:
        # a pipe or a device (/dev/zero) would be read without end: refused unread
        refused = not_a_file_issue(f, "instrument file")
        if refused is not None:
            reports.append(ValidationReport(str(f), (refused,)))
        else:
            reports.append(validate_definition(f, instruments_dir=dirs(instruments_dir)))
    if as_json:
        typer.echo(json.dumps([r.to_dict() for r in reports], indent=2, ensure_ascii=False))
    else:
        for report in reports:
            for issue in report.issues:
                echo_err(issue.render())
            n_err = sum(i.severity == "error" for i in report.issues)
            n_warn = len(report.issues) - n_err
            status = "valid" if report.valid else "INVALID"
            counts = f"{n_err} error{'s' * (n_err != 1)}, {n_warn} warning{'s' * (n_warn != 1)}"
            typer.echo(f"{report.file}: {status} ({counts})")
    if not all(r.valid for r in reports):
        raise typer.Exit(EXIT_INPUT)
    if strict and any(r.warnings for r in reports):
        raise typer.Exit(EXIT_STRICT)


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
    write_text(text, output)


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
    from relscales.io.catalogue import write_catalogue

    stale = write_catalogue(output, check=check, instruments_dir=dirs(instruments_dir))
    if check:
        for name in stale:
            echo_err(f"{output / name}: out of date; run `relscales catalogue -o {output}`")
        raise typer.Exit(EXIT_STRICT if stale else EXIT_OK)
    typer.echo(
        f"wrote {len(stale)} page{'s' * (len(stale) != 1)} in {output}"
        if stale
        else f"{output}: already current"
    )
