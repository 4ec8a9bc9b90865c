"""The user documentation stays true to the code.

- docs/errors.md has one `## <code>` heading per ErrorCode, in the same order;
- every script in docs/examples/ runs;
- every `relscales ...` command in a console block of docs/quickstart.md is a real command;
- every `relscales ...` command in a console block of README.md and docs/quickstart.md runs
  as written on the bundled examples and exits 0 (interactive ones are listed and skipped);
- every signature in docs/api.md names the parameters of the function it documents;
- every relative link in docs/*.md points to a file or folder that exists, and every
  link to a heading of a page (`page.md#heading`) to a heading that exists.
"""

from __future__ import annotations

import inspect
import re
import runpy
import shlex
import shutil
import typing
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

import relscales
import relscales.errors
from relscales.cli import app

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
EXAMPLES = sorted((DOCS / "examples").glob("*.py"))
PAGES = sorted(DOCS.glob("*.md"))

_FENCE = re.compile(r"^```([\w-]*)\s*$")
_LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def _blocks(text: str, language: str) -> list[list[str]]:
    """Return the lines of every fenced block of the given language."""
    blocks: list[list[str]] = []
    current: list[str] | None = None
    inside = False
    for line in text.splitlines():
        fence = _FENCE.match(line.strip())
        if fence and not inside:
            inside = True
            current = [] if fence.group(1) == language else None
        elif line.strip() == "```" and inside:
            inside = False
            if current is not None:
                blocks.append(current)
            current = None
        elif inside and current is not None:
            current.append(line)
    return blocks


def _without_code(text: str) -> str:
    """Drop fenced blocks and inline code, where brackets are not links."""
    out: list[str] = []
    inside = False
    for line in text.splitlines():
        if line.strip().startswith("```"):
            inside = not inside
            continue
        if not inside:
            out.append(re.sub(r"`[^`]*`", "", line))
    return "\n".join(out)


def test_errors_md_headings_equal_error_codes() -> None:
    text = (DOCS / "errors.md").read_text(encoding="utf-8")
    headings = [line[3:].strip() for line in text.splitlines() if line.startswith("## ")]
    codes = list(typing.get_args(relscales.errors.ErrorCode))
    documented = [h for h in headings if h in codes]
    # every code, in order, and no code-like heading that is not a code
    assert documented == codes
    stray = [h for h in headings if re.fullmatch(r"[a-z]+(-[a-z]+)+", h) and h not in codes]
    assert stray == []


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs(script: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = script.read_text(encoding="utf-8")
    if re.search(r"^import pandas", source, flags=re.MULTILINE):
        pytest.importorskip("pandas")
    runpy.run_path(str(script), run_name="__main__")
    assert capsys.readouterr().out.strip(), f"{script.name} printed nothing"


def test_there_are_examples() -> None:
    assert {p.name for p in EXAMPLES} >= {"score_dataframe.py", "validate_file.py"}


def _console_commands(page: Path) -> list[list[str]]:
    commands = []
    for block in _blocks(page.read_text(encoding="utf-8"), "console"):
        for line in block:
            if line.startswith("$ "):
                commands.append(shlex.split(line[2:]))
    return commands


def test_quickstart_commands_are_real_subcommands() -> None:
    registered = set(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
    commands = [c for c in _console_commands(DOCS / "quickstart.md") if c[0] == "relscales"]
    assert commands, "quickstart.md shows no relscales command"
    unknown = [" ".join(c) for c in commands if len(c) < 2 or c[1] not in registered]
    assert unknown == []


def _anchors(page: Path) -> set[str]:
    """Heading anchors of a page, slugified as Python-Markdown and GitHub do."""
    anchors = set()
    inside = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.strip().startswith("```"):
            inside = not inside
        elif not inside and line.startswith("#"):
            title = line.lstrip("#").strip().replace("`", "")
            slug = re.sub(r"[^\w\s-]", "", title).strip().lower()
            anchors.add(re.sub(r"[-\s]+", "-", slug))
    return anchors


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_relative_links_exist(page: Path) -> None:
    text = _without_code(page.read_text(encoding="utf-8"))
    broken = []
    for target in _LINK.findall(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):
            continue  # a URL (https:, mailto:)
        path, _, anchor = target.partition("#")
        linked = page.parent / path if path else page
        missing_anchor = bool(anchor) and linked.suffix == ".md"
        if not linked.exists() or (missing_anchor and anchor not in _anchors(linked)):
            broken.append(target)
    assert broken == []


# ------------------------------------------------- the documented commands run as written

RUN_PAGES = [ROOT / "README.md", DOCS / "quickstart.md", DOCS / "interchange.md"]
SHELL_LANGUAGES = ("console", "bash", "sh", "shell")
NOT_RUN = {
    "take": "interactive: asks its questions on the terminal",
    "serve": "runs a web server until it is stopped",
}
"""Documented commands that are not run, by subcommand, and why."""


def _joined(block: list[str]) -> list[str]:
    """The lines of a shell block with each backslash continuation joined to its line."""
    lines: list[str] = []
    going_on = False
    for line in block:
        if going_on:
            lines[-1] = lines[-1][:-1] + " " + line.strip()
        else:
            lines.append(line)
        going_on = lines[-1].endswith("\\")
    return lines


def _documented_commands(page: Path) -> list[str]:
    """Every `relscales ...` command in the shell blocks of a page, as written.

    In a block with `$ ` prompts only the prompted lines are commands (the rest is their
    output); a line ending in a backslash goes on on the next line; `a && relscales ...`
    counts its relscales part; comments are dropped.
    """
    commands = []
    text = page.read_text(encoding="utf-8")
    for language in SHELL_LANGUAGES:
        for block in map(_joined, _blocks(text, language)):
            prompted = [line[2:] for line in block if line.startswith("$ ")]
            for line in prompted or block:
                for part in line.split("&&"):
                    words = shlex.split(part, comments=True)
                    if words and words[0] == "relscales":
                        commands.append(shlex.join(words))
    return commands


DOCUMENTED = [(page.name, c) for page in RUN_PAGES for c in _documented_commands(page)]


def test_the_pages_document_commands() -> None:
    for page in RUN_PAGES:
        assert _documented_commands(page), f"{page.name} shows no relscales command"
    assert any("battery-responses.csv" in c for _, c in DOCUMENTED)


@pytest.fixture(scope="module")
def working_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository's example data and instrument files; outputs land here."""
    folder = tmp_path_factory.mktemp("working-copy")
    for name in ("examples", "instruments"):
        shutil.copytree(ROOT / name, folder / name)
    return folder


@pytest.mark.parametrize(("page", "command"), DOCUMENTED, ids=[c for _, c in DOCUMENTED])
def test_documented_command_runs(
    page: str, command: str, working_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = shlex.split(command)[1:]
    if args[0] in NOT_RUN:
        pytest.skip(f"{page}: `{command}` is not run: {NOT_RUN[args[0]]}")
    monkeypatch.chdir(working_copy)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, f"{page}: `{command}` failed:\n{result.output}"


# ------------------------------------------------- docs/api.md matches the signatures

API = DOCS / "api.md"
_SIGNATURE = re.compile(r"^(?:### |- )`([a-z_]+)\(([^`]*)\)`", flags=re.MULTILINE)
"""A signature that documents a function: a heading, or the start of a list entry."""


def _parameters(text: str) -> list[str]:
    """Parameter names of a documented signature: `f(a, *, b=1)` -> ['a', 'b']."""
    names = []
    for part in re.sub(r"\[[^\]]*\]|\{[^}]*\}|\([^)]*\)", "", text).split(","):
        name = part.split("=")[0].strip().lstrip("*")
        if name:
            names.append(name)
    return names


def _documented_signatures() -> dict[str, list[str]]:
    """Public functions whose whole signature docs/api.md writes out, with its names."""
    text = API.read_text(encoding="utf-8")
    found: dict[str, list[str]] = {}
    for name, params in _SIGNATURE.findall(text):
        if name in relscales.__all__ and "..." not in params and callable(getattr(relscales, name)):
            found.setdefault(name, _parameters(params))
    for block in _blocks(text, "python"):  # the score(...) block, one parameter a line
        if block and re.match(r"[a-z_]+\($", block[0]):
            name = block[0][:-1]
            lines = [line.split("#")[0].strip() for line in block[1:]]
            params = [line.split("=")[0].rstrip(",") for line in lines if line and line != "*,"]
            found[name] = [p for p in params if not p.startswith(")")]
    return found


def test_api_md_signatures_match_the_functions() -> None:
    documented = _documented_signatures()
    for name in ("score", "analyze", "list_instruments", "load_instrument", "open_source"):
        assert name in documented, f"docs/api.md does not write out {name}()'s signature"
    wrong = {}
    for name, params in documented.items():
        actual = list(inspect.signature(getattr(relscales, name)).parameters)
        if params != actual:
            wrong[name] = (params, actual)
    assert wrong == {}


def test_api_md_score_options_lists_every_field() -> None:
    import dataclasses

    text = API.read_text(encoding="utf-8")
    section = text[text.index("### `ScoreOptions`") :]
    section = section[: section.index("\n### ", 1)]
    fields = [f.name for f in dataclasses.fields(relscales.ScoreOptions)]
    assert [f for f in fields if f"`{f}`" not in section] == []


# ------------------------------------------------- the bundled example data

BATTERY_EXAMPLE = ROOT / "examples" / "battery-responses.csv"


def test_battery_example_is_what_its_script_writes() -> None:
    script = runpy.run_path(str(ROOT / "scripts" / "make_example_data.py"))
    assert BATTERY_EXAMPLE.read_text(encoding="utf-8") == script["make"](), (
        "run python scripts/make_example_data.py"
    )


def test_battery_example_covers_the_readings() -> None:
    result = relscales.score("relationship-insecurity-battery", BATTERY_EXAMPLE)
    ids = result.columns["id"].tolist()
    reading = dict(zip(ids, result.columns["insecurity_source"].tolist(), strict=True))
    safety = dict(zip(ids, result.columns["flag_safety"].tolist(), strict=True))
    assert reading["P-001"] == "internal"
    assert reading["P-002"] == "relational"
    assert reading["P-003"] == "both"
    assert reading["P-004"] == "neither"
    assert (reading["P-005"], safety["P-005"]) == ("safety-first", True)
    assert safety["P-008"] is None  # the safety questions were skipped
    assert result.problem_count == 0
    assert result.metadata["instruments"][0]["version"] == "0.2.0"  # RISI 0.2


def test_linked_examples_are_what_their_script_writes() -> None:
    import sys

    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        script = runpy.run_path(str(ROOT / "scripts" / "make_linked_examples.py"))
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    for name, make in (("change", "make_change"), ("couples", "make_couples")):
        path = ROOT / "examples" / f"{name}-responses.csv"
        assert path.read_text(encoding="utf-8") == script[make](), (
            "run python scripts/make_linked_examples.py"
        )


def test_linked_examples_show_what_they_say() -> None:
    change = relscales.change(
        ["ecr-s", "csi-4"],
        ROOT / "examples" / "change-responses.csv",
        wave_column="wave",
        reliability={"satisfaction": 0.96},
    )
    notes = dict(zip(change.ids.tolist(), change.columns["note"].tolist(), strict=True))
    assert notes["C-30"] == "one wave only"
    assert change.counts("anxiety", "reliable")["improved"] >= 15
    assert change.counts("anxiety", "reliable")["deteriorated"] >= 1
    couples = relscales.couples(
        ["risi", "csi-4"],
        ROOT / "examples" / "couples-responses.csv",
        couple_column="couple",
        role_column="role",
        id_column="person",
    )
    safety = dict(zip(couples.couples.tolist(), couples.safety.tolist(), strict=True))
    assert safety == {k: k == "K-05" for k in safety}
    assert couples.warnings == ()


def test_irt_example_is_what_its_script_writes() -> None:
    script = runpy.run_path(str(ROOT / "scripts" / "make_irt_example.py"))
    assert (ROOT / "examples" / "irt-responses.csv").read_text(encoding="utf-8") == script[
        "make"
    ](), "run python scripts/make_irt_example.py"
