r"""A plain-text view of an instrument (``relscales show``).

Everything in it comes from the instrument file and its text overlays, and is printed on
a terminal: each line is passed through :func:`relscales.textsafe.printable`, so that a
control character in a name, a label or an item's wording is shown as an escape
(``\x1b``), never sent to the terminal.
"""

from __future__ import annotations

import textwrap

from relscales.instruments.instrument import Instrument
from relscales.spec import PublishedSpec
from relscales.textsafe import printable

__all__ = ["describe"]


class _Wrapped(str):
    """Lines made by :func:`_wrap`: already printable, their line breaks its own."""

    __slots__ = ()


def _wrap(text: str, indent: str = "  ") -> str:
    filled = textwrap.fill(
        printable(" ".join(text.split())), width=96, initial_indent=indent, subsequent_indent=indent
    )
    return _Wrapped(filled)


def describe(inst: Instrument) -> str:
    """Return a readable description: provenance, scales, subscales and items."""
    spec = inst.spec
    lines = [
        f"{spec.name} ({spec.abbreviation or spec.id})",
        f"  id {spec.id}, version {spec.version}, domain {spec.domain}",
        f"  validation: {spec.validation.status}",
    ]
    if spec.validation.status == "experimental":
        lines.append("  EXPERIMENTAL: not yet validated; interpret scores with great caution.")
    if spec.description:
        lines += ["", _wrap(spec.description)]
    if spec.citation:
        lines += ["", "Citation:", _wrap(spec.citation + (f" doi:{spec.doi}" if spec.doi else ""))]
    lines += ["", f"Licence: {spec.license.name} (item wording {spec.license.item_text})"]
    if inst.parents:
        chain = ", ".join(f"{pid} {pver}" for pid, pver, _ in inst.parents)
        lines.append(f"Extends: {chain}")
    lines.append(f"Source: {inst.source}")
    lines.append(f"Content hash: {inst.content_hash}")
    lines += ["", "Response scales:"]
    for name, scale in spec.response_scales.items():
        values = ", ".join(
            f"{v}={scale.labels[v]}" if v in scale.labels else str(v) for v in scale.values
        )
        missing = f"; missing codes {list(scale.missing_codes)}" if scale.missing_codes else ""
        if scale.not_applicable:
            shown = [
                f"{c}={scale.labels[c]}" if c in scale.labels else str(c)
                for c in scale.not_applicable
            ]
            missing += f"; does not apply: {', '.join(shown)}"
        lines.append(f"  {name}: {values}{missing}")
    items = {item.id: item for item in spec.items}
    lines += ["", "Subscales:"]
    for sub in spec.subscales:
        tags = f" [{', '.join(sub.tags)}]" if sub.tags else ""
        rule = f"{sub.score}, min_answered {sub.min_answered}"
        count = f"{len(sub.items)} item{'s' * (len(sub.items) != 1)}"
        lines.append(f"  {sub.id}: {sub.name} ({count}, {rule}){tags}")
        if sub.applies_when is not None:
            codes = ", ".join(map(str, sub.applies_when.codes))
            lines.append(
                f"      applies when {sub.applies_when.item} is answered {codes} "
                "(or not answered); otherwise missing as not applicable"
            )
        keyed = [f"{i}{' (R)' if items[i].reverse else ''}" for i in sub.items]
        lines.append(_wrap(", ".join(keyed), "      "))
        if sub.published:
            lines += _published(sub.published)
        for norm in sub.norms:
            lines.append(f"      norms '{norm.group}': mean {norm.mean}, sd {norm.sd}")
        if sub.bands:
            bands = ", ".join(
                f"{b.label} (< {b.below})" if b.below is not None else b.label for b in sub.bands
            )
            lines.append(f"      bands: {bands}")
    for comp in spec.composites:
        parts = " + ".join(
            f"{p.weight} x {'reversed ' if p.reverse else ''}{p.score}"
            + (" (optional)" if p.optional else "")
            for p in comp.parts
        )
        kind = {True: "z scores", "pomp": "POMP scores"}.get(comp.standardized, "raw scores")
        lines.append(
            f"  {comp.id}: {comp.name} (composite, weighted {comp.method} of {kind}: {parts})"
        )
    for prof in spec.profiles:
        axes = []
        for axis in (prof.x, prof.y):
            if axis.rule == "any":
                names = [m if isinstance(m, str) else m.score for m in axis.markers]
                axes.append(f"any of {', '.join(names)} clearly above {axis.cut}")
            elif prof.method == "functions":
                axes.append(axis.score)
            else:
                axes.append(f"{axis.score} at {axis.cut}")
        lines.append(f"  {prof.id}: {prof.name} (profile: {axes[0]} x {axes[1]})")
        if prof.gated_by:
            lines.append(
                f"      safety-first when flag_{' or flag_'.join(prof.gated_by)} is raised "
                "(no region is given)"
            )
    for flag in spec.flags:
        what = f"any of {', '.join(flag.when.items)}" if flag.when.items else flag.when.score
        if flag.when.at_most is not None:
            lines.append(f"  flag_{flag.id}: raised when {what} <= {flag.when.at_most}")
        else:
            lines.append(f"  flag_{flag.id}: raised when {what} >= {flag.when.at_least}")
    lines += ["", "Items (R = reverse-keyed):"]
    for n, item in enumerate(spec.items, 1):
        column = f" [column {item.column}]" if item.column else ""
        mark = " (R)" if item.reverse else " (context, not scored)" if item.context else ""
        lines.append(f"  {n:>3}. {item.id}{mark}: {item.label} ({item.scale}){column}")
        for lang, wording in (item.text or {}).items():
            lines.append(_wrap(f"[{lang}] {wording}", "         "))
    # one line each: a control, or a line break inside a label, is shown as an escape
    return "\n".join(line if isinstance(line, _Wrapped) else printable(line) for line in lines)


def _published(published: PublishedSpec) -> list[str]:
    """Return the published reliability as indented lines (alpha, omega, retest, n, source)."""
    parts = [
        f"{name} {value}"
        for name, value in (
            ("alpha", published.alpha),
            ("omega", published.omega),
            ("retest", published.retest),
        )
        if value is not None
    ]
    if not parts:
        return []
    extra = f", n = {published.n}" if published.n else ""
    source = f" ({published.source})" if published.source else ""
    return [_wrap(f"published {', '.join(parts)}{extra}{source}", "      ")]
