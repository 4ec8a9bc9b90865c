"""The ``relscales score`` job: read in batches, score, stream to a file, report.

Outputs are written to temporary files and renamed only when complete; the
input is never written to. A sidecar ``OUT.meta.json`` records versions,
instrument hashes, options and problem counts for every score written.

Before anything is written, every output path (``-o``, its sidecar, ``--problems``) is
checked against every input (data, instrument files, overlays, column map) and every
other output (:func:`relscales.io.atomic.check_outputs`). Inputs must be regular files
(:mod:`relscales.io.special`). ``-o`` may name a character device such as ``/dev/null``:
it is written to directly, as CSV unless ``--format`` says otherwise, without a sidecar.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from relscales import _startup
from relscales.errors import Issue, Location, OutputError
from relscales.io.atomic import atomic_path, atomic_text, check_outputs, is_device
from relscales.io.colmap import read_column_map
from relscales.io.formats import input_format_hint
from relscales.io.readsource import input_notes
from relscales.io.sources import open_source
from relscales.io.special import (
    check_data_file,
    check_definition_file,
    recorded_paths,
)
from relscales.io.tabular import BATCH_BYTES
from relscales.io.writers import excel_safe_text, format_for, open_writer
from relscales.pipeline.run import ScoringRun
from relscales.pipeline.score import compile_with_texts, resolve_refs
from relscales.problems import PROBLEM_FIELDS, Problem
from relscales.scoring.compile import CompiledBattery, CompiledInstrument
from relscales.scoring.options import ScoreOptions

__all__ = ["check_inputs", "meta_path", "run_inputs", "run_score", "write_problems"]

EXIT_OK, EXIT_STRICT = 0, 1


def meta_path(output: Path) -> Path:
    """Return the sidecar path of an output file (``scores.csv`` -> ``scores.csv.meta.json``)."""
    return output.with_name(output.name + ".meta.json")


def write_problems(path: Path, problems: Sequence[Problem], *, excel_safe: bool = False) -> None:
    """Write problem records as CSV (or JSON when the suffix is ``.json``), atomically.

    ``excel_safe`` escapes CSV cells a spreadsheet would run as formulas (a cell as found
    in the data may be one).
    """
    if path.suffix.lower() == ".json":
        with atomic_text(path) as stream:
            json.dump([p.to_dict() for p in problems], stream, indent=1, ensure_ascii=False)
            stream.write("\n")
        return
    with atomic_text(path, newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(PROBLEM_FIELDS)
        for p in problems:
            d = p.to_dict()
            row = [d[f] for f in PROBLEM_FIELDS]
            if excel_safe:
                row = [excel_safe_text(v) if isinstance(v, str) else v for v in row]
            writer.writerow(row)


def check_inputs(
    data: Path,
    instruments: Sequence[str | os.PathLike[str]],
    texts: Sequence[Path] = (),
    column_map: Path | None = None,
) -> None:
    """Refuse inputs that are not regular files (standard input, pipes, devices).

    Raises
    ------
    DataError, SpecError
        ``input-not-a-file``, before anything is read.
    """
    from relscales.instruments.registry import looks_like_path

    check_data_file(data)
    for ref in instruments:
        if isinstance(ref, os.PathLike) or looks_like_path(ref):
            check_definition_file(ref)
    for overlay in texts:
        check_definition_file(overlay, "text overlay")
    if column_map is not None:
        check_definition_file(column_map, "column map")


def run_inputs(
    data: Path,
    compiled: Sequence[CompiledInstrument],
    battery: CompiledBattery | None,
    texts: Sequence[Path] = (),
    column_map: Path | None = None,
) -> list[tuple[str, str | os.PathLike[str]]]:
    """Name every file a run reads, for :func:`relscales.io.atomic.check_outputs`."""
    inputs: list[tuple[str, str | os.PathLike[str]]] = [("data file", data)]
    if column_map is not None:
        inputs.append(("--map", column_map))
    inputs += [("--texts", overlay) for overlay in texts]
    members = [*compiled, *(battery.members if battery is not None else ())]
    inputs += [("instrument", c.instrument.source) for c in members]
    if battery is not None:
        inputs.append(("battery", battery.battery.source))
    return [(label, path) for label, path in inputs if not str(path).startswith("<")]


def _progress(total: int, enabled: bool) -> Any:
    if not enabled:
        return None
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TimeRemainingColumn, TransferSpeedColumn

    progress = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        "[progress.percentage]{task.percentage:>3.0f}%",
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    progress.start()
    progress.add_task("scoring", total=total)
    return progress


def run_score(
    *,
    data: Path,
    instruments: Sequence[str],
    output: Path | None,
    fmt: str | None,
    id_column: str | None,
    column_map: Path | None,
    with_ci: bool,
    with_norms: bool,
    with_counts: bool,
    with_bands: bool,
    ci_level: float,
    norm_group: str | None,
    reliability: dict[str, float],
    problems: Path | None,
    strict: bool,
    delimiter: str | None,
    encoding: str | None,
    instruments_dir: Sequence[str | os.PathLike[str]],
    echo: Callable[[str], None],
    texts: Sequence[Path] = (),
    explain: str | None = None,
    locale: str = "en-US",
    with_quality: bool = False,
    exclude_careless: bool = False,
    duration_column: str | None = None,
    input_format: str | None = None,
    sheet: str | None = None,
    long: bool = False,
    excel_safe: bool = False,
) -> int:
    """Run ``relscales score``; return the exit code (0, or 1 under ``strict``)."""
    check_inputs(data, instruments, texts, column_map)
    compiled, battery = resolve_refs(
        instruments, instruments_dir, lambda ref: compile_with_texts(ref, instruments_dir, texts)
    )
    options = ScoreOptions(
        id_column=id_column,
        column_map=read_column_map(column_map) if column_map else {},
        with_ci=with_ci,
        with_norms=with_norms,
        with_counts=with_counts,
        with_bands=with_bands,
        confidence_level=ci_level,
        norm_group=norm_group,
        reliability=reliability,
        problem_limit=None if problems else 100_000,
        quality=with_quality,
        exclude_careless=exclude_careless,
        duration_column=duration_column,
    )
    source = open_source(
        data, delimiter=delimiter, encoding=encoding, format=input_format, sheet=sheet, long=long
    )
    if explain is not None:
        return _explain(compiled, source, options, explain, locale, battery)
    run = ScoringRun(compiled, source, options, battery)
    device = output is not None and is_device(output)
    name = fmt or (format_for(output.suffix) if output and not device else "csv")
    if name is None or format_for(name) is None:
        raise OutputError(
            Issue(
                "unsupported-format",
                f"cannot write '{output.suffix if output and not fmt else name}' output",
                Location(file=str(output) if output else None),
                hint=(input_format_hint(name) if fmt else None)
                or "use .csv, .tsv, .json, .jsonl or .parquet (or --format)",
            )
        )
    name = format_for(name) or "csv"
    sidecar = meta_path(output) if output is not None and not device else None
    outputs = [("-o", output), ("sidecar", sidecar), ("--problems", problems)]
    check_outputs(
        [(label, path) for label, path in outputs if path is not None],
        run_inputs(data, compiled, battery, texts, column_map),
    )
    show_progress = sys.stderr.isatty() and source.size > (4 << 20)
    _startup.started()
    if output is None:
        _stream(run, name, sys.stdout.buffer, show_progress, excel_safe)
        sys.stdout.flush()
    else:
        with atomic_path(output) as tmp, tmp.open("wb") as stream:
            _stream(run, name, stream, show_progress, excel_safe)
    if problems is not None:
        write_problems(problems, run.problems.records, excel_safe=excel_safe)
    warnings = run.warnings()
    if sidecar is not None:
        with atomic_text(sidecar) as meta:
            json.dump(
                recorded_paths(run.metadata()), meta, indent=2, ensure_ascii=False, default=str
            )
            meta.write("\n")
    _summary(run, output, problems, warnings, echo)
    if strict and (run.problems.total or warnings):
        return EXIT_STRICT
    return EXIT_OK


def _explain(
    compiled: Sequence[CompiledInstrument],
    source: Any,
    options: ScoreOptions,
    wanted: str,
    locale: str,
    battery: CompiledBattery | None = None,
) -> int:
    """Print how one respondent's readings were reached (``--explain ROW``)."""
    import dataclasses

    from relscales.pipeline.score import score_compiled
    from relscales.reports.explain import explain_row, find_row
    from relscales.scoring.norms import critical_z

    result = score_compiled(
        compiled, source, dataclasses.replace(options, details=True), battery=battery
    )
    if battery is not None:
        compiled = [*battery.members, *[c for c in compiled if c not in battery.members]]
    row = find_row(result, wanted)
    if row is None:
        raise OutputError(
            Issue(
                "invalid-option",
                f"--explain {wanted}: no respondent with that id, and not a row number from 1 "
                f"to {result.n_respondents}",
                Location(file=source.name),
                hint=f"give a value of the '{result.id_column}' column, or a row number",
            )
        )
    level = options.confidence_level
    sys.stdout.write(
        explain_row(
            result,
            compiled,
            row,
            level=level,
            z=critical_z(level),
            locale=locale,
            battery=battery,
        )
        + "\n"
    )
    return EXIT_OK


def _stream(
    run: ScoringRun, fmt: str, stream: Any, show_progress: bool, excel_safe: bool = False
) -> None:
    """Score batch by batch; a writer thread encodes and writes while the next is scored."""
    import queue
    import threading

    writer = open_writer(fmt, stream, excel_safe=excel_safe)
    progress = _progress(run.source.size, show_progress)
    box: queue.Queue[Any] = queue.Queue(maxsize=2)
    failure: list[BaseException] = []

    def write_all() -> None:
        while (columns := box.get()) is not None:
            if failure:
                continue  # drain after an error so the producer never blocks
            try:
                writer.write(columns)
            except BaseException as exc:  # handed to the main thread below
                failure.append(exc)

    thread = threading.Thread(target=write_all, name="relscales-writer", daemon=True)
    thread.start()
    rows_per_block = 0
    try:
        for columns in run.batches():
            box.put(columns)
            if failure:
                break
            if progress is not None:
                rows_per_block = rows_per_block or max(run.rows, 1)
                done = run.rows * BATCH_BYTES // rows_per_block
                progress.update(progress.task_ids[0], completed=min(done, run.source.size))
    finally:
        box.put(None)
        thread.join()
        if progress is not None:
            progress.stop()
    if failure:
        raise failure[0]
    writer.close()


def _summary(
    run: ScoringRun,
    output: Path | None,
    problems: Path | None,
    warnings: list[Issue],
    echo: Callable[[str], None],
) -> None:
    for note in input_notes(run.source):  # how a survey export was read
        echo(note)
    names = ", ".join(f"{c.id} ({', '.join(c.score_ids)})" for c in run.compiled)
    where = f" -> {output}" if output else ""
    echo(f"scored {run.rows} respondent{'s' * (run.rows != 1)} on {names}{where}")
    total = run.problems.total
    if total:
        by_code = run.problems.by_code()
        ragged = by_code.pop("ragged-row", 0)
        if ragged:
            echo(
                f"{ragged} row{'s' * (ragged != 1)} with the wrong number of fields: kept, "
                "with empty scores (ragged-row)"
            )
        cells = total - ragged
        if cells:
            parts = ", ".join(f"{code}: {n}" for code, n in by_code.items())
            echo(f"{cells} invalid value{'s' * (cells != 1)} treated as missing ({parts})")
        if problems is not None:
            echo(f"  every one is listed in {problems}")
        else:
            for p in run.problems.records[:5]:
                loc = Location(
                    file=run.source.name,
                    row=p.row,
                    respondent=p.respondent or None,
                    data_column=p.column or None,
                )
                echo(f"  {loc.prefix()}: {p.code}: {p.message}")
            if total > 5:
                echo("  ... list them all with --problems FILE")
    for warning in warnings:
        echo(warning.render())
