"""``relscales change`` and ``relscales couples`` end to end, through the command line.

The contract: ../shared/design/cli.md, "Linked respondents". Outputs follow the rules of every
command (docs/cli.md#safety-of-inputs-and-outputs): created private (0600, folders 0700), a
``.meta.json`` sidecar beside a table written to a file, refused before anything is written
when they are an input (``output-is-input``) or each other (``output-collision``).
"""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from relscales.cli import app

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "battery-responses.csv"
CSI = ("csi01", "csi02", "csi03", "csi04")

runner = CliRunner()
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


def invoke(*args: Any) -> Any:
    return runner.invoke(app, [str(a) for a in args])


def ok(result: Any) -> None:
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output


def refused(result: Any, code: str, *named: str) -> None:
    assert result.exit_code == 2, result.output
    assert f"error[{code}]" in result.output
    assert "Traceback" not in result.output
    for name in named:
        assert name in result.output


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def csi(total: int) -> list[int]:
    first = min(6, total)
    rest = total - first
    return [first, *(min(5, max(0, rest - 5 * k)) for k in range(3))]


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def read_table(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as stream:
        reader = csv.DictReader(stream)
        return list(reader.fieldnames or []), list(reader)


@pytest.fixture
def usual_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.fixture
def visits(tmp_path: Path) -> Path:
    people = {"P1": (6, 19), "P2": (12, 11), "P3": (17, 4), "P4": (9, 10), "P5": (2, 15)}
    rows = [
        [pid, wave, *csi(total)]
        for pid, totals in people.items()
        for wave, total in zip((1, 2), totals, strict=True)
    ]
    rows.append(["P6", 1, *csi(8)])  # one wave only
    return write_csv(tmp_path / "visits.csv", ("id", "wave", *CSI), rows)


@pytest.fixture
def pairs(tmp_path: Path) -> Path:
    rows = [
        ["ann1", "C1", "A", *csi(15)],
        ["bob1", "C1", "B", *csi(9)],
        ["bob2", "C2", "B", *csi(20)],
        ["ann2", "C2", "A", *csi(4)],
        ["ann3", "C3", "A", *csi(12)],
        ["bob3", "C3", "B", *csi(11)],
        ["ann4", "C4", "A", *csi(7)],  # one partner only
    ]
    return write_csv(tmp_path / "pairs.csv", ("id", "couple", "role", *CSI), rows)


CHANGE = ("change", "-i", "csi-4", "--wave-column", "wave", "--reliability", "satisfaction=0.9")
COUPLES = ("couples", "-i", "csi-4", "--couple-column", "couple", "--role-column", "role")


# ---------------------------------------------------------------------------------------------
# relscales change
# ---------------------------------------------------------------------------------------------


@posix_only
@pytest.mark.usefixtures("usual_umask")
def test_change_writes_the_contract_columns_and_a_private_sidecar(
    visits: Path, tmp_path: Path
) -> None:
    out = tmp_path / "change.csv"
    result = invoke(*CHANGE[:1], visits, *CHANGE[1:], "-o", out)
    ok(result)
    assert "wrote the change of 6 people" in result.output
    assert "satisfaction: improved" in result.output  # the summary per score
    header, rows = read_table(out)
    contract = ["id", "wave_from", "wave_to"] + [
        f"satisfaction_{s}" for s in ("from", "to", "change", "rci", "reliable", "clinical")
    ]
    assert [c for c in header if c in contract] == contract  # in the contract's order
    assert set(header) - set(contract) == {"n_waves", "note"}
    assert [r["id"] for r in rows] == ["P1", "P2", "P3", "P4", "P5", "P6"]
    assert rows[0]["satisfaction_change"] == "13"
    assert rows[0]["satisfaction_reliable"] == "improved"
    assert rows[0]["satisfaction_clinical"] == "recovered"
    assert rows[2]["satisfaction_clinical"] == "harmed"
    assert rows[5]["wave_to"] == ""
    assert rows[5]["note"] == "one wave only"
    sidecar = Path(f"{out}.meta.json")
    meta = json.loads(sidecar.read_text("utf-8"))
    assert meta["command"] == "change"
    assert meta["rci_method"] == "jt"
    assert meta["waves"] == ["1", "2"]
    assert meta["wave_column"] == "wave"
    assert meta["inputs"][0]["name"].endswith("visits.csv")
    assert meta["scores"]["satisfaction"]["reliability"] == 0.9
    assert meta["scores"]["satisfaction"]["cutoff"] == 13.5
    assert mode(out) == 0o600
    assert mode(sidecar) == 0o600


def test_change_writes_csv_to_stdout_without_an_output(visits: Path) -> None:
    result = invoke(*CHANGE[:1], visits, *CHANGE[1:], "--rci-method", "gln")
    ok(result)
    text = result.stdout
    assert text.startswith("id,wave_from,wave_to,")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 6


def test_change_with_one_file_per_wave_and_a_kept_version(tmp_path: Path) -> None:
    import yaml

    old = [
        i["id"]
        for i in yaml.safe_load((ROOT / "instruments/versions/rrss-0.1.0.yaml").read_text())[
            "items"
        ]
    ]
    new = [i["id"] for i in yaml.safe_load((ROOT / "instruments/rrss.yaml").read_text())["items"]]
    before = write_csv(
        tmp_path / "before.csv", ("id", *old), [["p1", *[2] * 12], ["p2", *[4] * 12]]
    )
    after = write_csv(tmp_path / "after.csv", ("id", *new), [["p1", *[3] * 12], ["p2", *[3] * 12]])
    out = tmp_path / "out.csv"
    result = invoke(
        "change",
        before,
        after,
        "-i",
        "rrss",
        "--wave-instrument",
        "before=rrss@0.1.0",
        "--wave-labels",
        "before,after",
        "-o",
        out,
    )
    ok(result)
    _, rows = read_table(out)
    assert [r["wave_from"] for r in rows] == ["before", "before"]
    assert [r["wave_to"] for r in rows] == ["after", "after"]
    meta = json.loads(Path(f"{out}.meta.json").read_text("utf-8"))
    assert [m[0]["version"] for m in meta["instruments"]] == ["0.1.0", "0.2.0"]
    assert "differ between the versions" in meta["scores"]["total"]["note"]


def test_change_refuses_an_output_that_is_its_input(visits: Path) -> None:
    before = visits.read_bytes()
    refused(
        invoke(*CHANGE[:1], visits, *CHANGE[1:], "-o", visits),
        "output-is-input",
        "(-o)",
        "(data file)",
    )
    assert visits.read_bytes() == before


def test_change_refuses_outputs_that_collide(visits: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    refused(
        invoke(*CHANGE[:1], visits, *CHANGE[1:], "-o", out, "--reports", out),
        "output-collision",
        "(-o)",
        "(--reports)",
    )
    study = tmp_path / "study.md"
    refused(
        invoke(*CHANGE[:1], visits, *CHANGE[1:], "--study-report", study, "--reports", study),
        "output-collision",
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["visits.csv"]  # nothing written


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("--rci-method", "xx"), "invalid-option"),
        (("--ci-level", "2"), "invalid-option"),
        (("--format", "pdf", "--reports", "r"), "unsupported-format"),
        (("-o", "x.xyz"), "unsupported-format"),
        (("--study-report", "s.pdf"), "unsupported-format"),
        (("--from", "9"), "invalid-option"),
        (("--wave-order", "a,b"), "wave-order-unknown"),
        (("--wave-instrument", "1=csi-4"), "invalid-option"),
        (("--wave-column", "Wave"), "linking-column-not-found"),
        (("--id-column", "person"), None),
    ],
)
def test_change_bad_values_exit_2_without_a_traceback(
    visits: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    code: str | None,
) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("change", visits, "-i", "csi-4", "--wave-column", "wave", *args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "internal error" not in result.output
    if code is not None:
        assert f"error[{code}]" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["visits.csv"]


@pytest.mark.parametrize(
    "args",
    [
        ("--reference-sd", "satisfaction=abc"),
        ("--reference-sd", "satisfaction=-1"),
        ("--reference-sd", "satisfaction"),
        ("--wave-instrument", "before"),
        ("--reliability", "satisfaction=2"),
    ],
)
def test_change_malformed_options_are_usage_errors(visits: Path, args: tuple[str, ...]) -> None:
    result = invoke("change", visits, "-i", "csi-4", "--wave-column", "wave", *args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert args[0] in result.output


def test_change_help() -> None:
    result = invoke("change", "--help")
    ok(result)
    for option in (
        "--wave-column",
        "--wave-suffixes",
        "--rci-method",
        "--reference-sd",
        "--from",
        "--to",
        "--reports",
        "--study-report",
    ):
        assert option in result.output
    assert "change" in invoke("--help").output


@posix_only
@pytest.mark.usefixtures("usual_umask")
def test_change_reports_and_study_report(visits: Path, tmp_path: Path) -> None:
    folder, study = tmp_path / "reports", tmp_path / "study.html"
    result = invoke(
        *CHANGE[:1],
        visits,
        *CHANGE[1:],
        "--reports",
        folder,
        "--format",
        "md",
        "--study-report",
        study,
        "-o",
        tmp_path / "out.csv",
    )
    ok(result)
    names = sorted(p.name for p in folder.iterdir())
    assert names == [f"P{k}.md" for k in range(1, 7)]
    assert mode(folder) == 0o700
    assert all(mode(p) == 0o600 for p in folder.iterdir())
    assert mode(study) == 0o600
    assert "P1" in (folder / "P1.md").read_text("utf-8")
    assert "P2" not in (folder / "P1.md").read_text("utf-8")  # one person per report
    assert study.read_text("utf-8").lstrip().lower().startswith("<!doctype html")


# ---------------------------------------------------------------------------------------------
# relscales couples
# ---------------------------------------------------------------------------------------------


@posix_only
@pytest.mark.usefixtures("usual_umask")
def test_couples_writes_the_contract_columns_and_a_private_sidecar(
    pairs: Path, tmp_path: Path
) -> None:
    out, pairwise = tmp_path / "couples.csv", tmp_path / "pairwise.csv"
    result = invoke(*COUPLES[:1], pairs, *COUPLES[1:], "-o", out, "--pairwise", pairwise)
    ok(result)
    assert "wrote 4 couples" in result.output
    assert "warning[couple-one-member]" in result.output
    header, rows = read_table(out)
    contract = ["couple"] + [
        f"satisfaction_{s}" for s in ("1", "2", "mean", "diff", "diff_reliable")
    ]
    assert [c for c in header if c in contract] == contract
    assert set(header) - set(contract) == {"role_1", "role_2", "note"}
    assert [r["couple"] for r in rows] == ["C1", "C2", "C3", "C4"]
    assert [r["satisfaction_1"] for r in rows] == ["15", "4", "12", "7"]
    assert [r["satisfaction_2"] for r in rows] == ["9", "20", "11", ""]
    assert [r["satisfaction_diff"] for r in rows] == ["6", "-16", "1", ""]
    assert {r["satisfaction_diff_reliable"] for r in rows} <= {"true", "false", ""}
    assert rows[3]["note"] == "one partner only"
    meta = json.loads(Path(f"{out}.meta.json").read_text("utf-8"))
    assert meta["command"] == "couples"
    assert meta["roles"] == ["A", "B"]
    assert "not to be shown to either partner" in meta["contains"]
    p_header, p_rows = read_table(pairwise)
    assert p_header[:3] == ["couple", "member", "partner"]
    assert {"satisfaction_A", "satisfaction_P", "role"} <= set(p_header)
    assert [r["couple"] for r in p_rows] == ["C1", "C1", "C2", "C2", "C3", "C3"]
    p_meta = json.loads(Path(f"{pairwise}.meta.json").read_text("utf-8"))
    assert p_meta["layout"].startswith("pairwise")
    for path in (out, pairwise, Path(f"{out}.meta.json"), Path(f"{pairwise}.meta.json")):
        assert mode(path) == 0o600


def test_couples_with_one_file_per_partner(tmp_path: Path) -> None:
    her = write_csv(tmp_path / "her.csv", ("id", "couple", *CSI), [["h1", "C1", *csi(10)]])
    him = write_csv(tmp_path / "him.csv", ("id", "couple", *CSI), [["m1", "C1", *csi(13)]])
    result = invoke("couples", her, him, "-i", "csi-4", "--couple-column", "couple")
    ok(result)
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows == [
        {
            "couple": "C1",
            "role_1": "her",
            "role_2": "him",
            "satisfaction_1": "10",
            "satisfaction_2": "13",
            "satisfaction_mean": "11.5",
            "satisfaction_diff": "-3",
            "satisfaction_diff_reliable": rows[0]["satisfaction_diff_reliable"],
            "note": "",
        }
    ]
    refused(
        invoke("couples", her, him, "-i", "csi-4", "--couple-column", "couple", "-o", him),
        "output-is-input",
        "him.csv",
    )


def test_couples_refuses_outputs_that_collide(pairs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    base = (*COUPLES[:1], pairs, *COUPLES[1:])
    refused(invoke(*base, "-o", out, "--pairwise", out), "output-collision", "(--pairwise)")
    refused(
        invoke(*base, "-o", out, "--pairwise", f"{out}.meta.json"),
        "output-collision",
        "(-o sidecar)",
    )
    folder = tmp_path / "r"
    refused(
        invoke(*base, "--couple-reports", folder, "--partner-reports", folder),
        "output-collision",
    )
    refused(invoke(*base, "-o", pairs), "output-is-input", "(data file)")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pairs.csv"]


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("--roles", "A,B,C"), "couple-roles"),
        (("--roles", "X,Y"), "couple-roles"),
        (("--role-column", "rolle"), "linking-column-not-found"),
        (("--ci-level", "0"), "invalid-option"),
        (("--format", "docx", "--couple-reports", "r"), "unsupported-format"),
        (("--pairwise", "p.xyz"), "unsupported-format"),
        (("--study-report", "s.txt"), "unsupported-format"),
    ],
)
def test_couples_bad_values_exit_2_without_a_traceback(
    pairs: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    code: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke(*COUPLES[:1], pairs, *COUPLES[1:], *args)
    refused(result, code)
    assert "internal error" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pairs.csv"]


def test_couples_needs_a_couple_column(pairs: Path) -> None:
    result = invoke("couples", pairs, "-i", "csi-4")
    assert result.exit_code == 2
    assert "--couple-column" in result.output
    assert "Traceback" not in result.output


def test_couples_of_a_header_without_rows(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "empty.csv", ("id", "couple", "role", *CSI), [])
    result = invoke("couples", data, "-i", "csi-4", "--couple-column", "couple")
    ok(result)
    assert "internal error" not in result.output
    assert result.stdout.splitlines()[0].startswith("couple,satisfaction_1,")


def test_couples_help() -> None:
    result = invoke("couples", "--help")
    ok(result)
    for option in (
        "--couple-column",
        "--role-column",
        "--roles",
        "--pairwise",
        "--couple-reports",
        "--partner-reports",
        "--study-report",
    ):
        assert option in result.output


@posix_only
@pytest.mark.usefixtures("usual_umask")
def test_couples_reports(pairs: Path, tmp_path: Path) -> None:
    couple_dir, partner_dir = tmp_path / "couples", tmp_path / "partners"
    study = tmp_path / "study.md"
    result = invoke(
        *COUPLES[:1],
        pairs,
        *COUPLES[1:],
        "-o",
        tmp_path / "out.csv",
        "--format",
        "md",
        "--couple-reports",
        couple_dir,
        "--partner-reports",
        partner_dir,
        "--study-report",
        study,
    )
    ok(result)
    assert sorted(p.name for p in couple_dir.iterdir()) == [f"C{k}.md" for k in range(1, 5)]
    assert sorted(p.name for p in partner_dir.iterdir()) == [
        "C1-A.md",
        "C1-B.md",
        "C2-A.md",
        "C2-B.md",
        "C3-A.md",
        "C3-B.md",
        "C4-A.md",
    ]
    for folder in (couple_dir, partner_dir):
        assert mode(folder) == 0o700
        assert all(mode(p) == 0o600 for p in folder.iterdir())
    assert mode(study) == 0o600
    assert "own answers only" in result.output
    # a partner's own report names that partner, never the other
    own = (partner_dir / "C2-A.md").read_text("utf-8")
    assert "ann2" in own
    assert "bob" not in own
