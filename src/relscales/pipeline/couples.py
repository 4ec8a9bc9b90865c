"""Couples (``relscales couples``): both partners' scores side by side, and agreement.

The data come as one source with a **couple column** (and optionally a **role column**), or
as **one source per partner** (the first file is partner 1). Every row is scored once
(:mod:`relscales.pipeline.linked`); rows are grouped by couple and put in role order (else
data order). Linkage problems (a couple with one member or three, two partners with the
same role, a person in two couples) are reported with their rows; no couple is dropped.

Per couple and score: both partners' scores, the couple mean, the difference and whether it
is larger than measurement error (:func:`relscales.dyadic.reliable_discrepancy`, from both
partners' standard errors). Per score across the study: Kenny's test of nonindependence,
the pairwise intraclass correlation and, with roles, distinguishability.

Privacy: this is the clinician's view of a couple. Nothing here feeds a partner's own
report, which is built from that partner's row alone.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from statistics import NormalDist
from typing import Any

import numpy as np
from numpy.typing import NDArray

from relscales.dyadic import (
    distinguishability,
    nonindependence,
    pairwise_icc,
    pairwise_layout,
    reliable_discrepancy,
)
from relscales.errors import DataError, Issue, Location, RelscalesError
from relscales.io.sources import open_source
from relscales.linked_results import CoupleResult, CoupleScore
from relscales.pipeline.linked import (
    LinkedPart,
    LinkedRows,
    codes_of,
    describe_scores,
    flag_columns,
    instrument_notes,
    join_parts,
    linkage_warning,
    rows_text,
    score_part,
    source_label,
    take_rows,
)
from relscales.pipeline.score import InstrumentRef, in_python_terms, resolve_refs
from relscales.scoring.options import ScoreOptions

__all__ = ["couples", "pairwise_table"]


def couples(
    instrument: InstrumentRef | Sequence[InstrumentRef],
    data: Any,
    *,
    couple_column: str,
    role_column: str | None = None,
    roles: Sequence[str] = (),
    id_column: str | None = None,
    confidence_level: float = 0.95,
    reliability: Mapping[str, float] | None = None,
    column_map: Mapping[str, str] | None = None,
    instruments_dir: Sequence[str | os.PathLike[str]] = (),
    lang: str = "en",
    locale: str = "en-US",
) -> CoupleResult:
    """Put both partners of each couple side by side, and measure agreement within couples.

    Parameters
    ----------
    instrument
        A bundled id, YAML path or loaded instrument, or a list of them (scored together).
    data
        One source with a couple column, or a list of two sources, one per partner (the
        first file is partner 1; its role is its file name unless ``roles`` names it).
    couple_column
        The column holding each row's couple id.
    role_column
        The column holding each partner's role (two distinct values across the study, for
        example ``A``/``B`` or ``woman``/``man``): partners are then distinguishable and
        put in role order. Without it partners are exchangeable, in data order.
    roles
        The two roles in the order wanted (default: order of first appearance).
    id_column
        The person id column: used to find a person listed in two couples.
    confidence_level
        Level of the reliable discrepancy test and the intervals.
    reliability
        Score -> reliability, overriding the declared one (for the standard errors).
    column_map
        Data column -> item id.
    instruments_dir
        Extra folders to search for instrument ids.
    lang, locale
        Language of flag messages; locale of their resources.

    Returns
    -------
    CoupleResult
        One row per couple (``columns``), each score's study statistics, safety per couple.
    """
    try:
        refs: list[InstrumentRef] = (
            list(instrument) if isinstance(instrument, list | tuple) else [instrument]  # type: ignore[list-item]
        )
        compiled, battery = resolve_refs(refs, instruments_dir)
        options = ScoreOptions(
            id_column=id_column,
            column_map=dict(column_map or {}),
            confidence_level=confidence_level,
            reliability=dict(reliability or {}),
            details=True,
        )
        sources = list(data) if isinstance(data, list | tuple) else [data]
        parts: list[LinkedPart] = []
        if len(sources) > 2:
            raise _usage(
                f"{len(sources)} data files: couples take one file, or one per partner (two)",
                "give one file with --couple-column, or two files (partner 1, partner 2)",
            )
        if len(sources) == 2:
            if role_column is not None:
                raise _usage(
                    "with one file per partner, each file is a role; --role-column is for one "
                    "file holding both partners",
                    "drop --role-column, or give one file",
                )
            labels = list(roles) or [source_label(s, k, "partner") for k, s in enumerate(sources)]
            if len(labels) != 2 or labels[0] == labels[1]:
                raise _usage(
                    "two partner files need two different role names",
                    "give --roles NAME1,NAME2 (partner 1's file first)",
                )
            for label, item in zip(labels, sources, strict=True):
                source = open_source(item)
                parts.append(
                    score_part(
                        compiled,
                        battery,
                        source,
                        options,
                        carry=[couple_column],
                        linked=True,
                        label=label,
                    )
                )
            role_key: str | None = "label"
        else:
            source = open_source(sources[0])
            carry = [couple_column, *([role_column] if role_column else [])]
            parts.append(score_part(compiled, battery, source, options, carry=carry, linked=True))
            role_key = role_column
        return _pair(parts, couple_column, role_key, tuple(roles), confidence_level, lang, locale)
    except RelscalesError as exc:
        raise in_python_terms(exc) from None


def _usage(message: str, hint: str) -> DataError:
    return DataError(Issue("invalid-option", message, hint=hint))


def _pair(
    parts: list[LinkedPart],
    couple_column: str,
    role_key: str | None,
    wanted_roles: tuple[str, ...],
    level: float,
    lang: str,
    locale: str,
) -> CoupleResult:
    rows = join_parts(parts)
    source = parts[0].source.name
    warnings: list[Issue] = [w for p in parts for w in p.warnings]
    ccode, clabels = codes_of(rows.carried[couple_column])
    roles: tuple[str, str] | None = None
    rrank = np.zeros(rows.n, dtype=np.int64)
    if role_key is not None:
        rcode, rlabels = codes_of(rows.carried[role_key])
        found = [str(v) for v in rlabels.tolist()]
        order = list(wanted_roles) or found
        unnamed = [r for r in found if wanted_roles and r not in wanted_roles]
        if len(found) > 2 or (wanted_roles and len(wanted_roles) != 2) or unnamed:
            raise DataError(
                Issue(
                    "couple-roles",
                    f"the role column '{role_key}' holds {len(found)} different roles "
                    f"({', '.join(found[:6])}); partners need two"
                    + (f", and --roles names {len(wanted_roles)}" if wanted_roles else "")
                    + (f" (not '{unnamed[0]}')" if unnamed else ""),
                    Location(file=source, data_column=role_key),
                    hint="use two role values across the study (for example A and B), or "
                    "leave out --role-column to treat partners as exchangeable",
                )
            )
        if len(order) < 2:
            order = [*order, *(["(other)"] if len(order) == 1 else ["1", "2"])][:2]
        roles = (order[0], order[1])
        rank_of = np.array([order.index(r) if r in order else 2 for r in found], dtype=np.int64)
        rrank = np.where(rcode >= 0, rank_of[np.maximum(rcode, 0)] if len(found) else 2, 2)
        no_role = np.flatnonzero((rcode < 0) & (ccode >= 0))
        if len(no_role):
            warnings.append(
                linkage_warning(
                    "couple-row-without-role",
                    f"{len(no_role)} row{'s' * (len(no_role) != 1)} without a role: "
                    f"{rows_text(rows, no_role)}",
                    source,
                    f"fill in the '{role_key}' column of every row",
                )
            )
    no_couple = np.flatnonzero(ccode < 0)
    if len(no_couple):
        warnings.append(
            linkage_warning(
                "couple-row-without-couple",
                f"{len(no_couple)} row{'s' * (len(no_couple) != 1)} without a couple id "
                f"cannot be paired and {'are' if len(no_couple) != 1 else 'is'} left out of "
                f"the couples: {rows_text(rows, no_couple)}",
                source,
                f"fill in the '{couple_column}' column of every row",
            )
        )
    valid = np.flatnonzero(ccode >= 0)
    order_rows = valid[np.lexsort((valid, rrank[valid], ccode[valid]))]
    cof = ccode[order_rows]
    n_couples = len(clabels)
    starts = np.searchsorted(cof, np.arange(n_couples))
    counts = np.bincount(cof, minlength=n_couples) if len(cof) else np.zeros(n_couples, np.int64)
    notes = np.full(n_couples, "", dtype=object)
    slot1 = np.full(n_couples, -1, dtype=np.int64)
    slot2 = np.full(n_couples, -1, dtype=np.int64)
    two = counts == 2
    slot1[two] = order_rows[starts[two]]
    slot2[two] = order_rows[starts[two] + 1]
    if roles is not None:  # the second role's partner beside one without a role: keep its place
        swap = two & (rrank[np.maximum(slot1, 0)] == 1) & (rrank[np.maximum(slot2, 0)] == 2)
        slot1[swap], slot2[swap] = slot2[swap], slot1[swap]  # fancy indexing copies
    one = counts == 1
    only = order_rows[starts[one]]
    if roles is not None:
        second = rrank[only] == 1
        slot1[np.flatnonzero(one)[~second]] = only[~second]
        slot2[np.flatnonzero(one)[second]] = only[second]
    else:
        slot1[one] = only
    if one.any():
        notes[one] = "one partner only"
        warnings.append(
            linkage_warning(
                "couple-one-member",
                f"{int(one.sum())} couple{'s' * (int(one.sum()) != 1)} "
                f"{'have' if int(one.sum()) != 1 else 'has'} one partner's answers only: "
                f"{_couples_text(clabels, np.flatnonzero(one))}",
                source,
                "check the couple ids; the couple is kept with the other partner empty",
            )
        )
    many = counts > 2
    if many.any():
        notes[many] = "more than two rows: not paired"
        many_rows = order_rows[np.isin(cof, np.flatnonzero(many))]
        warnings.append(
            linkage_warning(
                "couple-too-many-members",
                f"{int(many.sum())} couple id{'s' * (int(many.sum()) != 1)} "
                f"{'have' if int(many.sum()) != 1 else 'has'} more than two rows, so "
                f"{'they are' if int(many.sum()) != 1 else 'it is'} not paired: "
                f"{rows_text(rows, many_rows)}",
                source,
                "give each couple exactly two rows (one per partner)",
            )
        )
    if roles is not None:
        rank1, rank2 = rrank[np.maximum(slot1, 0)], rrank[np.maximum(slot2, 0)]
        same = two & (rank1 == rank2) & (rank1 < 2)
        if same.any():
            notes[same] = "both partners have the same role: in data order"
            warnings.append(
                linkage_warning(
                    "couple-same-role",
                    f"{int(same.sum())} couple{'s' * (int(same.sum()) != 1)} "
                    f"{'have' if int(same.sum()) != 1 else 'has'} two partners with the same "
                    f"role: {_couples_text(clabels, np.flatnonzero(same))}",
                    source,
                    f"give the two partners of a couple different roles ({' and '.join(roles)})",
                )
            )
    _check_people(rows, ccode, clabels, notes, warnings, source)
    columns: dict[str, NDArray[Any]] = {couple_column: clabels.astype(object)}
    if roles is not None and role_key is not None:
        role_of_row = np.where(rcode >= 0, rlabels.astype(object)[np.maximum(rcode, 0)], "")
        columns["role_1"] = _take_obj(role_of_row, slot1)
        columns["role_2"] = _take_obj(role_of_row, slot2)
    scores: list[CoupleScore] = []
    for name, described in describe_scores(parts).items():
        info = described.info
        x1 = take_rows(rows.scores[name], slot1)
        x2 = take_rows(rows.scores[name], slot2)
        se1 = take_rows(rows.se.get(name, np.full(rows.n, np.nan)), slot1)
        se2 = take_rows(rows.se.get(name, np.full(rows.n, np.nan)), slot2)
        reliable = np.empty(n_couples, dtype=object)
        reliable[:] = None
        if n_couples:
            gap = reliable_discrepancy(x1, x2, se1, se2, confidence_level=level)
            reliable[gap.code == 1] = True
            reliable[gap.code == 0] = False
            critical = float(gap.critical)
        else:  # a header without rows: no couple to compare
            critical = NormalDist().inv_cdf(0.5 + level / 2)
        columns[f"{name}_1"] = x1
        columns[f"{name}_2"] = x2
        columns[f"{name}_mean"] = (x1 + x2) / 2
        columns[f"{name}_diff"] = x1 - x2
        columns[f"{name}_diff_reliable"] = reliable
        scores.append(
            CoupleScore(
                column=name,
                owner=described.owner,
                score=described.score,
                name=info.name,
                low=float(info.low),
                high=float(info.high),
                critical=critical,
                nonindependence=_safely(
                    lambda x1=x1, x2=x2: nonindependence(
                        x1, x2, distinguishable=roles is not None, confidence_level=level
                    )
                ),
                pairwise=_safely(lambda x1=x1, x2=x2: pairwise_icc(x1, x2)),
                distinguishability=(
                    _safely(lambda x1=x1, x2=x2: distinguishability(x1, x2))
                    if roles is not None
                    else None
                ),
                tags=described.tags,
            )
        )
    flags = flag_columns(parts, lang, locale)
    partner_flags = {
        f.column: (_take_bool(rows.flags[f.column], slot1), _take_bool(rows.flags[f.column], slot2))
        for f in flags
        if f.column in rows.flags
    }
    safety = np.zeros(n_couples, dtype=np.bool_)
    safety_flags = [f for f in flags if f.kind == "safety"]
    if safety_flags:
        s1 = np.zeros(n_couples, dtype=np.bool_)
        s2 = np.zeros(n_couples, dtype=np.bool_)
        for flag in safety_flags:
            a, b = partner_flags[flag.column]
            s1 |= a
            s2 |= b
        safety = s1 | s2
        columns["safety_flag_1"] = _flag_cells(s1, slot1)
        columns["safety_flag_2"] = _flag_cells(s2, slot2)
    columns["note"] = notes
    for values in columns.values():
        if values.dtype == object:
            values[values == ""] = None
    readings = {
        name: (_take_obj(values, slot1), _take_obj(values, slot2))
        for name, values in rows.readings.items()
    }
    rows_out = np.stack([_row_numbers(rows, slot1), _row_numbers(rows, slot2)], axis=1)
    return CoupleResult(
        columns=columns,
        couple_column=couple_column,
        couples=clabels.astype(object),
        roles=roles,
        scores=tuple(scores),
        safety=safety,
        readings=readings,
        partner_rows=rows_out,
        warnings=tuple(warnings),
        problem_count=sum(p.problem_count for p in parts),
        metadata=_metadata(parts, couple_column, role_key, roles, level, warnings),
        flags=flags,
        partner_flags=partner_flags,
        instruments=instrument_notes(parts),
    )


def _safely(compute: Any) -> Any:
    """Return a study statistic, or ``None`` when the data cannot give it (too few couples)."""
    try:
        return compute()
    except ValueError:
        return None


def _couples_text(labels: NDArray[Any], which: NDArray[np.int64]) -> str:
    shown = ", ".join(str(labels[k]) for k in which[:5].tolist())
    return shown + (f" and {len(which) - 5} more" if len(which) > 5 else "")


def _check_people(
    rows: LinkedRows,
    ccode: NDArray[np.int64],
    clabels: NDArray[Any],
    notes: NDArray[Any],
    warnings: list[Issue],
    source: str,
) -> None:
    """Warn about a person (by id) listed in two couples; note it on both couples."""
    if rows.ids is None:
        return
    pid, _ = codes_of(rows.ids)
    ok = np.flatnonzero((pid >= 0) & (ccode >= 0))
    if len(ok) < 2:
        return
    order = ok[np.lexsort((ccode[ok], pid[ok]))]
    p, c = pid[order], ccode[order]
    clash = np.flatnonzero((p[1:] == p[:-1]) & (c[1:] != c[:-1]))
    if not len(clash):
        return
    clash_rows = np.unique(np.concatenate([order[clash], order[clash + 1]]))
    involved = np.unique(ccode[clash_rows])
    notes[involved] = np.where(
        notes[involved] == "",
        "a partner is also in another couple",
        notes[involved] + "; a partner is also in another couple",
    )
    warnings.append(
        linkage_warning(
            "couple-person-in-two",
            f"{len(np.unique(p[clash]))} person id{'s' * (len(np.unique(p[clash])) != 1)} "
            f"{'are' if len(np.unique(p[clash])) != 1 else 'is'} in more than one couple: "
            f"{rows_text(rows, clash_rows)}",
            source,
            "check the couple ids: each person belongs to one couple",
        )
    )


def _take_bool(values: NDArray[np.bool_], slots: NDArray[np.int64]) -> NDArray[np.bool_]:
    if len(values) == 0:
        return np.zeros(len(slots), dtype=np.bool_)
    return np.asarray((slots >= 0) & values[np.maximum(slots, 0)], dtype=np.bool_)


def _take_obj(values: NDArray[Any], slots: NDArray[np.int64]) -> NDArray[Any]:
    out = np.empty(len(slots), dtype=object)
    out[:] = None
    ok = slots >= 0
    out[ok] = values[slots[ok]]
    return out


def _flag_cells(raised: NDArray[np.bool_], slots: NDArray[np.int64]) -> NDArray[Any]:
    out = np.empty(len(slots), dtype=object)
    out[:] = None
    ok = slots >= 0
    out[ok] = raised[ok]
    return out


def _row_numbers(rows: LinkedRows, slots: NDArray[np.int64]) -> NDArray[np.int64]:
    if rows.n == 0:
        return np.zeros(len(slots), dtype=np.int64)
    return np.where(slots >= 0, rows.row[np.maximum(slots, 0)], 0)


def pairwise_table(result: CoupleResult) -> dict[str, NDArray[Any]]:
    """Return the pairwise (double-entry) layout of a couples result, for APIM software.

    Two rows per couple, each partner once as the actor: ``couple``, ``partner`` (1 or 2),
    ``role`` (with roles), then each score as ``<score>_A`` (the actor's) and ``<score>_P``
    (the partner's). Only couples with both partners are included.
    """
    both = result.partner_rows.min(axis=1) > 0 if result.n_couples else np.zeros(0, bool)
    couple = np.concatenate([result.couples[both], result.couples[both]])
    member = np.repeat(np.array([0, 1], dtype=np.int64), int(both.sum()))
    columns = {
        s.column: np.concatenate(
            [result.columns[f"{s.column}_1"][both], result.columns[f"{s.column}_2"][both]]
        )
        for s in result.scores
    }
    table = pairwise_layout(columns, couple=couple, member=member)
    out: dict[str, NDArray[Any]] = {}
    for name, values in table.items():
        out[name] = values
    if result.roles is not None and "member" in out:
        out["role"] = np.where(out["member"] == 0, result.roles[0], result.roles[1]).astype(object)
    return out


def _metadata(
    parts: list[LinkedPart],
    couple_column: str,
    role_key: str | None,
    roles: tuple[str, str] | None,
    level: float,
    warnings: list[Issue],
) -> dict[str, Any]:
    first = parts[0].metadata
    return {
        "relscales_version": first.get("relscales_version"),
        "created": first.get("created"),
        "command": "couples",
        "contains": "both partners' scores, readings and safety flags per couple; no item "
        "answers. For the clinician or researcher: not to be shown to either partner.",
        "inputs": [p.metadata.get("input") for p in parts],
        "n_rows": sum(p.n_rows for p in parts),
        "couple_column": couple_column,
        "role_column": role_key if role_key != "label" else None,
        "roles": list(roles) if roles else None,
        "instruments": [p.metadata.get("instruments") for p in parts],
        "confidence_level": level,
        "problems": [p.metadata.get("problems") for p in parts],
        "warnings": [w.to_dict() for w in warnings],
    }
