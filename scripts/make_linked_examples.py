"""Write the linked-respondent examples: examples/change-responses.csv, couples-responses.csv.

Run from the repository folder: ``python scripts/make_linked_examples.py``. The output is
the same on every run (a fixed seed); ``--check`` exits 1 when a committed file is out of
date. Every respondent is made up (generated, not real people).

- ``change-responses.csv``: 30 clients (C-01 ... C-30) answer the ECR-S and the CSI-4 at up
  to three waves (``wave`` 1, 2, 3). Most improve (attachment anxiety down, satisfaction up),
  some stay where they are, two get worse; C-29 missed wave 2 and C-30 came once only.
- ``couples-responses.csv``: 12 couples (K-01 ... K-12), partners ``A`` and ``B`` (column
  ``role``, person ids in ``person``), answer the RISI and the CSI-4. In K-03 the partners'
  readings disagree; in K-05 partner B answers safety questions above "Not at all true", so
  the safety flag is raised and the couple gets no joint reading.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_example_data import _answer, _load, _risi

ROOT = Path(__file__).resolve().parent.parent
CHANGE = ROOT / "examples" / "change-responses.csv"
COUPLES = ROOT / "examples" / "couples-responses.csv"
SEED = 20261


def _items(spec: dict[str, Any], level: float, rng: np.random.Generator) -> list[str]:
    row = []
    for item in spec["items"]:
        scale = spec["response_scales"][item["scale"]]["values"]
        low, high = min(scale), max(scale)
        row.append(str(_answer(rng, level, low, high, bool(item.get("reverse")))))
    return row


def make_change() -> str:
    """Return the CSV text of the change example."""
    rng = np.random.default_rng(SEED)
    ecrs, csi = _load("ecr-s"), _load("csi-4")
    header = ["id", "wave"] + [i["id"] for spec in (ecrs, csi) for i in spec["items"]]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for k in range(1, 31):
        start = float(rng.uniform(3.4, 4.6))  # anxiety-like level on 1-5 at intake
        if k <= 20:
            step = float(rng.uniform(0.5, 1.2))  # improves
        elif k <= 28:
            step = float(rng.uniform(-0.1, 0.2))  # about the same
        else:
            step = -0.6  # worse
        waves = [1, 2, 3]
        if k == 29:
            waves = [1, 3]
        if k == 30:
            waves = [1]
        if k in (27, 28):
            step = -0.7
        for wave in waves:
            level = float(np.clip(start - step * (wave - 1), 1.0, 5.0))
            satisfaction = 6 - level  # less insecure, more satisfied
            row = [
                f"C-{k:02d}",
                str(wave),
                *_items(ecrs, level, rng),
                *_items(csi, satisfaction, rng),
            ]
            writer.writerow(row)
    return out.getvalue()


def make_couples() -> str:
    """Return the CSV text of the couples example."""
    rng = np.random.default_rng(SEED + 1)
    risi, csi = _load("risi"), _load("csi-4")
    header = ["person", "couple", "role"] + [i["id"] for spec in (risi, csi) for i in spec["items"]]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for k in range(1, 13):
        shared = float(rng.uniform(1.5, 3.8))  # how much is wrong in the bond, as both see it
        for role in ("A", "B"):
            internal = float(rng.uniform(1.4, 4.3))
            signal = float(np.clip(shared + rng.normal(0, 0.4), 1.0, 5.0))
            if k == 3:  # the partners disagree about the relationship
                signal = 4.2 if role == "A" else 1.4
                internal = 1.6 if role == "A" else 3.8
            safety: Any = None
            if k == 5 and role == "B":
                safety = (3, 4, 2)
                signal = 4.3
            who = {
                "levels": (internal, signal, (internal + signal) / 2, signal),
                "context": (2, 4, 3),
                "safety": safety,
            }
            satisfaction = float(np.clip(6 - signal, 1.0, 5.0))
            row = [
                f"K-{k:02d}-{role}",
                f"K-{k:02d}",
                role,
                *_risi(rng, risi, who),
                *_items(csi, satisfaction, rng),
            ]
            writer.writerow(row)
    return out.getvalue()


def main() -> int:
    """Write the files (or, with ``--check``, say whether they are current)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a file is stale")
    args = parser.parse_args()
    stale = 0
    for path, text in ((CHANGE, make_change()), (COUPLES, make_couples())):
        if args.check:
            if not path.exists() or path.read_text("utf-8") != text:
                sys.stderr.write(
                    f"{path.relative_to(ROOT)} is out of date: run {Path(__file__).name}\n"
                )
                stale = 1
            continue
        path.write_text(text, encoding="utf-8", newline="")
        sys.stdout.write(f"wrote {path.relative_to(ROOT)}\n")
    return stale


if __name__ == "__main__":
    raise SystemExit(main())
