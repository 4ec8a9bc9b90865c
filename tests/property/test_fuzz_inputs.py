"""Fuzzing the data reader and the instrument loader: nothing but RelscalesError escapes.

Two runs (docs/awkward-files.md#fuzzing):

- the default run takes the examples of the Hypothesis profile (``dev``: 40 each, a few
  seconds; ``HYPOTHESIS_PROFILE=ci``: 200);
- ``pytest --run-fuzz -m fuzz tests/property/test_fuzz_inputs.py --no-cov`` runs the long
  fuzz: 100,000 inputs through the CSV reader and 100,000 through the YAML loader
  (``RELSCALES_FUZZ_EXAMPLES=N`` changes the number).

Inputs are built to reach deep: delimited files with the instrument's columns, cells
drawn from the awkward ones seen in real exports (labels, decimal commas, dates, quotes,
delimiters, line breaks, NUL bytes), any of five encodings, rows of any length, and raw
bytes spliced in; YAML made by mutating a valid instrument, from random structures and
from random text.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relscales.errors import RelscalesError
from relscales.instruments.loader import load_instrument, validate_file
from relscales.pipeline.score import score_compiled
from relscales.scoring.compile import compile_instrument

BAD = Path(__file__).resolve().parent.parent / "data" / "bad"
INSTRUMENT = BAD / "five.yaml"
COLUMNS = ["id", "q1", "q2", "q3", "q4", "q5"]
LONG_RUN = int(os.environ.get("RELSCALES_FUZZ_EXAMPLES", "100000"))
"""Inputs per long fuzz test (``RELSCALES_FUZZ_EXAMPLES`` for a shorter or longer run)."""

FUZZ = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
LONG = settings(
    FUZZ,
    max_examples=LONG_RUN,
    database=None,
    suppress_health_check=[*HealthCheck],
)

_counter = itertools.count()


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="relscales-fuzz-") as name:
        yield Path(name)


def _fresh(folder: Path, suffix: str) -> Path:
    """A new file name for each example (cached scans are keyed by path)."""
    return folder / f"f{next(_counter)}{suffix}"


_compiled: list[Any] = []


def _five() -> Any:
    if not _compiled:
        _compiled.append(compile_instrument(load_instrument(INSTRUMENT)))
    return _compiled[0]


# -- delimited files ------------------------------------------------------------------------

AWKWARD_CELLS = [
    *"12345",
    "",
    " ",
    " 3 ",
    "4.0",
    "+2",
    "4,0",
    "2,5",
    "-99",
    "NA",
    "#N/A",
    ".",
    "Agree",
    "strongly AGREE",
    "5 (Strongly agree)",
    "Strongly agree (5)",
    "4 (Disagree)",
    "3 = Neutral",
    "7-Jan",
    "01/07/2026",
    "2026-01-07",
    "1e400",
    "nan",
    "inf",
    "0x10",
    "0x3",
    "0X4",
    "\u0663",  # digits of other scripts: not numbers
    "\uff13",
    "\u0969",
    "\U0001d7d1",
    "-nan",
    "nan(1)",
    "\u00a0",
    "\f\v",
    "'=1+1",
    '"',
    '""',
    '"quoted"',
    'a"b',
    "\n",
    "\r\n",
    "\r",
    ",",
    ";",
    "\t",
    "|",
    "\x00",
    "\ufeff",
    "é",
    "€",
    "日本",
    "\U0001f600",
    "\ufffd",
    "x" * 300,
]

CELL = st.one_of(
    st.sampled_from(AWKWARD_CELLS),
    st.text(max_size=12),
    st.integers(-200, 200).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252", "latin-1"]
BLANK_LINES = ["   ", "\t", " \t ", "\f", "\v", "\u00a0", "\u3000 ", "\u2003"]
"""Lines of whitespace: blank lines, not rows (unless they hold the delimiter)."""


def _records(text: str, delimiter: str) -> list[list[str]]:
    """The records of a delimited text, blank lines aside (empty, or of whitespace only).

    A line of whitespace without the delimiter is blank: the rule of the reader
    (relscales.io.delimited.blank_line), checked here on the lines as written.
    """
    consumed: list[str] = []

    def lines() -> Iterator[str]:
        for line in io.StringIO(text, newline=""):  # lines end at \n, \r or \r\n
            consumed.append(line)
            yield line

    out = []
    for record in csv.reader(lines(), delimiter=delimiter):
        written = "".join(consumed).rstrip("\r\n")
        consumed.clear()
        if record and not (written.isspace() and delimiter not in written):
            out.append(record)
    return out


@st.composite
def delimited_files(draw: st.DrawFn) -> tuple[bytes, dict[str, Any]]:
    """A delimited file as a survey tool, a spreadsheet or an accident might write it."""
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    header = list(COLUMNS)
    if draw(st.booleans()):
        header = draw(st.permutations(header))
    header += draw(
        st.lists(st.sampled_from(["comment", "q1", "", " id", "x,y", 'a"b']), max_size=3)
    )
    width = len(header)
    rows = draw(
        st.lists(
            st.one_of(
                st.lists(CELL, min_size=width, max_size=width),  # mostly the right length
                st.lists(CELL, min_size=0, max_size=width + 3),
            ),
            max_size=25,
        )
    )
    for _ in range(draw(st.integers(0, 3))):  # lines of whitespace among the rows
        rows.insert(draw(st.integers(0, len(rows))), [draw(st.sampled_from(BLANK_LINES))])
    quoting = draw(st.sampled_from(["minimal", "all", "raw"]))
    if quoting == "raw":  # no quoting at all: delimiters and line breaks in cells break rows
        text = newline.join(delimiter.join(r) for r in [header, *rows]) + newline
    else:
        out = io.StringIO()
        writer = csv.writer(
            out,
            delimiter=delimiter,
            lineterminator=newline,
            quoting=csv.QUOTE_ALL if quoting == "all" else csv.QUOTE_MINIMAL,
        )
        writer.writerows([header, *rows])
        text = out.getvalue()
    if draw(st.booleans()) and not draw(st.booleans()):
        text = f"sep={delimiter}\n" + text
    if not draw(st.integers(0, 4)):
        text = draw(st.sampled_from(["\n", "\r\n", "\n\n"])) + text  # blank lines first
    if not draw(st.integers(0, 5)):
        text = text.rstrip("\r\n")  # no final line break
    encoding = draw(st.sampled_from(ENCODINGS))
    data = text.encode(encoding, errors="replace")
    splice = draw(st.binary(max_size=40))
    if splice and draw(st.booleans()):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + splice + data[at:]
    facts = {
        "header": header,
        "rows": rows,
        "well_formed": quoting != "raw"
        and not splice
        and "\x00" not in text
        and encoding in ("utf-8", "utf-16")
        and text.lstrip("\r\n").startswith(header[0] if header[0].strip() else "\x01"),
        "delimiter": delimiter,
        "encoding": encoding,
    }
    return data, facts


def _score_file(path: Path) -> Any:
    """Score a file; return the result, or None for a RelscalesError (the allowed outcome)."""
    try:
        return score_compiled([_five()], path)
    except RelscalesError as exc:
        error = exc
    assert error.issues
    assert all(issue.code and issue.message for issue in error.issues)
    return None


def _check_csv(folder: Path, case: tuple[bytes, dict[str, Any]]) -> None:
    data, facts = case
    path = _fresh(folder, ".csv")
    path.write_bytes(data)
    result = _score_file(path)
    assert path.read_bytes() == data  # the input is never modified
    if result is None:
        return
    n = len(result.scores["total"])
    assert len(result.columns[result.id_column]) == n
    if not facts["well_formed"]:
        return
    # rows out == rows in: every record after the header, blank lines aside (empty ones,
    # and those of whitespace only)
    text = data.decode(facts["encoding"]).removeprefix("\ufeff")
    records = _records(text, facts["delimiter"])[1:]
    assert n == len(records)
    width = len(facts["header"])
    wrong = {i + 1 for i, r in enumerate(records) if len(r) != width}
    ragged = {p.row for p in result.problems if p.code == "ragged-row"}
    assert ragged <= wrong


@given(case=delimited_files())
@FUZZ
def test_delimited_files_never_crash(folder: Path, case: tuple[bytes, dict[str, Any]]) -> None:
    _check_csv(folder, case)


RANDOM_BYTES = st.one_of(
    st.binary(max_size=3000),
    st.binary(max_size=3000).map(lambda b: b"id,q1,q2,q3,q4,q5\n" + b),
    st.binary(max_size=3000).map(lambda b: b"id;q1;q2;q3;q4;q5\r\n" + b),
    st.binary(max_size=3000).map(lambda b: "id,q1,q2,q3,q4,q5\n".encode("utf-16") + b),
)


@given(data=RANDOM_BYTES)
@FUZZ
def test_random_bytes_never_crash(folder: Path, data: bytes) -> None:
    _check_csv(folder, (data, {"well_formed": False}))


# -- one cell, every path -------------------------------------------------------------------


def _verdict(decoded: Any, row: int) -> tuple[float | None, int]:
    reasons = dict(zip(decoded.bad_rows.tolist(), decoded.bad_reasons.tolist(), strict=True))
    value = float(decoded.values[row])
    return (None if math.isnan(value) else value), int(reasons.get(row, 0))


@given(cell=CELL)
@FUZZ
def test_a_cell_reads_alike_on_every_path(folder: Path, cell: str) -> None:
    """Text in memory, and a file typed as integers, as floats or read as text: one verdict.

    (Arrow's integer parser reads ``0x3``, its float parser ``-nan``; Python reads ``٣``.)
    """
    import pyarrow as pa

    from relscales.io.sources import open_source
    from relscales.scoring.decode import decode_column, preparse

    scale = _five().scales[0]
    verdicts = {_verdict(decode_column(preparse(pa.array(["1", cell])), scale), 1)}
    path = _fresh(folder, ".csv")
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([["id", "q1"], ["r1", "1"], ["r2", cell]])
    path.write_text(out.getvalue(), encoding="utf-8")
    for numeric, integer in [([], set()), (["q1"], set()), (["q1"], {"q1"})]:
        if "\x00" in cell or "\r" in cell:
            break  # NUL bytes are removed from a file; a \r may end its line
        try:
            source = open_source(path)
            batches = list(source.batches(["id", "q1"], numeric=numeric, integer=integer))
        except RelscalesError:  # control bytes: the file is not taken for text
            break
        column = pa.chunked_array([b.columns["q1"] for b in batches]).combine_chunks()
        verdicts.add(_verdict(decode_column(preparse(column), scale), 1))
    assert len(verdicts) == 1, verdicts
    if any(c.isdigit() and not "0" <= c <= "9" for c in cell) or "0x" in cell.casefold():
        assert verdicts.pop()[0] is None  # never a number


JSON_KEYS = st.sampled_from(["id", "q1", "q2", "q3", "q4", "q5", "note"])
JSON_VALUES = st.one_of(st.integers(-5, 10), st.sampled_from(["3", "\u0663", "0x3", ""]), st.none())


@given(
    records=st.lists(st.lists(st.tuples(JSON_KEYS, JSON_VALUES), max_size=8), max_size=6),
    lines_format=st.booleans(),
)
@FUZZ
def test_json_records_with_repeated_keys(
    folder: Path, records: list[list[tuple[str, Any]]], lines_format: bool
) -> None:
    """A record with a key twice is an error naming it; other records are read one row each."""
    from relscales.errors import DataError
    from relscales.io.sources import open_source

    texts = [
        "{" + ", ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in r) + "}" for r in records
    ]
    path = _fresh(folder, ".jsonl" if lines_format else ".json")
    path.write_text("\n".join(texts) if lines_format else "[" + ",\n".join(texts) + "]", "utf-8")
    repeated = [i for i, r in enumerate(records, 1) if len({k for k, _ in r}) < len(r)]
    try:
        source = open_source(path)
    except DataError as exc:
        (issue,) = exc.issues
        if issue.code == "json-duplicate-key":
            assert issue.location.row == repeated[0]
            return
        assert not records or all(not r for r in records)  # nothing to read
        return
    assert not repeated
    if source.header:  # (records without keys make no columns, and no rows)
        assert source.table.num_rows == len(records)


# -- instrument files -----------------------------------------------------------------------

VALID = INSTRUMENT.read_text(encoding="utf-8")
YAML_BITS = [
    ":",
    "- ",
    "  ",
    "\n",
    "{",
    "}",
    "[",
    "]",
    "&a ",
    "*a",
    "!!python/object:os.system ",
    "!!binary ",
    "? ",
    "|",
    ">",
    "#",
    "'",
    '"',
    "yes",
    "on",
    "010",
    "1e3",
    ".nan",
    "~",
    "null",
    "2026-01-07",
    "<<: *a",
    "%YAML 1.1\n---\n",
    "---\n",
    "...\n",
    "\t",
    "\x00",
    "\ufeff",
    "relscales: 2\n",
    "extends: five\n",
    "extends: ../../etc/passwd\n",
    "extends: /etc/passwd\n",
    "\x1b]52;c;aGk=\x07",
    "\x1b[2J",
    "\x9b",
    "\u2028",
    "\u202e",
    '"\\e[31m"',
    '"\\x9b"',
    '"\\u202e"',
    "id: Five Items\n",
    "values: []\n",
    "items: []\n",
    "reverse: maybe\n",
    "min_answered: 99\n",
    "score: median\n",
]


@st.composite
def mutated_instruments(draw: st.DrawFn) -> str:
    """The valid fixture with a few cuts, insertions and swaps."""
    text = VALID
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["insert", "delete", "replace-line", "duplicate-line"]))
        if kind == "insert":
            piece = draw(st.one_of(st.sampled_from(YAML_BITS), st.text(max_size=8)))
            text = text[:at] + piece + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 40)) :]
        else:
            lines = text.split("\n")
            k = draw(st.integers(0, len(lines) - 1))
            if kind == "replace-line":
                lines[k] = draw(st.sampled_from(YAML_BITS)) + draw(st.text(max_size=10))
            else:
                lines.insert(k, lines[k])
            text = "\n".join(lines)
    return text


SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(),
    st.text(max_size=10),
    st.sampled_from(["five", "agree5", "q1", "total", "mean", "sum", "1.0.0", "other"]),
)
KEY = st.sampled_from(
    [
        "relscales",
        "id",
        "version",
        "name",
        "domain",
        "license",
        "validation",
        "response_scales",
        "items",
        "subscales",
        "composites",
        "values",
        "labels",
        "missing_codes",
        "scale",
        "reverse",
        "score",
        "min_answered",
        "extends",
        "norms",
        "bands",
        "flags",
        "profiles",
        "status",
        "column",
    ]
) | st.text(max_size=6)


# a lambda: Hypothesis's check that `extend` uses its argument reads the function's source,
# which fails for a named function in some runs (a HypothesisDeprecationWarning, an error)
STRUCTURE = st.recursive(
    SCALAR,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEY, inner, max_size=6),
    max_leaves=30,
)


def _load_yaml(folder: Path, text: str) -> None:
    path = _fresh(folder, ".yaml")
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load_instrument(path)
    except RelscalesError as exc:
        problems = exc.issues
        assert problems
    report = validate_file(path)  # reports, never raises
    assert report.valid or report.issues


@given(text=mutated_instruments())
@FUZZ
def test_mutated_instruments_never_crash(folder: Path, text: str) -> None:
    _load_yaml(folder, text)


@given(data=st.dictionaries(KEY, STRUCTURE, max_size=8))
@FUZZ
def test_random_structures_never_crash(folder: Path, data: dict[str, Any]) -> None:
    text = yaml.safe_dump({"relscales": 1, **data}, allow_unicode=True)
    _load_yaml(folder, text)


@given(text=st.text(max_size=400))
@FUZZ
def test_random_text_never_crashes(folder: Path, text: str) -> None:
    _load_yaml(folder, text)


CONTROLS = st.sampled_from(["\\e", "\\x1b]52;c;aGk=\\a", "\\x9b", "\\u202e", "\\x07", "\\u2028"])


@given(control=CONTROLS, where=st.sampled_from(["name", "label", "text"]))
@FUZZ
def test_a_control_character_in_a_text_is_refused_and_never_printed(
    folder: Path, control: str, where: str
) -> None:
    """Escaped control characters in any text: `control-character`, rendered escaped."""
    data = yaml.safe_load(VALID)
    if where == "name":
        data["name"] = "PLACEHOLDER"
    elif where == "label":
        data["items"][0]["label"] = "PLACEHOLDER"
    else:
        data["items"][0]["text"] = {"en": "PLACEHOLDER"}
        data["license"]["item_text"] = "included"
        for item in data["items"][1:]:
            item["text"] = {"en": "plain words"}
    text = yaml.safe_dump(data, allow_unicode=True).replace(
        "PLACEHOLDER", f'"a {control} b"'.replace('"', "")
    )
    text = text.replace(f"a {control} b", f'"a {control} b"')
    path = _fresh(folder, ".yaml")
    path.write_text(text, encoding="utf-8")
    report = validate_file(path)
    codes = {issue.code for issue in report.issues}
    assert "control-character" in codes, codes
    for issue in report.issues:
        shown = issue.render()
        assert not any((ord(c) < 32 and c != "\n") or 0x7F <= ord(c) < 0xA0 for c in shown), shown
        assert "\u202e" not in shown
        assert "\u2028" not in shown


@given(copies=st.integers(200, 3000), size=st.integers(2_000, 20_000))
@FUZZ
def test_an_alias_bomb_is_refused_by_its_size(folder: Path, copies: int, size: int) -> None:
    """One long anchored text aliased many times: refused quickly, not expanded."""
    import time

    lines = [f"big: &a {'x' * size}", "list:"] + ["  - *a"] * copies
    path = _fresh(folder, ".yaml")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    started = time.perf_counter()
    report = validate_file(path)
    assert time.perf_counter() - started < 5
    if copies * size > 1_000_000:
        assert "yaml-alias-limit" in {issue.code for issue in report.issues}


@given(
    target=st.one_of(
        st.sampled_from(["/etc/passwd", "../../x.yaml", "..\\..\\x.yaml", "/dev/zero", "~/x"]),
        st.text(alphabet="./\\ab~", min_size=1, max_size=20),
    )
)
@FUZZ
def test_extends_never_reads_outside_the_folder(folder: Path, target: str) -> None:
    text = f"relscales: 1\nextends: {json.dumps(target)}\nid: child\n"
    path = _fresh(folder, ".yaml")
    path.write_text(text, encoding="utf-8")
    report = validate_file(path)
    assert not report.valid
    codes = {issue.code for issue in report.issues}
    assert codes & {
        "path-outside-folder",
        "file-not-found",
        "unknown-instrument",
        "unknown-instrument-version",
        "input-not-a-file",
        "extends-cycle",
        "yaml-syntax",
        "invalid-value",
        "missing-key",
    }, codes


# -- the long run ---------------------------------------------------------------------------


def _mixed(strategies: list[st.SearchStrategy[Any]]) -> st.SearchStrategy[tuple[int, Any]]:
    return st.one_of([s.map(lambda v, i=i: (i, v)) for i, s in enumerate(strategies)])


@pytest.mark.fuzz
@given(case=_mixed([delimited_files(), RANDOM_BYTES]))
@LONG
def test_long_fuzz_csv_reader(folder: Path, case: tuple[int, Any]) -> None:
    kind, value = case
    _check_csv(folder, value if kind == 0 else (value, {"well_formed": False}))
    _cleanup(folder)


@pytest.mark.fuzz
@given(
    case=_mixed(
        [
            mutated_instruments(),
            st.dictionaries(KEY, STRUCTURE, max_size=8).map(
                lambda d: yaml.safe_dump({"relscales": 1, **d}, allow_unicode=True)
            ),
            st.text(max_size=400),
        ]
    )
)
@LONG
def test_long_fuzz_yaml_loader(folder: Path, case: tuple[int, str]) -> None:
    _load_yaml(folder, case[1])
    _cleanup(folder)


_examples = itertools.count(1)


def _cleanup(folder: Path, every: int = 500) -> None:
    """Delete old example files now and then, so a long run does not fill the disk."""
    if next(_examples) % every == 0:
        for path in folder.iterdir():
            path.unlink(missing_ok=True)
