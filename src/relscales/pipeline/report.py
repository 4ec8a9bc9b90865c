"""Scoring data for reports: every score with its interval, every reading with its levels."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from typing import Any

from relscales.io.sources import open_source
from relscales.io.tabular import Source
from relscales.pipeline.score import InstrumentRef, resolve_refs, score_compiled
from relscales.reports.render import ReportInput
from relscales.scoring.options import ScoreOptions

__all__ = ["score_for_report"]


def score_for_report(
    instruments: Sequence[InstrumentRef],
    data: Any,
    *,
    options: ScoreOptions | None = None,
    instruments_dir: Sequence[str | os.PathLike[str]] = (),
    compile_one: Any = None,
) -> ReportInput:
    """Score data for reports: with details, so that every score carries its interval.

    With ``details`` on, the engine keeps every score's interval (the same one
    ``--with-ci`` writes and readings use) and each reading's axis levels.

    Parameters
    ----------
    instruments
        Bundled ids, YAML paths, loaded or compiled instruments; at most one battery.
    data
        Response data, as for :func:`relscales.score`.
    options
        Scoring options (``details`` is turned on).
    instruments_dir
        Extra folders to search for ids.
    compile_one
        Optional function compiling one reference (for text overlays).
    """
    compiled, battery = resolve_refs(list(instruments), instruments_dir, compile_one)
    options = dataclasses.replace(options or ScoreOptions(), details=True)
    source = data if isinstance(data, Source) else open_source(data)
    result = score_compiled(compiled, source, options, battery=battery)
    if battery is not None:
        compiled = [*battery.members, *[c for c in compiled if c not in battery.members]]
    return ReportInput(result, tuple(compiled), battery)
