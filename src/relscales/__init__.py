"""relscales: questionnaires on relationship insecurity, reassurance seeking and attachment.

The public API::

    import relscales
    inst = relscales.load_instrument("ecr-r")        # or a path to a YAML file
    result = relscales.score(inst, "responses.csv")  # or a DataFrame, mapping, array
    result.scores["anxiety"], result.problems, result.metadata

Heavy modules load on first use, so ``import relscales`` stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from relscales._version import __version__
from relscales.errors import (
    DataError,
    Issue,
    Location,
    MissingDependencyError,
    OutputError,
    RelscalesError,
    ReportError,
    ScoringError,
    SpecError,
)

if TYPE_CHECKING:
    from relscales.analysis_results import AnalysisResult
    from relscales.dyadic import (
        distinguishability,
        nonindependence,
        pairwise_icc,
        reliable_discrepancy,
    )
    from relscales.instruments.catalog import InstrumentSummary, list_instruments
    from relscales.instruments.definitions import load_definition as load_instrument
    from relscales.instruments.definitions import validate_definition as validate_file
    from relscales.instruments.instrument import Instrument
    from relscales.instruments.loader import ValidationReport, load_instrument_data
    from relscales.io.sources import open_source
    from relscales.linked_results import ChangeResult, CoupleResult
    from relscales.pipeline.analysis import analyze
    from relscales.pipeline.arrowscore import ArrowScorer
    from relscales.pipeline.change import change
    from relscales.pipeline.couples import couples
    from relscales.pipeline.samplestats import AnalysisStatistics
    from relscales.pipeline.score import score
    from relscales.problems import Problem
    from relscales.quality import (
        attention_checks,
        even_odd,
        irv,
        longstring,
        mahalanobis,
        psychant,
        psychsyn,
        screen,
        speed,
    )
    from relscales.reliability import cronbach_alpha, item_analysis, omega
    from relscales.reliable_change import clinical_cutoff, clinical_significance
    from relscales.scoring.compile import CompiledInstrument, compile_instrument
    from relscales.scoring.options import ScoreOptions
    from relscales.scoring.results import ScoreResult
    from relscales.spec import InstrumentSpec

__all__ = [
    "AnalysisResult",
    "AnalysisStatistics",
    "ArrowScorer",
    "ChangeResult",
    "CompiledInstrument",
    "CoupleResult",
    "DataError",
    "Instrument",
    "InstrumentSpec",
    "InstrumentSummary",
    "Issue",
    "Location",
    "MissingDependencyError",
    "OutputError",
    "Problem",
    "RelscalesError",
    "ReportError",
    "ScoreOptions",
    "ScoreResult",
    "ScoringError",
    "SpecError",
    "ValidationReport",
    "__version__",
    "analyze",
    "attention_checks",
    "change",
    "clinical_cutoff",
    "clinical_significance",
    "compile_instrument",
    "couples",
    "cronbach_alpha",
    "distinguishability",
    "even_odd",
    "irv",
    "item_analysis",
    "list_instruments",
    "load_instrument",
    "load_instrument_data",
    "longstring",
    "mahalanobis",
    "nonindependence",
    "omega",
    "open_source",
    "pairwise_icc",
    "psychant",
    "psychsyn",
    "reliable_discrepancy",
    "score",
    "screen",
    "speed",
    "validate_file",
]

_LAZY = {
    "analyze": "relscales.pipeline.analysis",
    "change": "relscales.pipeline.change",
    "couples": "relscales.pipeline.couples",
    "ChangeResult": "relscales.linked_results",
    "CoupleResult": "relscales.linked_results",
    "clinical_cutoff": "relscales.reliable_change",
    "clinical_significance": "relscales.reliable_change",
    "nonindependence": "relscales.dyadic",
    "pairwise_icc": "relscales.dyadic",
    "distinguishability": "relscales.dyadic",
    "reliable_discrepancy": "relscales.dyadic",
    "AnalysisResult": "relscales.analysis_results",
    "AnalysisStatistics": "relscales.pipeline.samplestats",
    "ArrowScorer": "relscales.pipeline.arrowscore",
    "open_source": "relscales.pipeline.api",
    "cronbach_alpha": "relscales.reliability",
    "item_analysis": "relscales.reliability",
    "omega": "relscales.reliability",
    "screen": "relscales.quality",
    "longstring": "relscales.quality",
    "irv": "relscales.quality",
    "mahalanobis": "relscales.quality",
    "even_odd": "relscales.quality",
    "psychsyn": "relscales.quality",
    "psychant": "relscales.quality",
    "attention_checks": "relscales.quality",
    "speed": "relscales.quality",
    "CompiledInstrument": "relscales.scoring.compile",
    "compile_instrument": "relscales.scoring.compile",
    "Instrument": "relscales.instruments.instrument",
    "InstrumentSpec": "relscales.spec",
    "InstrumentSummary": "relscales.instruments.catalog",
    "list_instruments": "relscales.instruments.catalog",
    "ValidationReport": "relscales.instruments.loader",
    "load_instrument": "relscales.pipeline.api",
    "load_instrument_data": "relscales.instruments.loader",
    "validate_file": "relscales.instruments.definitions:validate_definition",
    "ScoreOptions": "relscales.scoring.options",
    "score": "relscales.pipeline.score",
    "Problem": "relscales.problems",
    "ScoreResult": "relscales.scoring.results",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'relscales' has no attribute {name!r}")
    import importlib

    module, _, attribute = module.partition(":")
    value = getattr(importlib.import_module(module), attribute or name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
