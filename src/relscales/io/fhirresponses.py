"""FHIR R4 QuestionnaireResponse resources as response data: one row per response.

A Bundle (its ``entry[].resource``), a JSON list of resources, or NDJSON (one resource per
line, as FHIR bulk data exports write them) is read by :mod:`relscales.io.jsonrecords`;
when its records are FHIR resources, :func:`flatten` turns each QuestionnaireResponse into a
record: ``id`` (the response's ``identifier.value``, else its ``id``), ``questionnaire``,
and one column per item, named by the item's ``linkId`` (nested groups and answers' nested
items included; an item without an answer is an empty cell). An answer's value is, in
order: the ordinal value of a coded answer (the ``ordinalValue`` or ``itemWeight``
extension, on the answer or its coding), the coding's ``code``, or ``valueInteger`` /
``valueDecimal`` / ``valueString`` / ``valueBoolean`` / ``valueDate``. Other resources in
a Bundle are counted and left out. An item with more than one answer is an error naming the
response and the item: a questionnaire scored by relscales has one answer per item.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from relscales.errors import DataError, Issue, Location

__all__ = ["flatten", "looks_like_fhir"]

_WEIGHTS = (
    "http://hl7.org/fhir/StructureDefinition/ordinalValue",
    "http://hl7.org/fhir/StructureDefinition/itemWeight",
)
_VALUES = ("valueInteger", "valueDecimal", "valueString", "valueBoolean", "valueDate")


def looks_like_fhir(records: list[Any]) -> bool:
    """Whether the records are FHIR resources (or Bundle entries holding them)."""
    first = next((r for r in records if isinstance(r, dict)), None)
    if first is None:
        return False
    resource = first.get("resource", first)
    return isinstance(resource, dict) and isinstance(resource.get("resourceType"), str)


def _weight(node: dict[str, Any]) -> Any:
    for extension in node.get("extension", ()) or ():
        if isinstance(extension, dict) and extension.get("url") in _WEIGHTS:
            for key in ("valueDecimal", "valueInteger"):
                if key in extension:
                    return extension[key]
    return None


def _value(answer: dict[str, Any]) -> Any:
    weight = _weight(answer)
    if weight is not None:
        return weight
    coding = answer.get("valueCoding")
    if isinstance(coding, dict):
        weight = _weight(coding)
        if weight is not None:
            return weight
        code = coding.get("code")
        if isinstance(code, str):
            try:
                number = float(code)
            except ValueError:
                return code
            return int(number) if number.is_integer() else number
        return code
    for key in _VALUES:
        if key in answer:
            return answer[key]
    return None


def _items(items: Any) -> Iterator[dict[str, Any]]:
    for item in items or ():
        if not isinstance(item, dict):
            continue
        yield item
        yield from _items(item.get("item"))
        for answer in item.get("answer", ()) or ():
            if isinstance(answer, dict):
                yield from _items(answer.get("item"))


def _record(resource: dict[str, Any], number: int, file: str) -> dict[str, Any]:
    identifier = resource.get("identifier")
    if isinstance(identifier, list):  # R5 allows several
        identifier = identifier[0] if identifier else None
    ident = identifier.get("value") if isinstance(identifier, dict) else None
    record: dict[str, Any] = {"id": ident if ident is not None else resource.get("id")}
    if resource.get("questionnaire") is not None:
        record["questionnaire"] = resource["questionnaire"]
    for item in _items(resource.get("item")):
        link = item.get("linkId")
        answers = [a for a in item.get("answer", ()) or () if isinstance(a, dict)]
        if not isinstance(link, str):
            continue
        if not answers:  # shown but not answered: an empty cell
            record.setdefault(link, None)
            continue
        if len(answers) > 1 or record.get(link) is not None:
            raise DataError(
                Issue(
                    "data-unreadable",
                    f"QuestionnaireResponse {record['id']!r} has more than one answer to "
                    f"item {link!r}",
                    Location(file=file, row=number, data_column=link),
                    hint="relscales scores one answer per item: keep one in the response",
                )
            )
        record[link] = _value(answers[0])
    return record


def flatten(records: list[Any], file: str) -> tuple[list[dict[str, Any]], str]:
    """Return one record per QuestionnaireResponse, and a note of what was read.

    Raises
    ------
    DataError
        No QuestionnaireResponse at all, or an item with more than one answer.
    """
    responses: list[dict[str, Any]] = []
    others = 0
    for entry in records:
        resource = entry.get("resource", entry) if isinstance(entry, dict) else None
        if isinstance(resource, dict) and resource.get("resourceType") == "QuestionnaireResponse":
            responses.append(_record(resource, len(responses) + 1, file))
        else:
            others += 1
    if not responses:
        raise DataError(
            Issue(
                "data-unreadable",
                "the FHIR resources hold no QuestionnaireResponse",
                Location(file=file),
                hint="give a Bundle or NDJSON of QuestionnaireResponse resources",
            )
        )
    note = f"{len(responses)} FHIR QuestionnaireResponse resources"
    if others:
        note += f" ({others} other resource{'s' * (others != 1)} left out)"
    return responses, note
