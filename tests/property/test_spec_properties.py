"""Properties of the instrument format.

(a) Any mapping, however broken, either loads or raises RelscalesError whose issues all
    carry a located path: never KeyError, TypeError, AttributeError or a bare pydantic error.
(b) model -> YAML -> model is a round trip with the same content hash.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relscales.errors import ERROR_CODES, RelscalesError
from relscales.instruments.instrument import Instrument
from relscales.instruments.lint import label_key
from relscales.instruments.loader import load_instrument, load_instrument_data
from relscales.labels import normalize_label
from relscales.spec import DOMAINS

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = [
    p
    for p in sorted((ROOT / "instruments").glob("*.yaml"))
    if "relscales_battery" not in p.read_text()  # batteries have tests of their own
]
EXAMPLES = sorted((ROOT / "examples" / "instruments").glob("*.yaml"))

# ------------------------------------------------------------------ strategies

ITEM_ID = st.from_regex(r"[a-z][a-z0-9_]{0,5}", fullmatch=True)
SCORE_ID = st.from_regex(r"[a-z][a-z0-9_.]{0,7}", fullmatch=True)
SCALE_NAME = st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True)
INSTRUMENT_ID = st.from_regex(r"[a-z0-9][a-z0-9-]{0,12}", fullmatch=True)
VERSION = st.from_regex(r"[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{1,2}(-rc[0-9])?", fullmatch=True)
# Control characters (C0, C1, DEL, bidi controls, line separators) are refused in every
# text (`control-character`); line breaks and tabs in one-line texts too.
UNSAFE_CHARS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029"
TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cc",), exclude_characters=UNSAFE_CHARS),
    min_size=1,
    max_size=24,
)
FINITE = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
POSITIVE = st.floats(0.01, 1e3, allow_nan=False, allow_infinity=False)
FRACTION = st.floats(0.01, 1.0, allow_nan=False, exclude_min=False)


@st.composite
def response_scales(draw: st.DrawFn) -> dict[str, Any]:
    names = draw(st.lists(SCALE_NAME, min_size=1, max_size=3, unique=True))
    scales: dict[str, Any] = {}
    for name in names:
        codes = sorted(draw(st.sets(st.integers(-3, 10), min_size=1, max_size=7)))
        halves = draw(st.booleans())
        values: list[Any] = [code / 2 for code in codes] if halves else list(codes)
        scale: dict[str, Any] = {"values": values}
        labelled = draw(st.lists(st.sampled_from(values), unique=True, max_size=len(values)))
        if labelled:
            # two values of a scale never read alike (ambiguous-label)
            texts = draw(
                st.lists(
                    TEXT,
                    min_size=len(labelled),
                    max_size=len(labelled),
                    unique_by=(label_key, normalize_label),
                )
            )
            scale["labels"] = dict(zip(labelled, texts, strict=True))
        missing = draw(st.lists(st.sampled_from([-99, -9, 99, 999.5]), unique=True, max_size=2))
        if missing:
            scale["missing_codes"] = missing
        scales[name] = scale
    return scales


@st.composite
def bands(draw: st.DrawFn) -> list[dict[str, Any]]:
    bounds = sorted(draw(st.sets(FINITE, max_size=3)))
    out: list[dict[str, Any]] = [{"below": b, "label": draw(TEXT)} for b in bounds]
    out.append({"label": draw(TEXT)})
    return out


@st.composite
def norms(draw: st.DrawFn) -> list[dict[str, Any]]:
    groups = draw(st.lists(TEXT, unique=True, max_size=2))
    out = []
    for group in groups:
        norm: dict[str, Any] = {"group": group, "mean": draw(FINITE), "sd": draw(POSITIVE)}
        if draw(st.booleans()):
            norm["n"] = draw(st.integers(1, 10_000))
        if draw(st.booleans()):
            scores = sorted(draw(st.sets(st.integers(0, 40), min_size=1, max_size=4)))
            ranks = sorted(
                draw(st.lists(st.floats(0, 100), min_size=len(scores), max_size=len(scores)))
            )
            norm["percentiles"] = [
                {"score": s, "percentile": p} for s, p in zip(scores, ranks, strict=True)
            ]
        out.append(norm)
    return out


@st.composite
def instruments(draw: st.DrawFn) -> dict[str, Any]:
    """A valid instrument mapping, as a YAML file would hold it."""
    scales = draw(response_scales())
    included = draw(st.booleans())
    item_ids = draw(st.lists(ITEM_ID, min_size=1, max_size=8, unique=True))
    # labels tell items apart, ignoring case and spacing (duplicate-label)
    n = len(item_ids)
    labels = draw(st.lists(TEXT, min_size=n, max_size=n, unique_by=normalize_label))
    items = []
    for item_id, label in zip(item_ids, labels, strict=True):
        scale = draw(st.sampled_from(sorted(scales)))
        entry: dict[str, Any] = {"id": item_id, "label": label, "scale": scale}
        if len(scales[scale]["values"]) > 1 and draw(st.booleans()):
            entry["reverse"] = True
        if draw(st.booleans()):
            entry["column"] = "Q_" + item_id  # ids are lower case, so no clash
        if included:
            entry["text"] = {"en": draw(TEXT)}
        items.append(entry)
    score_ids = draw(st.lists(SCORE_ID, min_size=1, max_size=5, unique=True))
    n_subscales = draw(st.integers(1, len(score_ids)))
    subscales = []
    for score_id in score_ids[:n_subscales]:
        members = draw(st.lists(st.sampled_from(item_ids), min_size=1, unique=True))
        sub: dict[str, Any] = {"id": score_id, "name": draw(TEXT), "items": members}
        if draw(st.booleans()):
            sub["score"] = draw(st.sampled_from(["mean", "sum", "prorated_sum"]))
        if draw(st.booleans()):
            sub["min_answered"] = draw(st.integers(1, len(members)) | FRACTION)
        if draw(st.booleans()):
            sub["weights"] = {m: draw(POSITIVE) for m in members}
        if draw(st.booleans()):
            sub["tags"] = draw(st.lists(TEXT, max_size=2))
        if draw(st.booleans()):
            sub["published"] = {"alpha": draw(FRACTION), "n": draw(st.integers(1, 5000))}
        if draw(st.booleans()):
            sub["bands"] = draw(bands())
        sub["norms"] = draw(norms())
        subscales.append(sub)
    data: dict[str, Any] = {
        "relscales": 1,
        "id": draw(INSTRUMENT_ID),
        "version": draw(VERSION),
        "name": draw(TEXT),
        "domain": draw(st.sampled_from(DOMAINS)),
        "license": {"name": draw(TEXT), "item_text": "included" if included else "not-included"},
        "validation": {
            "status": draw(st.sampled_from(["published", "provisional", "experimental"]))
        },
        "response_scales": scales,
        "items": items,
        "subscales": subscales,
    }
    for key in ("abbreviation", "description", "citation", "doi", "url"):
        if draw(st.booleans()):
            data[key] = draw(TEXT)
    if draw(st.booleans()):
        data["instructions"] = {"en": draw(TEXT)}
    if draw(st.booleans()):
        data["validation"]["evidence"] = [{"source": draw(TEXT), "n": draw(st.integers(1, 99))}]
    known = [s["id"] for s in subscales]
    composites = []
    for score_id in score_ids[n_subscales:]:
        parts = draw(st.lists(st.sampled_from(known), min_size=1, max_size=3, unique=True))
        composites.append(
            {
                "id": score_id,
                "name": draw(TEXT),
                "parts": [{"score": p, "weight": draw(POSITIVE)} for p in parts],
                "method": draw(st.sampled_from(["mean", "sum"])),
            }
        )
        known.append(score_id)
    if composites:
        data["composites"] = composites
    if draw(st.booleans()):
        data["profiles"] = [
            {
                "id": "profile",
                "name": draw(TEXT),
                "x": {"score": draw(st.sampled_from(known)), "cut": draw(FINITE)},
                "y": {"score": draw(st.sampled_from(known)), "cut": draw(FINITE)},
                "regions": {"low-low": "a", "low-high": "b", "high-low": "c", "high-high": "d"},
            }
        ]
    if draw(st.booleans()):
        data["flags"] = [
            {
                "id": "flag",
                "when": {
                    "items": draw(st.lists(st.sampled_from(item_ids), min_size=1, unique=True)),
                    "at_least": draw(FINITE),
                },
                "severity": draw(st.sampled_from(["info", "concern", "urgent"])),
                "message": {"en": draw(TEXT)},
                "resources": {"default": [{"name": draw(TEXT), "url": draw(TEXT)}]},
            }
        ]
    return data


def _containers(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths of every mapping and list inside ``data`` (the root included)."""
    out = []
    if isinstance(data, dict | list):
        out.append(path)
        children = data.items() if isinstance(data, dict) else enumerate(data)
        for key, value in children:
            out += _containers(value, (*path, key))
    return out


def _at(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


WRONG = st.one_of(
    st.booleans(),
    st.none(),
    st.integers(-(2**70), 2**70),
    st.floats(),  # nan and inf included
    st.text(max_size=8),
    st.sampled_from(["yes", "010", "1e3", "", " ", "q1", "agree", "-1"]),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)
UNKNOWN_KEYS = st.sampled_from(["nmae", "itmes", "Id", "reversed", "scales", "", 1, True, 2.5])
REFERENCES = [
    ("subscales", 0, "items", 0),
    ("items", 0, "scale"),
    ("composites", 0, "parts", 0, "score"),
    ("profiles", 0, "x", "score"),
    ("flags", 0, "when", "items", 0),
    ("extends",),
]


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    """A mostly valid mapping with one to four things broken."""
    data = copy.deepcopy(draw(instruments()))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["drop", "unknown", "retype", "reference", "duplicate"]))
        containers = _containers(data)[::-1]  # Hypothesis favours the first: the deepest
        path = draw(st.sampled_from(containers))
        node = _at(data, path)
        if kind == "drop" and isinstance(node, dict) and node:
            del node[draw(st.sampled_from(list(node)))]
        elif kind == "drop" and isinstance(node, list) and node:
            del node[draw(st.integers(0, len(node) - 1))]
        elif kind == "unknown" and isinstance(node, dict):
            node[draw(UNKNOWN_KEYS)] = draw(WRONG)
        elif kind == "retype" and path:
            parent, key = _at(data, path[:-1]), path[-1]
            parent[key] = draw(WRONG)
        elif kind == "retype" and isinstance(node, dict) and node:
            node[draw(st.sampled_from(list(node)))] = draw(WRONG)
        elif kind == "reference":
            target = draw(st.sampled_from(REFERENCES))
            try:
                parent = _at(data, target[:-1])
                parent[target[-1]] = draw(
                    st.sampled_from(["q1", "nope", "rses", "no/such.yaml", 3]) | ITEM_ID
                )
            except (KeyError, IndexError, TypeError):
                pass
        elif kind == "duplicate" and isinstance(node, list) and node:
            node.append(copy.deepcopy(node[0]))
    if draw(st.integers(0, 9)):
        data["relscales"] = 1  # a bad format version hides every other problem; keep it rare
    return data


# ------------------------------------------------------------------ properties


def _check_loads_or_locates(data: dict[str, Any]) -> Instrument | None:
    """Load, or check the error; anything but RelscalesError propagates and fails the test."""
    try:
        return load_instrument_data(data)
    except RelscalesError as exc:
        error = exc
    assert error.issues
    for issue in error.issues:
        assert issue.code in ERROR_CODES
        assert issue.location.path, issue.render()
        assert issue.message
        json.dumps(issue.to_dict())
    return None


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated())
def test_broken_mappings_load_or_raise_located_errors(data: dict[str, Any]) -> None:
    _check_loads_or_locates(data)


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(instruments())
def test_generated_instruments_are_valid(data: dict[str, Any]) -> None:
    inst = load_instrument_data(data)
    assert inst.id == data["id"]
    assert [item.id for item in inst.items] == [item["id"] for item in data["items"]]


def _round_trip(inst: Instrument, folder: Path) -> Instrument:
    path = folder / f"{inst.id}.yaml"
    path.write_text(yaml.safe_dump(inst.spec.to_data(), sort_keys=False), encoding="utf-8")
    return load_instrument(path)


@pytest.mark.parametrize("path", BUNDLED + EXAMPLES, ids=[p.stem for p in BUNDLED + EXAMPLES])
def test_bundled_round_trip(path: Path, tmp_path: Path) -> None:
    inst = load_instrument(path)
    again = _round_trip(inst, tmp_path)
    assert again.spec == inst.spec
    assert again.content_hash == inst.content_hash
    assert again.spec.to_data() == inst.spec.to_data()


@settings(
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ]
)
@given(instruments())
def test_generated_round_trip(tmp_path: Path, data: dict[str, Any]) -> None:
    inst = load_instrument_data(data)
    again = _round_trip(inst, tmp_path)
    assert again.spec == inst.spec
    assert again.content_hash == inst.content_hash


def test_min_answered_fraction_one_survives_the_round_trip(tmp_path: Path) -> None:
    """`min_answered: 1.0` (every item) equals the default 1 (one item) but scores otherwise."""
    data = yaml.safe_load((ROOT / "tests" / "data" / "spec" / "valid.yaml").read_text())
    default = load_instrument_data(data)
    data["subscales"][0]["min_answered"] = 1.0
    every = load_instrument_data(data)
    again = _round_trip(every, tmp_path)
    assert type(again.subscales[0].min_answered) is float
    assert again.content_hash == every.content_hash != default.content_hash


# ------------------------------------------------------- unsafe and ambiguous text

INVISIBLE = st.sampled_from(["\u200b", "\u200c", "\u200d", "\u00ad", "\u2060", "\ufeff"])
HOMOGLYPHS = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "A": "А", "O": "Ο"}


def _texts(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths of every text value in ``data``."""
    if isinstance(data, str):
        return [path]
    children = (
        data.items()
        if isinstance(data, dict)
        else enumerate(data)
        if isinstance(data, list)
        else []
    )
    return [p for key, value in children for p in _texts(value, (*path, key))]


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(instruments(), st.data())
def test_a_control_character_in_any_text_is_refused_at_its_path(
    data: dict[str, Any], draw: st.DataObject
) -> None:
    path = draw.draw(st.sampled_from(_texts(data)))
    char = draw.draw(st.sampled_from(["\x1b", "\x07", "\x9b", "\x9d", "\u202e", "\u2066"]))
    parent = _at(data, path[:-1])
    text = parent[path[-1]]
    cut = draw.draw(st.integers(0, len(text)))
    parent[path[-1]] = text[:cut] + char + text[cut:]
    with pytest.raises(RelscalesError) as info:
        load_instrument_data(data)
    found = [i for i in info.value.issues if i.code == "control-character"]
    assert found, path
    assert f"U+{ord(char):04X}" in found[0].message
    assert all(char not in issue.message for issue in info.value.issues)  # never printed raw


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(instruments(), st.data())
def test_a_label_that_only_looks_like_another_is_refused(
    data: dict[str, Any], draw: st.DataObject
) -> None:
    scales = [s for s in data["response_scales"].values() if len(s["values"]) > 1]
    if not scales:
        return
    scale = draw.draw(st.sampled_from(scales))
    first, second = draw.draw(
        st.lists(st.sampled_from(scale["values"]), min_size=2, max_size=2, unique=True)
    )
    label = draw.draw(st.sampled_from(["Agree", "Strongly agree", "Never", "Often"]))
    how = draw.draw(st.sampled_from(["same", "invisible", "homoglyph", "case", "fullwidth"]))
    twin = label
    if how == "invisible":
        cut = draw.draw(st.integers(0, len(label)))
        twin = label[:cut] + draw.draw(INVISIBLE) + label[cut:]
    elif how == "homoglyph":
        twin = "".join(HOMOGLYPHS.get(c, c) for c in label)
    elif how == "case":
        twin = " " + label.upper() + "  "
    elif how == "fullwidth":
        twin = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in label)
    labels = dict(scale.get("labels", {}))
    labels[first], labels[second] = label, twin
    scale["labels"] = labels
    with pytest.raises(RelscalesError) as info:
        load_instrument_data(data)
    assert "ambiguous-label" in [i.code for i in info.value.issues], (how, label, twin)
