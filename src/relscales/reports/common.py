"""What the person and the study report share: their date, banners and drawing ranges.

:data:`Clock` and :func:`default_clock` date a report (injectable, so that snapshots are
reproducible); :func:`banner` is the warning shown for an experimental or provisional
instrument; :func:`around` is the range a chart draws for a score without fixed bounds.
"""

from __future__ import annotations

import datetime
import math
import os
from collections.abc import Callable

from relscales.reports import wording

__all__ = ["Clock", "around", "banner", "default_clock"]

Clock = Callable[[], datetime.datetime]
"""A function returning the report's date and time (injectable for reproducible output)."""


def default_clock() -> datetime.datetime:
    """Return now (UTC), or the time in ``SOURCE_DATE_EPOCH`` when that is set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.UTC)
    return datetime.datetime.now(datetime.UTC)


def banner(status: str, name: str) -> str | None:
    """Return the validation banner of an instrument or battery (None when published)."""
    template = wording.BANNERS.get(status)
    return template.format(name=name) if template else None


def around(value: float | None, ci: tuple[float, float] | None) -> tuple[float, float]:
    """Return a drawing range for an unbounded score (a z metric): at least -3 to 3."""
    points = [-3.0, 3.0] + ([value] if value is not None else []) + list(ci or ())
    finite = [v for v in points if math.isfinite(v)]
    return float(math.floor(min(finite))), float(math.ceil(max(finite)))
