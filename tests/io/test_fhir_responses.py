"""FHIR QuestionnaireResponse resources read as response data (relscales.io.fhirresponses)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import relscales
from relscales.errors import DataError

ORDINAL = "http://hl7.org/fhir/StructureDefinition/ordinalValue"


def response(ident: str, answers: dict[str, Any], **extra: Any) -> dict[str, Any]:
    items = []
    for link, value in answers.items():
        if value is None:
            items.append({"linkId": link})  # shown, not answered
        elif isinstance(value, dict):
            items.append({"linkId": link, "answer": [value]})
        else:
            code = {"system": "urn:test", "code": str(value)}
            items.append({"linkId": link, "answer": [{"valueCoding": code}]})
    return {
        "resourceType": "QuestionnaireResponse",
        "id": f"res-{ident}",
        "identifier": {"value": ident},
        "status": "completed",
        "item": [{"linkId": "group", "item": items}],
        **extra,
    }


def rses_answers(rng: np.random.Generator) -> dict[str, Any]:
    return {f"rses{i:02d}": int(rng.integers(1, 5)) for i in range(1, 11)}


@pytest.fixture
def people() -> list[dict[str, Any]]:
    rng = np.random.default_rng(4)
    return [rses_answers(rng) for _ in range(6)]


def csv_scores(tmp_path: Path, people: list[dict[str, Any]]) -> np.ndarray:
    names = list(people[0])
    lines = ["id," + ",".join(names)]
    lines += [f"P{k}," + ",".join(str(p[n]) for n in names) for k, p in enumerate(people)]
    path = tmp_path / "plain.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return np.asarray(relscales.score("rses", path).scores["self_esteem"])


@pytest.mark.parametrize("shape", ["bundle", "list", "ndjson"])
def test_responses_score_as_the_same_answers_in_a_csv(
    tmp_path: Path, people: list[dict[str, Any]], shape: str
) -> None:
    resources = [response(f"P{k}", p) for k, p in enumerate(people)]
    if shape == "bundle":
        entries = [{"resource": r} for r in resources]
        entries.append({"resource": {"resourceType": "Patient", "id": "someone"}})
        path = tmp_path / "bundle.json"
        path.write_text(json.dumps({"resourceType": "Bundle", "entry": entries}), "utf-8")
    elif shape == "list":
        path = tmp_path / "list.json"
        path.write_text(json.dumps(resources), "utf-8")
    else:
        path = tmp_path / "responses.ndjson"
        path.write_text("\n".join(json.dumps(r) for r in resources) + "\n", "utf-8")
    result = relscales.score("rses", path)
    assert result.columns["id"].tolist() == [f"P{k}" for k in range(len(people))]
    expected = csv_scores(tmp_path, people)
    np.testing.assert_array_equal(np.asarray(result.scores["self_esteem"]), expected)


def test_ordinal_values_integers_nested_answers_and_unanswered_items(tmp_path: Path) -> None:
    answers: dict[str, Any] = {f"rses{i:02d}": 3 for i in range(1, 11)}
    answers["rses01"] = {  # the ordinal value wins over the code
        "valueCoding": {"code": "agree", "extension": [{"url": ORDINAL, "valueDecimal": 4}]}
    }
    answers["rses02"] = {"valueInteger": 1}
    answers["rses03"] = None
    resource = response("A", answers)
    resource["item"][0]["item"][4]["answer"][0]["item"] = [
        {"linkId": "note", "answer": [{"valueString": "a comment"}]}
    ]
    path = tmp_path / "one.json"
    path.write_text(json.dumps([resource]), "utf-8")
    result = relscales.score("rses", path)
    plain: dict[str, Any] = {
        k: (4 if k == "rses01" else 1 if k == "rses02" else 3) for k in answers
    }
    plain["rses03"] = None  # shown, not answered: an empty cell
    expected = relscales.score("rses", {k: [v] for k, v in plain.items()})
    # RSES needs all ten answers: an empty cell leaves the score missing in both
    assert np.isnan(result.scores["self_esteem"][0])
    assert np.isnan(expected.scores["self_esteem"][0])
    from relscales.io.fhirresponses import flatten

    (record,), _ = flatten([resource], "one.json")
    assert record["rses01"] == 4  # the ordinal value, not the code "agree"
    assert record["rses02"] == 1
    assert record["rses03"] is None
    assert record["note"] == "a comment"  # an answer's nested item
    assert record["id"] == "A"


def test_two_answers_to_one_item_name_the_response_and_the_item(tmp_path: Path) -> None:
    resource = response("B", {"rses01": 2})
    resource["item"][0]["item"][0]["answer"].append({"valueCoding": {"code": "3"}})
    path = tmp_path / "two.json"
    path.write_text(json.dumps([resource]), "utf-8")
    with pytest.raises(DataError, match=r"'B' has more than one answer to item 'rses01'") as info:
        relscales.score("rses", path)
    assert info.value.issues[0].location.row == 1


def test_resources_without_any_response_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "patients.json"
    path.write_text(json.dumps([{"resourceType": "Patient", "id": "x"}]), "utf-8")
    with pytest.raises(DataError, match="no QuestionnaireResponse"):
        relscales.score("rses", path)
