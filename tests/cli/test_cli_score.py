"""``relscales score`` (docs: shared/design/cli.md, the score output contract)."""

from __future__ import annotations

import csv
import functools
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import relscales
from relscales.cli import app

DATA = Path(__file__).resolve().parent.parent / "data" / "scoring"
NORMED = DATA / "normed.yaml"
RSES_ITEMS = [f"rses{i:02d}" for i in range(1, 11)]

runner = CliRunner()


def invoke(*args: Any) -> Any:
    return runner.invoke(app, [str(a) for a in args])


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def rses_csv(tmp_path: Path) -> Path:
    """Four respondents: complete, one blank (no score), one invalid cell, complete."""
    rows = [
        ["a", *["3"] * 10],
        ["b", *["3"] * 4, "", *["3"] * 5],
        ["c", "7", *["2"] * 9],
        ["d", *["0", "1", "2", "3", "0", "1", "2", "3", "0", "1"]],
    ]
    lines = ["id," + ",".join(RSES_ITEMS)] + [",".join(r) for r in rows]
    return write(tmp_path / "rses.csv", "\n".join(lines) + "\n")


@pytest.fixture
def normed_csv(tmp_path: Path) -> Path:
    return write(
        tmp_path / "normed.csv",
        "participant_id,a1,a2,a3,a4,b1,b2,b3\nx,4,2,3,5,3,4,1\ny,2,4,3,1,1,2,5\nz,5,,5,5,2,,2\n",
    )


def read_csv_text(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def no_traceback(result: Any) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


# ---------------------------------------------------------------------------------------------
# Output table
# ---------------------------------------------------------------------------------------------


def test_stdout_csv_without_output(rses_csv: Path) -> None:
    result = invoke("score", rses_csv, "-i", "rses")
    assert result.exit_code == 0, result.output
    assert read_csv_text(result.stdout) == [
        ["id", "self_esteem"],
        ["a", "15"],
        ["b", ""],
        ["c", ""],
        ["d", "18"],
    ]
    assert "scored 4 respondents on rses (self_esteem)" in result.stderr
    assert "1 invalid value treated as missing (value-out-of-range: 1)" in result.stderr
    assert "row 3 (id c), column 'rses01'" in result.stderr


def test_output_columns_follow_the_contract(normed_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "scores.csv"
    result = invoke(
        "score", normed_csv, "-i", NORMED, "-o", out, "--with-ci", "--with-norms", "--with-counts"
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == ""  # data go to the file, messages to stderr
    header, *rows = read_csv_text(out.read_text())
    scores = ["warmth", "worry", "overall", "total", "balance"]
    extras = []
    for name in scores:
        extras += [f"{name}_ci_low", f"{name}_ci_high", f"{name}_z", f"{name}_t", f"{name}_pct"]
        if name in ("warmth", "worry"):
            extras.append(f"{name}_n_answered")
    assert header == ["participant_id", *scores, *extras]  # id first, named as in the data
    assert [r[0] for r in rows] == ["x", "y", "z"]
    assert [r[1] for r in rows] == ["4", "2", "5"]
    assert rows[2][2] == ""  # missing score -> empty cell


def test_without_extras_only_id_and_scores(normed_csv: Path) -> None:
    result = invoke("score", normed_csv, "-i", NORMED)
    assert read_csv_text(result.stdout)[0] == [
        "participant_id",
        "warmth",
        "worry",
        "overall",
        "total",
        "balance",
    ]


def test_rows_are_numbered_without_an_id_column(tmp_path: Path) -> None:
    data = write(
        tmp_path / "d.csv",
        ",".join(RSES_ITEMS) + "\n" + ",".join(["3"] * 10) + "\n" + ",".join(["0"] * 10) + "\n",
    )
    result = invoke("score", data, "-i", "rses")
    assert read_csv_text(result.stdout) == [["row", "self_esteem"], ["1", "15"], ["2", "15"]]


def test_id_column_option(tmp_path: Path) -> None:
    data = write(
        tmp_path / "d.csv",
        "id,who," + ",".join(RSES_ITEMS) + "\n1,ann," + ",".join(["3"] * 10) + "\n",
    )
    assert read_csv_text(invoke("score", data, "-i", "rses", "--id-column", "who").stdout) == [
        ["who", "self_esteem"],
        ["ann", "15"],
    ]
    result = invoke("score", data, "-i", "rses", "--id-column", "whom")
    assert result.exit_code == 2
    assert "error[id-column-not-found]" in result.stderr
    no_traceback(result)


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".json", ".jsonl", ".parquet"])
def test_format_by_suffix(rses_csv: Path, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"scores{suffix}"
    result = invoke("score", rses_csv, "-i", "rses", "-o", out, "--with-counts")
    assert result.exit_code == 0, result.output
    expected = relscales.score("rses", rses_csv, with_counts=True).to_records()
    if suffix == ".json":
        assert json.loads(out.read_text()) == expected
    elif suffix == ".jsonl":
        assert [json.loads(line) for line in out.read_text().splitlines()] == expected
    elif suffix == ".parquet":
        import pyarrow.parquet as pq

        assert pq.read_table(out).to_pylist() == expected
    else:
        delimiter = "\t" if suffix == ".tsv" else ","
        rows = list(csv.DictReader(io.StringIO(out.read_text()), delimiter=delimiter))
        assert [r["id"] for r in rows] == [e["id"] for e in expected]
        assert [r["self_esteem"] for r in rows] == ["15", "", "", "18"]
        assert [r["self_esteem_n_answered"] for r in rows] == ["10", "9", "9", "10"]


def test_format_option_overrides_the_suffix(rses_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "scores.txt"
    assert invoke("score", rses_csv, "-i", "rses", "-o", out, "--format", "jsonl").exit_code == 0
    assert len(out.read_text().splitlines()) == 4


@pytest.mark.parametrize(
    "extras", [[], ["--with-counts", "--with-ci", "--with-norms", "--with-bands"]]
)
def test_cli_json_equals_library_records(normed_csv: Path, extras: list[str]) -> None:
    """House style 24: ``relscales score --format json`` == ``score(...).to_records()``."""
    result = invoke("score", normed_csv, "-i", NORMED, "--format", "json", *extras)
    assert result.exit_code == 0, result.output
    options = {opt.removeprefix("--").replace("-", "_"): True for opt in extras}
    expected = relscales.score(NORMED, normed_csv, **options).to_records()
    assert json.loads(result.stdout) == expected


def test_rows_out_equal_rows_in(tmp_path: Path) -> None:
    lines = ["id," + ",".join(RSES_ITEMS)]
    lines += [f"p{i}," + ",".join(str((i + j) % 5) for j in range(10)) for i in range(300)]
    data = write(tmp_path / "d.csv", "\n".join(lines) + "\n")
    result = invoke("score", data, "-i", "rses", "--format", "jsonl")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == [f"p{i}" for i in range(300)]


@pytest.mark.parametrize("suffix", [".csv", ".json", ".parquet"])
def test_header_only_input(tmp_path: Path, suffix: str) -> None:
    data = write(tmp_path / "d.csv", "id," + ",".join(RSES_ITEMS) + "\n")
    out = tmp_path / f"scores{suffix}"
    result = invoke("score", data, "-i", "rses", "-o", out)
    assert result.exit_code == 0, result.output
    if suffix == ".csv":
        assert read_csv_text(out.read_text()) == [["id", "self_esteem"]]
    elif suffix == ".json":
        assert json.loads(out.read_text()) == []
    else:
        import pyarrow.parquet as pq

        table = pq.read_table(out)
        assert (table.column_names, table.num_rows) == (["id", "self_esteem"], 0)


def test_several_instruments(tmp_path: Path) -> None:
    order_b = ["Q7", "Q10", "Q2", "Q4", "Q5", "Q9", "Q1", "Q8", "Q3", "Q6"]  # rses01..rses10
    answers = [3, 0, 3, 3, 0, 0, 3, 0, 0, 3]
    header = ["id", *RSES_ITEMS, *order_b]
    row = ["a", *map(str, answers), *(str(v + 1) for v in answers)]
    data = write(tmp_path / "d.csv", ",".join(header) + "\n" + ",".join(row) + "\n")
    result = invoke("score", data, "-i", "rses", "-i", "rses-order-b")
    assert result.exit_code == 0, result.output
    assert read_csv_text(result.stdout) == [
        ["id", "rses.self_esteem", "rses-order-b.self_esteem"],
        ["a", "30", "40"],
    ]


@pytest.mark.parametrize("kind", ["yaml", "csv"])
def test_column_map_file(tmp_path: Path, kind: str) -> None:
    names = [f"Q{i}" for i in range(1, 11)]
    data = write(
        tmp_path / "d.csv", "id," + ",".join(names) + "\na," + ",".join(["3", "0"] * 5) + "\n"
    )
    if kind == "yaml":
        cmap = write(
            tmp_path / "map.yaml",
            "".join(f"{n}: {i}\n" for n, i in zip(names, RSES_ITEMS, strict=True)),
        )
    else:
        cmap = write(
            tmp_path / "map.csv",
            "column,item\n" + "".join(f"{n},{i}\n" for n, i in zip(names, RSES_ITEMS, strict=True)),
        )
    result = invoke("score", data, "-i", "rses", "--map", cmap)
    assert result.exit_code == 0, result.output
    expected = relscales.score("rses", data, column_map=dict(zip(names, RSES_ITEMS, strict=True)))
    assert read_csv_text(result.stdout)[1] == ["a", f"{expected.scores['self_esteem'][0]:g}"]


# ---------------------------------------------------------------------------------------------
# Metadata, problems, strict
# ---------------------------------------------------------------------------------------------


def test_meta_sidecar(rses_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "scores.csv"
    result = invoke("score", rses_csv, "-i", "rses", "-o", out, "--with-counts")
    assert result.exit_code == 0, result.output
    meta = json.loads((tmp_path / "scores.csv.meta.json").read_text())
    assert meta["relscales_version"] == relscales.__version__
    inst = relscales.load_instrument("rses")
    (prov,) = meta["instruments"]
    assert (prov["id"], prov["version"], prov["content_hash"]) == (
        "rses",
        inst.version,
        inst.content_hash,
    )
    assert meta["options"]["with_counts"] is True
    assert meta["options"]["with_ci"] is False
    assert meta["n_rows"] == 4
    assert meta["id_column"] == "id"
    assert meta["columns"] == ["id", "self_esteem", "self_esteem_n_answered"]
    assert meta["problems"]["total"] == 1
    assert meta["problems"]["by_code"] == {"value-out-of-range": 1}
    assert meta["problems"]["by_item"] == [
        {"instrument": "rses", "item": "rses01", "code": "value-out-of-range", "count": 1}
    ]
    assert meta["input"]["name"] == rses_csv.name  # never an absolute path (a user name)


def test_no_sidecar_on_stdout(rses_csv: Path, tmp_path: Path) -> None:
    before = set(os.listdir(tmp_path))
    assert invoke("score", rses_csv, "-i", "rses").exit_code == 0
    assert set(os.listdir(tmp_path)) == before


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_problems_file(tmp_path: Path, suffix: str) -> None:
    data = write(
        tmp_path / "d.csv",
        "id," + ",".join(RSES_ITEMS) + "\n"
        "a,9," + ",".join(["2"] * 9) + "\n"
        "b,2,2.5,lots," + ",".join(["2"] * 7) + "\n",
    )
    report = tmp_path / f"problems{suffix}"
    result = invoke("score", data, "-i", "rses", "--problems", report)
    assert result.exit_code == 0, result.output
    assert f"every one is listed in {report}" in result.stderr
    if suffix == ".json":
        records = json.loads(report.read_text())
    else:
        records = list(csv.DictReader(io.StringIO(report.read_text())))
        for r in records:
            r["row"] = int(r["row"])
    got = [
        (r["row"], r["respondent"], r["column"], r["item"], r["instrument"], r["value"], r["code"])
        for r in records
    ]
    assert got == [
        (1, "a", "rses01", "rses01", "rses", "9", "value-out-of-range"),
        (2, "b", "rses02", "rses02", "rses", "2.5", "value-not-a-code"),
        (2, "b", "rses03", "rses03", "rses", "lots", "value-not-a-number"),
    ]
    assert all(r["message"].endswith("treated as missing") for r in records)


def test_problems_file_is_written_even_when_empty(tmp_path: Path) -> None:
    data = write(
        tmp_path / "d.csv", "id," + ",".join(RSES_ITEMS) + "\na," + ",".join(["2"] * 10) + "\n"
    )
    report = tmp_path / "problems.csv"
    assert invoke("score", data, "-i", "rses", "--problems", report).exit_code == 0
    assert read_csv_text(report.read_text()) == [
        ["row", "respondent", "column", "item", "instrument", "value", "code", "message"]
    ]


def test_strict(rses_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "scores.csv"
    result = invoke("score", rses_csv, "-i", "rses", "-o", out, "--strict")
    assert result.exit_code == 1
    assert out.is_file()  # the run finished; strictness only sets the exit code
    clean = write(
        tmp_path / "clean.csv", "id," + ",".join(RSES_ITEMS) + "\na," + ",".join(["2"] * 10) + "\n"
    )
    assert invoke("score", clean, "-i", "rses", "--strict").exit_code == 0
    assert invoke("score", rses_csv, "-i", "rses").exit_code == 0  # not strict: 0


def test_strict_fails_on_a_narrow_scale_warning(tmp_path: Path) -> None:
    items = [f"ecrr{i:02d}" for i in range(1, 37)]
    lines = ["id," + ",".join(items)]
    lines += [f"p{i}," + ",".join(str(1 + (i + j) % 5) for j in range(36)) for i in range(120)]
    data = write(tmp_path / "d.csv", "\n".join(lines) + "\n")
    result = invoke("score", data, "-i", "ecr-r", "--strict")
    assert result.exit_code == 1
    assert "warning[scale-range-narrow]" in result.stderr
    assert invoke("score", data, "-i", "ecr-r").exit_code == 0


# ---------------------------------------------------------------------------------------------
# Safety of files and errors
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("option", ["-o", "--problems"])
def test_refuses_to_overwrite_the_input(rses_csv: Path, option: str) -> None:
    before = rses_csv.read_bytes()
    result = invoke("score", rses_csv, "-i", "rses", option, rses_csv)
    assert result.exit_code == 2
    assert "error[output-is-input]" in result.stderr
    no_traceback(result)
    assert rses_csv.read_bytes() == before


def test_refuses_the_input_by_another_path(rses_csv: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = rses_csv.read_bytes()
    monkeypatch.chdir(rses_csv.parent)
    result = invoke("score", rses_csv, "-i", "rses", "-o", Path(".") / rses_csv.name)
    assert result.exit_code == 2
    assert rses_csv.read_bytes() == before


def test_a_failing_run_leaves_no_partial_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A parse error after some batches were written: old output kept, no temp file left."""
    from relscales.io.tabular import Source
    from relscales.pipeline import scorejob

    lines = ["id," + ",".join(RSES_ITEMS)]
    lines += [f"p{i}," + ",".join(["2"] * 10) for i in range(400)]
    lines.insert(380, "big," + ",".join(["2"] * 9) + ',"' + "x" * 5000 + '"')  # near the end
    data = write(tmp_path / "d.csv", "\n".join(lines) + "\n")
    out = write(tmp_path / "scores.csv", "old results\n")
    small = functools.partialmethod(Source.batches, batch_bytes=512, whole_file_bytes=0)
    monkeypatch.setattr(Source, "batches", small)
    monkeypatch.setattr("relscales.io.delimited.MAX_BLOCK", 1024)  # the big row cannot be read
    writes: list[int] = []
    original = scorejob.open_writer

    def counting(fmt: str, stream: Any, **options: Any) -> Any:
        writer = original(fmt, stream, **options)
        write_batch = writer.write

        def counted(columns: Any) -> None:
            writes.append(1)
            write_batch(columns)

        writer.write = counted
        return writer

    monkeypatch.setattr(scorejob, "open_writer", counting)
    result = invoke("score", data, "-i", "rses", "-o", out)
    assert result.exit_code == 2
    assert "error[data-unreadable]" in result.stderr
    no_traceback(result)
    assert len(writes) > 1  # batches were written to the temporary file before the error
    assert out.read_text() == "old results\n"
    assert sorted(os.listdir(tmp_path)) == ["d.csv", "scores.csv"]  # no .tmp, no meta


def test_a_successful_run_leaves_no_temp_files(rses_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "scores.parquet"
    assert (
        invoke(
            "score", rses_csv, "-i", "rses", "-o", out, "--problems", tmp_path / "p.json"
        ).exit_code
        == 0
    )
    assert sorted(os.listdir(tmp_path)) == [
        "p.json",
        "rses.csv",
        "scores.parquet",
        "scores.parquet.meta.json",
    ]


@pytest.mark.parametrize(
    ("args", "code"),
    [
        pytest.param(
            ["score", "{tmp}/absent.csv", "-i", "rses"], "file-not-found", id="missing-data-file"
        ),
        pytest.param(
            ["score", "{data}", "-i", "no-such-instrument"],
            "unknown-instrument",
            id="unknown-instrument",
        ),
        pytest.param(
            ["score", "{data}", "-i", "{tmp}/absent.yaml"],
            "file-not-found",
            id="missing-instrument-file",
        ),
        pytest.param(
            ["score", "{data}", "-i", "ecr-r"], "missing-item-column", id="missing-item-columns"
        ),
        pytest.param(
            ["score", "{data}", "-i", "rses", "-o", "{tmp}/out.xlsx"],
            "unsupported-format",
            id="unknown-output-suffix",
        ),
        pytest.param(
            ["score", "{data}", "-i", "rses", "-o", "{tmp}/no/dir/out.csv"],
            "output-unwritable",
            id="missing-output-folder",
        ),
        pytest.param(
            ["score", "{data}", "-i", "rses", "--map", "{tmp}/absent.yaml"],
            "file-not-found",
            id="missing-map",
        ),
        pytest.param(
            ["score", "{data}", "-i", "rses", "--ci-level", "2", "--with-ci"],
            "invalid-option",
            id="bad-ci-level",
        ),
    ],
)
def test_bad_input_exits_2_without_traceback(
    rses_csv: Path, tmp_path: Path, args: list[str], code: str
) -> None:
    argv = [a.format(tmp=tmp_path, data=rses_csv) for a in args]
    result = invoke(*argv)
    assert result.exit_code == 2, result.output
    assert f"error[{code}]" in result.stderr
    assert result.stdout == ""
    no_traceback(result)
    assert not (tmp_path / "out.xlsx").exists()


@pytest.mark.parametrize("value", ["anxiety", "anxiety=1.5", "=0.9", "anxiety=high"])
def test_bad_reliability_is_a_usage_error(rses_csv: Path, value: str) -> None:
    result = invoke("score", rses_csv, "-i", "rses", "--reliability", value)
    assert result.exit_code == 2
    assert "--reliability" in result.stderr


def test_reliability_option(normed_csv: Path) -> None:
    result = invoke(
        "score",
        normed_csv,
        "-i",
        NORMED,
        "--with-ci",
        "--reliability",
        "warmth=0.91",
        "--format",
        "json",
    )
    expected = relscales.score(
        NORMED, normed_csv, with_ci=True, reliability={"warmth": 0.91}
    ).to_records()
    assert json.loads(result.stdout) == expected


# ---------------------------------------------------------------------------------------------
# As a real process
# ---------------------------------------------------------------------------------------------


def run(*args: Any, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "relscales", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_subprocess_stdout_csv(rses_csv: Path) -> None:
    proc = run("score", rses_csv, "-i", "rses", cwd=rses_csv.parent)
    assert proc.returncode == 0, proc.stderr
    assert read_csv_text(proc.stdout) == [
        ["id", "self_esteem"],
        ["a", "15"],
        ["b", ""],
        ["c", ""],
        ["d", "18"],
    ]
    assert "scored 4 respondents" in proc.stderr


def test_subprocess_json_parity(normed_csv: Path) -> None:
    proc = run(
        "score",
        normed_csv,
        "-i",
        NORMED,
        "--format",
        "json",
        "--with-counts",
        cwd=normed_csv.parent,
    )
    assert proc.returncode == 0, proc.stderr
    expected = relscales.score(NORMED, normed_csv, with_counts=True).to_records()
    assert json.loads(proc.stdout) == expected


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["score", "absent.csv", "-i", "rses"], "file-not-found"),
        (["score", "{data}", "-i", "nope"], "unknown-instrument"),
    ],
    ids=["missing-data-file", "unknown-instrument"],
)
def test_subprocess_errors(rses_csv: Path, args: list[str], code: str) -> None:
    proc = run(*[a.format(data=rses_csv) for a in args], cwd=rses_csv.parent)
    assert proc.returncode == 2
    assert f"error[{code}]" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_console_script_strict(rses_csv: Path) -> None:
    exe = shutil.which("relscales")
    if exe is None:
        pytest.skip("the relscales console script is not installed")
    proc = subprocess.run(
        [exe, "score", str(rses_csv), "-i", "rses", "--strict"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 1
    assert "value-out-of-range" in proc.stderr
