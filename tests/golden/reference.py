"""Naive reference scorer for this golden folder: writes expected.csv from responses.csv.

Run it from anywhere: ``python tests/golden/reference.py <id>``, for the golden folders
tests/golden/risi, rrss and relationship-insecurity-battery. The folder's name is the
instrument (or battery) id; its key is read from ``instruments/<id>.yaml``.

It is a plain reading of docs/authoring.md and docs/methods.md ("Reading cells"), written
without relscales or numpy, so that the golden scores do not come from the engine they test:

- a cell is read on its item's scale: blank or a no-data token is missing; a label
  (ignoring case and spacing) is its code; a number is a code if it is one of ``values``,
  missing if it is one of ``missing_codes``, "does not apply" if it is one of
  ``not_applicable``, and invalid (so missing) otherwise; any other text is invalid;
- a reverse-keyed item scores low + high - x on its own scale;
- a subscale is the mean (or sum) of its answered items, missing when fewer than
  ``min_answered`` were answered ("does not apply" is not an answer); a whole number is a
  count, a decimal a fraction of the items, rounded up;
- ``applies_when``: missing when the context item is answered with a code outside ``in``;
  scored as usual when it is in ``in`` or not answered;
- a composite is the weighted mean (or sum) of its parts, missing when a required part is
  missing; a missing optional part is left out; ``standardized: pomp`` puts each part on
  100 (x - low) / (high - low) of its own range first, and ``reverse`` mirrors a part;
- an item flag is true when any listed raw answer reaches the bound, false when every
  listed item was answered without reaching it, empty otherwise.

Only context items' codes matter beyond scores, so "does not apply", missing and invalid
cells are all simply "no answer" here.
Cells holding a number with its label (`4 (Mostly true)`) and dates are not handled (read as
invalid): the responses here do not use them.
"""

from __future__ import annotations

import csv
import math
import operator
from pathlib import Path

import yaml

GOLDEN = Path(__file__).resolve().parent
ROOT = GOLDEN.parents[1]
NO_DATA = {"na", "n/a", "nan", "null", ".", "#n/a"}


def load_yaml(ident: str) -> dict:
    with (ROOT / "instruments" / f"{ident}.yaml").open(encoding="utf-8") as stream:
        return yaml.safe_load(stream)


def tidy(text: str) -> str:
    return " ".join(text.split()).lower()


def read_cell(text: str, scale: dict) -> float | None:
    """The code of one answer, or None (missing, "does not apply" or invalid)."""
    if tidy(text) == "" or tidy(text) in NO_DATA:
        return None
    for code, label in (scale.get("labels") or {}).items():
        if tidy(text) == tidy(label):
            return None if code in scale.get("not_applicable", []) else float(code)
    try:
        number = float(text)
    except ValueError:
        return None  # text that is not a label: invalid
    if number in scale["values"]:
        return number
    return None  # a missing code, a "does not apply" code, or an invalid number


def scale_range(scale: dict) -> tuple[float, float]:
    return float(min(scale["values"])), float(max(scale["values"]))


def needed(min_answered: int | float, k: int) -> int:
    if isinstance(min_answered, float):  # a fraction of the items, rounded up
        return max(1, math.ceil(min_answered * k))
    return min_answered


class Instrument:
    def __init__(self, ident: str) -> None:
        self.key = load_yaml(ident)
        self.scales = self.key["response_scales"]
        self.items = {item["id"]: item for item in self.key["items"]}

    def answer(self, row: dict[str, str], item_id: str) -> float | None:
        item = self.items[item_id]
        return read_cell(row.get(item.get("column", item_id), ""), self.scales[item["scale"]])

    def scored(self, row: dict[str, str], item_id: str) -> float | None:
        x = self.answer(row, item_id)
        if x is None or not self.items[item_id].get("reverse", False):
            return x
        low, high = scale_range(self.scales[self.items[item_id]["scale"]])
        return low + high - x

    def subscale(self, row: dict[str, str], sub: dict) -> float | None:
        when = sub.get("applies_when")
        if when is not None:
            context = self.answer(row, when["item"])
            if context is not None and context not in when["in"]:
                return None  # does not apply to this respondent
        weights = sub.get("weights", {})
        answered = []
        for item_id in sub["items"]:
            y = self.scored(row, item_id)
            if y is not None:
                answered.append((weights.get(item_id, 1), y))
        if len(answered) < needed(sub.get("min_answered", 1), len(sub["items"])):
            return None
        total = sum(w * y for w, y in answered)
        if sub.get("score", "mean") == "sum":
            return total
        if sub.get("score") == "prorated_sum":
            return (
                total / sum(w for w, _ in answered) * sum(weights.get(i, 1) for i in sub["items"])
            )
        return total / sum(w for w, _ in answered)

    def subscale_range(self, sub: dict) -> tuple[float, float]:
        ends = [scale_range(self.scales[self.items[i]["scale"]]) for i in sub["items"]]
        weights = [sub.get("weights", {}).get(i, 1) for i in sub["items"]]
        lows = sum(w * lo for w, (lo, _) in zip(weights, ends, strict=True))
        highs = sum(w * hi for w, (_, hi) in zip(weights, ends, strict=True))
        if sub.get("score", "mean") == "mean":
            return lows / sum(weights), highs / sum(weights)
        return lows, highs

    def scores(self, row: dict[str, str]) -> tuple[dict, dict]:
        """Every subscale and composite in file order, and each one's (low, high)."""
        values: dict[str, float | None] = {}
        ranges: dict[str, tuple[float, float]] = {}
        for sub in self.key["subscales"]:
            values[sub["id"]] = self.subscale(row, sub)
            ranges[sub["id"]] = self.subscale_range(sub)
        for comp in self.key.get("composites", []):
            values[comp["id"]], ranges[comp["id"]] = composite(comp, values, ranges)
        return values, ranges

    def flags(self, row: dict[str, str], values: dict) -> dict[str, str]:
        out = {}
        for flag in self.key.get("flags", []):
            when = flag["when"]
            if "at_least" in when:
                bound, reached = when["at_least"], operator.ge
            else:
                bound, reached = when["at_most"], operator.le
            if "score" in when:
                answers = [values[when["score"]]]
            else:
                answers = [self.answer(row, item_id) for item_id in when["items"]]
            if any(x is not None and reached(x, bound) for x in answers):
                out[f"flag_{flag['id']}"] = "true"
            elif all(x is not None for x in answers):
                out[f"flag_{flag['id']}"] = "false"
            else:
                out[f"flag_{flag['id']}"] = ""
        return out


def composite(comp: dict, values: dict, ranges: dict) -> tuple[float | None, tuple]:
    pomp = comp.get("standardized", False) == "pomp"
    used, part_lows, part_highs, weights_all = [], [], [], []
    for part in comp["parts"]:
        weight = part.get("weight", 1)
        low, high = ranges[part["score"]]
        weights_all.append(weight)
        part_lows.append(low)
        part_highs.append(high)
        x = values[part["score"]]
        if x is None:
            if part.get("optional", False):
                continue
            return None, (0.0, 100.0) if pomp else (low, high)
        if pomp:
            u = 100 * (x - low) / (high - low)
            u = 100 - u if part.get("reverse", False) else u
        else:
            u = low + high - x if part.get("reverse", False) else x
        used.append((weight, u))
    if pomp:
        own = (0.0, 100.0)
    else:  # the raw parts' weighted mean range (every part here is on the same range)
        total = sum(weights_all)
        own = (
            sum(w * lo for w, lo in zip(weights_all, part_lows, strict=True)) / total,
            sum(w * hi for w, hi in zip(weights_all, part_highs, strict=True)) / total,
        )
    if comp.get("method", "mean") == "sum":
        return sum(w * u for w, u in used), own
    return sum(w * u for w, u in used) / sum(w for w, _ in used), own


def shown(x: float | None) -> str:
    if x is None:
        return ""
    return str(int(x)) if x == int(x) else repr(x)


def main(ident: str) -> None:
    here = GOLDEN / ident
    key = load_yaml(ident)
    if "relscales_battery" in key:
        members = [Instrument(member) for member in key["instruments"]]
        own_composites = key.get("composites", [])
    else:
        members, own_composites = [Instrument(ident)], []
    with (here / "responses.csv").open(newline="", encoding="utf-8") as stream:
        reader = csv.DictReader(stream)
        id_column = reader.fieldnames[0]
        rows = list(reader)
    table = []
    for row in rows:
        values: dict[str, float | None] = {}
        ranges: dict[str, tuple] = {}
        flags: dict[str, str] = {}
        for member in members:
            own_values, own_ranges = member.scores(row)
            prefix = f"{member.key['id']}."
            values.update(own_values)
            ranges.update({prefix + name: r for name, r in own_ranges.items()})
            values.update({prefix + name: v for name, v in own_values.items()})
            flags.update(member.flags(row, own_values))
        for comp in own_composites:
            values[comp["id"]], ranges[comp["id"]] = composite(comp, values, ranges)
        out = {id_column: row[id_column]}
        out.update({name: shown(v) for name, v in values.items() if "." not in name})
        out.update(flags)
        table.append(out)
    with (here / "expected.csv").open("w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(table[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(table)


if __name__ == "__main__":
    import sys

    main(sys.argv[1])
