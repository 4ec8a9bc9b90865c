"""Write examples/irt-responses.csv: answers simulated from a graded response model.

Run from the repository folder: ``python scripts/make_irt_example.py`` (``--check`` exits 1
when the committed file is out of date). 3,000 made-up respondents answer the 12 questions of
examples/instruments/irt-demo.yaml; theta is standard normal, the slopes and thresholds are
``TRUE_SLOPES`` and ``TRUE_THRESHOLDS`` below (in keyed order: reversed questions are written
reversed), and about 3% of the answers are left blank. ``relscales calibrate`` on these data
should recover the parameters to within their standard errors.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "examples" / "irt-responses.csv"
SEED = 19
N = 3000
ITEMS = [f"d{j:02d}" for j in range(1, 13)]
REVERSED = {"d03", "d06", "d10"}
TRUE_SLOPES = [1.8, 1.2, 0.9, 2.2, 1.5, 1.1, 1.7, 0.8, 1.4, 2.0, 1.3, 1.6]
TRUE_THRESHOLDS = [
    [-2.0 + 0.1 * j, -0.8 + 0.1 * j, 0.3 + 0.05 * j, 1.4 + 0.05 * j] for j in range(len(ITEMS))
]


def make() -> str:
    """Return the CSV text."""
    from relscales.irt import GradedModel, category_probabilities

    rng = np.random.default_rng(SEED)
    model = GradedModel(
        slopes=np.array(TRUE_SLOPES),
        thresholds=np.array(TRUE_THRESHOLDS),
        n_categories=np.full(len(ITEMS), 5),
        item_ids=tuple(ITEMS),
    )
    theta = rng.standard_normal(N)
    probs = category_probabilities(model, theta)  # (n, k, 5)
    cumulative = probs.cumsum(axis=2)
    draws = rng.random((N, len(ITEMS), 1))
    codes = (draws > cumulative).sum(axis=2)  # keyed category 0..4
    answers = codes + 1
    for j, item in enumerate(ITEMS):
        if item in REVERSED:
            answers[:, j] = 6 - answers[:, j]
    blank = rng.random(answers.shape) < 0.03
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", *ITEMS])
    for i in range(N):
        row = ["" if blank[i, j] else str(int(answers[i, j])) for j in range(len(ITEMS))]
        writer.writerow([f"S{i + 1:04d}", *row])
    return out.getvalue()


def main() -> int:
    """Write the file (or, with ``--check``, say whether it is current)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    args = parser.parse_args()
    text = make()
    if args.check:
        if not OUTPUT.exists() or OUTPUT.read_text("utf-8") != text:
            sys.stderr.write(f"{OUTPUT} is out of date: run python scripts/make_irt_example.py\n")
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8", newline="")
    sys.stdout.write(f"wrote {OUTPUT.relative_to(ROOT)} ({N} respondents)\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
