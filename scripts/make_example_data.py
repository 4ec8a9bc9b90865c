"""Write examples/battery-responses.csv: made-up answers to RISI 0.2, the ECR-R and the RSES.

Run from the repository folder: ``python scripts/make_example_data.py``. The output is
the same on every run (a fixed seed), so the committed file changes only when this script
or an instrument file does; ``--check`` exits 1 when the committed file is out of date.

Eight made-up respondents (generated, not real people) answer the relationship insecurity
battery: the RISI's items, then the ECR-R's, then the RSES's, one column per item named by
item id, with ``id`` (P-001 ... P-008) as the respondent id. Each has a level per side of
the RISI (internal pattern, relationship signal, behaviour, how much the worries weigh) and
answers each item near that level, reverse-keyed items mirrored; ECR-R anxiety and
low self-esteem follow the internal level. Chosen so that the readings differ:

- P-001 internal pattern high, relationship signal low;
- P-002 the reverse; P-003 both high; P-004 both low;
- P-005 answers "A little true" or more to safety questions: the safety flag is raised and
  the reading is safety-first;
- P-006 is in a first relationship (recurrence does not apply: its items are answered
  "Does not apply");
- P-007 has been together less than three months (a context note);
- P-008 left a few questions blank, among them every safety question (safety unknown).
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
INSTRUMENTS = ROOT / "instruments"
OUTPUT = ROOT / "examples" / "battery-responses.csv"
SEED = 20260

# per respondent: levels (1-5) of internal pattern, relationship signal, behaviour, impact;
# then the context answers (past partners 1-3, length 1-4, daily life 1-3) and the safety
# answers (None: every safety question "Not at all true")
RESPONDENTS: list[dict[str, Any]] = [
    {"id": "P-001", "levels": (4.4, 1.4, 3.8, 3.6), "context": (3, 4, 3), "safety": None},
    {"id": "P-002", "levels": (1.5, 4.3, 2.2, 3.4), "context": (2, 3, 3), "safety": None},
    {"id": "P-003", "levels": (4.2, 4.2, 4.0, 4.2), "context": (3, 4, 3), "safety": None},
    {"id": "P-004", "levels": (1.4, 1.3, 1.5, 1.3), "context": (2, 4, 3), "safety": None},
    {"id": "P-005", "levels": (2.6, 4.4, 2.6, 4.0), "context": (2, 3, 3), "safety": (3, 4, 2)},
    {"id": "P-006", "levels": (3.9, 1.6, 3.2, 2.6), "context": (1, 3, 3), "safety": None},
    {"id": "P-007", "levels": (3.0, 2.0, 2.8, 2.2), "context": (3, 1, 3), "safety": None},
    {"id": "P-008", "levels": (2.2, 1.8, 2.0, 1.8), "context": (2, 4, 3), "safety": "skip"},
]
SIDES = {"ip": 0, "rs": 1, "bh": 2, "sh": 3}
SKIPPED = {"P-008": ("ip_cue2", "rs_put3", "bh_tst5", "ecrr12", "rses04")}


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((INSTRUMENTS / f"{name}.yaml").read_text("utf-8"))
    return data


def _answer(rng: np.random.Generator, level: float, low: int, high: int, reverse: bool) -> int:
    """Answer near ``level`` (on 1-5), on the item's scale, mirrored if reversed."""
    position = (level - 1) / 4 + rng.normal(0, 0.09)  # 0-1 along the scale
    value = int(np.clip(round(low + position * (high - low)), low, high))
    return low + high - value if reverse else value


def _risi(rng: np.random.Generator, spec: dict[str, Any], who: dict[str, Any]) -> list[str]:
    past, length, daily = who["context"]
    context = {"cx_past": past, "cx_length": length, "cx_daily": daily}
    safety = who["safety"]
    row = []
    for item in spec["items"]:
        ident = item["id"]
        if ident in context:
            row.append(str(context[ident]))
        elif ident.startswith("sf_"):
            if safety == "skip":
                row.append("")
            elif safety is None:
                row.append("1")
            else:  # the first questions answered above "Not at all true"
                index = [i["id"] for i in spec["items"] if i["id"].startswith("sf_")].index(ident)
                row.append(str(safety[index]) if index < len(safety) else "1")
        elif ident.startswith("ip_rec") and past == 1:
            row.append("9")  # "Does not apply": a first relationship
        else:
            level = who["levels"][SIDES[ident[:2]]]
            row.append(str(_answer(rng, level, 1, 5, bool(item.get("reverse")))))
    return row


def _published(
    rng: np.random.Generator, spec: dict[str, Any], who: dict[str, Any], name: str
) -> list[str]:
    internal = who["levels"][0]
    row = []
    for number, item in enumerate(spec["items"], start=1):
        scale = spec["response_scales"][item["scale"]]["values"]
        low, high = min(scale), max(scale)
        if name == "ecr-r":  # anxiety (items 1-18) follows the internal level
            level = internal if number <= 18 else 1.5 + (internal - 1) * 0.4
        else:  # the RSES: self-esteem is low where the internal level is high
            level = 6 - internal
        row.append(str(_answer(rng, level, low, high, bool(item.get("reverse")))))
    return row


def make() -> str:
    """Return the CSV text."""
    rng = np.random.default_rng(SEED)
    risi, ecrr, rses = _load("risi"), _load("ecr-r"), _load("rses")
    header = ["id"] + [i["id"] for spec in (risi, ecrr, rses) for i in spec["items"]]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for who in RESPONDENTS:
        row = [
            who["id"],
            *_risi(rng, risi, who),
            *_published(rng, ecrr, who, "ecr-r"),
            *_published(rng, rses, who, "rses"),
        ]
        for skipped in SKIPPED.get(who["id"], ()):
            row[header.index(skipped)] = ""
        writer.writerow(row)
    return out.getvalue()


def main() -> int:
    """Write the file (or, with ``--check``, say whether it is current)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    args = parser.parse_args()
    text = make()
    if args.check:
        current = OUTPUT.read_text("utf-8") if OUTPUT.exists() else ""
        if current != text:
            sys.stderr.write(f"{OUTPUT} is out of date: run python scripts/make_example_data.py\n")
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    sys.stdout.write(f"wrote {OUTPUT.relative_to(ROOT)} ({len(RESPONDENTS)} respondents)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
