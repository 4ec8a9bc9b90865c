"""The `list`, `show`, `validate` and `schema` commands."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from relscales.cli import app
from relscales.errors import Issue, Location
from relscales.instruments.loader import load_instrument, load_instrument_data
from relscales.instruments.schema import instrument_schema

ROOT = Path(__file__).resolve().parents[2]
INSTRUMENTS = ROOT / "instruments"
SPEC = ROOT / "tests" / "data" / "spec"
TOUR = ROOT / "examples" / "instruments" / "format-tour.yaml"
BUNDLED_IDS = sorted(p.stem for p in INSTRUMENTS.glob("*.yaml"))
BATTERIES = {p.stem for p in INSTRUMENTS.glob("*.yaml") if "relscales_battery" in p.read_text()}
STANDALONE = [
    p
    for p in sorted(INSTRUMENTS.glob("*.yaml"))
    if "extends" not in yaml.safe_load(p.read_text()) and p.stem not in BATTERIES
]

runner = CliRunner()


def run(*args: str | Path) -> Any:
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def in_spec(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(SPEC)


# --------------------------------------------------------------------- list


def test_list() -> None:
    result = run("list")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["id", "name", "domain", "items", "status"]
    assert [line.split()[0] for line in lines[1:]] == BUNDLED_IDS
    assert result.stderr == ""


def test_list_json() -> None:
    result = run("list", "--json")
    assert result.exit_code == 0
    entries = json.loads(result.stdout)
    assert [e["id"] for e in entries] == BUNDLED_IDS
    assert set(entries[0]) == {
        "id",
        "name",
        "domain",
        "n_items",
        "status",
        "version",
        "source",
        "problem",
    }
    ecr = next(e for e in entries if e["id"] == "ecr-r")
    assert (ecr["n_items"], ecr["domain"], ecr["problem"]) == (36, "attachment", None)


def test_list_warns_about_a_broken_lab_file(tmp_path: Path) -> None:
    shutil.copy(SPEC / "errors" / "unknown-item.yaml", tmp_path / "broken.yaml")
    result = run("list", "--instruments-dir", tmp_path)
    assert result.exit_code == 0
    assert "broken" in result.stdout
    assert result.stderr.startswith(f"warning: {tmp_path / 'broken.yaml'}: ")
    assert "error[unknown-item]" in result.stderr


def test_list_with_a_missing_folder(tmp_path: Path) -> None:
    result = run("list", "--instruments-dir", tmp_path / "nope")
    assert result.exit_code == 2
    assert "error[file-not-found]" in result.stderr
    assert "Traceback" not in result.output


# --------------------------------------------------------------------- show


def test_show_human() -> None:
    inst = load_instrument("rses")
    result = run("show", "rses")
    assert result.exit_code == 0
    out = result.stdout
    assert out.startswith("Rosenberg Self-Esteem Scale (RSES)\n  id rses, version 1.0.0, ")
    assert f"Content hash: {inst.content_hash}" in out
    assert "  agree4: 0=Strongly disagree, 1=Disagree, 2=Agree, 3=Strongly agree" in out
    assert "    2. rses02 (R): sometimes feels good for nothing (agree4)" in out
    assert "self_esteem: Global self-esteem (10 items, sum, min_answered 10)" in out


def test_show_extending_instrument() -> None:
    result = run("show", "rses-order-b")
    assert result.exit_code == 0
    assert "Extends: rses 1.0.0" in result.stdout
    assert "    2. rses02 (R): sometimes feels good for nothing (agree4) [column Q10]" in (
        result.stdout
    )


def test_show_every_part_of_the_format() -> None:
    result = run("show", TOUR)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    for expected in [
        "  EXPERIMENTAL: not yet validated; interpret scores with great caution.",
        "      published alpha 0.8, n = 200 (made up for this example)",
        "      norms 'example adults': mean 2.8, sd 0.9",
        "      bands: low (< 2.5), moderate (< 3.5), high",
        "  overall: Overall insecurity (standardized) (composite, weighted mean of z scores: "
        "1 x worry + 0.5 x checking)",
        "  pattern: Worry by checking (descriptive) (profile: worry at 3 x checking at 4.5)",
        "  flag_safety: raised when any of s1 >= 2",
        "    4. w4 (R): settled trust (agree5) [column Q4_text]",
    ]:
        assert expected in lines


def test_show_a_file(in_spec: None) -> None:
    result = run("show", "valid.yaml")
    assert result.exit_code == 0
    assert "Source: valid.yaml" in result.stdout


@pytest.mark.parametrize("path", STANDALONE, ids=[p.stem for p in STANDALONE])
def test_show_json_has_the_yaml_keys(path: Path) -> None:
    result = run("show", path.stem, "--json")
    assert result.exit_code == 0
    shown = json.loads(result.stdout)
    source = yaml.safe_load(path.read_text())
    from relscales.spec import InstrumentSpec

    # a top-level key the file states at its default value (`languages: [en]`) is left out
    fields = InstrumentSpec.model_fields

    def at_default(key: str) -> bool:
        if key not in fields or fields[key].is_required():
            return False
        default = fields[key].get_default(call_default_factory=True)
        return isinstance(default, tuple) and list(source[key]) == list(default)

    stated = [k for k in source if not at_default(k)]
    assert sorted(shown) == sorted([*stated, "_provenance"])
    # inside, a default the file states (`score: mean`) is left out, and nothing is added
    for key in ("items", "subscales"):
        for got, written in zip(shown[key], source[key], strict=True):
            assert set(got) <= set(written)
            assert {k: v for k, v in written.items() if k in got} == got


@pytest.mark.parametrize(
    "ref",
    [
        *[i for i in BUNDLED_IDS if i not in BATTERIES],
        str(SPEC / "extends" / "child.yaml"),
        str(TOUR),
    ],
)
def test_show_json_loads_back(ref: str) -> None:
    result = run("show", ref, "--json")
    assert result.exit_code == 0
    shown = json.loads(result.stdout)
    provenance = shown.pop("_provenance")
    inst = load_instrument(ref)
    again = load_instrument_data(shown)
    assert again.spec == inst.spec
    assert again.content_hash == inst.content_hash == provenance["content_hash"]
    assert provenance["extends"] == [
        {"id": pid, "version": pver, "content_hash": phash} for pid, pver, phash in inst.parents
    ]


def test_show_unknown_id() -> None:
    result = run("show", "rse")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "error[unknown-instrument] no instrument with id 'rse' (did you mean 'rses'?)\n"
    )


def test_show_invalid_file(in_spec: None) -> None:
    result = run("show", "errors/unknown-item.yaml")
    assert result.exit_code == 2
    assert result.stderr.startswith("errors/unknown-item.yaml:20:21: error[unknown-item] ")


# ----------------------------------------------------------------- validate


def test_validate_good_files() -> None:
    files = sorted(INSTRUMENTS.glob("*.yaml"))
    result = run("validate", *files)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [f"{f}: valid (0 errors, 0 warnings)" for f in files]
    assert result.stderr == ""


def test_validate_bad_file(in_spec: None) -> None:
    result = run("validate", "errors/unknown-item.yaml")
    assert result.exit_code == 2
    assert result.stdout == "errors/unknown-item.yaml: INVALID (1 error, 1 warning)\n"
    assert result.stderr.splitlines() == [
        "errors/unknown-item.yaml:20:21: error[unknown-item] subscales[0].items[2]: subscale "
        "'total' lists item 'q03', which is not defined (did you mean 'q3'?)",
        "errors/unknown-item.yaml:16:10: warning[unused-item] items[2].id: item 'q3' is not used "
        "by any subscale or flag (add it to a subscale, or remove it)",
    ]


def test_validate_good_and_bad_together(in_spec: None) -> None:
    result = run("validate", "valid.yaml", "many-errors.yaml", "errors/unused-item.yaml")
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [
        "valid.yaml: valid (0 errors, 0 warnings)",
        "many-errors.yaml: INVALID (12 errors, 3 warnings)",
        "errors/unused-item.yaml: valid (0 errors, 1 warning)",
    ]
    assert len(result.stderr.splitlines()) == 16


def test_validate_missing_file(in_spec: None) -> None:
    result = run("validate", "nope.yaml")
    assert result.exit_code == 2
    assert result.stderr.startswith("nope.yaml: error[file-not-found] ")


def _render(issue: dict[str, Any]) -> str:
    return Issue(
        issue["code"],
        issue["message"],
        Location(**issue.get("location", {})),
        issue["severity"],
        issue.get("hint"),
    ).render()


def test_validate_json_has_the_same_issues_as_the_text(in_spec: None) -> None:
    files = ["many-errors.yaml", "extends/child-of-broken.yaml", "valid.yaml"]
    text = run("validate", *files)
    as_json = run("validate", "--json", *files)
    assert text.exit_code == as_json.exit_code == 2
    reports = json.loads(as_json.stdout)
    assert [(r["file"], r["valid"], r["instrument"]) for r in reports] == [
        ("many-errors.yaml", False, None),
        ("extends/child-of-broken.yaml", False, None),
        ("valid.yaml", True, "mini"),
    ]
    rendered = [_render(issue) for report in reports for issue in report["issues"]]
    assert rendered == text.stderr.splitlines()
    assert as_json.stderr == ""


@pytest.mark.parametrize(
    ("files", "strict", "code"),
    [
        pytest.param(["valid.yaml"], False, 0, id="clean"),
        pytest.param(["valid.yaml"], True, 0, id="clean-strict"),
        pytest.param(["errors/unused-item.yaml"], False, 0, id="warning"),
        pytest.param(["errors/unused-item.yaml"], True, 1, id="warning-strict"),
        pytest.param(["valid.yaml", "errors/duplicate-label.yaml"], True, 1, id="one-of-two"),
        pytest.param(["many-errors.yaml"], True, 2, id="errors-beat-strict"),
    ],
)
def test_validate_exit_codes(files: list[str], strict: bool, code: int, in_spec: None) -> None:
    result = run("validate", *files, *(["--strict"] if strict else []))
    assert result.exit_code == code
    json_result = run("validate", "--json", *files, *(["--strict"] if strict else []))
    assert json_result.exit_code == code


def test_validate_with_extra_instruments_dir(tmp_path: Path) -> None:
    lab = tmp_path / "lab"
    lab.mkdir()
    shutil.copy(SPEC / "extends" / "parent.yaml", lab / "local-parent.yaml")
    child = tmp_path / "child.yaml"
    child.write_text("relscales: 1\nextends: local-parent\nid: lab-child\nversion: 1.0.0\n")
    assert run("validate", child).exit_code == 2
    assert run("validate", child, "--instruments-dir", lab).exit_code == 0


# ------------------------------------------------------------------- schema


def test_schema_to_stdout() -> None:
    result = run("schema")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == instrument_schema()


def test_schema_to_a_file(tmp_path: Path) -> None:
    target = tmp_path / "schema.json"
    result = run("schema", "-o", target)
    assert result.exit_code == 0
    assert result.stdout == ""
    assert json.loads(target.read_text()) == instrument_schema()
    assert target.read_text().endswith("}\n")


# -------------------------------------------------------------------- usage


def test_version() -> None:
    from relscales import __version__

    result = run("--version")
    assert (result.exit_code, result.stdout) == (0, f"relscales {__version__}\n")


def test_usage_error_is_exit_2() -> None:
    result = run("validate", "--no-such-option", "x.yaml")
    assert result.exit_code == 2
    assert "No such option" in result.output


# -------------------------------------------------------- real processes


def _exe() -> str:
    here = Path(sys.executable).parent / "relscales"
    found = str(here) if here.exists() else shutil.which("relscales")
    assert found, "the relscales console script is not installed"
    return found


def test_console_script_validate_bad_file() -> None:
    proc = subprocess.run(
        [_exe(), "validate", "errors/unknown-item.yaml"],
        cwd=SPEC,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("errors/unknown-item.yaml:20:21: error[unknown-item] ")
    assert proc.stdout == "errors/unknown-item.yaml: INVALID (1 error, 1 warning)\n"


def test_console_script_unknown_id_has_no_traceback() -> None:
    proc = subprocess.run([_exe(), "show", "ecr-rr"], capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert proc.stderr == (
        "error[unknown-instrument] no instrument with id 'ecr-rr' (did you mean 'ecr-r'?)\n"
    )
    assert "Traceback" not in proc.stdout + proc.stderr


def test_python_dash_m() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "relscales", "list", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert [e["id"] for e in json.loads(proc.stdout)] == BUNDLED_IDS
