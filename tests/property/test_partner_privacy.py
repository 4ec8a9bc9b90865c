"""Property: a partner's own report never depends on the other partner.

``relscales couples ... --partner-reports DIR`` writes one report per partner "from that
partner's own answers only" (../shared/design/cli.md, "Linked respondents": nothing in a
partner's own report comes from the other partner's answers). Here couples answer the RISI
at random; the reports are written; then every answer of every B partner is changed at
random and the reports are written again. Every A report must be byte-identical, and no A
report may name its partner (B's id).

The reports print the date they were made; ``SOURCE_DATE_EPOCH`` fixes it (the report clock
reads it), so the two runs are compared byte for byte without masking anything.
"""

from __future__ import annotations

import csv
import os
import random
import tempfile
from pathlib import Path
from typing import Any
from unittest import mock

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from relscales.pipeline.linkedjob import CouplesJob, run_couples

ROOT = Path(__file__).resolve().parents[2]
SPEC = yaml.safe_load((ROOT / "instruments" / "risi.yaml").read_text("utf-8"))
ITEMS = [item["id"] for item in SPEC["items"]]
CODES = {
    item["id"]: [
        *SPEC["response_scales"][item["scale"]]["values"],
        *SPEC["response_scales"][item["scale"]].get("not_applicable", []),
    ]
    for item in SPEC["items"]
}
EPOCH = "1767225600"  # 2026-01-01: the date printed on every report of both runs

# the profiles of tests/conftest.py, scaled down to an eighth: each example scores and
# renders twice
EXAMPLES = max(5, (settings.default.max_examples or 40) // 8)


def answers(rng: random.Random) -> list[str]:
    """A random answer (or a blank, now and then) to every RISI item."""
    return ["" if rng.random() < 0.04 else str(rng.choice(CODES[item])) for item in ITEMS]


def changed(rng: random.Random, old: list[str]) -> list[str]:
    """Every answer replaced by another one (a blank by an answer)."""
    out = []
    for item, value in zip(ITEMS, old, strict=True):
        others = [str(c) for c in CODES[item] if str(c) != value]
        out.append(rng.choice(others))
    return out


def write(path: Path, rows: list[list[Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(["id", "couple", "role", *ITEMS])
        writer.writerows(rows)
    return path


def reports(folder: Path, data: list[Path], out: Path, fmt: str, two_files: bool) -> None:
    job = CouplesJob(
        data=data,
        instruments=["risi"],
        couple_column="couple",
        role_column=None if two_files else "role",
        roles=() if two_files else ("A", "B"),
        id_column="id",
        output=out,
        partner_reports=folder,
        report_format=fmt,
    )
    with mock.patch.dict(os.environ, {"SOURCE_DATE_EPOCH": EPOCH}):
        assert run_couples(job, lambda _: None) == 0


@settings(max_examples=EXAMPLES)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_couples=st.integers(1, 4),
    b_first=st.lists(st.booleans(), min_size=4, max_size=4),
    b_missing=st.lists(st.booleans(), min_size=4, max_size=4),
    fmt=st.sampled_from(["html", "md", "txt"]),
    two_files=st.booleans(),
)
def test_partner_a_reports_do_not_depend_on_partner_b(
    seed: int,
    n_couples: int,
    b_first: list[bool],
    b_missing: list[bool],
    fmt: str,
    two_files: bool,
) -> None:
    rng = random.Random(seed)
    a_rows: list[list[Any]] = []
    b_rows: list[list[Any]] = []
    order: list[tuple[str, int]] = []  # the rows of one file, in data order
    for k in range(n_couples):
        couple = f"couple{k}"
        a_rows.append([f"zqxa{k}{seed % 997}", couple, "A", *answers(rng)])
        if k and b_missing[k]:  # a couple with one partner only (never every couple)
            order.append(("A", k))
            continue
        b_rows.append([f"zqxb{k}{seed % 991}", couple, "B", *answers(rng)])
        pair = [("A", k), ("B", len(b_rows) - 1)]
        order += pair[::-1] if b_first[k] else pair
    b_changed = [[*row[:3], *changed(rng, row[3:])] for row in b_rows]
    b_ids = [row[0] for row in b_rows]

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        written: dict[str, dict[str, bytes]] = {}
        for run, b_version in (("first", b_rows), ("second", b_changed)):
            folder = root / run
            folder.mkdir()
            if two_files:
                data = [write(folder / "A.csv", a_rows), write(folder / "B.csv", b_version)]
            else:
                rows = [a_rows[k] if role == "A" else b_version[k] for role, k in order]
                data = [write(folder / "both.csv", rows)]
            reports(folder / "reports", data, folder / "couples.csv", fmt, two_files)
            written[run] = {p.name: p.read_bytes() for p in (folder / "reports").iterdir()}

        first, second = written["first"], written["second"]
        assert first.keys() == second.keys()
        a_names = [f"couple{k}-A.{fmt}" for k in range(n_couples)]
        assert set(a_names) <= first.keys()
        assert len(first) == n_couples + len(b_rows)  # one report per partner present
        for name in a_names:
            assert first[name] == second[name], f"{name} changed when only B's answers did"
            text = first[name].decode("utf-8")
            for b_id in b_ids:
                assert b_id not in text, f"{name} names {b_id}"
        # the B reports did change: the test can see a difference when there is one
        b_names = [n for n in first if n.endswith(f"-B.{fmt}")]
        assert len(b_names) == len(b_rows)
        assert all(first[n] != second[n] for n in b_names)
