"""The user documentation stays true to the code.

- docs/errors.md has one `## <code>` heading per ErrorCode, in the same order;
- every script in docs/examples/ runs;
- every `relscales ...` command in a console block of docs/quickstart.md is a real command;
- every relative link in docs/*.md points to a file or folder that exists, and every
  link to a heading of a page (`page.md#heading`) to a heading that exists.
"""

from __future__ import annotations

import re
import runpy
import shlex
import typing
from pathlib import Path

import pytest
import typer

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
