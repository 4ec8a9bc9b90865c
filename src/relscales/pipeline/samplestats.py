"""Mergeable statistics of a sample on one instrument: everything ``analyze`` reports.

:class:`AnalysisStatistics` keeps, per subscale, the sufficient statistics of its keyed
answers (:class:`relscales.moments.PairwiseMoments`) and, for a bootstrap interval, the
resample sums (:class:`relscales.moments.BootstrapAlpha`). It is fed batch by batch
(:meth:`AnalysisStatistics.update`), merged across batches, files or partitions
(:meth:`AnalysisStatistics.merge`), shipped between processes as bytes
(:meth:`AnalysisStatistics.to_bytes`), and finished into the subscale analyses of
:func:`relscales.analyze` (:meth:`AnalysisStatistics.subscales`). Each item's answers are
centred on the integer midpoint of its declared scale, so every sum is exact on integer
answers and any split of the rows merges to bitwise the statistics of one pass.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from relscales.analysis_results import AnalysisResult, SubscaleAnalysis
from relscales.errors import Issue, Location, RelscalesError
from relscales.moments import BootstrapAlpha, PairwiseMoments, update_bootstraps
from relscales.pipeline.run import ScoringRun
from relscales.pipeline.score import InstrumentRef, compile_ref
from relscales.reliability import (
    OmegaResult,
    alpha_from_moments,
    bootstrap_seed,
    item_analysis_from_moments,
    omega_from_correlation,
)
from relscales.scoring.compile import CompiledInstrument

__all__ = [
    "LOW_ALPHA_MARGIN",
    "MIN_ITEMS_FOR_OMEGA",
    "AnalysisStatistics",
    "keyed_answers",
]

LOW_ALPHA_MARGIN = 0.10
"""A sample alpha this far below the published one gets a warning."""

MIN_ITEMS_FOR_OMEGA = 6
"""Omega needs three group factors with two items each at the least."""


def keyed_answers(
    compiled: CompiledInstrument, answers: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Reverse-key raw answers with each item's declared scale."""
    keyed: NDArray[np.float64] = np.where(compiled.reverse, compiled.offset - answers, answers)
    return keyed


def item_centres(compiled: CompiledInstrument) -> NDArray[np.float64]:
    """Return the integer midpoint of each item's scale, the centre of its sums."""
    centres = np.zeros(len(compiled.item_ids))
    for i in range(len(compiled.item_ids)):
        values = np.asarray(compiled.scales[int(compiled.item_scale[i])].values, dtype=float)
        if values.size:
            centres[i] = np.rint((values.min() + values.max()) / 2.0)
    return centres


@dataclass
class _Subscale:
    index: int
    columns: NDArray[np.intp]
    context: int | None
    codes: NDArray[np.float64]
    moments: PairwiseMoments
    bootstrap: BootstrapAlpha | None
    out_of_context: int = 0


class AnalysisStatistics:
    """Mergeable statistics of a sample on one instrument.

    Parameters
    ----------
    instrument
        A bundled id, a YAML path, or a loaded or compiled instrument.
    ci
        ``feldt`` or ``bootstrap`` (then resample sums are kept too).
    n_boot
        Bootstrap resamples.
    seed
        Key of the bootstrap weights; ``None`` draws one now, so that every partition fed
        from this object (or its copies) shares it.
    confidence_level
        Level of the alpha interval.
    instruments_dir
        Folders searched for instrument ids, as for :func:`relscales.analyze`.

    Examples
    --------
    Statistics of two pieces of a sample, merged, equal those of the whole:

    >>> import pyarrow as pa
    >>> answers = [[(r * i + r // 2) % 4 for r in range(8)] for i in range(1, 11)]
    >>> rows = pa.table({f"rses{i:02d}": answers[i - 1] for i in range(1, 11)})
    >>> whole = AnalysisStatistics("rses", seed=1)
    >>> whole.update_data(rows)
    >>> first, second = whole.empty_copy(), whole.empty_copy()
    >>> first.update_data(rows.slice(0, 5))
    >>> second.update_data(rows.slice(5), first_row=5)
    >>> merged = first.merge_bytes(second.to_bytes())
    >>> merged.result().subscales["self_esteem"].reliability == (
    ...     whole.result().subscales["self_esteem"].reliability
    ... )
    True
    """

    def __init__(
        self,
        instrument: InstrumentRef,
        *,
        ci: Literal["feldt", "bootstrap"] = "feldt",
        n_boot: int = 1000,
        seed: int | None = None,
        confidence_level: float = 0.95,
        instruments_dir: Sequence[str | os.PathLike[str]] = (),
    ) -> None:
        if ci not in ("feldt", "bootstrap"):
            raise ValueError(f"ci must be 'feldt' or 'bootstrap', got {ci!r}")
        if ci == "bootstrap" and n_boot < 1:
            raise ValueError(f"n_boot must be at least 1, got {n_boot}")
        if not 0.0 < confidence_level < 1.0:
            raise ValueError(f"confidence_level must be in (0, 1), got {confidence_level}")
        compiled = compile_ref(instrument, instruments_dir)
        self.compiled = compiled
        self.n_problems = 0
        """Invalid cells found by :meth:`update_data` (they were read as missing)."""
        self.ci: Literal["feldt", "bootstrap"] = ci
        self.n_boot = n_boot
        self.seed = bootstrap_seed(seed)
        self.confidence_level = confidence_level
        self.n_rows = 0
        index = {item: j for j, item in enumerate(compiled.item_ids)}
        centres = item_centres(compiled)
        self._subs: list[_Subscale] = []
        for s, sub in enumerate(compiled.instrument.spec.subscales):
            if len(sub.items) < 2:
                continue  # a one-item scale has no internal consistency
            cols = np.array([index[i] for i in sub.items], dtype=np.intp)
            shift = centres[cols]
            when = sub.applies_when
            self._subs.append(
                _Subscale(
                    s,
                    cols,
                    None if when is None else index[when.item],
                    np.asarray(() if when is None else when.codes, dtype=np.float64),
                    PairwiseMoments(len(cols), shift, totals=True, frequencies=True),
                    BootstrapAlpha(len(cols), n_boot, self.seed, shift)
                    if ci == "bootstrap"
                    else None,
                )
            )

    # -- accumulation ------------------------------------------------------------------

    def update(self, answers: NDArray[np.float64], first_row: int | None = None) -> None:
        """Add a batch of raw answers (``(n_b, items)`` in item order, ``NaN`` = missing).

        ``first_row`` is the batch's 0-based position in the sample: the bootstrap weights
        depend on it (default: right after the rows added so far).
        """
        answers = np.asarray(answers, dtype=np.float64)
        if answers.ndim != 2 or answers.shape[1] != len(self.compiled.item_ids):
            raise ValueError(
                f"expected a (rows, {len(self.compiled.item_ids)}) array of answers in item "
                f"order, got shape {answers.shape}"
            )
        start = self.n_rows if first_row is None else first_row
        keyed = keyed_answers(self.compiled, answers)
        blocks: list[NDArray[np.float64]] = []
        for sub in self._subs:
            x = keyed[:, sub.columns]
            if sub.context is not None:
                # respondents for whom the score does not apply (a first relationship for
                # recurrence) are left out of its analysis, as they are out of its score
                context = answers[:, sub.context]
                out = ~np.isnan(context) & ~np.isin(context, sub.codes)
                if out.any():
                    x = x.copy()
                    x[out] = np.nan
                    sub.out_of_context += int(out.sum())
            sub.moments.update(x)
            blocks.append(x)
        boots = [sub.bootstrap for sub in self._subs if sub.bootstrap is not None]
        if boots:
            update_bootstraps(boots, blocks, start)
        self.n_rows += answers.shape[0]

    def update_data(self, data: Any, first_row: int | None = None) -> None:
        """Read response data and add its rows, batch by batch.

        ``data`` is anything :func:`relscales.open_source` reads (a path, a pyarrow Table
        or RecordBatch, a DataFrame, a mapping of columns). Cells are read as
        ``relscales score`` reads them; invalid cells count as missing and are counted in
        :attr:`n_problems`. ``first_row`` as for :meth:`update`.
        """
        from relscales.io.sources import open_source
        from relscales.scoring.options import ScoreOptions

        if type(data).__name__ == "RecordBatch":
            import pyarrow as pa

            data = pa.Table.from_batches([data])
        start = self.n_rows if first_row is None else first_row
        run = ScoringRun([self.compiled], open_source(data), ScoreOptions(problem_limit=0))
        for batch in run.answer_batches():
            self.update(batch.answers[0], start + batch.first_row)
        self.n_problems += run.problems.total

    def merge(self, other: AnalysisStatistics) -> AnalysisStatistics:
        """Add ``other``'s rows (same instrument and options); return ``self``."""
        if (other.compiled.id, other.compiled.instrument.content_hash) != (
            self.compiled.id,
            self.compiled.instrument.content_hash,
        ):
            raise ValueError("can only merge statistics of the same instrument")
        if (other.ci, other.n_boot, other.seed) != (self.ci, self.n_boot, self.seed):
            raise ValueError("can only merge statistics with the same interval options")
        for mine, theirs in zip(self._subs, other._subs, strict=True):
            mine.moments.merge(theirs.moments)
            if mine.bootstrap is not None and theirs.bootstrap is not None:
                mine.bootstrap.merge(theirs.bootstrap)
            mine.out_of_context += theirs.out_of_context
        self.n_rows += other.n_rows
        self.n_problems += other.n_problems
        return self

    def empty_copy(self) -> AnalysisStatistics:
        """Return statistics of the same instrument and options (seed included), no rows."""
        return AnalysisStatistics(
            self.compiled,
            ci=self.ci,
            n_boot=self.n_boot,
            seed=self.seed,
            confidence_level=self.confidence_level,
        )

    def merge_bytes(self, data: bytes) -> AnalysisStatistics:
        """Merge statistics shipped as :meth:`to_bytes` (e.g. by a worker); return ``self``."""
        return self.merge(
            AnalysisStatistics.from_bytes(
                self.compiled, data, confidence_level=self.confidence_level
            )
        )

    def to_bytes(self) -> bytes:
        """Serialise the sums (``.npz``, no pickle); rebuild with :meth:`from_bytes`."""
        arrays: dict[str, Any] = {
            "n_rows": np.array([self.n_rows, self.n_problems], dtype=np.int64),
            "hash": np.array(self.compiled.instrument.content_hash),
            "options": np.array([self.n_boot, self.seed], dtype=np.uint64),
            "ci": np.array(self.ci),
        }
        for j, sub in enumerate(self._subs):
            arrays[f"m{j}"] = np.frombuffer(sub.moments.to_bytes(), dtype=np.uint8)
            arrays[f"o{j}"] = np.array(sub.out_of_context, dtype=np.int64)
            if sub.bootstrap is not None:
                arrays[f"b{j}"] = sub.bootstrap.sums
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        return buffer.getvalue()

    @classmethod
    def from_bytes(
        cls,
        instrument: InstrumentRef,
        data: bytes,
        *,
        confidence_level: float = 0.95,
        instruments_dir: Sequence[str | os.PathLike[str]] = (),
    ) -> AnalysisStatistics:
        """Rebuild statistics written by :meth:`to_bytes` for the same instrument."""
        compiled = compile_ref(instrument, instruments_dir)
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            if str(z["hash"]) != compiled.instrument.content_hash:
                raise ValueError(
                    "these statistics were accumulated with another version of the instrument"
                )
            n_boot, seed = (int(v) for v in z["options"])
            ci = str(z["ci"])
            assert ci in ("feldt", "bootstrap")
            out = cls(
                compiled,
                ci="bootstrap" if ci == "bootstrap" else "feldt",
                n_boot=n_boot,
                seed=seed,
                confidence_level=confidence_level,
            )
            out.n_rows, out.n_problems = (int(v) for v in z["n_rows"])
            for j, sub in enumerate(out._subs):
                sub.moments = PairwiseMoments.from_bytes(z[f"m{j}"].tobytes())
                sub.out_of_context = int(z[f"o{j}"])
                if sub.bootstrap is not None:
                    sub.bootstrap.sums = np.array(z[f"b{j}"])
        return out

    # -- results -----------------------------------------------------------------------

    def result(self) -> AnalysisResult:
        """Finish into the result :func:`relscales.analyze` gives (without the screen).

        The careless-responding screen needs a second pass over the rows, so it is not
        part of merged statistics: run ``relscales analyze`` or ``score --with-quality``
        on the data for it.
        """
        subscales, warnings = self.subscales()
        return AnalysisResult(
            self.compiled.instrument.provenance(),
            self.n_rows,
            subscales,
            None,
            (),
            tuple(warnings),
        )

    def subscales(self) -> tuple[dict[str, SubscaleAnalysis], list[Issue]]:
        """Finish every subscale's analysis; return them with warnings about the sample."""
        compiled = self.compiled
        spec = compiled.instrument.spec
        out: dict[str, SubscaleAnalysis] = {}
        warnings: list[Issue] = []
        for s in self._subs:
            sub = spec.subscales[s.index]
            notes: list[str] = []
            if s.out_of_context:
                notes.append(
                    f"{s.out_of_context} respondents left out: the score does not apply to "
                    f"them ('{sub.applies_when.item if sub.applies_when else ''}')"
                )
            moments = s.moments
            rel = alpha_from_moments(
                moments, confidence_level=self.confidence_level, bootstrap=s.bootstrap
            )
            items = item_analysis_from_moments(moments, list(sub.items))
            om: OmegaResult | None = None
            if len(sub.items) >= MIN_ITEMS_FOR_OMEGA:
                try:
                    om = omega_from_correlation(moments.correlation())
                    if not om.rotation_converged:
                        notes.append(
                            "omega: the oblimin rotation did not converge (as psych warns); "
                            "omega hierarchical is not to be trusted, often because the data "
                            "hold fewer group factors than the three omega extracts"
                        )
                except (ValueError, np.linalg.LinAlgError, RelscalesError) as exc:
                    notes.append(f"omega not computed: {exc}")
            else:
                notes.append(f"omega needs at least {MIN_ITEMS_FOR_OMEGA} items")
            published = sub.published.alpha if sub.published else None
            where = Location(instrument=compiled.id, object_id=sub.id)
            if published is not None and rel.estimate < float(published) - LOW_ALPHA_MARGIN:
                warnings.append(
                    Issue(
                        "alpha-below-published",
                        f"'{sub.id}': the sample's alpha {rel.estimate:.2f} is well below the "
                        f"published {published}",
                        where,
                        "warning",
                        hint="check the keys and the response scale (and the items flagged "
                        "as looking reversed)",
                    )
                )
            for stat in items.items:
                if stat.looks_reversed:
                    warnings.append(
                        Issue(
                            "item-looks-reversed",
                            f"'{sub.id}': item '{stat.item_id}' correlates negatively with "
                            f"the rest of its subscale (r.drop {stat.r_drop:.2f}): it looks "
                            "reverse-keyed",
                            Location(instrument=compiled.id, object_id=stat.item_id),
                            "warning",
                            hint="check its `reverse` key against the instrument's source",
                        )
                    )
            out[sub.id] = SubscaleAnalysis(
                sub.id,
                sub.name,
                tuple(sub.items),
                moments.n_complete,
                rel,
                items,
                om,
                float(published) if published is not None else None,
                tuple(notes),
            )
        return out, warnings
