"""The two-axis reading views of one respondent in a person report.

:class:`PersonReadings` turns each profile an instrument or battery declares into a
:class:`~relscales.reports.views.ReadingView`: the region, both axes (judged on the mean,
or marker by marker), what the reading says in plain words, and its chart. A raised flag
that governs a reading makes it ``safety-first``: no region, no axes, no chart.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from relscales.reports import charts, wording
from relscales.reports.explain import marker_level
from relscales.reports.views import AxisView, Flag, MarkerView, ReadingView

if TYPE_CHECKING:
    from relscales.reports.person_scores import PersonScores
    from relscales.scoring.compile import (
        CompiledComposite,
        CompiledInstrument,
        CompiledProfile,
        ScoreInfo,
    )

__all__ = ["PersonReadings"]


def _lower_first(name: str) -> str:
    """``Global self-esteem`` -> ``global self-esteem`` (``ECR anxiety`` stays)."""
    return name[:1].lower() + name[1:] if name[1:2].islower() else name


class PersonReadings:
    """Builds the reading views of one respondent, from the views of their scores."""

    def __init__(self, scores: PersonScores, flags: Mapping[tuple[str, str], Flag]) -> None:
        self.scores = scores
        self.flags = flags
        """Flag views by (instrument, flag id), for the flags that govern readings."""

    def _axis_score(
        self, owner: CompiledInstrument | None, index: int
    ) -> tuple[str, str, ScoreInfo]:
        """Return (column, details key, info) of a profile axis."""
        if owner is not None:
            info = owner.scores[index]
            column = self.scores.column_of.get((owner.id, info.id), info.id)
            return column, column, info
        battery = self.scores.battery
        assert battery is not None
        name, info = battery.names[index], battery.scores[index]
        own = self.scores.result.layout.score_column(battery.id, name)
        if own is not None:
            return own, name, info
        inst, _, score = name.partition(".")
        return self.scores.column_of.get((inst, score), score), name, info

    def composite_of(
        self, owner: CompiledInstrument | None, index: int
    ) -> tuple[CompiledComposite, CompiledInstrument | None] | None:
        """Return the composite at a score index (and the owner its parts index into)."""
        if owner is not None:
            n_sub = len(owner.methods)
            return (owner.composites[index - n_sub], owner) if index >= n_sub else None
        battery = self.scores.battery
        assert battery is not None
        n_member = len(battery.scores) - len(battery.composites)
        if index >= n_member:
            return battery.composites[index - n_member], None
        inst, _, score = battery.names[index].partition(".")
        member = next((m for m in battery.members if m.id == inst), None)
        if member is None or score not in member.score_ids:
            return None
        return self.composite_of(member, member.score_ids.index(score))

    def _parts(
        self, owner: CompiledInstrument | None, index: int
    ) -> list[tuple[int, bool, CompiledInstrument | None]]:
        """``(part index, optional, owner of the part)`` of the composite at ``index``."""
        found = self.composite_of(owner, index)
        if found is None:
            return []
        comp, part_owner = found
        parts = comp.parts.tolist()
        optional = comp.optional.tolist()
        if len(optional) != len(parts):
            optional = [False] * len(parts)
        return [(p, o, part_owner) for p, o in zip(parts, optional, strict=True)]

    def part_reason(self, owner: CompiledInstrument | None, index: int) -> str:
        """Say why the score at ``index`` is missing, as a part of an index."""
        column, _, _ = self._axis_score(owner, index)
        if self.composite_of(owner, index) is not None:
            return wording.PARTS_MISSING
        return self.scores.missing_reason(column)[1]

    def not_assessed(self, owner: CompiledInstrument | None, index: int) -> list[tuple[str, str]]:
        """Return ``(name, why)`` of the optional parts missing under a score.

        Found through composites of composites; ``why`` says whether the part does not
        apply in the respondent's context, its questions did not apply, or they were left
        blank.
        """
        out: list[tuple[str, str]] = []
        for part, is_optional, part_owner in self._parts(owner, index):
            column, _, info = self._axis_score(part_owner, part)
            if self.scores.value(column) is None:
                if is_optional:
                    out.append((info.name, self.part_reason(part_owner, part)))
            else:
                out += self.not_assessed(part_owner, part)
        return out

    def missing_parts(self, owner: CompiledInstrument | None, index: int) -> list[str]:
        """Return the names of the parts that make a composite missing.

        These are the required parts that are missing (every missing one when all its
        parts are optional).
        """
        parts = self._parts(owner, index)
        missing = [
            (self._axis_score(o, p)[2].name, optional)
            for p, optional, o in parts
            if self.scores.value(self._axis_score(o, p)[0]) is None
        ]
        required = [name for name, optional in missing if not optional]
        return required or [name for name, _ in missing]

    def leaves(self, owner: CompiledInstrument | None, index: int) -> list[tuple[str, str]]:
        """Return ``(id, name)`` of the subscales a score rests on, through composites.

        A reversed part is named as its low end (``low self-esteem``).
        """
        found = self.composite_of(owner, index)
        if found is None:
            info = self._axis_score(owner, index)[2]
            return [(info.id.rpartition(".")[2], info.name)]
        comp, part_owner = found
        out: list[tuple[str, str]] = []
        reverse = comp.reverse.tolist()
        for k, part in enumerate(comp.parts.tolist()):
            found_leaves = self.leaves(part_owner, part)
            if k < len(reverse) and reverse[k]:
                found_leaves = [(fid, f"low {_lower_first(name)}") for fid, name in found_leaves]
            out += found_leaves
        return out

    def marker_reasons(
        self, owner: CompiledInstrument | None, markers: tuple[tuple[int, float], ...]
    ) -> dict[str, str]:
        """Why each missing marker is missing, by marker name."""
        out: dict[str, str] = {}
        for index, _ in markers:
            column, _, info = self._axis_score(owner, index)
            if self.scores.value(column) is None:
                out[info.name] = self.part_reason(owner, index)
        return out

    def markers(
        self, owner: CompiledInstrument | None, markers: tuple[tuple[int, float], ...]
    ) -> tuple[MarkerView, ...]:
        """Return the views of the markers of an axis judged marker by marker."""
        views = []
        for index, cut in markers:
            column, key, info = self._axis_score(owner, index)
            value = self.scores.value(column)
            interval, _ = self.scores.interval(column, key, value)
            bounds = (interval.low, interval.high) if interval is not None else None
            level = marker_level(math.nan if value is None else value, bounds, cut)
            views.append(MarkerView(column, info.name, value, interval, cut, level))
        return tuple(views)

    def reading(
        self, owner_id: str, prof: CompiledProfile, owner: CompiledInstrument | None
    ) -> ReadingView:
        """Return the view of one two-axis reading (``owner`` is None for a battery's)."""
        from relscales.scoring.readings import INDETERMINATE, SAFETY_FIRST

        column = self.scores.result.layout.profile_column(owner_id, prof.id)
        raw = (
            self.scores.result.columns[column][self.scores.row]
            if column in self.scores.result.columns
            else None
        )
        label = None if raw is None else str(raw)
        gates = [self.gate_flag(owner_id, owner, g) for g in prof.gated_by]
        safety_first = label == SAFETY_FIRST or any(f is not None and f.raised for f in gates)
        if safety_first:
            label = SAFETY_FIRST
        axes = []
        for axis, index, cut, marks in (
            ("x", prof.x, prof.cut_x, prof.x_markers),
            ("y", prof.y, prof.cut_y, prof.y_markers),
        ):
            score_col, key, info = self._axis_score(owner, index)
            value = self.scores.value(score_col)
            interval, _ = self.scores.interval(score_col, key, value)
            levels = self.scores.result.details.get(f"{column}.{axis}_level")
            level = (
                None
                if levels is None or levels[self.scores.row] is None
                else str(levels[self.scores.row])
            )
            markers = self.markers(owner, marks) if marks and not prof.functions else ()
            if value is None and not markers:
                level = None
            use_cut: float | None = None
            if prof.functions:
                text = f"{info.name}: {value:.2f}" if value is not None else f"{info.name}: missing"
            elif markers:
                text = wording.marker_sentence(
                    level,
                    info.name,
                    [
                        (
                            m.name,
                            m.level,
                            m.interval.low if m.interval else math.nan,
                            m.interval.high if m.interval else math.nan,
                            m.cut,
                        )
                        for m in markers
                    ],
                    self.marker_reasons(owner, marks),
                )
                use_cut = cut
            else:
                text = wording.axis_sentence(level, cut, info.name)
                use_cut = cut
            if markers and value is not None:
                where = f" (interval {interval.low:.2f} to {interval.high:.2f})" if interval else ""
                text += f" The mean, {value:.2f}{where}, is shown as a summary only."
            elif value is not None and interval is not None:
                text += f" Score {value:.2f}, interval {interval.low:.2f} to {interval.high:.2f}."
            elif value is not None:
                text += f" Score {value:.2f}."
            missing = self.not_assessed(owner, index) if value is not None else []
            missing_parts = tuple(name for name, _ in missing)
            reasons = tuple(why for _, why in missing)
            if missing_parts:
                text += " " + wording.not_assessed(missing_parts, reasons)
            axes.append(
                (
                    AxisView(
                        score_col,
                        info.name,
                        value,
                        interval,
                        use_cut,
                        level,
                        text,
                        "any" if markers else "mean",
                        markers,
                        missing_parts,
                        reasons,
                    ),
                    info,
                )
            )
        (x, x_info), (y, y_info) = axes
        kind: Literal["insecurity_source", "attachment", "other"] = (
            "insecurity_source"
            if prof.id.startswith("insecurity_source")
            else "attachment"
            if prof.id.startswith("attachment")
            else "other"
        )
        key = label if label is not None else "missing"
        intro: tuple[str, ...]
        if kind == "insecurity_source":
            intro = (
                wording.SOURCE_INTRO,
                wording.internal_pattern_text(self.leaves(owner, prof.x)),
                wording.relationship_signal_text(
                    [leaf for i, _ in prof.y_markers for leaf in self.leaves(owner, i)]
                    or self.leaves(owner, prof.y),
                    each_on_its_own=bool(prof.y_markers),
                ),
            )
            finding = wording.SOURCE_REGIONS.get(key, f"Reading: {label}.")
        elif kind == "attachment":
            intro = (wording.ATTACHMENT_INTRO,)
            finding = wording.ATTACHMENT_REGIONS.get(key, f"Reading: {label}.")
        else:
            spec_text = self._profile_description(owner, prof)
            intro = (spec_text,) if spec_text else ()
            finding = wording.OTHER_REGIONS.get(key, f"Reading: {label}.")
        status = self._status(owner)
        experimental = status == "experimental"
        notes: tuple[str, ...] = ()
        unknown = [f for f in gates if f is not None and f.state == "unknown"]
        if safety_first:  # nothing on either axis is read, whatever a template shows
            intro, finding = (), wording.SAFETY_FIRST_READING
            x = dataclasses.replace(x, text=f"{x.name}: {wording.SAFETY_FIRST_AXIS}")
            y = dataclasses.replace(y, text=f"{y.name}: {wording.SAFETY_FIRST_AXIS}")
        elif unknown:
            notes = (wording.GATE_UNKNOWN,)
        if safety_first:
            label_text = wording.SAFETY_FIRST_LABEL
        elif label is None:
            label_text = "none (a score is missing)"
        else:
            label_text = label
        qualifiers = []
        if experimental and not safety_first:
            qualifiers.append(f"{wording.EXPERIMENTAL_READING}")
        if prof.descriptive and label not in (None, INDETERMINATE, SAFETY_FIRST):
            qualifiers.append("a description, not a diagnosis")
        regions = tuple(prof.regions.items())
        chart = ""
        chart_note = None
        if not safety_first:
            active = next((k for k, v in prof.regions.items() if v == label), None)
            point = (x.value, y.value) if x.value is not None and y.value is not None else None
            desc = (
                f"{prof.name}. Horizontal axis: {x.text} Vertical axis: {y.text} "
                f"Reading: {label if label is not None else 'missing'}."
            )
            chart = charts.reading_chart(
                self.scores.chart_id(),
                f"{prof.name}: {label if label is not None else 'missing'}",
                desc,
                x_label=x_info.name,
                y_label=y_info.name,
                x_range=(x_info.low, x_info.high),
                y_range=(y_info.low, y_info.high),
                point=point,
                x_ci=(x.interval.low, x.interval.high) if x.interval else None,
                y_ci=(y.interval.low, y.interval.high) if y.interval else None,
                cut_x=None if prof.functions else prof.cut_x,
                cut_y=None if prof.functions else prof.cut_y,
                regions=prof.regions,
                active=active,
            )
            judged = [
                f"The {where} position is {a.name}, a summary only"
                for where, a in (("horizontal", x), ("vertical", y))
                if a.rule == "any"
            ]
            if judged:
                chart_note = (
                    "; ".join(judged) + ": the reading judges each facet on its own, so one "
                    "clear signal raises that side even when the mean is low."
                )
        return ReadingView(
            id=column,
            name=prof.name,
            owner=owner_id,
            kind=kind,
            method="functions" if prof.functions else "cut",
            label=label,
            descriptive=prof.descriptive,
            experimental=experimental,
            x=x,
            y=y,
            regions=regions,
            intro=intro,
            finding=finding,
            note=None if safety_first else self._profile_note(owner, prof),
            chart=chart,
            label_text=label_text,
            qualifier="; ".join(qualifiers) or None,
            safety_first=safety_first,
            notes=notes,
            chart_note=chart_note,
        )

    def gate_flag(self, owner_id: str, owner: CompiledInstrument | None, name: str) -> Flag | None:
        """Return the view of a gating flag (``flag``, or ``instrument.flag`` in a battery)."""
        if owner is None and "." in name:
            inst, _, flag = name.partition(".")
            return self.flags.get((inst, flag))
        return self.flags.get((owner_id, name))

    def _profile_spec(self, owner: CompiledInstrument | None, prof: CompiledProfile) -> Any:
        if owner is not None:
            profiles = owner.instrument.spec.profiles
        else:
            assert self.scores.battery is not None
            profiles = self.scores.battery.battery.spec.profiles
        return next((p for p in profiles if p.id == prof.id), None)

    def _profile_description(self, owner: CompiledInstrument | None, prof: CompiledProfile) -> str:
        spec = self._profile_spec(owner, prof)
        return str(spec.description) if spec is not None and spec.description else ""

    def _profile_note(self, owner: CompiledInstrument | None, prof: CompiledProfile) -> str | None:
        spec = self._profile_spec(owner, prof)
        return str(spec.note) if spec is not None and spec.note else None

    def _status(self, owner: CompiledInstrument | None) -> str:
        if owner is not None:
            return str(owner.instrument.spec.validation.status)
        assert self.scores.battery is not None
        return str(self.scores.battery.battery.spec.validation.status)
