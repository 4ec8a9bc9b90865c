"""Kept earlier versions on the command line: `-i ID@VERSION`, `list --all-versions`, `show`.

Data collected with RISI 0.1.1 (``tests/golden/_kept/risi-0.1.1/``) must score with
``-i risi@0.1.1`` exactly as the golden scores say, and the sidecar must say which version
was used. Checks that depend on RISI having moved past 0.1.1 skip while it has not.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import relscales
from relscales.cli import app
from relscales.cli.errors import EXIT_INPUT
from relscales.instruments.instrument import Instrument
from relscales.instruments.registry import ENV_DIRS, current_version

ROOT = Path(__file__).resolve().parents[2]
KEPT_GOLDEN = ROOT / "tests" / "golden" / "_kept"
RISI_OLD = KEPT_GOLDEN / "risi-0.1.1"
RISI_MOVED_ON = current_version("risi") != "0.1.1"

runner = CliRunner()


def run(*args: str | Path) -> Any:
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(autouse=True)
def _no_env_dirs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_DIRS, raising=False)


def instrument_yaml(ident: str, version: str, items: list[str]) -> str:
    listed = "\n".join(f"  - {{id: {item}, label: item {item}, scale: agree5}}" for item in items)
    return (
        f"relscales: 1\nid: {ident}\nversion: {version}\nname: Test instrument {ident}\n"
        f"abbreviation: {ident.upper()}\ndomain: other\n"
        "citation: Test, A. (2024). A test instrument.\n"
        "license: {name: CC0, item_text: not-included}\n"
        "validation: {status: experimental}\n"
        "response_scales:\n  agree5:\n    values: [1, 2, 3, 4, 5]\n"
        f"items:\n{listed}\n"
        f"subscales:\n  - id: total\n    name: Total\n    items: [{', '.join(items)}]\n"
    )


@pytest.fixture
def lab(tmp_path: Path) -> Path:
    """``foo`` 0.2.0 (items n1-n3) current, 0.1.0 (items o1, o2) kept."""
    folder = tmp_path / "lab"
    (folder / "versions").mkdir(parents=True)
    (folder / "foo.yaml").write_text(instrument_yaml("foo", "0.2.0", ["n1", "n2", "n3"]))
    (folder / "versions" / "foo-0.1.0.yaml").write_text(
        instrument_yaml("foo", "0.1.0", ["o1", "o2"])
    )
    return folder


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as stream:
        rows = list(csv.reader(stream))
    return rows[0], rows[1:]


# ----------------------------------------------------------------------------- score


def test_score_old_risi_data_with_the_kept_version(tmp_path: Path) -> None:
    out = tmp_path / "scores.csv"
    result = run("score", RISI_OLD / "responses.csv", "-i", "risi@0.1.1", "-o", out)
    assert result.exit_code == 0, result.output
    header, rows = read_csv(RISI_OLD / "expected.csv")
    got_header, got_rows = read_csv(out)
    assert [c for c in got_header if c in header] == header
    where = [got_header.index(name) for name in header]
    got = [[row[i] for i in where] for row in got_rows]
    assert [row[0] for row in got] == [row[0] for row in rows]
    for k, name in enumerate(header[1:], start=1):
        for want_row, got_row in zip(rows, got, strict=True):
            want, value = want_row[k], got_row[k]
            if want in ("", "true", "false") or not value:
                assert value == want, (name, want_row[0])
            else:
                assert math.isclose(float(value), float(want), rel_tol=0, abs_tol=1e-9), (
                    name,
                    want_row[0],
                )


def test_sidecar_records_the_kept_version(tmp_path: Path) -> None:
    out = tmp_path / "scores.csv"
    result = run("score", RISI_OLD / "responses.csv", "-i", "risi@0.1.1", "-o", out)
    assert result.exit_code == 0, result.output
    meta = json.loads((tmp_path / "scores.csv.meta.json").read_text(encoding="utf-8"))
    (prov,) = meta["instruments"]
    kept = relscales.load_instrument("risi@0.1.1")
    assert isinstance(kept, Instrument)
    assert (prov["id"], prov["version"], prov["content_hash"]) == (
        "risi",
        "0.1.1",
        kept.content_hash,
    )
    if RISI_MOVED_ON:
        assert Path(prov["source"]).as_posix().endswith("versions/risi-0.1.1.yaml")


def test_score_old_battery_data_with_the_kept_battery(tmp_path: Path) -> None:
    folder = KEPT_GOLDEN / "relationship-insecurity-battery-0.1.1"
    out = tmp_path / "b.csv"
    ref = "relationship-insecurity-battery@0.1.1"
    result = run("score", folder / "responses.csv", "-i", ref, "-o", out)
    assert result.exit_code == 0, result.output
    meta = json.loads((tmp_path / "b.csv.meta.json").read_text(encoding="utf-8"))
    versions = [(p["id"], p["version"]) for p in meta["instruments"]]
    assert versions == [("risi", "0.1.1"), ("ecr-r", "1.0.0"), ("rses", "1.0.0")]


def test_unknown_version_on_the_command_line(tmp_path: Path) -> None:
    result = run("score", RISI_OLD / "responses.csv", "-i", "risi@9.9")
    assert result.exit_code == EXIT_INPUT
    assert "error[unknown-instrument-version] no version 9.9 of 'risi' is kept" in result.stderr
    assert "`-i risi` for the current version" in result.stderr


def test_old_data_with_the_current_version_get_a_hint(lab: Path, tmp_path: Path) -> None:
    data = tmp_path / "old.csv"
    data.write_text("id,o1,o2\nr1,1,5\nr2,3,3\n")
    result = run("score", data, "-i", "foo", "--instruments-dir", lab)
    assert result.exit_code == EXIT_INPUT
    assert "error[missing-item-column]" in result.stderr
    assert "these columns match FOO 0.1.0: score them with `-i foo@0.1.0`" in result.stderr
    result = run("score", data, "-i", "foo@0.1", "--instruments-dir", lab)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["id,total", "r1,3", "r2,3"]


def test_other_data_get_no_version_hint(lab: Path, tmp_path: Path) -> None:
    data = tmp_path / "other.csv"
    data.write_text("id,o1,x\nr1,1,5\n")
    result = run("score", data, "-i", "foo", "--instruments-dir", lab)
    assert result.exit_code == EXIT_INPUT
    assert "these columns match" not in result.stderr


@pytest.mark.skipif(not RISI_MOVED_ON, reason="risi 0.1.1 is still the current version")
def test_old_risi_data_with_the_current_risi_get_a_hint() -> None:
    result = run("score", RISI_OLD / "responses.csv", "-i", "risi")
    assert result.exit_code == EXIT_INPUT
    assert "these columns match RISI 0.1.1: score them with `-i risi@0.1.1`" in result.stderr


# ----------------------------------------------------------------------------- list


def test_list_shows_current_versions_only(lab: Path) -> None:
    result = run("list", "--instruments-dir", lab)
    assert result.exit_code == 0, result.output
    ids = [line.split()[0] for line in result.stdout.splitlines()[1:]]
    assert "foo" in ids
    assert not [i for i in ids if "@" in i]


def test_list_all_versions(lab: Path) -> None:
    result = run("list", "--all-versions", "--instruments-dir", lab)
    assert result.exit_code == 0, result.output
    ids = [line.split()[0] for line in result.stdout.splitlines()[1:]]
    assert ids[ids.index("foo") + 1] == "foo@0.1.0"
    if RISI_MOVED_ON:
        assert ids[ids.index("risi") + 1] == "risi@0.1.1"
    assert result.stderr == ""


def test_list_all_versions_json(lab: Path) -> None:
    plain = json.loads(run("list", "--json", "--instruments-dir", lab).stdout)
    result = run("list", "--json", "--all-versions", "--instruments-dir", lab)
    entries = json.loads(result.stdout)
    kept = next(e for e in entries if e["id"] == "foo@0.1.0")
    assert set(kept) == set(plain[0])
    assert (kept["version"], kept["n_items"]) == ("0.1.0", 2)
    assert [e for e in entries if "@" not in e["id"]] == plain


# ----------------------------------------------------------------------------- show


def test_show_ends_with_the_kept_versions(lab: Path) -> None:
    result = run("show", "foo", "--instruments-dir", lab)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == (
        "Earlier versions kept: 0.1.0 (`-i foo@0.1.0`). See docs/versions.md."
    )


def test_show_a_kept_version(lab: Path) -> None:
    result = run("show", "foo@0.1.0", "--instruments-dir", lab)
    assert result.exit_code == 0, result.output
    assert "  id foo, version 0.1.0, domain other" in result.stdout
    assert result.stdout.splitlines()[-1] == (
        "This is a kept earlier version of foo; the current version is 0.2.0 (`-i foo`). "
        "See docs/versions.md."
    )


def test_show_without_kept_versions_has_no_versions_line() -> None:
    result = run("show", "rses")
    assert result.exit_code == 0, result.output
    assert "versions kept" not in result.stdout
    assert "kept earlier version" not in result.stdout


@pytest.mark.skipif(not RISI_MOVED_ON, reason="risi 0.1.1 is still the current version")
def test_show_bundled_risi_and_battery() -> None:
    last = run("show", "risi").stdout.splitlines()[-1]
    assert last == "Earlier versions kept: 0.1.1 (`-i risi@0.1.1`). See docs/versions.md."
    battery = run("show", "relationship-insecurity-battery").stdout.splitlines()[-1]
    assert "`-i relationship-insecurity-battery@0.1.1`" in battery
    kept = run("show", "relationship-insecurity-battery@0.1.1").stdout
    assert "(battery relationship-insecurity-battery 0.1.1;" in kept
    assert kept.splitlines()[-1].startswith("This is a kept earlier version")


def test_show_json_of_a_kept_version() -> None:
    current = json.loads(run("show", "risi", "--json").stdout)
    result = run("show", "risi@0.1.1", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["version"] == "0.1.1"
    assert data["_provenance"]["version"] == "0.1.1"
    assert set(data["_provenance"]) == set(current["_provenance"])
    assert "versions" not in data
    assert "versions" not in current


def test_validate_the_kept_files() -> None:
    files = sorted((ROOT / "instruments" / "versions").glob("*.yaml"))
    result = run("validate", "--strict", *files)
    assert result.exit_code == 0, result.output
    assert result.stdout.count(": valid (0 errors, 0 warnings)") == len(files) == 3
