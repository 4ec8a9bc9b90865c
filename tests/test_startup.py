"""Start-up stays light: the core commands never import the numeric or report stack.

Each case runs in a fresh interpreter, so modules imported by other tests do not count.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("numpy", "scipy", "jinja2", "pyarrow", "pandas", "polars")

PROBE = """
import json, sys
from relscales.cli import main
code = 0
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
heavy = sorted({name.split(".")[0] for name in sys.modules} & set(json.loads(HEAVY)))
print("\\n" + json.dumps({"exit": code, "heavy": heavy}))
"""


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["--help"], id="help"),
        pytest.param(["--version"], id="version"),
        pytest.param(["validate", "instruments/ecr-r.yaml"], id="validate"),
        pytest.param(["validate", "--json", "instruments/rses-order-b.yaml"], id="validate-json"),
        pytest.param(["list"], id="list"),
        pytest.param(["show", "ecr-r"], id="show"),
        pytest.param(["schema"], id="schema"),
    ],
)
def test_core_commands_do_not_import_heavy_modules(args: list[str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE.replace("HEAVY", repr(json.dumps(HEAVY))), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    outcome = json.loads(proc.stdout.splitlines()[-1])
    assert outcome == {"exit": 0, "heavy": []}, proc.stderr


def test_help_import_time_lists_no_heavy_module() -> None:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "relscales", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0
    imported = {
        line.rsplit("|", 1)[-1].strip().split(".")[0]
        for line in proc.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert "relscales" in imported
    assert imported.isdisjoint(HEAVY), sorted(imported & set(HEAVY))
    assert "Usage" in proc.stdout


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(["examples/ecr-r-responses.csv", "-i", "ecr-r", "--with-ci"], id="csv"),
        pytest.param(
            ["tests/data/formats/qualtrics-numeric.csv", "-i", "rses", "--with-quality"],
            id="qualtrics-with-quality",
        ),
    ],
)
def test_scoring_a_csv_does_not_import_pandas(tmp_path: Path, data: list[str]) -> None:
    """pyarrow imports pandas (about 0.2 s) on many conversions; the CSV path avoids them."""
    out = tmp_path / "scores.csv"
    args = ["score", *data, "-o", str(out)]
    proc = subprocess.run(
        [sys.executable, "-c", PROBE.replace("HEAVY", repr(json.dumps(HEAVY))), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    outcome = json.loads(proc.stdout.splitlines()[-1])
    assert outcome["exit"] == 0, proc.stderr
    assert "pandas" not in outcome["heavy"]
    assert out.exists()


def test_a_command_builds_only_its_own_options() -> None:
    """Typer inspects every option it is given; a named command gets an app of its own."""
    from relscales.cli import app, app_for

    slim = app_for(["--debug", "score", "data.csv", "-i", "ecr-r"])
    assert [c.name for c in slim.registered_commands] == ["score"]
    assert slim.registered_callback is app.registered_callback
    assert app_for(["--help"]) is app
    assert app_for(["no-such-command"]) is app
    assert app_for([]) is app


def test_scoring_numbers_does_not_import_pyarrow_compute(tmp_path: Path) -> None:
    """pyarrow.compute builds a wrapper per Arrow function (0.04 s); the number path skips it.

    A file of answer codes with blanks, numbered respondents, through to a CSV output.
    """
    items = [f"i{i:02d}" for i in range(1, 37)]
    lines = [",".join(["id", *items])]
    for r in range(300):
        cells = [str((r * 7 + j) % 7 + 1) if (r + j) % 53 else "" for j in range(36)]
        lines.append(",".join([str(r + 1), *cells]))
    data = tmp_path / "answers.csv"
    data.write_text("\n".join(lines) + "\n")
    out = tmp_path / "scores.csv"
    probe = PROBE.replace(
        'heavy = sorted({name.split(".")[0] for name in sys.modules} & set(json.loads(HEAVY)))',
        'heavy = sorted(n for n in ("pyarrow.compute", "pandas") if n in sys.modules)',
    )
    assert probe != PROBE
    args = ["score", str(data), "-i", "bench/bench36.yaml", "--with-counts", "-o", str(out)]
    proc = subprocess.run(
        [sys.executable, "-c", probe, *args], cwd=ROOT, capture_output=True, text=True, check=False
    )
    outcome = json.loads(proc.stdout.splitlines()[-1])
    assert outcome == {"exit": 0, "heavy": []}, proc.stderr
    assert len(out.read_text().splitlines()) == 301
